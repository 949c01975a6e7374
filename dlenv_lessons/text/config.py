"""The text lesson's settings: defaults, the --smoke values, and the bounds a --set value must keep."""

from __future__ import annotations

from dataclasses import dataclass

from dlenv.runner.config import require


@dataclass
class Config:
    steps: int = 1500
    batch_size: int = 128
    window: int = 2  # context words on each side
    dim: int = 16
    lr: float = 0.01
    bpe_vocab: int = 120

    def __post_init__(self) -> None:
        # BPE's vocabulary starts from the corpus' characters (about 30) and the unknown token.
        require(self, positive=("steps", "batch_size", "window", "dim", "lr"), at_least={"bpe_vocab": 40})


SMOKE = {"steps": 800}
