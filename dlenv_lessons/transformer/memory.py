"""The transformer lesson's GPU memory: its model at the data's vocabularies and longest sentences."""

from __future__ import annotations

import torch
from torch import nn

from dlenv.runner.memory import Need, count_torch
from dlenv_lessons.transformer import data
from dlenv_lessons.transformer.config import Config
from dlenv_lessons.transformer.model import Transformer

FITTING_SETTINGS = ({"batch_size": 32}, {"batch_size": 8})


def need(cfg: Config) -> Need:
    pairs, _ = data.numbers() if cfg.dataset == "numbers" else data.multi30k(cfg.data_dir)
    source_vocab, target_vocab = data.Vocab(pairs.source), data.Vocab(pairs.target)
    source = data.to_tensor(pairs.source, source_vocab, bos=False)
    target = data.to_tensor(pairs.target, target_vocab, bos=True)

    def build() -> Transformer:
        return Transformer(len(source_vocab), len(target_vocab), cfg.d_model, cfg.heads, cfg.layers, cfg.d_ff,
                           cfg.dropout, max(source.shape[1], target.shape[1]) + 2, cfg.fused_attention)  # fmt: skip

    def loss_of(model: Transformer) -> torch.Tensor:  # a batch of the longest sentences, untrimmed
        src = torch.ones(cfg.batch_size, source.shape[1], dtype=torch.long)
        tgt = torch.ones(cfg.batch_size, target.shape[1], dtype=torch.long)
        # The lesson's loss skips padding with a data-dependent mask, which the meta device cannot size;
        # over every position (none padded here) it keeps the same log-softmax of the logits.
        logits = model(src, tgt[:, :-1])
        return nn.functional.cross_entropy(
            logits.flatten(0, 1), tgt[:, 1:].flatten(), label_smoothing=cfg.label_smoothing
        )

    return count_torch(build, loss_of, "adam")
