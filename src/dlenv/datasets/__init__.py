"""Datasets: an attached copy, else the local cache, else a download — verified and moved into place.

    >>> from dlenv.datasets import fetch
    >>> fetch("url:https://example.org/corpus.zip#sha256=...").path

Resolution order: the platform's input mount (Kaggle's /kaggle/input/datasets/<owner>/<slug> and
legacy /kaggle/input/<slug>, AI Studio's /home/aistudio/data/data<id>, /data in dlenv's image) →
dlenv's cache → a download (kagglehub, huggingface_hub, HTTP). Offline with nothing cached: one
line that says how to get the data on this platform.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from dlenv.datasets.download import Offline, Progress, download, sha256_of
from dlenv.datasets.spec import Spec, parse_spec
from dlenv.errors import DlenvError
from dlenv.hub import hub_snapshot
from dlenv.platforms import Platform, detect

__all__ = ["Fetched", "Spec", "fetch", "parse_spec"]


@dataclass(frozen=True)
class Fetched:
    spec: Spec
    path: Path
    via: Literal["mount", "cache", "download"]

    def as_json(self) -> dict[str, str]:
        return {"spec": str(self.spec), "path": str(self.path), "via": self.via}


def fetch(spec: str | Spec, *, platform: Platform | None = None, progress: Progress | None = None) -> Fetched:
    spec = parse_spec(spec) if isinstance(spec, str) else spec
    platform = platform or detect()
    mounted = _from_mount(spec, platform)
    if mounted is not None:
        return Fetched(spec, mounted, "mount")
    if spec.source == "aistudio":
        raise DlenvError(
            f"AI Studio dataset {spec.id} is not attached to this project",
            hint=f"attach it (数据集 → 添加数据集); it appears as /home/aistudio/data/data{spec.id}",
        )
    cached = _cache_path(spec, platform)
    if spec.source == "url" and cached.is_file():
        return Fetched(spec, cached, "cache")
    try:
        return Fetched(spec, _download(spec, platform, cached, progress), "download")
    except Offline as error:
        raise DlenvError(
            f"cannot download {spec} ({error}) and no copy is attached or cached", hint=platform.offline_fix
        ) from None


def _from_mount(spec: Spec, platform: Platform) -> Path | None:
    if platform.input_dir is None:
        return None
    root = Path(platform.input_dir)
    if spec.source == "aistudio":
        candidates = [root / f"data{spec.id}"]
    elif spec.source == "kaggle" and spec.competition:
        candidates = [root / "competitions" / spec.slug, root / spec.slug]  # Kaggle's 2025 layout, then the legacy one
    elif spec.source == "kaggle":
        owner, slug = spec.id.split("/")
        candidates = [root / "datasets" / owner / slug, root / slug]  # Kaggle's 2025 layout, then the legacy one
    else:
        candidates = [root / spec.slug]
    for path in candidates:
        if spec.source == "url":
            if path.is_file() and sha256_of(path) == spec.sha256:
                return path
        elif path.is_dir():
            return path
    return None


def _cache_path(spec: Spec, platform: Platform) -> Path:
    base = Path(platform.cache_dir) / "datasets"
    if spec.source == "url":
        assert spec.sha256 is not None
        return base / "url" / spec.sha256[:16] / spec.slug
    return base / spec.source / spec.id.replace("/", "__")


def _download(spec: Spec, platform: Platform, cached: Path, progress: Progress | None) -> Path:
    if spec.source == "url":
        assert spec.sha256 is not None
        return download(spec.id, cached, spec.sha256, progress=progress)
    if spec.source == "kaggle":
        return _kagglehub(spec, platform)
    # The hub's own offline error (it checks its cache first), with this platform's fix as the hint.
    return hub_snapshot(spec.id, "dataset", cached.parent / "hub", offline_hint=platform.offline_fix)


def _kagglehub(spec: Spec, platform: Platform) -> Path:
    # kagglehub reads KAGGLEHUB_CACHE when imported; it is imported here, never by `import dlenv`.
    os.environ.setdefault("KAGGLEHUB_CACHE", str(Path(platform.cache_dir) / "kagglehub"))
    try:
        import kagglehub
    except ImportError:
        hint = "pip install 'dlenv[data]'  (or: pip install kagglehub)"
        raise DlenvError("kagglehub is not installed", hint=hint) from None
    try:
        if spec.competition:  # downloaded and unzipped by kagglehub; archives inside stay as they are
            return Path(kagglehub.competition_download(spec.slug))
        return Path(kagglehub.dataset_download(spec.id))
    except Exception as error:  # kagglehub raises its own types and requests' ones
        text = f"{type(error).__name__}: {error}"
        if any(word in text for word in ("Connection", "resolve", "Max retries", "timed out")):
            raise Offline(text) from None
        raise DlenvError(
            f"kagglehub could not fetch {spec}: {text}", hint=_kaggle_hint(spec, text), exit_code=1
        ) from None


def _kaggle_hint(spec: Spec, text: str) -> str | None:
    if spec.competition and "403" in text:  # the rules are accepted on the website, once per competition
        return f"accept the competition's rules at https://www.kaggle.com/competitions/{spec.slug}/rules"
    return "dlenv login kaggle" if "401" in text or "403" in text or "credential" in text.lower() else None
