"""The transfer lesson's GPU memory: the fine-tuned ResNet, still held, beside the one trained from scratch."""

from __future__ import annotations

import torch
from torch import nn

from dlenv.runner.memory import Need, count_torch
from dlenv_lessons._vision.shapes import TARGET
from dlenv_lessons.transfer.config import Config

FITTING_SETTINGS = ({"batch_size": 8}, {"arch": "resnet10"})
FOLDER_CLASSES = 1000  # a folder's own classes, at most ImageNet's: each adds one row of `fc` (512 or 2048 weights)


def need(cfg: Config) -> Need:
    from dlenv_lessons.transfer.model import FineTuned, resnet, with_head  # torchvision: the vision rows only

    classes = FOLDER_CLASSES if cfg.data_dir else len(TARGET)

    def loss_of(model: FineTuned) -> torch.Tensor:
        x = torch.zeros(cfg.batch_size, 3, cfg.image_size, cfg.image_size)
        return nn.functional.cross_entropy(model(x), torch.zeros(cfg.batch_size, dtype=torch.long))

    finetuned = count_torch(lambda: FineTuned(with_head(resnet(cfg.arch), classes)), loss_of, "adam")
    # train.py keeps the fine-tuned model and its optimizer (not its activations) while the scratch one trains
    return finetuned + Need(finetuned.parameters, finetuned.gradients, finetuned.optimizer, 0)
