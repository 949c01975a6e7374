"""The rnn_variants lesson's gated cells against the vanilla RNN, one training step each on the same batch.

An LSTM computes four gates from the input and the state where a vanilla RNN computes one tanh, and a GRU three:
four and three times the matrix work at each word, for the gradient that reaches across the review (the
lesson's `gradient_reach`). Goal: a gated step costs at most its gate count times the RNN's step (LSTM 4×,
GRU 3×), so the time grows no faster than the work; on two CPU cores they are 2.0–2.7× and 1.75–2.1×. The
steps alternate round by round (support.alternating_medians), so a busy machine slows both alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict

import pytest
from support import alternating_medians, training_step

torch = pytest.importorskip("torch")
pytest.importorskip("pytest_benchmark")
from torch import nn  # noqa: E402

from dlenv_lessons.rnn_sentiment.data import Vocabulary  # noqa: E402
from dlenv_lessons.rnn_variants import data  # noqa: E402
from dlenv_lessons.rnn_variants.config import VARIANTS, Config  # noqa: E402
from dlenv_lessons.rnn_variants.model import RecurrentClassifier  # noqa: E402

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
ROUNDS = 15
GATES = {"lstm": 4, "gru": 3}  # per word, against the vanilla RNN's one


def train_step(model: RecurrentClassifier, ids: torch.Tensor, lengths: torch.Tensor, labels: torch.Tensor,
               lr: float) -> Callable[[], None]:  # fmt: skip
    """One step as the lesson takes it: packed reviews, the last state's verdict, cross-entropy, Adam."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    return training_step(lambda: nn.functional.cross_entropy(model(ids, lengths), labels), optimizer, DEVICE)


@pytest.mark.bench
@pytest.mark.parametrize("cell", list(GATES))
def test_a_gated_step_costs_at_most_its_gate_count_in_rnn_steps(benchmark, cell):
    cfg = Config()
    reviews = data.reviews(cfg.batch_size * 4, cfg.longest_tail)
    vocab = Vocabulary(reviews.words, 1000)
    ids, lengths = vocab.batch(reviews.words[: cfg.batch_size])
    ids, labels = ids.to(DEVICE), torch.tensor(reviews.labels[: cfg.batch_size]).to(DEVICE)

    def step_of(name: str) -> Callable[[], None]:
        torch.manual_seed(0)
        model = RecurrentClassifier(len(vocab), cfg.embedding, cfg.hidden, **asdict(VARIANTS[name])).to(DEVICE)
        return train_step(model.train(), ids, lengths, labels, cfg.lr)

    gated, vanilla = step_of(cell), step_of("rnn")
    ours, reference = alternating_medians(benchmark, gated, vanilla, ROUNDS, warmup=3)
    benchmark.extra_info.update({
        "device": torch.cuda.get_device_name() if DEVICE == "cuda" else "cpu",
        "words": int(lengths.max()),
        "rnn_median_s": reference,
        "ratio": ours / reference,
        "reviews_per_s": len(ids) / ours,
    })  # fmt: skip
    assert ours / reference <= GATES[cell], f"{cell} step {ours * 1e3:.1f} ms vs rnn {reference * 1e3:.1f} ms"
