"""Platform profiles: data in platform/<name>/profile.toml (signals, paths, secret vault, mirrors)."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dlenv.errors import DlenvError
from dlenv.paths import PACKAGE_DIR, checkout_root

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# Detection order (platforms.md §0): signals leak between platforms — Kaggle's image carries Colab's
# COLAB_RELEASE_TAG, Colab pre-creates /kaggle, both run in Docker — so the specific come first.
ORDER = ("kaggle", "colab", "dsw", "aistudio", "docker", "local")


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Detect(_Data):
    env_all: tuple[str, ...] = ()  # every one of these variables is set
    env_any: tuple[str, ...] = ()  # or any of these
    paths_any: tuple[str, ...] = ()  # or any of these paths exists
    ipython: str | None = None  # or the IPython shell's repr contains this
    always: bool = False  # the fallback


class Paths(_Data):
    input_dir: str | None = None  # reported when it exists
    work_dir: str  # when it exists, else the current directory
    persistent_dir: str | None = None  # reported when it exists (a mounted Drive, say)
    cache_dir: tuple[str, ...]  # the first that exists or can be created; the last one regardless
    cache_on_persistent: bool = False  # put caches on persistent_dir when it is there


class Secrets(_Data):
    vault: Literal["kaggle", "colab", ""] = ""


class Mirrors(_Data):
    default: Literal["", "cn"] = ""


class Network(_Data):
    offline_fix: str


class Profile(_Data):
    name: str
    title: str
    detect: Detect
    paths: Paths
    secrets: Secrets = Field(default_factory=Secrets)
    mirrors: Mirrors = Field(default_factory=Mirrors)
    network: Network


def profiles_dir() -> Path:
    root = checkout_root()
    return root / "platform" if root else PACKAGE_DIR / "data" / "platform"


@cache
def profiles() -> dict[str, Profile]:
    """Every profile, in detection order."""
    found = {}
    for name in ORDER:
        path = profiles_dir() / name / "profile.toml"
        try:
            with path.open("rb") as f:
                found[name] = Profile.model_validate({"name": name, **tomllib.load(f)})
        except (OSError, tomllib.TOMLDecodeError, ValidationError) as error:
            raise DlenvError(f"{path}: {str(error).splitlines()[0]}", exit_code=1) from None
    return found
