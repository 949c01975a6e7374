"""Locality-sensitive hashing of MinHash signatures by banding (MMDS §3.4).

Cut each signature into b bands of r rows. Two documents become a candidate pair when all r rows of at
least one band agree, i.e. they land in the same bucket of that band. With Jaccard similarity s, one band
agrees with probability s^r, so

    P(candidate | s) = 1 − (1 − s^r)^b,

an S-curve: near 0 for dissimilar pairs, near 1 for similar ones, steepest around s ≈ (1/b)^(1/r)
(MMDS §3.4.2). Pick b and r so that this threshold sits a little below the similarity you want to catch:
pairs just above it are then found with high probability, at the price of some candidates just below it.
Only documents that share a bucket are ever compared: no all-pairs loop.
"""

from __future__ import annotations

import numpy as np


def rows_per_band(num_perm: int, bands: int) -> int:
    """r = num_perm / b: the bands cut the signature exactly (the lesson's Config holds bands to a divisor)."""
    return num_perm // bands


def threshold(bands: int, rows: int) -> float:
    """The similarity where the S-curve rises most steeply, approximately."""
    return (1 / bands) ** (1 / rows)


def probability(similarity: np.ndarray | float, bands: int, rows: int) -> np.ndarray | float:
    """P(candidate | Jaccard similarity)."""
    return 1 - (1 - np.asarray(similarity) ** rows) ** bands


def pairs_sharing_a_bucket(bucket: np.ndarray) -> np.ndarray:
    """All pairs (i, j), i < j, of documents with the same bucket id.

    Sorted by bucket, members of one bucket sit next to each other; position k and k + d are a pair
    exactly when they hold the same id. Gaps d = 1, 2, ... until no bucket is that big."""
    order = np.argsort(bucket, kind="stable")
    ids = bucket[order]
    found = []
    for gap in range(1, len(ids)):
        same = ids[gap:] == ids[:-gap]
        if not same.any():
            break
        i, j = order[:-gap][same], order[gap:][same]
        found.append(np.stack([np.minimum(i, j), np.maximum(i, j)], axis=1))
    return np.concatenate(found) if found else np.empty((0, 2), dtype=np.int64)


def candidate_pairs(signatures: np.ndarray, bands: int) -> np.ndarray:
    """Candidate pairs (i, j), i < j, sorted and unique: documents that agree on every row of some band.

    A band's bucket is its r rows exactly (np.unique over the rows), so two documents share a bucket only
    when their band is identical; hashing the band to a shorter key, as datasketch does with its bytes,
    would add rare false collisions and nothing else."""
    documents, num_perm = signatures.shape
    rows = rows_per_band(num_perm, bands)
    found = []
    for band in range(bands):
        _, bucket = np.unique(signatures[:, band * rows : (band + 1) * rows], axis=0, return_inverse=True)
        found.append(pairs_sharing_a_bucket(bucket.ravel()))
    pairs = np.concatenate(found)
    codes = np.unique(pairs[:, 0].astype(np.int64) * documents + pairs[:, 1])
    return np.stack([codes // documents, codes % documents], axis=1)
