"""The classification lesson's GPU memory: its CNN or MLP on one batch of its images."""

from __future__ import annotations

import torch
from torch import nn

from dlenv.runner.memory import Need, count_torch
from dlenv_lessons.classification import data
from dlenv_lessons.classification.config import Config
from dlenv_lessons.classification.model import CNN, MLP


def need(cfg: Config) -> Need:
    x_train = (data.digits() if cfg.dataset == "digits" else data.fashion_mnist(cfg.data_dir))[0]
    side = x_train.shape[-1]

    def build() -> nn.Module:
        if cfg.model == "cnn":
            return CNN(side, max(4, cfg.width // 8), dropout=cfg.dropout)
        return MLP(side, cfg.width, dropout=cfg.dropout)

    def loss_of(model: nn.Module) -> torch.Tensor:
        x = torch.zeros(cfg.batch_size, *x_train.shape[1:])
        return nn.functional.cross_entropy(model(x), torch.zeros(cfg.batch_size, dtype=torch.long))

    return count_torch(build, loss_of, "adam")
