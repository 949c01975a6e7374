"""The dedup lesson: the hand-built MinHash estimates Jaccard similarity, banding follows its S-curve,
datasketch finds the same pairs, real documents come in from a file or a folder, bad settings exit 2."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys

import numpy as np
import pytest
from support import ROOT, dlenv_run, metrics

pytest.importorskip("scipy")
pytest.importorskip("datasketch")

from dlenv_lessons.dedup import data, exact, lsh, minhash, reference, shingles, train
from dlenv_lessons.dedup.shingles import PRIME


def set_pairs(jaccards: list[float], size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """For each target J, two sets of `size` shingle hashes sharing m = 2J·size / (1 + J) of them; no two
    pairs share anything. Returns the flat hashes and per-set counts, pair p being sets 2p and 2p + 1."""
    values = rng.choice(PRIME, size=2 * size * len(jaccards), replace=False).astype(np.uint64)
    sets, used = [], 0
    for jaccard in jaccards:
        shared = round(2 * jaccard * size / (1 + jaccard))
        common, used = values[used : used + shared], used + shared
        for _ in range(2):
            own, used = values[used : used + size - shared], used + size - shared
            sets.append(np.concatenate([common, own]))
    return np.concatenate(sets), np.array([len(s) for s in sets])


def exact_jaccard(size: int, jaccard: float) -> float:
    shared = round(2 * jaccard * size / (1 + jaccard))
    return shared / (2 * size - shared)


def test_minhash_estimate_tracks_exact_jaccard_with_256_permutations():
    rng = np.random.default_rng(0)
    targets = list(np.repeat([0.1, 0.3, 0.5, 0.7, 0.9], 40))
    hashes, counts = set_pairs(targets, 300, rng)
    signatures = minhash.signatures(hashes, counts, *minhash.permutations(256, seed=1))
    pairs = np.arange(2 * len(targets)).reshape(-1, 2)
    errors = minhash.estimate(signatures, pairs) - np.array([exact_jaccard(300, j) for j in targets])
    # one estimate's standard error is √(J(1 − J)/256) ≤ 0.031; its mean absolute value ≈ 0.8 of that
    assert np.abs(errors).mean() < 0.03 and abs(errors.mean()) < 0.01, (np.abs(errors).mean(), errors.mean())


def test_estimate_on_documents_tracks_exact_jaccard_of_their_shingle_sets():
    texts = data.generate(300, 5, seed=2)
    tokens = [shingles.normalise(text, "word") for text in texts]
    x = exact.shingle_matrix(*shingles.exact_ids(tokens, "word", 3))
    pairs, similarity = exact.similar_pairs(x, 0.3)
    assert len(pairs) > 100 and similarity.max() == 1.0 and similarity.min() < 0.5  # the families span the range
    assert np.allclose(exact.jaccard(x, pairs), similarity)
    signatures = minhash.signatures(*shingles.hashed(tokens, "word", 3), *minhash.permutations(256, seed=0))
    assert np.abs(minhash.estimate(signatures, pairs) - similarity).mean() < 0.03


def test_hashed_and_exact_shingles_and_the_strings_datasketch_reads_are_the_same_sets():
    texts = ["The cat sat on the mat.", "a b", "Über naïve café, über naïve café!"]
    for unit, k in (("word", 3), ("char", 5)):
        tokens = [shingles.normalise(text, unit) for text in texts]
        hashes, counts = shingles.hashed(tokens, unit, k)
        ids, id_counts = shingles.exact_ids(tokens, unit, k)
        assert list(counts) == list(id_counts)
        starts = np.concatenate([[0], np.cumsum(counts)])
        for d, doc in enumerate(tokens):
            strings = shingles.strings(doc, unit, k)
            hashed, exact_set = set(hashes[starts[d] : starts[d + 1]]), set(ids[starts[d] : starts[d + 1]])
            assert len(hashed) == len(exact_set) == len(strings)
    assert shingles.strings(["a", "b"], "word", 3) == {b"a b"}  # shorter than k: one shingle of all it has


def test_shingle_hashes_are_the_same_in_every_process():
    program = (
        "from dlenv_lessons.dedup import shingles; "
        "print(hash('minhash'), shingles.hashed([shingles.normalise('Near duplicate documents, again', 'word')],"
        " 'word', 3)[0].tolist())"
    )
    runs = [
        subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True, cwd=ROOT,
                       env={**os.environ, "PYTHONHASHSEED": seed}).stdout.split(" ", 1)
        for seed in ("1", "2")
    ]  # fmt: skip
    assert runs[0][0] != runs[1][0]  # Python's own str hash is salted per process ...
    assert runs[0][1] == runs[1][1]  # ... the lesson's shingle hashes are not


def test_pairs_sharing_a_bucket_are_all_pairs_within_each_bucket():
    bucket = np.random.default_rng(0).integers(0, 40, size=120)
    brute = {(i, j) for i, j in itertools.combinations(range(120), 2) if bucket[i] == bucket[j]}
    assert set(map(tuple, lsh.pairs_sharing_a_bucket(bucket).tolist())) == brute


def test_banding_finds_pairs_far_above_the_threshold_and_rarely_those_far_below():
    rng = np.random.default_rng(3)
    bands, rows = 16, 8  # threshold (1/16)^(1/8) ≈ 0.71
    levels = {0.3: 300, 0.7: 300, 0.95: 300}
    targets = [j for j, n in levels.items() for _ in range(n)]
    hashes, counts = set_pairs(targets, 200, rng)
    found = lsh.candidate_pairs(minhash.signatures(hashes, counts, *minhash.permutations(128, seed=0)), bands)
    assert (found[:, 0] % 2 == 0).all() and (found[:, 1] == found[:, 0] + 1).all()  # only the built pairs
    pair = found[:, 0] // 2
    share, first = {}, 0
    for jaccard, n in levels.items():  # pairs first..first+n-1 were built at this similarity
        share[jaccard], first = np.isin(np.arange(first, first + n), pair).mean(), first + n
    assert share[0.95] == 1.0 and share[0.3] < 0.02
    expected = lsh.probability(exact_jaccard(200, 0.7), bands, rows)  # ≈ 0.59; binomial sd over 300 ≈ 0.03
    assert abs(share[0.7] - expected) < 0.1, (share, expected)


def test_hand_built_and_datasketch_agree_on_candidate_pairs():
    texts = data.generate(600, 5, seed=4)
    ours = train.candidate_pairs(texts, "word", 3, 128, 16, seed=0)
    theirs = reference.candidate_pairs(texts, "word", 3, 128, 16, seed=0)
    tokens = [shingles.normalise(text, "word") for text in texts]
    pairs, _ = exact.similar_pairs(exact.shingle_matrix(*shingles.exact_ids(tokens, "word", 3)), 0.85)
    strong = set(map(tuple, pairs.tolist()))
    ours_set, theirs_set = set(map(tuple, ours.tolist())), set(map(tuple, theirs.tolist()))
    assert len(strong) > 50 and len(strong & ours_set & theirs_set) >= 0.97 * len(strong)  # P(0.85) ≈ 0.99
    # near the threshold each index draws its own luck, so they agree as two independent draws would
    assert len(ours_set & theirs_set) / len(ours_set | theirs_set) > 0.55


def write_fixture(folder):
    """Six documents in two subfolders: two near-duplicate pairs, two unrelated texts, plus a hidden file and
    one without a single word, which are skipped."""
    texts = {
        "news/a.txt": "The river flooded the old mill on Tuesday after three days of heavy rain in the hills above "
        "the town, and the bakery on the corner handed out bread to the families who had to leave their homes.",
        "news/b.txt": "The river flooded the old mill on Tuesday after three days of heavy rain in the hills above "
        "the town, and the bakery on the corner handed out bread to the families who had to leave their houses.",
        "mail/c.txt": "Please find attached the minutes of the committee meeting; the budget for the spring fair was "
        "approved, the parking question is postponed, and volunteers for the book stall should write to Anna.",
        "mail/d.txt": "Please find attached the minutes of the committee meeting; the budget for the spring fair was "
        "approved, the parking question is postponed, and volunteers for the book stall should write to Anna soon.",
        "mail/e.txt": "Quantum error correction spreads one logical qubit across many physical ones so that a single "
        "flipped bit can be detected by measuring parities without disturbing the encoded state itself.",
        "f.txt": "Sourdough wants a lively starter, a long cold proof overnight and a very hot oven with steam for "
        "the first twenty minutes; score the loaf deeply so that it opens along the cut instead of bursting.",
        ".hidden.txt": "The river flooded the old mill on Tuesday after three days of heavy rain.",
        "empty.txt": " ... \n",
    }
    for name, text in texts.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return [text for name, text in texts.items() if not name.startswith(".") and name != "empty.txt"]


def test_a_folder_of_documents_runs_with_exact_truth(tmp_path):
    documents = write_fixture(tmp_path / "docs")
    dlenv_run("dedup", "--device", "cpu", "--set", f"data_path={tmp_path / 'docs'}", "--set", "rounds=1",
              out=tmp_path / "out")  # fmt: skip
    found = metrics(tmp_path / "out")["metrics"]
    assert found["documents"] == len(documents) == 6
    assert found["duplicate_pairs"] == 2 and found["recall"] == 1.0 and found["precision"] == 1.0
    assert found["datasketch_recall"] == 1.0 and found["docs_per_s"] > 0


def test_a_file_of_documents_is_one_per_line(tmp_path):
    documents = write_fixture(tmp_path / "docs")
    (tmp_path / "lines.txt").write_text("\n".join(documents) + "\n\n")
    assert data.load(str(tmp_path / "lines.txt")) == documents


@pytest.mark.parametrize(("setting", "message"), [
    ("bands=10", "error: --set bands=10: must divide num_perm=128: did you mean bands=8?"),
    ("num_perm=1", "error: --set num_perm=1: must be at least 2"),
    ("threshold=1.5", "error: --set threshold=1.5: must be at most 1"),
    ("data_path=/no/such/folder", "error: --set data_path=/no/such/folder: no such file or folder"),
])  # fmt: skip
def test_bad_settings_exit_2_with_one_line_naming_the_value(setting, message, tmp_path):
    proc = dlenv_run("dedup", "--device", "cpu", "--set", setting, out=tmp_path, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[0] == message and "Traceback" not in proc.stderr
