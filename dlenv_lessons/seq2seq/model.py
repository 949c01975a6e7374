"""A GRU encoder–decoder (Cho et al., 2014), with or without additive attention (Bahdanau et al., 2015).

Without attention the decoder sees the source only through one fixed vector, the encoder's summary, at every
step. With it, each step scores every source position against the decoder's state, softmaxes the scores over
the real (unpadded) positions and reads a context vector: the weighted sum of the encoder's outputs. The
weights are the alignment the heat-map draws.
"""

from __future__ import annotations

import torch
from torch import nn


class AdditiveAttention(nn.Module):
    """e_j = vᵀ tanh(W s + U h_j), α = softmax_j(e_j) over real positions, c = Σ_j α_j h_j (Bahdanau §3.1,
    appendix A.1.2). U h_j does not depend on the decoder step: `project` computes it once per sentence."""

    def __init__(self, query_size: int, key_size: int, size: int) -> None:
        super().__init__()
        self.query = nn.Linear(query_size, size, bias=False)  # W
        self.key = nn.Linear(key_size, size)  # U (its bias stands for the one inside the tanh)
        self.score = nn.Linear(size, 1, bias=False)  # v

    def project(self, keys: torch.Tensor) -> torch.Tensor:
        return self.key(keys)

    def forward(
        self, query: torch.Tensor, keys: torch.Tensor, projected: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """query (batch, query_size), keys (batch, source, key_size), projected = project(keys), mask (batch,
        source) True where a word is → context (batch, key_size) and weights (batch, source)."""
        scores = self.score(torch.tanh(self.query(query)[:, None] + projected)).squeeze(-1)
        weights = scores.masked_fill(~mask, float("-inf")).softmax(-1)  # padding gets weight 0
        return torch.bmm(weights[:, None], keys).squeeze(1), weights


class Encoder(nn.Module):
    """Embeddings through a bidirectional GRU: h_j, the source word j in both directions' context."""

    def __init__(self, vocab: int, embedding: int, hidden: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, embedding, padding_idx=0)
        self.rnn = nn.GRU(embedding, hidden, batch_first=True, bidirectional=True)

    def forward(self, source: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """→ outputs (batch, source, 2·hidden) and the summary (batch, 2·hidden): the forward direction's
        state after the last real word and the backward one's after the first."""
        lengths = (source != 0).sum(1).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(self.embed(source), lengths, batch_first=True, enforce_sorted=False)
        outputs, last = self.rnn(packed)
        outputs, _ = nn.utils.rnn.pad_packed_sequence(outputs, batch_first=True, total_length=source.shape[1])
        return outputs, torch.cat([last[0], last[1]], -1)


class Seq2Seq(nn.Module):
    def __init__(self, source_vocab: int, target_vocab: int, embedding: int, hidden: int, attention: bool) -> None:
        super().__init__()
        self.encoder = Encoder(source_vocab, embedding, hidden)
        self.embed = nn.Embedding(target_vocab, embedding, padding_idx=0)
        self.bridge = nn.Linear(2 * hidden, hidden)  # the summary → the decoder's first state
        self.attention = AdditiveAttention(hidden, 2 * hidden, hidden) if attention else None
        self.cell = nn.GRUCell(embedding + 2 * hidden, hidden)  # input: the previous word and the context
        self.out = nn.Linear(hidden + 2 * hidden + embedding, target_vocab)  # state, context, previous word

    def start(self, source: torch.Tensor) -> tuple[torch.Tensor, ...]:
        keys, summary = self.encoder(source)
        projected = self.attention.project(keys) if self.attention is not None else keys
        return keys, summary, projected, source != 0, torch.tanh(self.bridge(summary))

    def step(
        self, embedded: torch.Tensor, state: torch.Tensor, memory: tuple[torch.Tensor, ...]
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """One decoder step from the previous word's embedding → what the output layer reads (the new state,
        the context, the word), the new state, and the attention weights (None without attention, where the
        context is the same summary at every step)."""
        keys, summary, projected, mask = memory[:4]
        if self.attention is not None:
            context, weights = self.attention(state, keys, projected, mask)
        else:
            context, weights = summary, None
        state = self.cell(torch.cat([embedded, context], -1), state)
        return torch.cat([state, context, embedded], -1), state, weights

    def forward(self, source: torch.Tensor, target_in: torch.Tensor) -> torch.Tensor:
        """Teacher forcing: the logits of word t+1 from the reference words up to t → (batch, target, vocab)."""
        memory = self.start(source)
        state, features = memory[4], []
        embedded = self.embed(target_in)  # every reference word at once: they are known in advance
        for t in range(target_in.shape[1]):
            step_features, state, _ = self.step(embedded[:, t], state, memory)
            features.append(step_features)
        return self.out(torch.stack(features, 1))  # one output layer over all steps, not one per step

    @torch.no_grad()
    def greedy(
        self, source: torch.Tensor, bos: int, eos: int, max_length: int
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The most likely word each step, for a batch → ids (batch, ≤ max_length) and, with attention, the
        weights (batch, ≤ max_length, source)."""
        memory = self.start(source)
        state = memory[4]
        word = torch.full((len(source),), bos, dtype=torch.long, device=source.device)
        done = torch.zeros(len(source), dtype=torch.bool, device=source.device)
        ids, alignments = [], []
        for _ in range(max_length):
            features, state, weights = self.step(self.embed(word), state, memory)
            word = self.out(features).argmax(-1).masked_fill(done, 0)  # finished sentences take padding
            ids.append(word)
            if weights is not None:
                alignments.append(weights)
            done |= word == eos
            if done.all():
                break
        return torch.stack(ids, 1), torch.stack(alignments, 1) if alignments else None
