"""The hand-built MinHash + LSH against datasketch's MinHash + MinHashLSH on the same generated corpus,
measured in the same run: texts in, candidate pairs out, both with 128 permutations in 16 bands of 8 rows.

Goal: the hand-built pipeline, which signs every document at once with numpy, is at least as fast as
datasketch, which hashes each shingle with SHA-1 and signs one document at a time.
"""

from __future__ import annotations

import statistics
import time

import pytest

pytest.importorskip("pytest_benchmark")
pytest.importorskip("datasketch")
pytest.importorskip("scipy")

from dlenv_lessons.dedup import data, reference, train

DOCUMENTS, NUM_PERM, BANDS, ROUNDS = 4000, 128, 16, 5


@pytest.mark.bench
def test_hand_built_minhash_lsh_is_at_least_as_fast_as_datasketch(benchmark):
    texts = data.generate(DOCUMENTS, 5, seed=0)
    args = (texts, "word", 3, NUM_PERM, BANDS, 0)
    ours, theirs = train.candidate_pairs(*args), reference.candidate_pairs(*args)  # warm up both
    assert len(ours) > 0.8 * len(theirs) > 0  # the same job done: comparable candidate sets
    reference_times = []
    for _ in range(ROUNDS):
        began = time.perf_counter()
        reference.candidate_pairs(*args)
        reference_times.append(time.perf_counter() - began)
    benchmark.pedantic(train.candidate_pairs, args=args, rounds=ROUNDS, iterations=1)
    datasketch_s, hand_s = statistics.median(reference_times), benchmark.stats.stats.median
    benchmark.extra_info.update({
        "documents": DOCUMENTS,
        "datasketch_median_s": datasketch_s,
        "hand_docs_per_s": DOCUMENTS / hand_s,
        "datasketch_docs_per_s": DOCUMENTS / datasketch_s,
        "ratio_to_datasketch": hand_s / datasketch_s,
    })  # fmt: skip
    assert hand_s <= datasketch_s, f"hand-built {hand_s:.2f}s vs datasketch {datasketch_s:.2f}s for {DOCUMENTS} docs"
