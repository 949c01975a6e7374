"""The rnn_sentiment lesson's generated reviews, each followed by a tail of neutral words ("we watched it on
a rainy sunday …"). The label is still decided by the adjective and a "not" before it, but now that clause
lies up to `longest_tail` words before the end, where a one-directional network gives its answer: the
distance its state (and, in training, its gradient) must cross."""

from __future__ import annotations

import random
from dataclasses import dataclass

from dlenv_lessons.rnn_sentiment import data as sentiment

# Words that say nothing about the film: whatever follows the verdict, the verdict stands.
FILLER = ("we", "watched", "it", "on", "a", "rainy", "sunday", "with", "two", "friends", "and", "shared", "a", "large",
          "bowl", "of", "popcorn", "then", "talked", "about", "dinner", "plans", "before", "taking", "the", "late",
          "bus", "home")  # fmt: skip


@dataclass(frozen=True)
class Reviews:
    words: list[list[str]]
    labels: list[int]
    tails: list[int]  # neutral words after the verdict: how far it lies from the end


def reviews(n: int = 6000, longest_tail: int = 24, seed: int = 0, *, tail: int | None = None) -> Reviews:
    """`n` reviews, each verdict followed by 0 … `longest_tail` neutral words (or exactly `tail`)."""
    verdicts, labels = sentiment.generated(n, seed)
    rng = random.Random(seed + 1)
    tails = [rng.randint(0, longest_tail) if tail is None else tail for _ in verdicts]
    words = [verdict + [rng.choice(FILLER) for _ in range(tail)] for verdict, tail in zip(verdicts, tails, strict=True)]
    return Reviews(words, labels, tails)
