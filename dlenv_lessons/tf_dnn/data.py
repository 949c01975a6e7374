"""The data: scikit-learn's handwritten digits (shipped with scikit-learn, works offline) as NumPy arrays,
split once into training, validation (what early stopping watches) and test (what the run reports)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DIGITS = 1797  # scikit-learn's load_digits
TRAIN_SIZE = DIGITS - 2 * (DIGITS // 5)  # 1,079: what the test and validation fifths leave


@dataclass(frozen=True)
class Split:
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def digits(train: int | None = None, seed: int = 0) -> Split:
    """1,797 8×8 digits as 64 pixels scaled to 0–1: 20 % test, 20 % validation, the rest training
    (or only its first `train` examples: a small training set that a big network can memorise)."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = (bunch.data / 16.0).astype(np.float32)
    y = bunch.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(x))  # the same split for every run
    test, val, rest = np.split(order, [len(x) // 5, 2 * (len(x) // 5)])
    rest = rest[:train] if train else rest
    return Split(x[rest], y[rest], x[val], y[val], x[test], y[test])
