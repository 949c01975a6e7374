"""The wide_deep lesson's settings: defaults, the --smoke values, and the bounds a --set value must keep."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dlenv.runner.config import require


@dataclass
class Config:
    dataset: Literal["clicks", "census"] = "clicks"
    data_dir: str = ""  # a folder holding the Census adult.csv instead of fetching it
    steps: int = 800
    batch_size: int = 256
    lr: float = 0.01
    embedding_dim: int = 8
    hidden: int = 64

    def __post_init__(self) -> None:
        require(self, positive=("steps", "batch_size", "lr", "embedding_dim", "hidden"))


SMOKE = {"steps": 600}
