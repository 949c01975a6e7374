"""The wheels of a bundle, downloaded by pip for another machine's Python and platform tags.

`pip download` ignores what is installed: asked for bitsandbytes, it would fetch a torch too. So the
image's own builds (torch, torchvision, torchaudio, TensorFlow, numpy) are pinned in the constraints file
to stand-in wheels of their exact versions that carry no code and need nothing: pip resolves against the
platform's versions, fetches none of them, and the stand-ins are taken out afterwards. A wheel of one of
those builds still in the folder then is a bug said out loud, never a silent multi-GB torch.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

from dlenv.bootstrap import PLATFORM_OWNED
from dlenv.errors import FAILED, DlenvError
from dlenv.torch_mirror import index_args


@dataclass(frozen=True)
class Download:
    wheels: tuple[Path, ...]  # what pip saved, stand-ins taken out
    command: tuple[str, ...]  # the pip download command, for the manifest's readers and the tests


def pip_download(
    requirements: list[str],
    constraints: list[str],
    installed: dict[str, str],
    *,
    python: str,
    platform_tags: tuple[str, ...],
    abi: str,
    dest: Path,
    index_urls: tuple[str, ...] = (),
) -> Download:
    """Download `requirements` and their dependencies into `dest` as wheels for `python` and `platform_tags`,
    under `constraints`; the platform's own builds among `installed` are kept out (see the module's doc)."""
    with tempfile.TemporaryDirectory(prefix="dlenv-stand-ins-") as tmp:
        stand_ins, other = _stand_ins(constraints, installed, Path(tmp))
        constraints_file = Path(tmp) / "constraints.txt"
        pinned = [f"{name} @ {wheel.as_uri()}" for name, wheel in stand_ins.items()]
        constraints_file.write_text("\n".join(pinned + other) + "\n", encoding="utf-8")
        command = [sys.executable, "-m", "pip", "download", "--dest", str(dest), "--only-binary=:all:"]
        command += ["--python-version", python, "--implementation", "cp", "--abi", abi]
        command += [arg for tag in platform_tags for arg in ("--platform", tag)]
        command += index_args(index_urls)  # the row's torch index, or its mirror's folder (DLENV_TORCH_INDEX)
        command += ["--constraint", str(constraints_file), "--progress-bar", "off", *requirements]
        proc = subprocess.run(command, capture_output=True, text=True, env=_pip_environment())
        if proc.returncode != 0:
            raise DlenvError(f"pip download failed: {pip_reason(proc.stdout + proc.stderr)}", exit_code=FAILED)
        for wheel in stand_ins.values():
            (dest / wheel.name).unlink(missing_ok=True)
        saved = tuple(sorted(dest.glob("*.whl")))
        owned = {name: installed[name] for name in stand_ins}
        for wheel in saved:
            name = canonicalize_name(parse_wheel_filename(wheel.name)[0])
            if name in owned:
                raise DlenvError(
                    f"{wheel.name} got into the bundle: the platform keeps its own {name} {owned[name]}",
                    hint="a requirement forced it past the constraints; bundle with --row of that build",
                    exit_code=FAILED,
                )
        return Download(saved, tuple(command))


def _stand_ins(constraints: list[str], installed: dict[str, str], folder: Path) -> tuple[dict[str, Path], list[str]]:
    """Stand-in wheels for the constraints that pin a platform-owned build at its installed version; the
    other constraint lines as they are."""
    stand_ins, other = {}, []
    for line in constraints:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        if name in PLATFORM_OWNED and installed.get(name) and str(requirement.specifier) == f"=={installed[name]}":
            stand_ins[name] = stand_in_wheel(folder, name, installed[name])
        else:
            other.append(line)
    return stand_ins, other


def stand_in_wheel(folder: Path, name: str, version: str, metadata: Iterable[str] = ()) -> Path:
    """A wheel of `name` `version` with metadata only: no code, and no dependencies unless `metadata` adds
    lines (Requires-Dist, Provides-Extra, ...); installable anywhere."""
    dist = re.sub(r"[-_.]+", "_", name)
    info = f"{dist}-{version}.dist-info"
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}", *metadata]
    files = {
        f"{info}/METADATA": "\n".join(lines) + "\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: dlenv\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    files[f"{info}/RECORD"] = "".join(f"{path},,\n" for path in files) + f"{info}/RECORD,,\n"
    path = folder / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for arcname, text in files.items():
            wheel.writestr(arcname, text)
    return path


def _pip_environment() -> dict[str, str]:
    # a PIP_CONSTRAINT the bootstrap set for this machine's torch has no say over another machine's wheels
    return {name: value for name, value in os.environ.items() if name != "PIP_CONSTRAINT"}


def pip_reason(output: str) -> str:
    """pip's own reason, in one line: its ERROR lines (or its last line)."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line.removeprefix("ERROR: ") for line in lines if line.startswith("ERROR:")]
    return " ".join(errors or lines[-1:]) or "no output"
