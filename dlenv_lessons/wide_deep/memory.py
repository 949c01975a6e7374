"""The wide_deep lesson's GPU memory: its three variants side by side on one batch of the chosen table."""

from __future__ import annotations

import torch
from torch import nn

from dlenv.runner.memory import Need, count_torch
from dlenv_lessons.wide_deep import data
from dlenv_lessons.wide_deep.config import Config
from dlenv_lessons.wide_deep.model import SideBySide

FITTING_SETTINGS = ({"batch_size": 64},)


def need(cfg: Config) -> Need:
    table = data.clicks() if cfg.dataset == "clicks" else data.census(cfg.data_dir)
    rows = cfg.batch_size

    def loss_of(model: SideBySide) -> torch.Tensor:
        ids = torch.zeros(rows, len(table.vocab), dtype=torch.long)
        batch = data.Table(ids, table.vocab, torch.zeros(rows, dtype=torch.long), table.cross_vocab,
                           torch.zeros(rows, table.numeric.shape[1]), torch.zeros(rows))  # fmt: skip
        return sum(nn.functional.binary_cross_entropy_with_logits(y, batch.label) for y in model(batch).values())

    build = lambda: SideBySide(table.vocab, table.cross_vocab, table.numeric.shape[1], cfg.embedding_dim, cfg.hidden)  # noqa: E731
    return count_torch(build, loss_of, "adam")
