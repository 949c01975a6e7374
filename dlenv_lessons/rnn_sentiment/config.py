"""The rnn_sentiment lesson's settings: defaults, the --smoke values, and the bounds a --set value must keep."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dlenv.runner.config import require


@dataclass
class Config:
    dataset: Literal["generated", "imdb"] = "generated"
    data_dir: str = ""  # a folder holding "IMDB Dataset.csv" instead of fetching it
    steps: int = 500
    batch_size: int = 64
    vocabulary: int = 20_000
    embedding: int = 32
    hidden: int = 64
    lr: float = 3e-3

    def __post_init__(self) -> None:
        # The vocabulary keeps the padding and unknown tokens beside the words.
        require(self, positive=("steps", "batch_size", "embedding", "hidden", "lr"), at_least={"vocabulary": 3})


SMOKE = {"steps": 250}
