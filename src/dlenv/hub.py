"""The Hugging Face hub: one snapshot download for models and datasets, one mapping of its errors.

    >>> from dlenv.hub import hub_snapshot
    >>> hub_snapshot("stanfordnlp/imdb", "dataset", cache_dir)   # -> the snapshot folder

huggingface_hub is imported here, never by `import dlenv`: it reads HF_ENDPOINT (the mirror that
`dlenv bootstrap` sets) once, when it is imported (platforms.md §6). Downloads resume and are
verified by the hub; with no connection it answers from its cache or raises LocalEntryNotFoundError.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

from dlenv.errors import DlenvError

RepoType = Literal["model", "dataset"]
# org/name, as the hub spells a repository id (and Kaggle a dataset's owner/slug).
REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*$")
EXAMPLE = {"model": "Qwen/Qwen2.5-0.5B", "dataset": "stanfordnlp/imdb"}


def hub_snapshot(
    repo_id: str,
    repo_type: RepoType,
    cache_dir: Path,
    allow_patterns: list[str] | None = None,
    *,
    offline_hint: str | None = None,
    endpoint: str | None = None,
) -> Path:
    """The folder of `repo_id`'s snapshot in `cache_dir`, downloaded once. Every failure the learner can
    fix is a one-line DlenvError naming the repository; `offline_hint` says what to do when there is no
    connection and no cached copy (default: download it elsewhere with the hf CLI). `endpoint`: a mirror
    instead of the one huggingface_hub read when it was imported (see `endpoint_for`)."""
    try:
        from huggingface_hub import snapshot_download
        from huggingface_hub.errors import GatedRepoError, LocalEntryNotFoundError, RepositoryNotFoundError
    except ImportError:
        raise DlenvError(
            "huggingface_hub is not installed", hint="pip install huggingface_hub (or 'dlenv[llm]' for the LLM lessons)"
        ) from None
    try:
        where = {"endpoint": endpoint} if endpoint else {}
        files = {"cache_dir": cache_dir, "allow_patterns": allow_patterns}
        folder = snapshot_download(repo_id, repo_type=repo_type, **files, **where)
        return Path(folder)
    except GatedRepoError:  # a RepositoryNotFoundError too: caught first
        raise DlenvError(
            f"{repo_type} '{repo_id}' is gated on the Hugging Face hub",
            hint=f"accept its licence at {page(repo_id, repo_type)} and set HF_TOKEN",
        ) from None
    except RepositoryNotFoundError:  # also what a private repository answers without a token
        raise DlenvError(
            f"no {repo_type} '{repo_id}' on the Hugging Face hub",
            hint=f"check the id, e.g. {EXAMPLE[repo_type]}; a private one needs HF_TOKEN",
        ) from None
    except LocalEntryNotFoundError:
        raise DlenvError(
            f"cannot download {repo_type} '{repo_id}' and no copy is cached in {cache_dir}",
            hint=offline_hint or download_elsewhere(repo_id, repo_type),
        ) from None


def endpoint_for(mirror: str) -> str | None:
    """The hub endpoint a platform downloads from: HF_ENDPOINT when set, else its mirror's (hf-mirror.com on
    AI Studio and PAI-DSW, whose profiles default to the cn mirror), else None: huggingface_hub's own."""
    from dlenv.mirrors import mirror_environment

    return os.environ.get("HF_ENDPOINT") or mirror_environment(mirror).get("HF_ENDPOINT")


def page(repo_id: str, repo_type: RepoType) -> str:
    return f"https://huggingface.co/{'datasets/' if repo_type == 'dataset' else ''}{repo_id}"


def download_elsewhere(repo_id: str, repo_type: RepoType, then: str = "") -> str:
    """How to bring a repository to a machine that cannot reach the hub."""
    flag = " --repo-type dataset" if repo_type == "dataset" else ""
    return (
        f"where there is a network: hf download {repo_id}{flag} --local-dir DIR{'; then ' + then if then else ''} "
        "(or set HF_ENDPOINT to a mirror: dlenv bootstrap --mirror cn)"
    )
