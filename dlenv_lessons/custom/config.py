"""The custom lesson's settings: defaults, the --smoke values, and the bounds a --set value must keep."""

from __future__ import annotations

from dataclasses import dataclass

from dlenv.runner.config import require


@dataclass
class Config:
    steps: int = 600
    batch_size: int = 64
    lr: float = 3e-3
    hidden: int = 64
    gamma: float = 2.0  # focal loss; 0 is plain cross-entropy

    def __post_init__(self) -> None:
        require(self, positive=("steps", "batch_size", "lr", "hidden"), at_least={"gamma": 0})


SMOKE = {"steps": 250}
