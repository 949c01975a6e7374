"""The data: scikit-learn's handwritten digits (shipped with scikit-learn, works offline), or
Fashion-MNIST from its Kaggle dataset through dlenv's fetcher."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

FASHION_MNIST = "kaggle:zalando-research/fashionmnist"  # fashion-mnist_{train,test}.csv: label, pixel1..784


def split(x: np.ndarray, y: np.ndarray, test_fraction: float, seed: int = 0) -> tuple[torch.Tensor, ...]:
    """A fixed shuffled split (the same for every run), as float images and long labels."""
    order = np.random.default_rng(seed).permutation(len(x))
    cut = int(len(x) * (1 - test_fraction))
    train, test = order[:cut], order[cut:]
    as_x = lambda a: torch.tensor(a, dtype=torch.float32)  # noqa: E731
    as_y = lambda a: torch.tensor(a, dtype=torch.long)  # noqa: E731
    return as_x(x[train]), as_y(y[train]), as_x(x[test]), as_y(y[test])


def digits() -> tuple[torch.Tensor, ...]:
    """1,797 8×8 digits, pixels 0–16 scaled to 0–1; 20 % held out."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = (bunch.images / 16.0).astype(np.float32)[:, None, :, :]  # N, 1, 8, 8
    return split(images, bunch.target, test_fraction=0.2)


def fashion_mnist(folder: str | None = None) -> tuple[torch.Tensor, ...]:
    """60,000 + 10,000 28×28 clothing images from the CSVs of the Kaggle dataset (or `folder` holding them)."""
    if not folder:
        from dlenv.datasets import fetch

        folder = str(fetch(FASHION_MNIST).path)
    parts = []
    for name in ("fashion-mnist_train.csv", "fashion-mnist_test.csv"):
        table = np.loadtxt(Path(folder) / name, delimiter=",", skiprows=1, dtype=np.float32)
        images = (table[:, 1:] / 255.0).reshape(-1, 1, 28, 28)
        parts += [torch.tensor(images), torch.tensor(table[:, 0], dtype=torch.long)]
    return tuple(parts)
