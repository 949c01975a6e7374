"""The same work with datasketch (Zhu et al.): a `MinHash` per document, one `MinHashLSH` index with the
same number of permutations, bands and rows as the hand-built version, every document inserted, then
every document queried for the others that share a bucket with it."""

from __future__ import annotations

import numpy as np
from datasketch import MinHash, MinHashLSH  # imported here, outside the timed work

from dlenv_lessons.dedup import shingles


def candidate_pairs(texts: list[str], unit: shingles.Unit, k: int, num_perm: int, bands: int, seed: int) -> np.ndarray:
    """Candidate pairs (i, j), i < j, sorted, from the texts: shingling, signatures, index and queries."""
    docs = [shingles.strings(shingles.normalise(text, unit), unit, k) for text in texts]
    sketches = MinHash.bulk(docs, num_perm=num_perm, seed=seed)  # shares one set of permutations
    # params=(b, r) fixes the banding; without it datasketch picks (b, r) for a threshold by minimising the
    # weighted areas of false positives and negatives under the same S-curve.
    index = MinHashLSH(num_perm=num_perm, params=(bands, num_perm // bands))
    with index.insertion_session() as session:
        for key, sketch in enumerate(sketches):
            session.insert(key, sketch, check_duplication=False)
    found = {(min(i, j), max(i, j)) for i, sketch in enumerate(sketches) for j in index.query(sketch) if j != i}
    return np.array(sorted(found), dtype=np.int64).reshape(-1, 2)
