"""The transformer lesson's settings: defaults, the --smoke values, and the bounds a --set value must keep."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dlenv.runner.config import require


@dataclass
class Config:
    dataset: Literal["numbers", "multi30k"] = "numbers"
    data_dir: str = ""  # a folder with Multi30k's train.jsonl and test.jsonl instead of fetching them
    steps: int = 500
    batch_size: int = 128
    d_model: int = 128
    heads: int = 4
    layers: int = 2
    d_ff: int = 512
    dropout: float = 0.0  # the generated task has no noise to regularise against; Multi30k wants 0.1
    fused_attention: bool = True  # false: the explicit softmax(QKᵀ/√d_k)·V of model.attention, step by step
    warmup: int = 100
    cooldown: float = 0.2  # the last fifth of the steps takes the learning rate linearly to zero
    lr_factor: float = 0.5
    label_smoothing: float = 0.1
    beam_width: int = 4
    examples: int = 5

    def __post_init__(self) -> None:
        require(
            self,
            positive=("steps", "batch_size", "d_model", "heads", "layers", "d_ff", "warmup", "lr_factor", "beam_width"),
            at_least={"examples": 0},
            fractions=("dropout", "cooldown", "label_smoothing"),
            divides={"heads": "d_model"},  # each head attends in d_model / heads dimensions (§3.2.2)
        )


SMOKE = {"steps": 200}
