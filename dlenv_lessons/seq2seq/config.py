"""The seq2seq lesson's settings: defaults, the --smoke values, and the bounds a --set value must keep."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dlenv.runner.config import require

HELD_OUT = 2000  # test sentences of the generated data


@dataclass
class Config:
    # number_lists: 1 … most numbers a sentence, where length is what makes it hard; numbers: the transformer
    # lesson's single numbers (below `largest`); multi30k: German → English captions
    dataset: Literal["number_lists", "numbers", "multi30k"] = "number_lists"
    most: int = 4  # numbers in a list at most
    largest: int = 1000  # numbers below it (the transformer lesson: 10000)
    pairs: int = 14_000  # generated pairs; 2000 of them are held out
    data_dir: str = ""  # a folder with Multi30k's train.jsonl and test.jsonl instead of fetching them
    steps: int = 1500
    batch_size: int = 64
    embedding: int = 64
    hidden: int = 128
    lr: float = 3e-3
    heatmaps: int = 3  # held-out sentences drawn in OUT/attention.png

    def __post_init__(self) -> None:
        require(
            self,
            positive=("steps", "batch_size", "embedding", "hidden", "lr", "most", "largest"),
            at_least={"heatmaps": 0, "pairs": 2 * HELD_OUT},
        )


SMOKE = {"steps": 200}
