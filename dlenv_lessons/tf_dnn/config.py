"""The tf_dnn lesson's settings: defaults, the --smoke values, and the bounds a --set value must keep."""

from __future__ import annotations

from dataclasses import dataclass

from dlenv.runner.config import require


@dataclass
class Config:
    steps: int = 60  # epochs, at most
    batch_size: int = 32
    lr: float = 1e-3
    width: int = 256  # units of each hidden layer
    depth: int = 2  # hidden layers
    dropout: float = 0.2
    patience: int = 8  # epochs without a better validation loss before stopping

    def __post_init__(self) -> None:
        require(self, positive=("steps", "batch_size", "lr", "width", "depth", "patience"), fractions=("dropout",))


SMOKE = {"steps": 25}
