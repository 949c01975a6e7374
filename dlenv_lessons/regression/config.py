"""The regression lesson's settings: defaults, the --smoke values, and the bounds a --set value must keep."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dlenv.runner.config import require


@dataclass
class Config:
    dataset: Literal["diabetes", "california"] = "diabetes"
    data_dir: str = ""  # a folder holding California's housing.csv instead of fetching it
    steps: int = 800
    batch_size: int = 32
    optimizer: Literal["sgd", "adam"] = "sgd"
    lr: float = 0.01
    hidden: int = 32
    weight_decay: float = 1e-3

    def __post_init__(self) -> None:
        require(self, positive=("steps", "batch_size", "lr", "hidden"), at_least={"weight_decay": 0})


SMOKE = {"steps": 300}
