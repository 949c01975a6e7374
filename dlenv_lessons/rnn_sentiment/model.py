"""An LSTM reads the review; padding must not count. Two ways to make sure: pack the batch so the
LSTM stops at each review's true end (its last hidden state is the review's), and a mask so an
average over positions skips the padding."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


class LSTMClassifier(nn.Module):
    def __init__(self, vocab: int, embedding: int, hidden: int, classes: int = 2) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, embedding, padding_idx=0)
        self.lstm = nn.LSTM(embedding, hidden, batch_first=True)
        self.head = nn.Linear(2 * hidden, classes)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        packed = pack_padded_sequence(self.embedding(ids), lengths.cpu(), batch_first=True, enforce_sorted=False)
        outputs, (last, _) = self.lstm(packed)
        outputs, _ = pad_packed_sequence(outputs, batch_first=True, total_length=ids.shape[1])
        mask = (torch.arange(ids.shape[1], device=ids.device)[None, :] < lengths.to(ids.device)[:, None]).float()
        mean = (outputs * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)  # the padding adds nothing
        return self.head(torch.cat([last[-1], mean], 1))
