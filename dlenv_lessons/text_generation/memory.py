"""The text_generation lesson's GPU memory: its character LSTM on one batch of context-long windows."""

from __future__ import annotations

import torch
from torch import nn

from dlenv.runner.memory import Need, count_torch
from dlenv_lessons.text_generation import data
from dlenv_lessons.text_generation.config import Config
from dlenv_lessons.text_generation.model import CharLSTM

FITTING_SETTINGS = ({"batch_size": 8},)


def need(cfg: Config) -> Need:
    characters = len(data.Characters(data.load(cfg.text_file, cfg.text_spec)))

    def loss_of(model: CharLSTM) -> torch.Tensor:
        x = torch.zeros(cfg.batch_size, cfg.context, dtype=torch.long)
        logits, _ = model(x)
        return nn.functional.cross_entropy(logits.reshape(-1, characters), x.reshape(-1))

    build = lambda: CharLSTM(characters, cfg.embedding, cfg.hidden, cfg.layers, cfg.dropout)  # noqa: E731
    return count_torch(build, loss_of, "adam")
