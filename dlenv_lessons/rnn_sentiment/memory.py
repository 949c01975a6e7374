"""The rnn_sentiment lesson's GPU memory: its packed LSTM on a batch of the longest review, counted on the CPU."""

from __future__ import annotations

import torch
from torch import nn

from dlenv.runner.memory import Need, count_torch
from dlenv_lessons.rnn_sentiment import data
from dlenv_lessons.rnn_sentiment.config import Config
from dlenv_lessons.rnn_sentiment.model import LSTMClassifier

FITTING_SETTINGS = ({"batch_size": 16},)


def need(cfg: Config) -> Need:
    reviews = (data.generated() if cfg.dataset == "generated" else data.imdb(cfg.data_dir))[0]
    vocab = data.Vocabulary(reviews, cfg.vocabulary)  # every review's words: never fewer than train.py's 80 %
    longest = max(reviews, key=len)

    def loss_of(model: LSTMClassifier) -> torch.Tensor:  # packing reads the lengths: a real (tiny) CPU batch
        ids, lengths = vocab.batch([longest] * cfg.batch_size)
        return nn.functional.cross_entropy(model(ids, lengths), torch.zeros(cfg.batch_size, dtype=torch.long))

    return count_torch(lambda: LSTMClassifier(len(vocab), cfg.embedding, cfg.hidden), loss_of, "adam", device="cpu")
