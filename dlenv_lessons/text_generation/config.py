"""The text_generation lesson's settings: defaults, the --smoke values, and the bounds a --set value must keep."""

from __future__ import annotations

from dataclasses import dataclass

from dlenv.runner.config import require


@dataclass
class Config:
    text_file: str = ""
    text_spec: str = ""  # a dlenv dataset spec of a text file, e.g. url:https://…#sha256=…
    steps: int = 800
    batch_size: int = 32
    context: int = 64  # characters per training window
    embedding: int = 32
    hidden: int = 128
    layers: int = 1
    dropout: float = 0.0
    lr: float = 3e-3
    temperature: float = 0.8
    top_k: int = 5
    sample_length: int = 120

    def __post_init__(self) -> None:
        require(
            self,
            positive=("steps", "batch_size", "context", "embedding", "hidden", "layers", "lr", "temperature"),
            at_least={"top_k": 0, "sample_length": 1},  # top_k 0: sample from every character
            fractions=("dropout",),
        )


SMOKE = {"steps": 200}
