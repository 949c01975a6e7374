"""MinHash by hand (Broder, 1997; MMDS §3.3): a document's signature is, for each of `num_perm` random
permutations of the shingle space, the smallest permuted shingle. Two documents agree on one row with
probability equal to the Jaccard similarity of their shingle sets, so the share of agreeing rows estimates
it, with standard error √(J(1 − J) / num_perm).

A true random permutation of 2^31 values is too big to store; MMDS §3.3.5 simulates one with a random
hash. Here it is the universal hash h(x) = (a·x + b) mod p (Carter & Wegman, 1979) with p = 2^31 − 1, a
Mersenne prime: for 1 ≤ a < p it is a bijection on [0, p), a genuine permutation of the shingle hashes.
With a, b, x < 2^31 the value a·x + b stays below 2^63, so numpy's uint64 arithmetic is exact.
(datasketch's old scheme used p = 2^61 − 1 and let a·x overflow 64 bits; its 2.0 default is
(a·x + b) mod 2^32 with odd a.)
"""

from __future__ import annotations

import numpy as np

from dlenv_lessons.dedup.shingles import PRIME

SLAB = 1 << 14  # shingles per numpy pass: a (permutations per pass × SLAB) block of uint64 stays in cache
PERMUTATIONS_PER_PASS = 16


def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The (a, b) of `num_perm` universal hashes, a in [1, p), b in [0, p)."""
    rng = np.random.default_rng(seed)
    return (
        rng.integers(1, PRIME, size=num_perm, dtype=np.uint64),
        rng.integers(0, PRIME, size=num_perm, dtype=np.uint64),
    )


def signatures(shingles: np.ndarray, counts: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Every document's signature at once (documents × num_perm, uint32): row-wise minima of the permuted
    shingle hashes, over each document's run of `counts[d]` shingles (every document has at least one).

    All documents are hashed together, a slab of consecutive documents at a time: one numpy expression
    permutes every shingle of the slab, and `np.minimum.reduceat` takes each document's minimum. Slabs and
    one reused buffer keep the (permutations × shingles) block in cache and spare an allocation per pass."""
    starts = np.concatenate([[0], np.cumsum(counts)])
    minima = np.empty((len(a), len(counts)), dtype=np.uint64)
    buffer = np.empty((PERMUTATIONS_PER_PASS, max(SLAB, int(counts.max()))), dtype=np.uint64)
    prime = np.uint64(PRIME)
    first = 0
    while first < len(counts):  # a slab: documents first..last-1, about SLAB shingles, at least one document
        last = max(first + 1, int(np.searchsorted(starts, starts[first] + SLAB, side="right")) - 1)
        x = shingles[starts[first] : starts[last]]
        offsets = starts[first:last] - starts[first]
        for p in range(0, len(a), PERMUTATIONS_PER_PASS):
            ap, bp = a[p : p + PERMUTATIONS_PER_PASS, None], b[p : p + PERMUTATIONS_PER_PASS, None]
            permuted = buffer[: len(ap), : len(x)]
            np.multiply(ap, x, out=permuted)  # (a·x + b) mod p, in place
            permuted += bp
            permuted %= prime
            np.minimum.reduceat(permuted, offsets, axis=1, out=minima[p : p + len(ap), first:last])
        first = last
    return minima.T.astype(np.uint32)


def estimate(signatures: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """The MinHash estimate of Jaccard similarity for each pair (i, j): the share of rows where the two
    signatures agree."""
    return (signatures[pairs[:, 0]] == signatures[pairs[:, 1]]).mean(axis=1)
