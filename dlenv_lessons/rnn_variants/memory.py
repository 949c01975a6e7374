"""The rnn_variants lesson's GPU memory: the hungriest of its recurrent classifiers on a batch of the longest review."""

from __future__ import annotations

from dataclasses import asdict

import torch
from torch import nn

from dlenv.runner.config import listed
from dlenv.runner.memory import Need, count_torch
from dlenv_lessons.rnn_sentiment.data import Vocabulary
from dlenv_lessons.rnn_variants import data
from dlenv_lessons.rnn_variants.config import VARIANTS, Config
from dlenv_lessons.rnn_variants.model import RecurrentClassifier

FITTING_SETTINGS = ({"batch_size": 16},)


def need(cfg: Config) -> Need:
    reviews = data.reviews(cfg.reviews, cfg.longest_tail)
    vocab = Vocabulary(reviews.words, 1000)
    longest = max(reviews.words, key=len)

    def build(name: str) -> RecurrentClassifier:
        return RecurrentClassifier(
            len(vocab), cfg.embedding, cfg.hidden, **asdict(VARIANTS[name]), forget_bias=cfg.forget_bias
        )

    def loss_of(model: RecurrentClassifier) -> torch.Tensor:  # packing reads the lengths: a real (tiny) CPU batch
        ids, lengths = vocab.batch([longest] * cfg.batch_size)
        return nn.functional.cross_entropy(model(ids, lengths), torch.zeros(cfg.batch_size, dtype=torch.long))

    # the variants train one after another: the run needs what the hungriest of them needs
    needs = [count_torch(lambda name=name: build(name), loss_of, "adam", device="cpu")
             for name in listed(cfg, "variants", VARIANTS)]  # fmt: skip
    return max(needs, key=lambda need: need.total)
