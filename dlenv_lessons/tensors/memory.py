"""The tensors lesson needs no GPU: its two learnt numbers and its data stay on the CPU, whatever the device."""

from __future__ import annotations

from typing import Any

NO_GPU = "two scalar tensors and a DataLoader on the CPU: nothing on a GPU"


def need(cfg: Any) -> None:
    return None  # train.py never moves a tensor to ctx.device: the doctor and `dlenv run` ask for no GPU (NO_GPU)
