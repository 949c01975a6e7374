"""Tabular data as the model sees it: categorical columns as integer ids, one crossed column, numbers.

The embedded default is a generated click log whose label depends on *which* (city, category) pairs
go together — a fact to memorise — and on smooth functions of the hour and the price — a pattern to
generalise. The real loader reads the Census income data (Kaggle `uciml/adult-census-income`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

CENSUS = "kaggle:uciml/adult-census-income"  # adult.csv
CENSUS_CATEGORICAL = ("workclass", "education", "marital.status", "occupation", "relationship", "race", "sex",
                      "native.country")  # fmt: skip
CENSUS_NUMERIC = ("age", "education.num", "capital.gain", "capital.loss", "hours.per.week")
CENSUS_CROSS = ("education", "occupation")


@dataclass(frozen=True)
class Table:
    categorical: torch.Tensor  # N × C integer ids
    vocab: tuple[int, ...]  # ids per categorical column
    cross: torch.Tensor  # N: the id of the crossed pair
    cross_vocab: int
    numeric: torch.Tensor  # N × D, standardised
    label: torch.Tensor  # N, 0.0 or 1.0

    def __len__(self) -> int:
        return len(self.label)

    def rows(self, index: torch.Tensor | slice) -> Table:
        return Table(self.categorical[index], self.vocab, self.cross[index], self.cross_vocab,
                     self.numeric[index], self.label[index])  # fmt: skip


def split(table: Table, seed: int = 0) -> tuple[Table, Table]:
    order = torch.randperm(len(table), generator=torch.Generator().manual_seed(seed))
    cut = int(0.8 * len(table))
    return table.rows(order[:cut]), table.rows(order[cut:])


def clicks(n: int = 20_000, cities: int = 50, categories: int = 40, liked_pairs: int = 150, seed: int = 0) -> Table:
    rng = np.random.default_rng(seed)
    city, category, hour = rng.integers(0, cities, n), rng.integers(0, categories, n), rng.integers(0, 24, n)
    price, age = rng.normal(0, 1, n), rng.normal(0, 1, n)
    pair = city * categories + category
    liked = np.zeros(cities * categories, dtype=bool)
    liked[rng.choice(cities * categories, liked_pairs, replace=False)] = True  # what only memory can know
    logit = 3.0 * liked[pair] + 1.2 * np.sin(2 * np.pi * hour / 24) - 1.0 * price + 0.5 * age**2 - 1.5
    label = rng.random(n) < 1 / (1 + np.exp(-logit))
    numeric = np.stack([price, age], 1)
    return Table(
        torch.tensor(np.stack([city, category, hour], 1)),
        (cities, categories, 24),
        torch.tensor(pair),
        cities * categories,
        torch.tensor(numeric, dtype=torch.float32),
        torch.tensor(label, dtype=torch.float32),
    )


def census(folder: str | None = None) -> Table:
    if not folder:
        from dlenv.datasets import fetch

        folder = str(fetch(CENSUS).path)
    with (Path(folder) / "adult.csv").open(newline="", encoding="utf-8") as f:
        records = list(csv.DictReader(f))
    vocabularies = {c: {v: i for i, v in enumerate(sorted({r[c] for r in records}))} for c in CENSUS_CATEGORICAL}
    categorical = np.array([[vocabularies[c][r[c]] for c in CENSUS_CATEGORICAL] for r in records])
    a, b = (CENSUS_CATEGORICAL.index(c) for c in CENSUS_CROSS)
    cross = categorical[:, a] * len(vocabularies[CENSUS_CROSS[1]]) + categorical[:, b]
    numeric = np.array([[float(r[c]) for c in CENSUS_NUMERIC] for r in records], dtype=np.float32)
    numeric = (numeric - numeric.mean(0)) / (numeric.std(0) + 1e-8)
    label = np.array([r["income"].strip().startswith(">50K") for r in records], dtype=np.float32)
    return Table(
        torch.tensor(categorical),
        tuple(len(vocabularies[c]) for c in CENSUS_CATEGORICAL),
        torch.tensor(cross),
        len(vocabularies[CENSUS_CROSS[0]]) * len(vocabularies[CENSUS_CROSS[1]]),
        torch.tensor(numeric),
        torch.tensor(label),
    )
