"""scikit-learn's diabetes data (shipped with it, offline), or California housing from its Kaggle
dataset through dlenv's fetcher. Features and target standardised on the training split only."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import torch

CALIFORNIA = "kaggle:camnugent/california-housing-prices"  # housing.csv
CALIFORNIA_FEATURES = ("longitude", "latitude", "housing_median_age", "total_rooms", "total_bedrooms",
                       "population", "households", "median_income")  # fmt: skip
CALIFORNIA_TARGET = "median_house_value"


def standardised_split(x: np.ndarray, y: np.ndarray, seed: int = 0) -> tuple[torch.Tensor, ...]:
    """80/20 fixed split; mean and scale come from the training part, as they must."""
    order = np.random.default_rng(seed).permutation(len(x))
    train, test = order[: int(0.8 * len(x))], order[int(0.8 * len(x)) :]
    mean, std = x[train].mean(0), x[train].std(0) + 1e-8
    y_mean, y_std = y[train].mean(), y[train].std() + 1e-8
    t = lambda a: torch.tensor(a, dtype=torch.float32)  # noqa: E731
    return (
        t((x[train] - mean) / std),
        t((y[train] - y_mean) / y_std),
        t((x[test] - mean) / std),
        t((y[test] - y_mean) / y_std),
    )


def diabetes() -> tuple[torch.Tensor, ...]:
    from sklearn.datasets import load_diabetes

    bunch = load_diabetes()
    return standardised_split(bunch.data.astype(np.float32), bunch.target.astype(np.float32))


def california(folder: str | None = None) -> tuple[torch.Tensor, ...]:
    if not folder:
        from dlenv.datasets import fetch

        folder = str(fetch(CALIFORNIA).path)
    rows = []
    with (Path(folder) / "housing.csv").open(newline="", encoding="utf-8") as f:
        for record in csv.DictReader(f):
            if all(record[name] for name in (*CALIFORNIA_FEATURES, CALIFORNIA_TARGET)):  # 207 rows lack bedrooms
                rows.append([float(record[name]) for name in (*CALIFORNIA_FEATURES, CALIFORNIA_TARGET)])
    table = np.array(rows, dtype=np.float32)
    return standardised_split(table[:, :-1], table[:, -1])
