"""One classifier, three recurrent cells (Elman's RNN, the LSTM, the GRU), one or two layers, one or two
directions. It answers from the last layer's final state of each direction only (no average over positions,
unlike rnn_sentiment): whatever decides the label must be carried to the end of the review.

- rnn: h_t = tanh(W x_t + U h_{t-1}). Backwards, every step multiplies the gradient by Uᵀ and tanh's slope
  (≤ 1), so a gradient from the end shrinks geometrically with the distance it travels (Bengio et al., 1994;
  Pascanu et al., 2013, §2).
- lstm: a cell state c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t, updated by addition: where the forget gate f_t is
  near 1 the gradient passes back unchanged (Hochreiter & Schmidhuber, 1997). Its bias starts at
  `forget_bias` (1 by default), so the cell starts out remembering (Gers et al., 2000; Jozefowicz et al.,
  2015, §2.2); PyTorch's default draws it around 0.
- gru: h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}, the same additive path with two gates instead of three (Cho
  et al., 2014), so fewer weights per unit.
- two layers: the second reads the first's outputs. bidirectional: a second network reads the review from
  the end, so the verdict is near the start of what it reads.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


class RecurrentClassifier(nn.Module):
    def __init__(
        self,
        vocab: int,
        embedding: int,
        hidden: int,
        cell: str,
        layers: int = 1,
        bidirectional: bool = False,
        forget_bias: float = 1.0,
        classes: int = 2,
    ) -> None:
        super().__init__()
        self.bidirectional = bidirectional
        self.embedding = nn.Embedding(vocab, embedding, padding_idx=0)
        self.recurrent = CELLS[cell](embedding, hidden, layers, batch_first=True, bidirectional=bidirectional)
        if cell == "lstm":
            set_forget_bias(self.recurrent, hidden, forget_bias)
        self.head = nn.Linear(hidden * (2 if bidirectional else 1), classes)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return self.classify(self.embedding(ids), lengths)

    def classify(self, embedded: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Logits from the word vectors, so a caller can take the gradient with respect to each word's vector."""
        packed = pack_padded_sequence(embedded, lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, final = self.recurrent(packed)  # the state at each review's true end (its start, read backwards)
        h = final[0] if isinstance(final, tuple) else final  # the LSTM returns (h, c)
        # h: (layers × directions) × batch × hidden; the last layer's directions are the last rows
        last = torch.cat([h[-2], h[-1]], 1) if self.bidirectional else h[-1]
        return self.head(last)


def set_forget_bias(lstm: nn.LSTM, hidden: int, value: float) -> None:
    """PyTorch's LSTM keeps the gates' biases as [input | forget | cell | output] in both bias_ih and bias_hh,
    and adds the two: the forget quarter of one gets `value`, of the other 0."""
    with torch.no_grad():
        for name, bias in lstm.named_parameters():
            if name.startswith("bias_ih"):
                bias[hidden : 2 * hidden].fill_(value)
            elif name.startswith("bias_hh"):
                bias[hidden : 2 * hidden].zero_()
