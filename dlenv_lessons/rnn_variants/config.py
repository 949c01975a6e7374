"""The rnn_variants lesson's settings: defaults, the --smoke values, and the bounds a --set value must keep."""

from __future__ import annotations

from dataclasses import dataclass

from dlenv.runner.config import require


@dataclass(frozen=True)
class Variant:
    cell: str  # rnn, lstm or gru (model.CELLS); the fields are RecurrentClassifier's arguments
    layers: int = 1
    bidirectional: bool = False


VARIANTS = {
    "rnn": Variant("rnn"),
    "lstm": Variant("lstm"),
    "gru": Variant("gru"),
    "rnn_2layers": Variant("rnn", layers=2),
    "lstm_2layers": Variant("lstm", layers=2),
    "rnn_bidirectional": Variant("rnn", bidirectional=True),
    "lstm_bidirectional": Variant("lstm", bidirectional=True),
}


@dataclass
class Config:
    variants: str = ",".join(VARIANTS)  # which to train, comma-separated
    reviews: int = 6000  # generated; a fifth held out
    longest_tail: int = 24  # neutral words after the verdict, 0 … this many
    steps: int = 600  # per variant
    batch_size: int = 128
    embedding: int = 32
    hidden: int = 32
    lr: float = 3e-3
    forget_bias: float = 1.0  # the LSTM forget gate's starting bias; 0 is close to PyTorch's default
    probe: int = 256  # held-out reviews whose per-word gradient norms are measured

    def __post_init__(self) -> None:
        require(
            self,
            positive=("steps", "batch_size", "embedding", "hidden", "lr", "probe"),
            at_least={"reviews": 100, "longest_tail": 0},
            lists_of={"variants": VARIANTS},
        )


# 200 steps at 16 words: every gated variant reaches 1.00 on seeds 0-4, the one-way vanilla RNNs stay at chance
SMOKE = {"steps": 200, "longest_tail": 16}
