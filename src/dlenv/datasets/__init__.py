"""Datasets: an attached copy, else the local cache, else a download — verified and moved into place.

    >>> from dlenv.datasets import fetch
    >>> fetch("url:https://example.org/corpus.zip#sha256=...").path

Resolution order: the platform's input mount (Kaggle's /kaggle/input/datasets/<owner>/<slug> and
legacy /kaggle/input/<slug>, AI Studio's /home/aistudio/data/data<id>, /data in dlenv's image) →
dlenv's cache → a download (kagglehub, huggingface_hub, the ModelScope SDK, HTTP); on a mainland platform
the download tries the same files' copies too (dlenv.mainland). Offline with nothing cached: one
line that says how to get the data on this platform. Archives in what was found are extracted
(dlenv.datasets.archives): beside themselves, or below the cache when the dataset is read-only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from dlenv.datasets.archives import extract_within, stem
from dlenv.datasets.download import Offline, Progress, download, sha256_of
from dlenv.datasets.spec import Spec, parse_spec
from dlenv.errors import DlenvError
from dlenv.hub import endpoint_for, hub_snapshot
from dlenv.mainland import first_that_answers
from dlenv.modelscope import modelscope_snapshot
from dlenv.platforms import Platform, detect

__all__ = ["Fetched", "Spec", "fetch", "parse_spec"]


@dataclass(frozen=True)
class Fetched:
    spec: Spec
    path: Path
    via: Literal["mount", "cache", "download"]
    extracted: tuple[Path, ...] = ()  # the folders archives in it were extracted into
    route: Spec | None = None  # the copy it was downloaded from, where not `spec` itself (dlenv.mainland)

    def as_json(self) -> dict[str, Any]:
        extracted = [str(path) for path in self.extracted]
        route = str(self.route or self.spec)
        return {"spec": str(self.spec), "path": str(self.path), "via": self.via, "route": route, "extracted": extracted}


def fetch(
    spec: str | Spec, *, platform: Platform | None = None, progress: Progress | None = None, extract: bool = True
) -> Fetched:
    """The dataset's path, and with `extract` its archives extracted (a dataset that is one archive: its folder)."""
    spec = parse_spec(spec) if isinstance(spec, str) else spec
    platform = platform or detect()
    found = _find(spec, platform, progress)
    return _extracted(found, platform) if extract else found


def _find(spec: Spec, platform: Platform, progress: Progress | None) -> Fetched:
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
    # on a mainland platform, the same files' copies too (dlenv.mainland); elsewhere the spec alone
    return first_that_answers(str(spec), platform, lambda copy: _downloaded(spec, parse_spec(copy), platform, progress))


def _downloaded(spec: Spec, route: Spec, platform: Platform, progress: Progress | None) -> Fetched:
    try:
        path = _download(route, platform, _cache_path(route, platform), progress)
    except Offline as error:
        raise DlenvError(
            f"cannot download {route} ({error}) and no copy is attached or cached", hint=platform.offline_fix
        ) from None
    return Fetched(spec, path, "download", route=None if route == spec else route)


def _extracted(found: Fetched, platform: Platform) -> Fetched:
    path = found.path
    if path.is_file():
        if stem(path) is None:
            return found
        # a url: download sits in dlenv's cache; one found on the platform's mount extracts into the cache
        into = _cache_path(found.spec, platform).parent
        folders = extract_within(path.parent, into, only=path)
        return replace(found, path=folders[0], extracted=tuple(folders))
    # the platform's input mount is read-only (Kaggle) or reset on restart (AI Studio's data/): the cache
    into = _extract_dir(found.spec, platform) if found.via == "mount" else path
    return replace(found, extracted=tuple(extract_within(path, into)))


def _extract_dir(spec: Spec, platform: Platform) -> Path:
    """Where a read-only dataset's archives go: below dlenv's cache, in the dataset's own layout."""
    return Path(platform.cache_dir) / "datasets" / "extracted" / spec.source / spec.id.replace("/", "__")


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
    if spec.source == "modelscope":  # the SDK's layout below: datasets/<org>--<name>/snapshots/<revision>
        return modelscope_snapshot(spec.id, "dataset", cached.parent, offline_hint=platform.offline_fix)
    # The hub's own offline error (it checks its cache first), with this platform's fix as the hint.
    endpoint = endpoint_for(platform.mirror)
    return hub_snapshot(spec.id, "dataset", cached.parent / "hub", offline_hint=platform.offline_fix, endpoint=endpoint)


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
