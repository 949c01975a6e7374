"""Paths and platform modules a notebook uses that cannot exist where it is checked: a Windows drive path
on Linux, another platform's mounts (`/content/drive` on Kaggle, `/kaggle/input` on Colab, `/mnt/workspace`
elsewhere), `google.colab` off Colab, `kaggle_secrets` off Kaggle; each with the checked platform's
equivalent (its profile's paths, platform/<name>/profile.toml)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass

from dlenv.check.code import Code
from dlenv.check.findings import FAIL, Finding
from dlenv.platforms.profiles import Profile

WINDOWS_PATH = re.compile(r"^(?P<drive>[A-Za-z]):[\\/](?P<rest>.*)$", re.DOTALL)
ROLES = ("input_dir", "persistent_dir", "work_dir")  # a foreign path's equivalent has the same role
# Modules that exist only on one platform: Colab's (drive.mount, userdata, files.upload) and Kaggle's
# (UserSecretsClient, the input datasets' GCS paths). Sources: research/platforms.md §1(c), §2(c).
PLATFORM_MODULES = {"google.colab": "colab", "kaggle_secrets": "kaggle", "kaggle_datasets": "kaggle"}
SECRETS_FIX = "read it with dlenv.platforms.secrets.secret(NAME) (the environment, the platform's vault, then the tool's file), stored by `dlenv login`"  # noqa: E501


@dataclass(frozen=True)
class Mount:
    platform: str
    title: str
    role: str
    path: str


def mounts(profiles: dict[str, Profile]) -> list[Mount]:
    """The cloud platforms' own folders (those with [limits] in their profile), longest first."""
    found = [
        Mount(name, profile.title, role, path.rstrip("/"))
        for name, profile in profiles.items()
        if profile.limits is not None
        for role in ROLES
        if (path := getattr(profile.paths, role)) and path.startswith("/")
    ]
    return sorted(found, key=lambda mount: -len(mount.path))


def strings(code: Code) -> Iterable[tuple[int, str]]:
    """(line, text) of every string literal in the cell's Python and every word of its shell lines."""
    if code.tree is not None:
        for node in ast.walk(code.tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                yield node.lineno, node.value
    for shell in code.shell:
        for word in shell.command.split():
            yield shell.line, word.strip("'\"")


def findings(cell: int, code: Code, here: Profile, profiles: dict[str, Profile], windows: bool) -> list[Finding]:
    """Foreign paths and platform modules in one cell, checked for the platform `here` (`windows`: the
    machine runs Windows, where drive paths are at home)."""
    found, foreign = [], mounts(profiles)
    for line, text in strings(code):
        if drive := WINDOWS_PATH.match(text):
            if windows:
                continue
            found.append(Finding("foreign-path", FAIL, cell, line, f"`{text}` is a Windows path; {here.title} "
                                 "runs Linux", windows_equivalent(drive, here)))  # fmt: skip
            continue
        mount = next((m for m in foreign if m.platform != here.name and is_under(text, m.path)), None)
        if mount:
            equivalent = equivalent_path(text, mount, here)
            found.append(Finding("foreign-path", FAIL, cell, line, f"`{text}` is {mount.title}'s; it does not "
                                 f"exist on {here.title}", f"use {equivalent}" if equivalent else ""))  # fmt: skip
    for line, module in platform_imports(code):
        owner = PLATFORM_MODULES[module]
        if owner != here.name:
            why = f"`{module}` exists only on {profiles[owner].title}, not on {here.title}"
            found.append(Finding("platform-module", FAIL, cell, line, why, module_fix(module, here)))
    return found


def is_under(text: str, root: str) -> bool:
    return text == root or text.startswith(root + "/")


def equivalent_path(text: str, mount: Mount, here: Profile) -> str:
    """The same role's folder on `here`: /kaggle/input/x on Colab -> /content/x (Colab has no input mount)."""
    rest = text[len(mount.path) :]
    for role in (mount.role, "work_dir"):
        target = getattr(here.paths, role)
        if target and not target.startswith("{"):
            return target.rstrip("/") + rest
    return f"a path under the current folder (.{rest})" if rest else "the current folder"


def windows_equivalent(drive: re.Match[str], here: Profile) -> str:
    rest = drive["rest"].replace("\\", "/")
    if here.name == "wsl":  # Windows drives are mounted under /mnt/<letter> in WSL
        return f"use /mnt/{drive['drive'].lower()}/{rest} (or copy the data into the Linux file system, faster)"
    target = here.paths.input_dir or here.paths.work_dir
    where = target if not target.startswith("{") else "the notebook's folder"
    return f"upload the data to {here.title} and read it from {where}, or fetch it with `dlenv data fetch`"


def platform_imports(code: Code) -> Iterable[tuple[int, str]]:
    if code.tree is None:
        return
    for node in ast.walk(code.tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        for name in names:
            module = next((m for m in PLATFORM_MODULES if name == m or name.startswith(m + ".")), None)
            if module:
                yield node.lineno, module
                break


def module_fix(module: str, here: Profile) -> str:
    if module == "google.colab":
        keep = here.paths.persistent_dir or here.paths.work_dir
        return f"Drive: keep files in {keep} on {here.title}; userdata: {SECRETS_FIX}"
    if module == "kaggle_secrets":
        return SECRETS_FIX
    return "attach the dataset where it runs, or fetch it with `dlenv data fetch kaggle:OWNER/SLUG`"
