"""Platform profiles: data in platform/<name>/profile.toml (signals, paths, secret vault, mirrors).

Validated like the matrix (dlenv.schema): by pydantic the first time these exact files are read on a
machine, then built as plain dataclasses, so `dlenv platform` does not import pydantic.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from dlenv.errors import DlenvError
from dlenv.paths import PACKAGE_DIR, checkout_root
from dlenv.schema import (
    FORBID_EXTRA,
    NonEmpty,
    Pattern,
    Strict,
    construct,
    describe,
    validate,
    validated_once,
    validation_error,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# Detection order (platforms.md §0): signals leak between platforms — Kaggle's image carries Colab's
# COLAB_RELEASE_TAG, Colab pre-creates /kaggle, both run in Docker — so the specific come first. A container
# on WSL 2 (Docker Desktop) shares WSL's kernel, whose /proc/version names microsoft: docker before wsl.
ORDER = ("kaggle", "colab", "dsw", "aistudio", "docker", "wsl", "local")


@dataclass(frozen=True)
class Detect:
    __pydantic_config__ = FORBID_EXTRA
    env_all: tuple[str, ...] = ()  # every one of these variables is set
    env_any: tuple[str, ...] = ()  # or any of these
    paths_any: tuple[str, ...] = ()  # or any of these paths exists
    file_contains: dict[str, str] = field(default_factory=dict)  # or a file holds this text, in either case
    ipython: str | None = None  # or the IPython shell's repr contains this
    always: Annotated[bool, Strict()] = False  # the fallback


@dataclass(frozen=True)
class Paths:
    __pydantic_config__ = FORBID_EXTRA
    work_dir: str  # when it exists, else the current directory
    cache_dir: Annotated[tuple[str, ...], NonEmpty()]  # the first that exists or can be created; the last regardless
    input_dir: str | None = None  # reported when it exists
    persistent_dir: str | None = None  # reported when it exists (a mounted Drive, say)
    cache_on_persistent: Annotated[bool, Strict()] = False  # put caches on persistent_dir when it is there
    runs_on_persistent: Annotated[bool, Strict()] = False  # `dlenv run` writes to persistent_dir/runs by default


@dataclass(frozen=True)
class WorkDirWarning:
    """Said when the work folder, as the machine names it, matches: a place that works but hurts (/mnt/c on WSL)."""

    __pydantic_config__ = FORBID_EXTRA
    work_dir_matches: str  # a regular expression, searched in the absolute path
    message: str  # may name {work_dir} and {name}, its last part


@dataclass(frozen=True)
class Secrets:
    __pydantic_config__ = FORBID_EXTRA
    vault: Literal["kaggle", "colab", ""] = ""


@dataclass(frozen=True)
class Mirrors:
    __pydantic_config__ = FORBID_EXTRA
    default: Literal["", "cn"] = ""


@dataclass(frozen=True)
class Limits:
    """What a free account gets, each value with its source in the profile; a value nobody publishes is left out."""

    __pydantic_config__ = FORBID_EXTRA
    free_gpu: Annotated[bool, Strict()]  # the free tier has a GPU
    gpu_quota: str  # how GPU time is counted, in words
    internet: str
    gpu_hours_per_week: Annotated[int, Strict()] | None = None  # set where the GPU quota is weekly
    session_hours: Annotated[int, Strict()] | None = None  # the longest session
    idle_timeout_minutes: Annotated[int, Strict()] | None = None  # an idle session ends after this
    disk_gb: Annotated[int, Strict()] | None = None  # what is kept, in GB


@dataclass(frozen=True)
class Install:
    __pydantic_config__ = FORBID_EXTRA
    # pip installs here (`pip install --target`) rather than into site-packages, which the platform resets;
    # the folder goes on sys.path and PYTHONPATH. Absolute, like every path a profile names.
    target: Annotated[str, Pattern("^/")] | None = None


@dataclass(frozen=True)
class Network:
    __pydantic_config__ = FORBID_EXTRA
    offline_fix: str


@dataclass(frozen=True)
class Profile:
    __pydantic_config__ = FORBID_EXTRA
    name: str
    title: str
    detect: Detect
    paths: Paths
    network: Network
    secrets: Secrets = field(default_factory=Secrets)
    mirrors: Mirrors = field(default_factory=Mirrors)
    install: Install = field(default_factory=Install)
    limits: Limits | None = None  # none on a machine of one's own
    warnings: tuple[WorkDirWarning, ...] = ()


def profiles_dir() -> Path:
    root = checkout_root()
    return root / "platform" if root else PACKAGE_DIR / "data" / "platform"


@cache
def profiles() -> dict[str, Profile]:
    """Every profile, in detection order."""
    return load_profiles(profiles_dir())


def load_profiles(folder: Path) -> dict[str, Profile]:
    """The profiles in `folder`, in detection order; a bad one is a one-line error naming file and field."""
    tables: dict[str, dict[str, Any]] = {}
    texts = []
    for name in ORDER:
        path = folder / name / "profile.toml"
        try:
            texts.append(path.read_text(encoding="utf-8"))
            tables[name] = {"name": name, **tomllib.loads(texts[-1])}
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise DlenvError(f"{path}: {str(error).splitlines()[0]}", exit_code=1) from None

    def check() -> dict[str, Profile]:
        found = {}
        for name, table in tables.items():
            try:
                found[name] = validate(Profile, table)
            except validation_error() as error:
                raise DlenvError(f"{folder / name / 'profile.toml'}: {describe(error, Profile)}", exit_code=1) from None
        return found

    def build() -> dict[str, Profile]:
        return {name: construct(Profile, table) for name, table in tables.items()}

    return validated_once("profiles", "\0".join(texts), [Path(__file__)], check, build)
