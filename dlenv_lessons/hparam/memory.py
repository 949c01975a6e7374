"""The hparam lesson's GPU memory: its search space's largest trial, the digits MLP at the largest batch size."""

from __future__ import annotations

import torch
from torch import nn

from dlenv.runner.memory import Need, count_torch
from dlenv_lessons.classification import data
from dlenv_lessons.classification.model import MLP
from dlenv_lessons.hparam.config import Config
from dlenv_lessons.hparam.train import BATCH_SIZES, HIDDEN


def need(cfg: Config) -> Need:
    x_train, batch = data.digits()[0], max(BATCH_SIZES)  # one trial at a time: the largest decides

    def loss_of(model: MLP) -> torch.Tensor:
        x = torch.zeros(batch, *x_train.shape[1:])
        return nn.functional.cross_entropy(model(x), torch.zeros(batch, dtype=torch.long))

    return count_torch(lambda: MLP(x_train.shape[-1], HIDDEN), loss_of, "adam")
