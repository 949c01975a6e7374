"""What a bundle is for: a platform's Python, its wheel tags and the packages its image already holds —
a recorded image (dlenv.platforms.images), or this interpreter's environment for local and docker — and
what the bootstrap would install there (dlenv.bootstrap.plan_install, so the two cannot disagree)."""

from __future__ import annotations

import platform as host
import re
from dataclasses import dataclass

from packaging import tags

from dlenv.bootstrap import InstallPlan, plan_install
from dlenv.errors import DlenvError, shown, unknown
from dlenv.matrix import Matrix, Row
from dlenv.platforms.images import PlatformImage, image, images, torch_cuda
from dlenv.platforms.profiles import profiles

THIS_ENVIRONMENT = ("local", "docker")  # bundled for the interpreter dlenv runs in
PYTHON = re.compile(r"(\d+)\.(\d+)(\.\d+)?")
ARCH = "x86_64"  # every recorded image runs on x86-64 (platform/*/images/*.txt)
# glibc of each Ubuntu release the images run, the newest manylinux_2_X their pip accepts
# (packages.ubuntu.com, package libc6: focal 2.31, jammy 2.35, noble 2.39).
UBUNTU_GLIBC = {"20.04": 31, "22.04": 35, "24.04": 39}
UNKNOWN_OS_GLIBC = 28  # manylinux_2_28 (AlmaLinux 8): what current wheels (torch's) are built for
OLDEST_GLIBC = 17  # manylinux2014 / manylinux_2_17; pip adds manylinux2010 and manylinux1 itself


@dataclass(frozen=True)
class Target:
    platform: str
    python: str  # "3.12": the version wheels are downloaded for
    platform_tags: tuple[str, ...]  # pip download --platform, best first
    installed: dict[str, str]  # canonical name -> version: what the image holds
    torch_cuda: str | None  # the CUDA of the installed torch
    image: PlatformImage | None  # None: this interpreter's environment
    warnings: tuple[str, ...] = ()

    @property
    def abi(self) -> str:
        return "cp" + self.python.replace(".", "")


def target(platform: str, python: str | None = None, variant: str | None = None) -> Target:
    """The bundle's target: `platform`'s recorded image (`variant`, default its GPU one), or this
    environment for local and docker; `python` ("3.12") overrides the image's, with a warning."""
    if platform not in profiles():
        raise unknown("platform", platform, profiles())
    if python is not None and not PYTHON.fullmatch(python):
        raise DlenvError(f"--python {shown(python)}: not a Python version", hint="give X.Y, such as 3.12")
    wanted = ".".join(python.split(".")[:2]) if python else None
    if platform in THIS_ENVIRONMENT:
        if variant is not None:
            raise DlenvError(
                f"--variant {shown(variant)}: {platform} has no recorded images, its bundle is for this environment"
            )
        return _this_environment(platform, wanted)
    recorded_platforms = sorted({i.platform for i in images()})
    if platform not in recorded_platforms:
        raise DlenvError(
            f"no image of {platform} is recorded: dlenv cannot tell what it already holds",
            hint=f"record one in platform/{platform}/images/ (dlenv.platforms.images), or bundle for "
            f"{', '.join([*recorded_platforms, *THIS_ENVIRONMENT])}",
        )
    recorded = image(platform, variant)
    own = ".".join(recorded.python.split(".")[:2])
    warnings = []
    if wanted and wanted != own:
        warnings.append(f"--python {wanted} overrides {recorded.name}'s recorded Python {recorded.python}")
    return Target(
        platform=platform,
        python=wanted or own,
        platform_tags=manylinux_tags(_glibc_of(recorded.os)),
        installed=dict(recorded.packages),
        torch_cuda=torch_cuda(recorded),
        image=recorded,
        warnings=tuple(warnings + _marker_warning(wanted or own)),
    )


def _this_environment(platform: str, python: str | None) -> Target:
    from dlenv.doctor.collect import installed_torch, installed_versions

    here = ".".join(host.python_version_tuple()[:2])
    torch = installed_torch()
    return Target(
        platform=platform,
        python=python or here,
        platform_tags=tuple(dict.fromkeys(tags.platform_tags())),  # this machine's, as its pip accepts them
        installed=installed_versions(),
        torch_cuda=torch.cuda if torch else None,
        image=None,
        warnings=tuple(_marker_warning(python or here)),
    )


def manylinux_tags(glibc_minor: int) -> tuple[str, ...]:
    """manylinux_2_<glibc>_x86_64 down to manylinux_2_17, then manylinux2014: pip expands no manylinux_2_X
    tag to the older ones by itself, so each is named."""
    newest_first = range(glibc_minor, OLDEST_GLIBC - 1, -1)
    return (*(f"manylinux_2_{minor}_{ARCH}" for minor in newest_first), f"manylinux2014_{ARCH}")


def _glibc_of(os_name: str | None) -> int:
    match = re.search(r"Ubuntu (\d+\.\d+)", os_name or "")
    return UBUNTU_GLIBC.get(match[1], UNKNOWN_OS_GLIBC) if match else UNKNOWN_OS_GLIBC


def _marker_warning(python: str) -> list[str]:
    # pip evaluates environment markers (`tomli; python_version < "3.11"`) with the Python that runs it,
    # not --python-version (pypa/pip#11010, #6117)
    here = ".".join(host.python_version_tuple()[:2])
    if python == here:
        return []
    return [f"pip runs on Python {here}: dependencies marked for Python {python} alone may be missing"]


def default_row(found: Target, matrix: Matrix) -> Row:
    """The row the bootstrap would pick: this machine's doctor's; for an image, the row of its torch; else cpu."""
    if found.image is None:
        from dlenv.doctor import diagnose
        from dlenv.doctor.collect import collect

        recommended = diagnose(collect(found.installed), matrix).recommended_row
        if recommended:
            return matrix.row(recommended)
    elif "torch" in found.installed:
        of_torch = matrix.row_of_torch(found.installed["torch"], found.torch_cuda)
        if of_torch:
            return of_torch
    return next(row for row in matrix.rows.values() if row.cuda is None)


def install_plan(found: Target, matrix: Matrix, row_name: str | None = None) -> InstallPlan:
    """What the bootstrap would install on the target (row `row_name`, else default_row)."""
    from dlenv.bootstrap import extras_for
    from dlenv.platforms.profiles import profiles

    row = matrix.row(row_name) if row_name else default_row(found, matrix)
    mirror = profiles()[found.platform].mirrors.default if found.platform in profiles() else ""
    return plan_install(found.installed, found.torch_cuda, matrix, row, extras=extras_for(mirror))
