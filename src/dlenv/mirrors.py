"""Mirrors for networks that cannot reach PyPI or the Hugging Face hub quickly (platform/mirrors.toml)."""

from __future__ import annotations

import configparser
import os
import sys
from functools import cache
from pathlib import Path

from dlenv.errors import unknown
from dlenv.paths import host_path
from dlenv.platforms.profiles import profiles_dir

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@cache
def mirrors() -> dict[str, dict[str, str]]:
    with (profiles_dir() / "mirrors.toml").open("rb") as f:
        return tomllib.load(f)


def mirror_environment(name: str) -> dict[str, str]:
    """The variables that point pip, PyTorch's wheels, huggingface_hub, ModelScope and the images' base registry
    at mirror `name` ('' or 'none': none)."""
    if name in ("", "none"):
        return {}
    table = mirrors()
    if name not in table:
        raise unknown("mirror", name, [*table, "none"])
    return {key: value for key, value in table[name].items() if key.isupper()}


def mirror_variables() -> list[str]:
    """Every variable some mirror sets: what `dlenv mirror none` unsets."""
    return sorted({key for table in mirrors().values() for key in table if key.isupper()})


# pip's configuration files, lowest priority first (pip's docs, "Configuration": site, user, legacy user);
# the site-wide ones as a platform image writes them (PAI-DSW: mirrors.aliyun.com in /etc/pip.conf).
PIP_CONFIG_FILES = ("/etc/pip.conf", "/etc/xdg/pip/pip.conf", "~/.pip/pip.conf", "~/.config/pip/pip.conf")


def configured_pip_index() -> str | None:
    """The index pip already uses instead of PyPI on this machine: PIP_INDEX_URL, else index-url in a pip
    configuration file ([install] over [global], later files over earlier ones)."""
    if os.environ.get("PIP_INDEX_URL"):
        return os.environ["PIP_INDEX_URL"]
    found = None
    files = [Path(f).expanduser() if f.startswith("~") else host_path(f) for f in PIP_CONFIG_FILES]
    if os.environ.get("PIP_CONFIG_FILE"):
        files.append(Path(os.environ["PIP_CONFIG_FILE"]))
    for path in files:
        parser = configparser.ConfigParser()
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, OSError):
            continue  # pip would complain itself; the bootstrap only asks
        for section in ("global", "install"):
            if parser.has_option(section, "index-url"):
                found = parser.get(section, "index-url")
    return found
