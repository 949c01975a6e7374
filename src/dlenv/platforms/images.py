"""What the platforms' images already hold: recorded package sets, data in platform/<name>/images/<variant>.txt.

A fixture is a dated `pip freeze` of one image with a header of `# key: value` lines:

    # recorded: 2026-11-30                  the day it was recorded (required)
    # source: https://github.com/...        where it comes from, a commit where the source is git (one or more)
    # python: 3.13.15                       the image's Python (required)
    # os: Ubuntu 22.04.5 LTS                (optional)
    # accelerator: T4 GPU                   the hardware the image runs on, "none" for a CPU image (optional)
    # cuda: 12.4                            the CUDA of a torch whose version carries no +cuXXX label (optional)
    # complete: no                          only the packages the documentation names (optional, default yes)
    # note: ...                             anything a reader should know (optional, repeatable)
    name==version                           as the source has them, `name @ URL` included

The bootstrap's tests replay `plan_install` on these package sets; `dlenv platform --image` shows them.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from dlenv.errors import DlenvError, unknown
from dlenv.platforms.profiles import profiles_dir

GPU = "gpu"  # the variant image() picks when none is named: the image the lessons train on
NO_ACCELERATOR = "none"
REPEATABLE = ("source", "note")
SINGLE = ("recorded", "python", "os", "accelerator", "cuda", "complete")
REQUIRED = ("recorded", "source", "python")
YES_NO = {"yes": True, "no": False}
PYTHON_VERSION = re.compile(r"\d+\.\d+(\.\d+)?")
CUDA_LABEL = re.compile(r"\+cu(\d+)(\d)$")  # torch's local version label: +cu128 is CUDA 12.8


@dataclass(frozen=True)
class PlatformImage:
    platform: str  # "colab", "kaggle", "dsw", "aistudio"
    variant: str  # the file's stem: "gpu", "cpu", ...
    recorded: str  # "YYYY-MM-DD"
    sources: tuple[str, ...]
    python: str  # "3.13.5"
    os: str | None
    accelerator: str | None  # "T4 GPU", "none" (a CPU image), None where not recorded
    packages: dict[str, str]  # canonical distribution name -> version as recorded (see package_version)
    complete: bool  # False where only the documented key packages are recorded
    cuda: str | None = None  # the header's cuda: for a torch version without a +cuXXX label
    notes: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.platform}/{self.variant}"

    @property
    def has_gpu(self) -> bool:
        return self.accelerator is not None and self.accelerator != NO_ACCELERATOR


def images(platform: str | None = None) -> list[PlatformImage]:
    """Every recorded image (of `platform`), sorted by platform and variant."""
    found = load_images(profiles_dir())
    if platform is None:
        return list(found)
    known = sorted({i.platform for i in found})
    if platform not in known:
        raise unknown("platform image", platform, known)
    return [i for i in found if i.platform == platform]


def image(platform: str, variant: str | None = None) -> PlatformImage:
    """The recorded image `platform`/`variant`; variant None: the platform's GPU image, or its only one
    (AI Studio's free environment is a CPU)."""
    of_platform = images(platform)
    if variant is None and len(of_platform) == 1:
        return of_platform[0]
    variant = variant or GPU
    for found in of_platform:
        if found.variant == variant:
            return found
    raise unknown(f"{platform} image variant", variant, [i.variant for i in of_platform])


def torch_cuda(image: PlatformImage) -> str | None:
    """The CUDA of the image's torch: "12.8" from "2.11.0+cu128"; None for a CPU build or no torch."""
    version = image.packages.get("torch")
    if version is None:
        return None
    if match := CUDA_LABEL.search(version):
        return f"{match[1]}.{match[2]}"
    return image.cuda if "+" not in version else None  # +cpu, +rocm...: no CUDA


@cache
def load_images(folder: Path) -> tuple[PlatformImage, ...]:
    """The images recorded under `folder`/<platform>/images/, sorted."""
    return tuple(load_image(path) for path in sorted(folder.glob("*/images/*.txt")))


def load_image(path: Path) -> PlatformImage:
    """One fixture; a malformed one is a one-line error naming the file and line."""
    header: dict[str, list[str]] = {}
    packages: dict[str, str] = {}
    in_header = True
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):

        def bad(why: str, number: int = number) -> DlenvError:
            return DlenvError(f"{path}:{number}: {why}")

        if in_header and line.startswith("#"):
            key, colon, value = line[1:].partition(":")
            key, value = key.strip(), value.strip()
            if not colon or not value:
                raise bad(f"a header line is '# key: value', not '{line}'")
            if key not in SINGLE + REPEATABLE:
                error = bad(f"unknown header key '{key}'")
                error.hint = f"valid: {', '.join(SINGLE + REPEATABLE)}"
                raise error
            if key in SINGLE and key in header:
                raise bad(f"'{key}' is given twice")
            header.setdefault(key, []).append(value)
            continue
        in_header = False
        if not line.strip() or line.startswith("#"):
            continue
        try:
            name, version = package_version(line)
        except ValueError as error:
            raise bad(str(error)) from None
        if name in packages:
            raise bad(f"'{name}' is listed twice")
        packages[name] = version
    where = f"{path}:1"
    for key in REQUIRED:
        if key not in header:
            raise DlenvError(f"{where}: the header has no '{key}'")
    recorded = header["recorded"][0]
    try:
        datetime.date.fromisoformat(recorded)
    except ValueError:
        raise DlenvError(f"{where}: recorded '{recorded}' is no YYYY-MM-DD date") from None
    python = header["python"][0]
    if not PYTHON_VERSION.fullmatch(python):
        raise DlenvError(f"{where}: python '{python}' is no X.Y.Z version")
    complete = header.get("complete", ["yes"])[0]
    if complete not in YES_NO:
        raise DlenvError(f"{where}: complete '{complete}' is neither yes nor no")
    first = {key: values[0] for key, values in header.items()}
    return PlatformImage(
        platform=path.parent.parent.name,
        variant=path.stem,
        recorded=recorded,
        sources=tuple(header["source"]),
        python=python,
        os=first.get("os"),
        accelerator=first.get("accelerator"),
        packages=packages,
        complete=YES_NO[complete],
        cuda=first.get("cuda"),
        notes=tuple(header.get("note", ())),
    )


def package_version(line: str) -> tuple[str, str]:
    """(canonical name, version as recorded) of a `pip freeze` line: `name==version`, or `name @ URL`, whose
    version is the wheel's where the URL names one, else the URL itself (a git checkout, an sdist)."""
    try:
        requirement = Requirement(line)
    except InvalidRequirement:
        raise ValueError(f"'{line}' is no 'name==version' or 'name @ URL' line") from None
    name = canonicalize_name(requirement.name)
    if requirement.url:
        filename = unquote(urlsplit(requirement.url).path.rsplit("/", 1)[-1])
        try:
            return name, str(parse_wheel_filename(filename)[1])
        except InvalidWheelFilename:
            return name, requirement.url
    specifiers = list(requirement.specifier)
    if len(specifiers) != 1 or specifiers[0].operator != "==":
        raise ValueError(f"'{line}' pins no single version (name==version)")
    return name, specifiers[0].version
