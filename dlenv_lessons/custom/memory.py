"""The custom lesson's GPU memory: its Swish MLP on one batch of the digits, with the focal loss."""

from __future__ import annotations

import torch

from dlenv.runner.memory import Need, count_torch
from dlenv_lessons.classification import data
from dlenv_lessons.custom.config import Config
from dlenv_lessons.custom.parts import SwishMLP, focal_loss

FITTING_SETTINGS = ({"batch_size": 16},)


def need(cfg: Config) -> Need:
    pixels = data.digits()[0][0].numel()

    def loss_of(model: SwishMLP) -> torch.Tensor:
        x, y = torch.zeros(cfg.batch_size, pixels), torch.zeros(cfg.batch_size, dtype=torch.long)
        return focal_loss(model(x), y, cfg.gamma)

    return count_torch(lambda: SwishMLP(pixels, cfg.hidden, 10), loss_of, "adam")
