"""Documents as sets of shingles: every run of k consecutive words (or characters) (MMDS §3.2).

Three views of the same shingles, one per consumer:
- `hashed`: a stable 31-bit hash per shingle, computed for all documents at once with numpy — what the
  hand-built MinHash reads;
- `exact_ids`: an exact id per distinct shingle, no hashing, no collisions — what the ground truth reads;
- `strings`: each shingle as bytes — what datasketch's MinHash reads (it hashes them itself, with SHA-1).
"""

from __future__ import annotations

import hashlib
import re
from typing import Literal

import numpy as np

Unit = Literal["word", "char"]
DEFAULT_SIZE = {"word": 3, "char": 5}  # MMDS §3.2.2: k = 5 characters for short texts such as e-mails
WORD = re.compile(r"\w+")
PRIME = (1 << 31) - 1  # a Mersenne prime: every shingle hash and every MinHash value lies in [0, 2^31 - 1)
BASE = np.uint64(1_000_003)  # the Karp–Rabin base: window hash = Σ token_i · BASE^(k-1-i) mod PRIME


def normalise(text: str, unit: Unit) -> list[str] | str:
    """The document's tokens: lower-cased words (runs of letters and digits), or its characters with every
    run of whitespace folded into one space. A str is a sequence of its characters."""
    return WORD.findall(text.lower()) if unit == "word" else " ".join(text.lower().split())


def stable_hash(token: str) -> int:
    """A hash in [1, PRIME) that is the same in every process: Python's own hash() of a str is salted per
    process (PYTHONHASHSEED), so signatures made with it could not be compared across runs."""
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little") % (PRIME - 1) + 1


def token_values(docs: list, unit: Unit, exact: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """All documents' tokens as one flat array of numbers, and each document's token count. Characters are
    their code point + 1; words their stable hash, or with `exact` an id that no two words share."""
    lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
    if unit == "char":
        return np.frombuffer("".join(docs).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64) + 1, lengths
    flat = [word for doc in docs for word in doc]
    distinct = dict.fromkeys(flat)  # each distinct word is hashed once, not once per occurrence
    for number, word in enumerate(distinct, start=1):
        distinct[word] = number if exact else stable_hash(word)
    return np.fromiter(map(distinct.__getitem__, flat), dtype=np.uint64, count=len(flat)), lengths


def windows(values: np.ndarray, lengths: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Every k-token window of every document, one row each (S × k), and each document's window count.

    Windows never cross from one document into the next. A document shorter than k tokens is one shingle
    of all its tokens, padded with 0 (no token is 0)."""
    ends = np.cumsum(lengths)
    starts = ends - lengths
    doc = np.repeat(np.arange(len(lengths)), lengths)
    position = np.arange(len(values))
    first = position[(position + k <= ends[doc]) | ((position == starts[doc]) & (lengths[doc] < k))]
    index = first[:, None] + np.arange(k)
    padded = np.append(values, np.zeros(k, dtype=values.dtype))
    rows = np.where(index < ends[doc[first]][:, None], padded[index], 0)
    return rows, np.bincount(doc[first], minlength=len(lengths))


def hashed(docs: list, unit: Unit, k: int) -> tuple[np.ndarray, np.ndarray]:
    """One stable hash in [0, PRIME) per shingle (Karp–Rabin: a polynomial in BASE over the window's token
    hashes, mod PRIME; all intermediate values stay below 2^63, so uint64 arithmetic is exact), and each
    document's shingle count. Repeated shingles stay: MinHash takes a minimum, which repeats cannot change."""
    rows, counts = windows(*token_values(docs, unit), k)
    shingle = rows[:, 0] % np.uint64(PRIME)
    for i in range(1, k):
        shingle = (shingle * BASE + rows[:, i]) % np.uint64(PRIME)
    return shingle, counts


def exact_ids(docs: list, unit: Unit, k: int) -> tuple[np.ndarray, np.ndarray]:
    """An id per shingle that is equal exactly when the shingles are (their tokens compared, no hash), and
    each document's shingle count."""
    rows, counts = windows(*token_values(docs, unit, exact=True), k)
    ids = np.zeros(len(rows), dtype=np.int64)
    for column in rows.T.astype(np.int64):  # (id of the first i tokens, token i+1) -> id of the first i+1 tokens
        _, ids = np.unique(ids * (int(column.max()) + 1) + column, return_inverse=True)
    return ids.ravel(), counts


def strings(doc: list[str] | str, unit: Unit, k: int) -> set[bytes]:
    """The document's shingles as UTF-8 bytes, for libraries that hash shingles themselves."""
    glue = " " if unit == "word" else ""
    return {glue.join(doc[i : i + k]).encode() for i in range(max(1, len(doc) - k + 1))}
