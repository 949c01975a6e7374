"""The deep_networks lesson's settings: defaults, the --smoke values, and the bounds a --set value must keep."""

from __future__ import annotations

from dataclasses import dataclass

from dlenv.runner.config import require
from dlenv_lessons.tf_dnn.data import TRAIN_SIZE as DIGITS_TRAIN


@dataclass
class Config:
    depth: int = 20  # hidden layers
    width: int = 64  # units a hidden layer: with 20 layers, some 80,000 weights to memorise 300 examples with
    train_size: int = 300  # training examples (of 1,079): few enough that memorising them shows as a gap
    steps: int = 2000  # Adam steps, each variant
    batch_size: int = 32
    lr: float = 2e-3
    # The dropout and SELU networks drop a fifth of the pixels (alpha dropout for SELU), as tf_regularization's
    # dropout network does; at depth 20, dropout in the hidden layers too leaves them underfitting (README.md).
    input_dropout: float = 0.2
    dropout: float = 0.0  # the dropout network's rate at each of its hidden layers
    alpha_dropout: float = 0.0  # the SELU network's, at each hidden layer
    probe: int = 256  # training examples the per-layer statistics are measured on

    def __post_init__(self) -> None:
        require(
            self,
            positive=("depth", "width", "train_size", "steps", "batch_size", "lr", "probe"),
            at_most={"train_size": DIGITS_TRAIN, "probe": "train_size"},
            fractions=("input_dropout", "dropout", "alpha_dropout"),
        )


SMOKE = {"steps": 600}
