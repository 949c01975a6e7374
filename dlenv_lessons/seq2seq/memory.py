"""The seq2seq lesson's GPU memory: its encoder–decoder with attention at the data's vocabularies, on a batch
of the longest sentences."""

from __future__ import annotations

import torch
from torch import nn

from dlenv.runner.memory import Need, count_torch
from dlenv_lessons.seq2seq.config import Config
from dlenv_lessons.seq2seq.model import Seq2Seq
from dlenv_lessons.seq2seq.train import load
from dlenv_lessons.transformer import data

FITTING_SETTINGS = ({"batch_size": 16},)


def need(cfg: Config) -> Need:
    pairs, _ = load(cfg)
    source_vocab, target_vocab = data.Vocab(pairs.source), data.Vocab(pairs.target)
    source_length = max(map(len, pairs.source)) + 1
    target_length = max(map(len, pairs.target)) + 2

    def loss_of(model: Seq2Seq) -> torch.Tensor:  # packing reads the lengths: a real (tiny) CPU batch
        src = torch.ones(cfg.batch_size, source_length, dtype=torch.long)
        tgt = torch.ones(cfg.batch_size, target_length, dtype=torch.long)
        logits = model(src, tgt[:, :-1])
        return nn.functional.cross_entropy(logits.flatten(0, 1), tgt[:, 1:].flatten())

    return count_torch(
        lambda: Seq2Seq(len(source_vocab), len(target_vocab), cfg.embedding, cfg.hidden, attention=True),
        loss_of,
        "adam",
        device="cpu",
    )
