"""The tf_regularization lesson's settings: defaults, the --smoke values, and the bounds a --set value must keep."""

from __future__ import annotations

from dataclasses import dataclass

from dlenv.runner.config import require
from dlenv_lessons.tf_dnn.data import TRAIN_SIZE as DIGITS_TRAIN


@dataclass
class Config:
    steps: int = 150  # epochs: long enough for the plain network to memorise its training set
    train_size: int = 150  # training examples (of 1,079); validation keeps all of its 359
    batch_size: int = 32
    lr: float = 1e-3
    width: int = 512  # wide and deep enough to memorise 150 digits outright: the overfitting to regularise
    depth: int = 4
    dropout: float = 0.5  # hidden units
    input_dropout: float = 0.2  # pixels

    def __post_init__(self) -> None:
        require(
            self,
            positive=("steps", "train_size", "batch_size", "lr", "width", "depth"),
            at_most={"train_size": DIGITS_TRAIN},
            fractions=("dropout", "input_dropout"),
        )


SMOKE = {"steps": 100}
