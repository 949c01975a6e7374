"""The documents: a generated corpus of near-duplicate families (offline, with Jaccard similarities
spread over 0.5–1.0 by construction), or your own text file / folder via --set data_path=..."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from dlenv.errors import DlenvError

SYLLABLES = [c + v for c in "bdfghjklmnprstvz" for v in "aeiou"]
VOCABULARY = 20_000
ZIPF_OFFSET = 50  # p(rank) ∝ 1/(rank + 50): Zipf-like, but flat enough that unrelated texts rarely share 3 words
LENGTH = (60, 200)  # words per base document
DUPLICATE_SHARE = 0.6  # of the generated documents, this share belongs to families; the rest are unrelated
SHINGLE_WORDS = 3  # the generator aims its Jaccard targets at 3-word shingles, the lesson's default
ANY_WORD = re.compile(r"\w")


def vocabulary(size: int, rng: np.random.Generator) -> list[str]:
    """`size` distinct made-up words of one to four syllables."""
    words: dict[str, None] = {}
    while len(words) < size:
        syllables, lengths = rng.integers(0, len(SYLLABLES), (size, 4)), rng.integers(1, 5, size)
        made = ("".join(SYLLABLES[i] for i in row[:n]) for row, n in zip(syllables, lengths, strict=True))
        words.update(dict.fromkeys(made))
    return list(words)[:size]


def edit_rate(jaccard: float, k: int = SHINGLE_WORDS) -> float:
    """The per-word edit rate that leaves a copy at about `jaccard` from its base.

    An edit touches the k shingles around it, so a share u ≈ (1 - e)^k of the shingles survives; copy and
    base then share u of roughly equal-sized sets, J = u / (2 - u). Inverted: u = 2J / (1 + J).
    """
    return 1 - (2 * jaccard / (1 + jaccard)) ** (1 / k)


def edit(words: list[str], rate: float, draw, rng: np.random.Generator) -> list[str]:
    """Each word, with probability `rate`, is replaced, dropped, or followed by an inserted word."""
    out = []
    for word, hit, kind in zip(words, rng.random(len(words)) < rate, rng.integers(0, 3, len(words)), strict=True):
        if not hit:
            out.append(word)
        elif kind == 0:
            out.append(draw())
        elif kind == 2:
            out += [word, draw()]
    return out or words[:1]


def generate(docs: int, family_size: int, seed: int) -> list[str]:
    """`docs` documents: families of a base text and `family_size - 1` copies, each copy edited at a rate
    aimed at a Jaccard drawn uniformly from 0.5–1.0 to its base (copies of one base are further apart from
    each other), and unrelated texts; shuffled."""
    rng = np.random.default_rng(seed)
    words = np.array(vocabulary(VOCABULARY, rng))
    cumulative = np.cumsum(1 / (np.arange(VOCABULARY) + ZIPF_OFFSET))
    cumulative /= cumulative[-1]

    def text(length: int) -> list[str]:
        return words[np.searchsorted(cumulative, rng.random(length))].tolist()

    def draw() -> str:
        return text(1)[0]

    families = int(docs * DUPLICATE_SHARE) // family_size
    corpus = []
    for _ in range(families):
        base = text(rng.integers(*LENGTH))
        corpus.append(base)
        corpus += [edit(base, edit_rate(rng.uniform(0.5, 1.0)), draw, rng) for _ in range(family_size - 1)]
    corpus += [text(rng.integers(*LENGTH)) for _ in range(docs - len(corpus))]
    return [" ".join(corpus[i]) for i in rng.permutation(len(corpus))]


def load(path: str) -> list[str]:
    """A text file, one document per line, or a folder, one document per file (read recursively, hidden
    files skipped). Documents without a single letter or digit are skipped: they have no shingles."""
    where = Path(path).expanduser()
    if where.is_dir():
        files = sorted(f for f in where.rglob("*") if f.is_file() and not f.name.startswith("."))
        texts = [f.read_text(encoding="utf-8", errors="replace") for f in files]
    elif where.is_file():
        texts = where.read_text(encoding="utf-8", errors="replace").splitlines()
    else:
        raise DlenvError(f"--set data_path={path}: no such file or folder")
    texts = [t for t in texts if ANY_WORD.search(t)]
    if len(texts) < 2:
        raise DlenvError(
            f"--set data_path={path}: {len(texts)} document(s) with text; need at least 2",
            hint="a text file holds one document per line, a folder one document per file",
        )
    return texts
