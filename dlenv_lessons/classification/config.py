"""The classification lesson's settings: defaults, the --smoke values, and the bounds a --set value must keep."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dlenv.runner.config import require


@dataclass
class Config:
    model: Literal["cnn", "mlp"] = "cnn"
    dataset: Literal["digits", "fashion_mnist"] = "digits"
    data_dir: str = ""  # a folder with Fashion-MNIST's CSVs instead of fetching them
    steps: int = 600
    batch_size: int = 64
    lr: float = 3e-3
    width: int = 128  # hidden units of the MLP; the CNN uses width // 8 channels
    dropout: float = 0.1

    def __post_init__(self) -> None:
        require(self, positive=("steps", "batch_size", "lr"), at_least={"width": 8}, fractions=("dropout",))


SMOKE = {"steps": 200}
