"""The ground truth: exact Jaccard similarity |A ∩ B| / |A ∪ B| of shingle sets, for every pair of documents.

The documents form a sparse 0/1 matrix X (documents × distinct shingles). X·Xᵀ holds every pair's
intersection size, and it is sparse too: only pairs that share at least one shingle get an entry, and
|A ∪ B| = |A| + |B| − |A ∩ B|. Computed a block of rows at a time, so memory stays bounded by the
pairs of one block; no pair is skipped or sampled.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

PAIRS_PER_BLOCK = 1 << 22  # a block of rows × all documents: at most this many intersections at once


def shingle_matrix(ids: np.ndarray, counts: np.ndarray) -> sparse.csr_matrix:
    """X[d, s] = 1 when document d has shingle s (repeats count once)."""
    documents = np.repeat(np.arange(len(counts)), counts)
    x = sparse.csr_matrix((np.ones(len(ids), dtype=np.int32), (documents, ids)), shape=(len(counts), ids.max() + 1))
    x.sum_duplicates()
    x.data[:] = 1
    return x


def similar_pairs(x: sparse.csr_matrix, at_least: float) -> tuple[np.ndarray, np.ndarray]:
    """Every pair (i, j), i < j, with Jaccard ≥ `at_least` (> 0), and its Jaccard; sorted by (i, j)."""
    sizes = np.asarray(x.sum(axis=1)).ravel()
    xt = x.T.tocsr()
    pairs, similarities = [], []
    block = max(1, PAIRS_PER_BLOCK // x.shape[0])
    for first in range(0, x.shape[0], block):
        shared = (x[first : first + block] @ xt).tocoo()
        i, j = shared.row + first, shared.col
        jaccard = shared.data / (sizes[i] + sizes[j] - shared.data)
        keep = (i < j) & (jaccard >= at_least)
        pairs.append(np.stack([i[keep], j[keep]], axis=1))
        similarities.append(jaccard[keep])
    pairs, similarities = np.concatenate(pairs).astype(np.int64), np.concatenate(similarities)
    order = np.lexsort((pairs[:, 1], pairs[:, 0]))
    return pairs[order], similarities[order]


def jaccard(x: sparse.csr_matrix, pairs: np.ndarray) -> np.ndarray:
    """The Jaccard similarity of each given pair (i, j)."""
    if len(pairs) == 0:
        return np.empty(0)
    sizes = np.asarray(x.sum(axis=1)).ravel()
    shared = np.asarray(x[pairs[:, 0]].multiply(x[pairs[:, 1]]).sum(axis=1)).ravel()
    return shared / (sizes[pairs[:, 0]] + sizes[pairs[:, 1]] - shared)
