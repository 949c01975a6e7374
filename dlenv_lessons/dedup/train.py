"""`dlenv run dedup [--set data_path=FILE_OR_FOLDER] [--set shingle=char] [--set bands=32]`: find
near-duplicate documents with a hand-built MinHash + LSH and with datasketch, both timed on the same
corpus and both scored against the exact Jaccard similarity of every pair."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

import numpy as np

from dlenv.runner import Result
from dlenv.runner.context import Context, Stopped
from dlenv_lessons.dedup import data, exact, lsh, minhash, reference, shingles
from dlenv_lessons.dedup.config import Config

S_CURVE_FROM = 3  # the report's S-curve: one bin per tenth of similarity, from 0.3 up


def shingle_size(cfg: Config) -> int:
    """Tokens per shingle: the setting, or the unit's default when it is 0."""
    return cfg.shingle_size or shingles.DEFAULT_SIZE[cfg.shingle]


def sign(texts: list[str], unit: shingles.Unit, k: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Texts to MinHash signatures, by hand: normalise, hash every shingle, take row-wise minima."""
    tokens = [shingles.normalise(text, unit) for text in texts]
    return minhash.signatures(*shingles.hashed(tokens, unit, k), a, b)


def candidate_pairs(texts: list[str], unit: shingles.Unit, k: int, num_perm: int, bands: int, seed: int) -> np.ndarray:
    """The hand-built pipeline in one call, the counterpart of reference.candidate_pairs."""
    return lsh.candidate_pairs(sign(texts, unit, k, *minhash.permutations(num_perm, seed)), bands)


def codes(pairs: np.ndarray, documents: int) -> np.ndarray:
    """Each pair (i, j) as one integer, for set operations on pairs."""
    return pairs[:, 0].astype(np.int64) * documents + pairs[:, 1]


def score(found: np.ndarray, truth: np.ndarray, documents: int) -> tuple[float, float]:
    """Precision and recall of the candidate pairs against the true near-duplicate pairs. With nothing
    found there is no false claim (precision 1); with nothing to find there is no miss (recall 1)."""
    hits = np.isin(codes(found, documents), codes(truth, documents)).sum()
    return float(hits / len(found)) if len(found) else 1.0, float(hits / len(truth)) if len(truth) else 1.0


def train(ctx: Context, cfg: Config) -> Result:
    k = shingle_size(cfg)
    texts = data.load(cfg.data_path) if cfg.data_path else data.generate(cfg.docs, cfg.family_size, ctx.seed)
    documents = len(texts)
    rows = cfg.num_perm // cfg.bands
    raced = race(ctx, cfg, texts, k)
    near, similarity, shingle_count = ground_truth(texts, cfg, k)
    truth = near[similarity >= cfg.threshold]
    precision, recall = score(raced.found, truth, documents)
    datasketch_precision, datasketch_recall = score(raced.theirs, truth, documents)
    ours, others = codes(raced.found, documents), codes(raced.theirs, documents)
    union = len(np.union1d(ours, others))

    # Two LSH indexes with independent hash functions each catch a pair of similarity s with probability
    # P(s); they agree on it with P², so the share of candidates both find should be ΣP² / Σ(2P − P²).
    chance = lsh.probability(similarity, cfg.bands, rows)
    expected_agreement = float((chance**2).sum() / (2 * chance - chance**2).sum()) if len(near) else 1.0
    estimated = minhash.estimate(raced.signatures, near)
    metrics = {
        "precision": precision,
        "recall": recall,
        "docs_per_s": documents / min(raced.seconds),
        "datasketch_docs_per_s": documents / min(raced.datasketch_seconds),
        "speedup": min(raced.datasketch_seconds) / min(raced.seconds),
        "datasketch_precision": datasketch_precision,
        "datasketch_recall": datasketch_recall,
        "candidate_agreement": len(np.intersect1d(ours, others)) / union if union else 1.0,
        "expected_agreement": expected_agreement,
        "documents": documents,
        "shingles": shingle_count,
        "duplicate_pairs": len(truth),
        "candidate_pairs": len(raced.found),
        "datasketch_candidate_pairs": len(raced.theirs),
        "base_rate": len(truth) / (documents * (documents - 1) / 2),  # a random pair's chance to be a duplicate
        "bands": cfg.bands,
        "rows": rows,
        "lsh_threshold": lsh.threshold(cfg.bands, rows),
        "estimate_mae": float(np.abs(estimated - similarity).mean()) if len(near) else 0.0,
        "s_curve": s_curve(similarity, np.isin(codes(near, documents), ours), chance),
    }
    ctx.log(raced.steps, precision=precision, recall=recall, docs_per_s=metrics["docs_per_s"])
    return Result(metrics=metrics, throughput_unit="docs/s", throughput=metrics["docs_per_s"], steps=raced.steps)


@dataclass(frozen=True)
class Race:
    """Both pipelines' output and their times, round by round."""

    signatures: np.ndarray
    found: np.ndarray  # the hand-built pipeline's candidate pairs
    theirs: np.ndarray  # datasketch's
    seconds: list[float]
    datasketch_seconds: list[float]
    steps: int


def race(ctx: Context, cfg: Config, texts: list[str], k: int) -> Race:
    """Both pipelines, texts in and candidate pairs out, timed in turn for cfg.rounds rounds (the fastest
    counts: load only slows); the hand-built one signs in ctx.steps chunks and logs between them."""
    a, b = minhash.permutations(cfg.num_perm, ctx.seed)
    bounds = np.linspace(0, len(texts), min(ctx.steps, len(texts)) + 1).astype(int)
    seconds, datasketch_seconds = [], []
    for attempt in range(cfg.rounds):
        parts, elapsed = [], 0.0
        for step, (first, last) in enumerate(itertools.pairwise(bounds), start=1):
            began = time.perf_counter()
            parts.append(sign(texts[first:last], cfg.shingle, k, a, b))
            elapsed += time.perf_counter() - began
            if attempt == 0:
                ctx.log(step, documents_signed=int(last))
            if (signum := ctx.stop_requested()) is not None:
                raise Stopped(step, signum)  # nothing to resume from: a rerun starts over, in seconds
        began = time.perf_counter()
        signatures = np.concatenate(parts)
        found = lsh.candidate_pairs(signatures, cfg.bands)
        seconds.append(elapsed + time.perf_counter() - began)
        began = time.perf_counter()
        theirs = reference.candidate_pairs(texts, cfg.shingle, k, cfg.num_perm, cfg.bands, ctx.seed)
        datasketch_seconds.append(time.perf_counter() - began)
    return Race(signatures, found, theirs, seconds, datasketch_seconds, len(parts))


def ground_truth(texts: list[str], cfg: Config, k: int) -> tuple[np.ndarray, np.ndarray, int]:
    """The pairs at or above the S-curve's lowest tenth, their exact Jaccard similarity (from collision-free
    shingle ids, untimed), and the number of distinct shingles."""
    tokens = [shingles.normalise(text, cfg.shingle) for text in texts]
    x = exact.shingle_matrix(*shingles.exact_ids(tokens, cfg.shingle, k))
    near, similarity = exact.similar_pairs(x, min(S_CURVE_FROM / 10, cfg.threshold))
    return near, similarity, x.shape[1]


def s_curve(similarity: np.ndarray, was_found: np.ndarray, chance: np.ndarray) -> list[dict[str, object]]:
    """Per tenth of similarity from 0.3 up: how many pairs, the share LSH found, and the share predicted."""
    tenth = np.minimum(np.floor(similarity * 10 + 1e-9), 9).astype(int)  # 0.8 ≤ J < 0.9 → 8, J = 1 → 9
    curve = []
    for low in range(S_CURVE_FROM, 10):
        inside = tenth == low
        if inside.any():
            curve.append({
                "jaccard": f"{low / 10:.1f}-{(low + 1) / 10:.1f}",
                "pairs": int(inside.sum()),
                "found": round(float(was_found[inside].mean()), 3),
                "predicted": round(float(chance[inside].mean()), 3),
            })  # fmt: skip
    return curve
