"""Numbers several lessons report: accuracy, R², parameter counts."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn


@torch.no_grad()
def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, device: str,
             prepare: Callable[[torch.Tensor], torch.Tensor] | None = None, batch: int = 1024) -> float:  # fmt: skip
    """The share of `x` whose highest-scoring class is `y`, in batches of `batch`, each turned into the
    model's input by `prepare` first (as stored images become normalised floats) where given."""
    prepare = prepare or (lambda chunk: chunk)
    predictions = torch.cat([model(prepare(chunk).to(device)).argmax(1).cpu() for chunk in x.split(batch)])
    return (predictions == y).sum().item() / len(y)  # an exact fraction: 0.778, not float32's 0.777999997


def r2(prediction: torch.Tensor, target: torch.Tensor) -> float:
    """1 − residual / total variance around the target's mean: 0 is always predicting the mean, 1 is perfect."""
    return 1 - ((prediction - target) ** 2).sum().item() / ((target - target.mean()) ** 2).sum().item()


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
