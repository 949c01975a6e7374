"""Dataset specs: `kaggle:owner/slug` (`kaggle:competitions/slug` for a competition's data), `hf:org/name`,
`modelscope:org/name`, `url:https://host/file#sha256=HEX`, `aistudio:ID`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from dlenv.errors import DlenvError
from dlenv.hub import REPO_ID

Source = Literal["kaggle", "hf", "modelscope", "url", "aistudio"]
SOURCES: tuple[Source, ...] = ("kaggle", "hf", "modelscope", "url", "aistudio")
EXAMPLES = (
    "kaggle:owner/slug, kaggle:competitions/slug, hf:org/name, modelscope:org/name, "
    "url:https://host/file.zip#sha256=HEX, aistudio:ID"
)


@dataclass(frozen=True)
class Spec:
    source: Source
    id: str  # owner/slug, org/name, the URL without its fragment, or the AI Studio dataset number
    sha256: str | None = None

    @property
    def competition(self) -> bool:
        """kaggle:competitions/SLUG, as Kaggle's own URL names a competition, rather than a dataset."""
        return self.source == "kaggle" and self.id.startswith("competitions/")

    @property
    def slug(self) -> str:
        """The last part of the id: how mounts and caches name the dataset."""
        if self.source == "url":
            return urlsplit(self.id).path.rstrip("/").rsplit("/", 1)[-1] or "download"
        return self.id.rsplit("/", 1)[-1]

    def __str__(self) -> str:
        return f"{self.source}:{self.id}" + (f"#sha256={self.sha256}" if self.sha256 else "")


def parse_spec(text: str) -> Spec:
    source, sep, rest = text.partition(":")
    if not sep or source not in SOURCES:
        raise DlenvError(f"bad dataset spec '{text}'", hint=f"use one of: {EXAMPLES}")
    if source in ("kaggle", "hf", "modelscope"):
        if not REPO_ID.match(rest):
            raise DlenvError(f"bad dataset spec '{text}': expected {source}:owner/name")
        return Spec(source, rest)  # type: ignore[arg-type]
    if source == "aistudio":
        if not rest.isdigit():
            raise DlenvError(f"bad dataset spec '{text}': expected aistudio:ID, the number in its datasetdetail URL")
        return Spec("aistudio", rest)
    url, _, fragment = rest.partition("#")
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        raise DlenvError(f"bad dataset spec '{text}': not an http(s) URL")
    sha = re.fullmatch(r"sha256=([0-9a-fA-F]{64})", fragment)
    if not sha:
        raise DlenvError(f"bad dataset spec '{text}': a URL needs its checksum, #sha256=<64 hex digits>")
    return Spec("url", url, sha[1].lower())
