"""The deep_networks lesson's GPU memory: its five networks side by side under Adam, at the larger of batch and
probe (the variants train one after another, so this is more than any moment holds: a bound)."""

from __future__ import annotations

import torch
from torch import nn

from dlenv.runner.memory import Need, count_torch
from dlenv_lessons.deep_networks.config import Config
from dlenv_lessons.deep_networks.model import KINDS, SideBySide
from dlenv_lessons.deep_networks.train import network

PIXELS = 8 * 8  # scikit-learn's digits: the networks' inputs
FITTING_SETTINGS = ({"probe": 64, "batch_size": 16},)


def need(cfg: Config) -> Need:
    rows = max(cfg.batch_size, cfg.probe)  # the statistics see `probe` examples at once, more than a batch

    def build() -> SideBySide:
        return SideBySide({kind: network(kind, cfg, PIXELS) for kind in KINDS})

    def loss_of(model: SideBySide) -> torch.Tensor:
        x, y = torch.zeros(rows, PIXELS), torch.zeros(rows, dtype=torch.long)
        return sum(nn.functional.cross_entropy(logits, y) for logits in model(x).values())

    return count_torch(build, loss_of, "adam")
