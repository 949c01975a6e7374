"""How big a row's image is: measured from the built image, or estimated from what it installs.

`measured` reads the engine's numbers (the image's Size and each layer's, from `docker history`).
`estimate` works without an engine: it resolves each environment the Dockerfile installs (the row's
requirements, plus dlenv's own dependencies in the main one) with the same resolver as `dlenv matrix
check`, and adds up the sizes PyPI's JSON API gives for the wheel pip would pick on the image's
Python and glibc. That is the compressed download; the installed layers are larger (a wheel is a zip).
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import canonicalize_name, parse_wheel_filename

from dlenv.errors import FAILED, DlenvError
from dlenv.images.expect import image_tag
from dlenv.matrix import Row
from dlenv.requirements import Environment, environments
from dlenv.resolve import Indexes, compile_args, parse_pins, uv_binary

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PYPI_JSON = "https://pypi.org/pypi/{name}/json"  # PyPI JSON API: every release's files, with "size" in bytes
# glibc of the images' Ubuntu releases (packages.ubuntu.com, glibc: jammy 2.35, noble 2.39): the newest
# manylinux_2_N wheel pip takes there.
UBUNTU_GLIBC_MINOR = {"22.04": 35, "24.04": 39}
DLENV_EXTRAS = ("lessons", "data")  # what the Dockerfile's `pip install "/opt/dlenv[lessons,data]"` adds
MB = 1_000_000

Fetch = Callable[[str], dict[str, Any]]


def measured(row: Row, image_id: str, size: int, history: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The JSON report of a built image: its size and each layer's, first layer first
    (`history` is the engine's /images/{id}/history answer, newest first)."""
    layers = [
        {"created_by": " ".join(str(layer.get("CreatedBy", "")).split()), "size_bytes": int(layer.get("Size", 0))}
        for layer in reversed(list(history))
    ]
    return {
        "row": row.name,
        "image": image_tag(row),
        "id": image_id,
        "base_image": row.base_image,
        "size_bytes": int(size),
        "size_mb": round(size / MB, 1),
        "layers": layers,
    }


@dataclass(frozen=True)
class Wheel:
    name: str
    version: str
    filename: str | None  # None: PyPI has no wheel of it for the image's Python and platform
    size: int | None


@dataclass(frozen=True)
class Estimate:
    row: str
    base_image: str
    python: str
    wheels: tuple[Wheel, ...] = ()
    unknown: str | None = None  # why the wheels could not be sized at all
    missing: tuple[str, ...] = field(default=())

    @property
    def wheels_bytes(self) -> int | None:
        if self.unknown is not None:
            return None
        return sum(wheel.size or 0 for wheel in self.wheels)

    def as_json(self) -> dict[str, Any]:
        total = self.wheels_bytes
        return {
            "row": self.row,
            "base_image": self.base_image,
            "python": self.python,
            "wheels_mb": None if total is None else round(total / MB, 1),
            "packages": len(self.wheels),
            "unsized": [w.name for w in self.wheels if w.size is None],
            "unknown": self.unknown,
            "largest": [
                {"name": w.name, "version": w.version, "mb": round((w.size or 0) / MB, 1)}
                for w in sorted(self.wheels, key=lambda w: -(w.size or 0))[:8]
            ],
        }


def supported_tags(python: str, ubuntu: str) -> list[Tag]:
    """The wheel tags pip accepts on the image's CPython and glibc, most preferred first."""
    version = tuple(int(part) for part in python.split("."))
    glibc = UBUNTU_GLIBC_MINOR[ubuntu]
    platforms = [f"manylinux_2_{minor}_x86_64" for minor in range(glibc, 16, -1)]
    platforms += ["manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64", "linux_x86_64"]
    return [*cpython_tags(version, platforms=platforms), *compatible_tags(version, platforms=platforms)]


def pick_wheel(files: list[dict[str, Any]], tags: list[Tag]) -> dict[str, Any] | None:
    """The file pip would install: the wheel whose best tag ranks highest in `tags`."""
    rank = {tag: i for i, tag in enumerate(tags)}
    best: tuple[int, dict[str, Any]] | None = None
    for file in files:
        if not file["filename"].endswith(".whl"):
            continue
        ranks = [rank[tag] for tag in parse_wheel_filename(file["filename"])[3] if tag in rank]
        if ranks and (best is None or min(ranks) < best[0]):
            best = (min(ranks), file)
    return best[1] if best else None


def pypi_json(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.load(response)


def dlenv_requirements(root: Path) -> list[str]:
    """dlenv's own dependencies and those of the extras its images install (pyproject.toml)."""
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project.get("optional-dependencies", {})
    return [*project.get("dependencies", []), *(req for extra in DLENV_EXTRAS for req in extras.get(extra, []))]


def resolve(env: Environment, python: str, extra: list[str], uv: str) -> dict[str, str]:
    """Every package the environment installs, pinned, as `dlenv matrix check` resolves it."""
    proc = subprocess.run(
        [uv, *compile_args(env, python, Indexes())],
        input="\n".join([*env.requirements, *extra]) + "\n",
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0:
        lines = [line.strip() for line in proc.stderr.splitlines() if line.strip()]
        raise DlenvError(
            f"cannot resolve {env.name} for Python {python}: {' '.join(lines[:3])[:300]}", exit_code=FAILED
        )
    return parse_pins(proc.stdout)


def wheel_sizes(pins: dict[str, str], tags: list[Tag], fetch: Fetch = pypi_json) -> list[Wheel]:
    """The size of the wheel pip would pick for each pin, from PyPI's JSON API (one request per package)."""

    def one(item: tuple[str, str]) -> Wheel:
        name, version = item
        try:
            releases = fetch(PYPI_JSON.format(name=canonicalize_name(name)))["releases"]
        except OSError:
            return Wheel(name, version, None, None)
        file = pick_wheel(releases.get(version, []), tags)
        return Wheel(name, version, file["filename"], int(file["size"])) if file else Wheel(name, version, None, None)

    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(one, sorted(pins.items())))


def estimate(row: Row, root: Path, fetch: Fetch = pypi_json, uv: str | None = None) -> Estimate:
    """The compressed size of every wheel the row's image installs; `unknown` says why where it cannot be known
    (an index this machine cannot reach, say)."""
    python = row.image_python
    ubuntu = row.base_image.rsplit("ubuntu", 1)[1].lstrip(":")
    try:
        uv = uv or uv_binary()
        wheels: list[Wheel] = []
        for env in environments(row):
            extra = dlenv_requirements(root) if env.suffix == "" else []
            wheels += wheel_sizes(resolve(env, python, extra, uv), supported_tags(python, ubuntu), fetch)
    except DlenvError as error:
        return Estimate(row.name, row.base_image, python, unknown=error.message)
    return Estimate(row.name, row.base_image, python, tuple(wheels))
