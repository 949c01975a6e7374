"""ModelScope (modelscope.cn): one snapshot download for models and datasets, one mapping of its errors.

    >>> from dlenv.modelscope import modelscope_snapshot
    >>> modelscope_snapshot("Qwen/Qwen2.5-0.5B", "model", cache_dir)   # -> the snapshot folder

The SDK (`pip install 'dlenv[modelscope]'`: modelscope-hub, the download client of `modelscope`) is
imported here, never by `import dlenv`. It downloads from MODELSCOPE_ENDPOINT, else https:// +
MODELSCOPE_DOMAIN (what `dlenv bootstrap --mirror cn` sets), else modelscope.cn (modelscope_hub/config.py,
HubConfig's endpoint precedence); the SDK reads them once per process, so dlenv reads them at each call
and passes the endpoint on. Unlike the Hugging Face hub it does not answer from its cache when the
network is down: dlenv asks the cache itself, with the SDK's `local_files_only`, once the network has failed.
"""

from __future__ import annotations

import inspect
import os
import re
from pathlib import Path

from dlenv.errors import FAILED, DlenvError
from dlenv.hub import RepoType

SITE = "https://modelscope.cn"
INSTALL = "pip install 'dlenv[modelscope]'  (or: pip install modelscope)"
# What the SDK's errors say when no connection was made (modelscope_hub NetworkError is a ConnectionError,
# older SDKs raise requests' ConnectionError); matched on the text so every SDK version maps the same way.
NO_CONNECTION = ("ConnectionError", "NetworkError", "Connection", "resolve", "Max retries", "timed out")
# The HTTP status in its errors: "[E3020] [404] HTTP 404 on GET ..." (modelscope-hub), "404 Client Error" (requests).
STATUS = re.compile(r"\[(\d{3})\]|HTTP (\d{3})|(\d{3}) Client Error")


def modelscope_snapshot(
    repo_id: str,
    repo_type: RepoType,
    cache_dir: Path,
    allow_patterns: list[str] | None = None,
    *,
    offline_hint: str | None = None,
) -> Path:
    """The folder of `repo_id`'s snapshot in `cache_dir` (the SDK's layout: <type>s/<org>--<name>/...),
    downloaded through the ModelScope SDK. Every failure is a one-line DlenvError naming the repository."""
    dataset_snapshot_download, snapshot_download = _sdk()
    download = dataset_snapshot_download if repo_type == "dataset" else snapshot_download
    files = {"cache_dir": str(cache_dir), "allow_patterns": allow_patterns, "endpoint": endpoint()}
    # only what is set and what this SDK takes: modelscope 1.27 (PAI-DSW's image) has no `endpoint` and reads
    # MODELSCOPE_DOMAIN itself at each call (modelscope/hub/utils/utils.py get_endpoint)
    accepted = inspect.signature(download).parameters
    files = {name: value for name, value in files.items() if value is not None and name in accepted}
    try:
        return Path(download(repo_id, **files))
    except Exception as error:  # the SDK raises its own types, requests' and urllib3's
        text = f"{type(error).__name__}: {error}".splitlines()[0]
    if any(word in text for word in NO_CONNECTION):
        cached = _cached(snapshot_download, repo_id, repo_type, cache_dir, allow_patterns)
        if cached is not None:
            return cached
        raise DlenvError(
            f"cannot download {repo_type} '{repo_id}' from ModelScope and no copy is cached in {cache_dir}",
            hint=offline_hint or download_elsewhere(repo_id, repo_type),
        )
    found = STATUS.search(text)
    status = next((code for code in found.groups() if code), "") if found else ""
    if status == "404" or "NotExist" in text:
        raise DlenvError(f"no {repo_type} '{repo_id}' on ModelScope", hint=f"check the id: {page(repo_id, repo_type)}")
    if status in ("401", "403") or "Authentication" in text or "PermissionDenied" in text:
        raise DlenvError(
            f"{repo_type} '{repo_id}' on ModelScope needs a login",
            hint="set MODELSCOPE_API_TOKEN to an access token of your ModelScope account (or: modelscope login)",
        )
    raise DlenvError(f"ModelScope could not fetch {repo_type} '{repo_id}': {text}", exit_code=FAILED)


def _sdk():
    """The SDK's snapshot downloads: modelscope-hub's, which `modelscope` delegates to since 1.38 (modelscope 1.40,
    modelscope/hub/snapshot_download.py) and which imports no torch (`import modelscope` does: 4 s here), else
    an older `modelscope`'s own, as the platforms' images carry it. Both take the same arguments."""
    try:
        from modelscope_hub.compat.snapshot_download import dataset_snapshot_download, snapshot_download
    except ImportError:
        try:
            from modelscope.hub.snapshot_download import dataset_snapshot_download, snapshot_download
        except ImportError:
            raise DlenvError("the ModelScope SDK is not installed", hint=INSTALL) from None
    return dataset_snapshot_download, snapshot_download


def endpoint() -> str | None:
    """The endpoint the environment names, by the SDK's own precedence; None: the SDK's default."""
    if os.environ.get("MODELSCOPE_ENDPOINT"):
        return os.environ["MODELSCOPE_ENDPOINT"]
    domain = os.environ.get("MODELSCOPE_DOMAIN", "").strip()
    return (domain if domain.startswith(("http://", "https://")) else f"https://{domain}") if domain else None


def _cached(snapshot_download, repo_id: str, repo_type: RepoType, cache_dir: Path, allow_patterns) -> Path | None:
    try:
        folder = snapshot_download(
            repo_id, repo_type=repo_type, cache_dir=str(cache_dir), allow_patterns=allow_patterns, local_files_only=True
        )
    except Exception:  # the SDK's "cannot find cached snapshot", whatever its type
        return None
    return Path(folder)


def page(repo_id: str, repo_type: RepoType) -> str:
    return f"{SITE}/{repo_type}s/{repo_id}"


def download_elsewhere(repo_id: str, repo_type: RepoType, then: str = "") -> str:
    """How to bring a ModelScope repository to a machine that cannot reach ModelScope."""
    return f"where there is a network: modelscope download --{repo_type} {repo_id} --local_dir DIR" + (
        f"; then {then}" if then else ""
    )
