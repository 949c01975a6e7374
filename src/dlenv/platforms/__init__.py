"""Where am I running? Kaggle, Colab, AI Studio, PAI-DSW, Docker, WSL or a local machine — and where do
inputs, work, persistent files and caches go there.

    >>> import dlenv.platforms
    >>> dlenv.platforms.detect().name
    'local'

Every absolute path the adapters look at is taken below DLENV_FS_ROOT when that is set (tests).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from dlenv.paths import host_path, machine_path
from dlenv.platforms.detect import detect_name
from dlenv.platforms.profiles import Limits, Profile, profiles
from dlenv.platforms.secrets import available, secret

__all__ = ["CACHE_VARIABLES", "Platform", "cache_environment", "detect", "secret"]

# The cache variable of each library, relative to the platform's cache_dir; each is read by its
# library at import (platforms.md §5, §6).
CACHE_VARIABLES = {
    "HF_HOME": "huggingface",  # huggingface_hub, transformers, datasets
    "KAGGLEHUB_CACHE": "kagglehub",
    "TORCH_HOME": "torch",
    "MODELSCOPE_CACHE": "modelscope",
}


@dataclass(frozen=True)
class Platform:
    name: str
    title: str
    input_dir: str | None  # read-only inputs (datasets attached to the notebook)
    work_dir: str  # writable
    persistent_dir: str | None  # survives a restart
    cache_dir: str
    has_gpu: bool
    secrets: tuple[str, ...]  # names found, never values
    vault: str
    mirror: str
    offline_fix: str
    install_target: str | None = None  # where pip installs persist, when site-packages does not (AI Studio)
    limits: Limits | None = None  # the free tier's session and weekly limits; none on one's own machine
    warnings: tuple[str, ...] = ()  # where this runs works but hurts: a work folder on a Windows drive under WSL

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["secrets"] = list(self.secrets)
        data["warnings"] = list(self.warnings)
        for private in ("vault", "mirror", "offline_fix", "install_target"):
            data.pop(private)
        if data["limits"] is not None:
            data["limits"]["warnings"] = self.limit_warnings()
        return data

    def limit_warnings(self) -> list[str]:
        """What a learner should know before training here: no free GPU, or GPU time that runs out for the week."""
        limits, found = self.limits, []
        if limits is None:
            return found
        if not limits.free_gpu:
            found.append(f"{self.title} has no free GPU: {limits.gpu_quota}; lessons run on the CPU (--smoke) there")
        if limits.gpu_hours_per_week is not None:
            found.append(
                f"GPU time on {self.title} is a weekly quota of {limits.gpu_hours_per_week:g} h: turn the accelerator "
                "off while reading or editing, and try a lesson with --smoke first"
            )
        return found

    def secret(self, name: str) -> str | None:
        return secret(name, self.vault)


def _expand(template: str) -> str:
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return template.format(cwd=Path.cwd(), home=str(Path.home()), cache_home=cache_home)


def _path(template: str) -> Path:
    """A profile's path: placeholders filled in; a fixed absolute path re-rooted under DLENV_FS_ROOT."""
    return host_path(template) if template.startswith("/") else Path(_expand(template))


def _existing(template: str | None) -> str | None:
    return str(_path(template)) if template is not None and _path(template).exists() else None


def _creatable(path: Path) -> bool:
    return path.exists() or (path.parent.is_dir() and os.access(path.parent, os.W_OK))


def _resolve(profile: Profile) -> dict[str, str | None]:
    paths = profile.paths
    persistent = _existing(paths.persistent_dir)
    if paths.cache_on_persistent and persistent:
        cache = Path(persistent) / ".cache" / "dlenv"
    else:
        candidates = [_path(template) for template in paths.cache_dir]
        cache = next((c for c in candidates if _creatable(c)), candidates[-1])
    return {
        "input_dir": _existing(paths.input_dir),
        "work_dir": _existing(paths.work_dir) or str(Path.cwd()),
        "persistent_dir": persistent,
        "cache_dir": str(cache),
    }


def _work_dir_warnings(profile: Profile, work_dir: str) -> tuple[str, ...]:
    where = machine_path(Path(work_dir))
    return tuple(
        warning.message.format(work_dir=work_dir, name=Path(work_dir).name)
        for warning in profile.warnings
        if re.search(warning.work_dir_matches, where)
    )


def has_gpu() -> bool:
    from dlenv.doctor.collect import nvidia_driver_loaded

    return nvidia_driver_loaded()


def detect(env: Mapping[str, str] | None = None) -> Platform:
    """This machine's platform, its paths and the names of the secrets it holds."""
    profile = profiles()[detect_name(env)]
    paths = _resolve(profile)
    return Platform(
        name=profile.name,
        title=profile.title,
        **paths,  # type: ignore[arg-type]
        has_gpu=has_gpu(),
        secrets=tuple(available()),
        vault=profile.secrets.vault,
        mirror=profile.mirrors.default,
        offline_fix=profile.network.offline_fix,
        install_target=str(_path(profile.install.target)) if profile.install.target else None,
        limits=profile.limits,
        warnings=_work_dir_warnings(profile, str(paths["work_dir"])),
    )


def cache_environment(platform: Platform) -> dict[str, str]:
    """The cache variables to point at the platform's cache_dir; ones the user already set are kept."""
    return {var: str(Path(platform.cache_dir) / sub) for var, sub in CACHE_VARIABLES.items() if var not in os.environ}
