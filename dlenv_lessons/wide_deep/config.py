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
    aux_weight: float = 2.0  # two_heads' loss: main + aux_weight · aux (0: the second head trains nothing shared)

    def __post_init__(self) -> None:
        require(self, positive=("steps", "batch_size", "lr", "embedding_dim", "hidden"), at_least={"aux_weight": 0})


SMOKE = {"steps": 600}
