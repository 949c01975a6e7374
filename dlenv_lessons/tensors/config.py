"""The tensors lesson's settings: defaults, the --smoke values, and the bounds a --set value must keep."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dlenv.runner.config import require


@dataclass
class Config:
    samples: int = 256
    batch_size: int = 32
    workers: int = 2
    # How worker processes start. "default": fork on Linux; spawn on Windows and macOS, which start each
    # worker as a fresh Python that imports the dataset and collate_fn anew. spawn tries that here.
    start_method: Literal["default", "spawn", "fork", "forkserver"] = "default"
    steps: int = 300
    lr: float = 0.1

    def __post_init__(self) -> None:
        require(self, positive=("samples", "batch_size", "steps", "lr"), at_least={"workers": 0})


SMOKE = {"steps": 200, "samples": 128}
