"""The cnn lesson's GPU memory: its largest chosen variant's step, beside the copy its timing trains."""

from __future__ import annotations

import torch
from torch import nn

from dlenv.runner.config import listed
from dlenv.runner.memory import Need, count_torch
from dlenv_lessons.cnn.config import VARIANTS, Config
from dlenv_lessons.cnn.model import SmallCNN

FITTING_SETTINGS = ({"batch_size": 16},)
GREY = {"mnist": 28, "fashion_mnist": 28}  # torchvision's MNIST and FashionMNIST: one channel, 28×28, kept so
CLASSES = 10  # shapes' source task, the digits, CIFAR-10; a folder's own classes add 4·width weights each


def need(cfg: Config) -> Need:
    channels, side = (1, GREY[cfg.dataset]) if cfg.dataset in GREY else (3, cfg.image_size)

    def step(variant: str) -> Need:
        def loss_of(model: SmallCNN) -> torch.Tensor:
            x = torch.zeros(cfg.batch_size, channels, side, side)
            return nn.functional.cross_entropy(model(x), torch.zeros(cfg.batch_size, dtype=torch.long))

        return count_torch(lambda: SmallCNN(variant, channels, CLASSES, cfg.width, cfg.dropout), loss_of, "adam")

    largest = max((step(v) for v in {*listed(cfg, "variants", VARIANTS), cfg.augment_variant}), key=lambda n: n.total)
    # step_milliseconds times a deep copy with an Adam of its own while the trained variant is still held
    return largest + Need(largest.parameters, largest.gradients, largest.optimizer, 0)
