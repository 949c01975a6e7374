"""The mainland route: where a lesson's default download is tried from in mainland China.

On a platform whose mirror is "cn" (AI Studio, PAI-DSW) a dataset or model is tried from the Hugging Face
hub through HF_ENDPOINT (hf-mirror.com) first, then from ModelScope, then from Kaggle or its URL, using
the copies of the same files listed in facts/mainland_routes.toml; when none answers, one error names
every attempt and says what to upload into the platform's dataset store. Elsewhere: the spec alone.

    >>> routes("kaggle:uciml/adult-census-income", platform)
    ['hf:scikit-learn/adult-census-income', 'kaggle:uciml/adult-census-income']
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TypeVar

from dlenv.errors import DlenvError
from dlenv.facts import FACTS_DIR
from dlenv.platforms import Platform

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

T = TypeVar("T")
MIRROR = "cn"  # platform/mirrors.toml: the profiles of mainland platforms default to it
ORDER = ("hf", "modelscope")  # then everything else (kaggle, url), in the order given


@dataclass(frozen=True)
class Download:
    """A lesson's default download and the copies of the same files elsewhere."""

    id: str  # a dataset spec, or a model's hub id (ORG/NAME) as --set model= takes it
    lessons: tuple[str, ...]
    copies: tuple[str, ...]  # dataset specs (hf:, modelscope:, ...) holding the same files
    source: str
    upload: str  # what to put into the platform's dataset store when no route answers
    use: str  # how the lesson then takes it


@cache
def downloads() -> dict[str, Download]:
    with (FACTS_DIR / "mainland_routes.toml").open("rb") as f:
        rows = tomllib.load(f)["downloads"]
    return {
        row["id"]: Download(
            row["id"], tuple(row["lessons"]), tuple(row["copies"]), row["source"], row["upload"], row["use"]
        )
        for row in rows
    }


def routes(spec: str, platform: Platform) -> list[str]:
    """The specs to try for `spec`, in order. A model's plain ORG/NAME is the Hugging Face id hf:ORG/NAME."""
    first = spec if ":" in spec else f"hf:{spec}"
    if platform.mirror != MIRROR:
        return [first]
    known = downloads().get(spec)
    candidates = [first, *(known.copies if known else ())]
    return sorted(candidates, key=lambda route: _rank(route.partition(":")[0]))


def _rank(source: str) -> int:
    return ORDER.index(source) if source in ORDER else len(ORDER)


def first_that_answers(spec: str, platform: Platform, attempt: Callable[[str], T]) -> T:
    """`attempt(route)` for each of `spec`'s routes until one returns. On a mainland platform a lesson's default
    download fails with one error naming each attempt and, as the hint, the upload that would do instead;
    anything else fails as its one route does."""
    tried = routes(spec, platform)
    if len(tried) == 1 and not (platform.mirror == MIRROR and spec in downloads()):
        return attempt(tried[0])
    failures: list[DlenvError] = []
    for route in tried:
        try:
            return attempt(route)
        except DlenvError as error:
            failures.append(error)
    attempts = "; ".join(f"{route}: {error.message}" for route, error in zip(tried, failures, strict=True))
    # a route that only lacks its client (the ModelScope SDK) is the quicker fix: its pip line comes first
    installs = [error.hint for error in failures if error.hint and "not installed" in error.message]
    raise DlenvError(
        f"cannot fetch {spec} by any route ({attempts})",
        hint="; or ".join([*installs, upload_hint(spec, platform)]),
        exit_code=failures[tried.index(spec if ":" in spec else f"hf:{spec}")].exit_code,
    )


def upload_hint(spec: str, platform: Platform) -> str:
    known = downloads().get(spec)
    what, then = (known.upload, f" and pass {known.use}") if known else ("its files", "")
    return f"upload {what} into this platform's dataset store{then}. {platform.offline_fix}"
