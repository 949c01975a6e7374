"""The regression lesson's GPU memory: its MLP on one batch of the chosen table, under SGD or Adam."""

from __future__ import annotations

import torch
from torch import nn

from dlenv.runner.memory import Need, count_torch
from dlenv_lessons.regression import data
from dlenv_lessons.regression.config import Config
from dlenv_lessons.regression.train import mlp


def need(cfg: Config) -> Need:
    x_train = (data.diabetes() if cfg.dataset == "diabetes" else data.california(cfg.data_dir))[0]

    def loss_of(model: nn.Sequential) -> torch.Tensor:
        prediction = model(torch.zeros(cfg.batch_size, x_train.shape[1])).squeeze(1)
        return nn.functional.mse_loss(prediction, torch.zeros(cfg.batch_size))

    return count_torch(lambda: mlp(x_train.shape[1], cfg.hidden), loss_of, cfg.optimizer)
