"""The wide_deep lesson's GPU memory: its four variants side by side on one batch of the chosen table."""

from __future__ import annotations

import torch

from dlenv.runner.memory import Need, count_torch
from dlenv_lessons.wide_deep.config import Config
from dlenv_lessons.wide_deep.data import DeepInput
from dlenv_lessons.wide_deep.model import SideBySide
from dlenv_lessons.wide_deep.train import load, variant_losses

FITTING_SETTINGS = ({"batch_size": 64},)


def need(cfg: Config) -> Need:
    table = load(cfg)
    rows = cfg.batch_size

    def loss_of(model: SideBySide) -> torch.Tensor:
        wide = torch.zeros(rows, len(table.wide_vocab), dtype=torch.long)
        deep = DeepInput(torch.zeros(rows, len(table.deep_vocab), dtype=torch.long),
                         torch.zeros(rows, table.deep.numbers.shape[1]))  # fmt: skip
        logits, aux = model(wide, deep)
        return sum(variant_losses(logits, aux, torch.zeros(rows), torch.zeros(rows), cfg.aux_weight).values())

    return count_torch(lambda: SideBySide.for_table(table, cfg.embedding_dim, cfg.hidden), loss_of, "adam")
