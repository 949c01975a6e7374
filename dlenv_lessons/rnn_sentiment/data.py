"""Reviews as word ids. The default is generated: short reviews whose label is the adjective's
polarity, flipped by a "not" before it — so a bag of words cannot tell them apart and the order of
words matters. The real data is IMDB's 50,000 reviews (Kaggle `lakshmi25npathi/imdb-dataset-of-50k-movie-reviews`)."""

from __future__ import annotations

import csv
import random
import re
from collections import Counter
from pathlib import Path

import torch

IMDB = "kaggle:lakshmi25npathi/imdb-dataset-of-50k-movie-reviews"  # IMDB Dataset.csv: review, sentiment
POSITIVE = ["good", "great", "wonderful", "brilliant", "moving", "funny", "charming", "clever"]
NEGATIVE = ["bad", "awful", "boring", "dull", "clumsy", "tedious", "weak", "silly"]
SUBJECTS = ["the movie", "the film", "the plot", "the acting", "the ending", "the script", "the music"]
OPENERS = ["honestly ,", "i think", "to be fair ,", "in the end", "overall ,", "for me"]
INTENSIFIERS = ["very", "really", "quite", "truly", ""]


def generated(n: int = 6000, seed: int = 0) -> tuple[list[list[str]], list[int]]:
    rng = random.Random(seed)
    reviews, labels = [], []
    for _ in range(n):
        positive = rng.random() < 0.5
        negated = rng.random() < 0.5
        adjective = rng.choice(POSITIVE if positive else NEGATIVE)
        words = []
        for _ in range(rng.randint(0, 2)):  # openers make lengths vary: padding has something to do
            words += rng.choice(OPENERS).split()
        words += rng.choice(SUBJECTS).split() + ["was"] + (["not"] if negated else [])
        words += [w for w in [rng.choice(INTENSIFIERS), adjective] if w]
        reviews.append(words)
        labels.append(int(positive != negated))
    return reviews, labels


def tokenize(text: str) -> list[str]:
    return re.findall(r"[a-z']+|[.,!?]", text.lower().replace("<br />", " "))


def imdb(folder: str | None = None, max_words: int = 256) -> tuple[list[list[str]], list[int]]:
    if not folder:
        from dlenv.datasets import fetch

        folder = str(fetch(IMDB).path)
    with (Path(folder) / "IMDB Dataset.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [tokenize(r["review"])[:max_words] for r in rows], [int(r["sentiment"] == "positive") for r in rows]


class Vocabulary:
    """Word ids by frequency; 0 is padding, 1 stands for a word not in the vocabulary."""

    def __init__(self, reviews: list[list[str]], size: int) -> None:
        counts = Counter(w for review in reviews for w in review)
        self.itos = ["<pad>", "<unk>", *[w for w, _ in counts.most_common(size - 2)]]
        self.stoi = {w: i for i, w in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    def batch(self, reviews: list[list[str]]) -> tuple[torch.Tensor, torch.Tensor]:
        """Padded ids and the true lengths."""
        lengths = torch.tensor([max(1, len(r)) for r in reviews])
        ids = torch.zeros(len(reviews), int(lengths.max()), dtype=torch.long)
        for row, review in enumerate(reviews):
            ids[row, : len(review)] = torch.tensor([self.stoi.get(w, 1) for w in review], dtype=torch.long)
        return ids, lengths
