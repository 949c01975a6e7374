"""Tabular data as the model sees it: two inputs (one for the wide part, one for the deep part) and two
targets (a main 0/1 label and a second number in its own unit).

The wide input is one integer id per sparse column, the crossed columns last: a linear model over it
keeps one weight per value and per pair of values (memory). The deep input is the columns it embeds
and the numbers, standardised: an MLP over them learns smooth functions (generalisation). The two
sets differ on purpose: only the wide part sees the cross, only the deep part sees the numbers.

The embedded default is a generated click log. The click depends on *which* (city, category) pairs go
together — a fact to memorise, which the wide part's cross holds exactly — and on smooth functions of
the hour, the price and the age. The second target is the dwell time, the seconds spent on the page:
a taste per category, longer in the evening, shorter for expensive items, longer for the young and
the old (age²), plus noise, and nothing from the liked pairs. Price and age are numbers that only the
deep input carries, so most of what decides the dwell time only the deep side can know; they are also
what the click depends on beyond the pairs, and the dwell time teaches them with far less noise than a
0/1 click does. That is why the second head sits on the deep tower (model.py).

The real loader reads the Census income data (Kaggle `uciml/adult-census-income`): income above 50K
is the main target, hours worked a week the second — so hours.per.week is no input.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch

CENSUS = "kaggle:uciml/adult-census-income"  # adult.csv
CENSUS_CATEGORICAL = ("workclass", "education", "marital.status", "occupation", "relationship", "race", "sex",
                      "native.country")  # fmt: skip
CENSUS_NUMERIC = ("age", "education.num", "capital.gain", "capital.loss")
CENSUS_CROSS = ("education", "occupation")
CENSUS_AUX = "hours.per.week"  # the second target: predicted, so never an input


class DeepInput(NamedTuple):
    """The deep part's input: ids it embeds, and numbers."""

    ids: torch.Tensor  # N × C integer ids
    numbers: torch.Tensor  # N × D, standardised


@dataclass(frozen=True)
class Table:
    wide: torch.Tensor  # N × W integer ids: the wide part's input, the sparse columns then the crosses
    wide_vocab: tuple[int, ...]  # values per wide column
    deep: DeepInput  # the deep part's input
    deep_vocab: tuple[int, ...]  # values per embedded column
    label: torch.Tensor  # N, 0.0 or 1.0: the main target
    aux: torch.Tensor  # N: the second target, in its own unit (aux_name)
    aux_name: str

    def __len__(self) -> int:
        return len(self.label)

    def rows(self, index: torch.Tensor | slice) -> Table:
        deep = DeepInput(self.deep.ids[index], self.deep.numbers[index])
        return Table(self.wide[index], self.wide_vocab, deep, self.deep_vocab, self.label[index], self.aux[index],
                     self.aux_name)  # fmt: skip


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
    taste = rng.normal(0, 1, categories)
    dwell = 60 + 8 * taste[category] + 10 * np.sin(2 * np.pi * hour / 24) - 12 * price + 8 * age**2
    dwell = np.maximum(dwell + rng.normal(0, 8, n), 1.0)  # seconds
    ids = np.stack([city, category, hour], 1)
    return Table(
        torch.tensor(np.concatenate([ids, pair[:, None]], 1)),
        (cities, categories, 24, cities * categories),
        DeepInput(torch.tensor(ids), torch.tensor(np.stack([price, age], 1), dtype=torch.float32)),
        (cities, categories, 24),
        torch.tensor(label, dtype=torch.float32),
        torch.tensor(dwell, dtype=torch.float32),
        "dwell seconds",
    )


def census(folder: str | None = None) -> Table:
    if not folder:
        from dlenv.datasets import fetch

        folder = str(fetch(CENSUS).path)
    with (Path(folder) / "adult.csv").open(newline="", encoding="utf-8") as f:
        records = list(csv.DictReader(f))
    vocabularies = {c: {v: i for i, v in enumerate(sorted({r[c] for r in records}))} for c in CENSUS_CATEGORICAL}
    vocab = tuple(len(vocabularies[c]) for c in CENSUS_CATEGORICAL)
    ids = np.array([[vocabularies[c][r[c]] for c in CENSUS_CATEGORICAL] for r in records])
    a, b = (CENSUS_CATEGORICAL.index(c) for c in CENSUS_CROSS)
    cross = ids[:, a] * vocab[b] + ids[:, b]
    numeric = np.array([[float(r[c]) for c in CENSUS_NUMERIC] for r in records], dtype=np.float32)
    numeric = (numeric - numeric.mean(0)) / (numeric.std(0) + 1e-8)
    label = np.array([r["income"].strip().startswith(">50K") for r in records], dtype=np.float32)
    hours = np.array([float(r[CENSUS_AUX]) for r in records], dtype=np.float32)
    return Table(
        torch.tensor(np.concatenate([ids, cross[:, None]], 1)),
        (*vocab, vocab[a] * vocab[b]),
        DeepInput(torch.tensor(ids), torch.tensor(numeric)),
        vocab,
        torch.tensor(label),
        torch.tensor(hours),
        "hours a week",
    )
