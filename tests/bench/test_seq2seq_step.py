"""The seq2seq lesson's training step with additive attention against the same step without it.

Attention adds, at each decoder step, a score for every source position (a projection of the decoder's state,
a tanh over batch × source × size, a dot with v) and a weighted sum of the encoder's outputs. The keys' own
projection U·h is computed once per sentence (AdditiveAttention.project), not at every step. Goal: at most 2.5×
the plain encoder–decoder's step on the lesson's own batches. On two CPU cores it is 1.6–1.8×; projecting the
keys again at every decoder step takes it to about 3×. The two steps alternate round by round
(support.alternating_medians), so a busy machine slows both alike.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from support import alternating_medians, training_step

torch = pytest.importorskip("torch")
pytest.importorskip("pytest_benchmark")
from torch import nn  # noqa: E402

from dlenv_lessons.seq2seq.config import Config  # noqa: E402
from dlenv_lessons.seq2seq.model import Seq2Seq  # noqa: E402
from dlenv_lessons.seq2seq.train import load, trim  # noqa: E402
from dlenv_lessons.transformer import data  # noqa: E402

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
ROUNDS = 15


def train_step(model: Seq2Seq, source: torch.Tensor, target: torch.Tensor, lr: float) -> Callable[[], None]:
    """One step as the lesson takes it: teacher forcing, cross-entropy over the real words, Adam."""

    def loss() -> torch.Tensor:
        logits = model(source, target[:, :-1])
        return nn.functional.cross_entropy(logits.flatten(0, 1), target[:, 1:].flatten(), ignore_index=0)

    return training_step(loss, torch.optim.Adam(model.parameters(), lr=lr), DEVICE)


@pytest.mark.bench
def test_attention_costs_at_most_two_and_a_half_plain_decoder_steps(benchmark):
    cfg = Config()
    pairs, _ = load(cfg)
    source_vocab, target_vocab = data.Vocab(pairs.source), data.Vocab(pairs.target)
    rows = torch.randperm(len(pairs.source), generator=torch.Generator().manual_seed(0))[: cfg.batch_size]
    source = trim(data.to_tensor(pairs.source, source_vocab, bos=False)[rows]).to(DEVICE)
    target = trim(data.to_tensor(pairs.target, target_vocab, bos=True)[rows]).to(DEVICE)
    torch.manual_seed(0)
    attention, plain = (
        Seq2Seq(len(source_vocab), len(target_vocab), cfg.embedding, cfg.hidden, attention=on).to(DEVICE).train()
        for on in (True, False)
    )
    with_attention, without = (train_step(model, source, target, cfg.lr) for model in (attention, plain))
    ours, reference = alternating_medians(benchmark, with_attention, without, ROUNDS, warmup=3)
    benchmark.extra_info.update({
        "device": torch.cuda.get_device_name() if DEVICE == "cuda" else "cpu",
        "source_words": source.shape[1],
        "target_words": target.shape[1] - 1,
        "no_attention_median_s": reference,
        "ratio": ours / reference,
        "attention_sentences_per_s": len(source) / ours,
        "no_attention_sentences_per_s": len(source) / reference,
    })  # fmt: skip
    assert ours / reference <= 2.5, f"attention step {ours * 1e3:.1f} ms vs plain {reference * 1e3:.1f} ms"
