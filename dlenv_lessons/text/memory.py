"""The text lesson's GPU memory: its CBOW model over the corpus' word vocabulary, on one batch of contexts."""

from __future__ import annotations

import torch
from torch import nn

from dlenv.runner.memory import Need, count_torch
from dlenv_lessons.text.config import Config
from dlenv_lessons.text.tokenize import WordTokenizer
from dlenv_lessons.text.train import CBOW, reviews


def need(cfg: Config) -> Need:
    vocab = len(WordTokenizer(reviews()).itos)

    def loss_of(model: CBOW) -> torch.Tensor:
        context = torch.zeros(cfg.batch_size, 2 * cfg.window, dtype=torch.long)
        return nn.functional.cross_entropy(model(context), torch.zeros(cfg.batch_size, dtype=torch.long))

    return count_torch(lambda: CBOW(vocab, cfg.dim), loss_of, "adam")
