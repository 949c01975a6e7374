"""The tf_gradients lesson's settings: defaults, the --smoke values, and the bounds a --set value must keep."""

from __future__ import annotations

from dataclasses import dataclass

from dlenv.runner.config import require
from dlenv_lessons.tf_dnn.data import TRAIN_SIZE as DIGITS_TRAIN


@dataclass
class Config:
    steps: int = 20  # epochs of the side-by-side training
    depth: int = 10  # hidden layers
    width: int = 64
    batch_size: int = 32
    # Plain SGD on purpose: Adam divides each gradient by its own running size, which would hide
    # how small the sigmoid network's first-layer gradients are.
    lr: float = 0.05
    probe: int = 256  # examples in the batch the gradient norms are measured on
    gain: float = 1.5  # the exploding network: each layer's weights gain × He's standard deviation
    clip_norm: float = 1.0  # the global gradient norm that clipping allows
    explode_steps: int = 300
    explode_lr: float = 0.05

    def __post_init__(self) -> None:
        require(
            self,
            positive=("steps", "depth", "width", "batch_size", "lr", "probe", "gain", "clip_norm", "explode_steps",
                      "explode_lr"),
            at_most={"probe": DIGITS_TRAIN},
        )  # fmt: skip


SMOKE = {"steps": 16, "explode_steps": 200}  # 8 epochs left ReLU at 0.82 on seed 2
