"""An LSTM (Hochreiter & Schmidhuber, 1997) reading characters and predicting the next one, and the
sampling that turns it into a writer: temperature flattens or sharpens the distribution, top-k keeps
only the k likeliest characters."""

from __future__ import annotations

import torch
from torch import nn


class CharLSTM(nn.Module):
    def __init__(self, vocab: int, embedding: int, hidden: int, layers: int, dropout: float) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, embedding)
        self.lstm = nn.LSTM(embedding, hidden, layers, batch_first=True, dropout=dropout if layers > 1 else 0.0)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, ids: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None):
        output, state = self.lstm(self.embedding(ids), state)
        return self.head(output), state


@torch.no_grad()
def sample(
    model: CharLSTM, prompt: torch.Tensor, length: int, temperature: float, top_k: int, generator: torch.Generator
) -> list[int]:
    """Feed the prompt, then draw one character at a time from softmax(logits / temperature) over the top k."""
    logits, state = model(prompt[None])
    out = []
    for _ in range(length):
        scores = logits[0, -1] / temperature
        if top_k:
            kth = scores.topk(min(top_k, len(scores))).values[-1]
            scores = scores.masked_fill(scores < kth, float("-inf"))
        next_id = torch.multinomial(scores.softmax(-1), 1, generator=generator)
        out.append(int(next_id))
        logits, state = model(next_id[None], state)
    return out
