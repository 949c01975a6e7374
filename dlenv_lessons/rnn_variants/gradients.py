"""How far back a gradient reaches: ‖∂loss/∂x_t‖, the gradient of the loss with respect to the vector of the
word t positions before the end, averaged over reviews. Where it has shrunk to nothing, the words there
cannot teach the network anything."""

from __future__ import annotations

import torch
from torch import nn

from dlenv_lessons.rnn_sentiment.data import Vocabulary
from dlenv_lessons.rnn_variants.model import RecurrentClassifier


def gradient_by_distance(
    model: RecurrentClassifier, vocab: Vocabulary, words: list[list[str]], labels: list[int]
) -> list[float]:
    """Entry d: the mean norm over the reviews of the gradient at the word d positions before their end,
    for every d that all the reviews reach. The loss is summed, not averaged, so each review's gradient is
    its own (nothing mixes reviews), whatever the batch's size. Weights and their .grad are left untouched."""
    ids, lengths = vocab.batch(words)
    device = next(model.parameters()).device
    embedded = model.embedding(ids.to(device)).detach().requires_grad_()
    loss = nn.functional.cross_entropy(model.classify(embedded, lengths), torch.tensor(labels, device=device),
                                       reduction="sum")  # fmt: skip
    (gradient,) = torch.autograd.grad(loss, embedded)
    norms = gradient.norm(dim=2).cpu()  # review × position
    reach = int(lengths.min())
    # position t of a review of length n is n - 1 - t words before its end
    by_distance = torch.stack([norms[row, n - reach : n].flip(0) for row, n in enumerate(lengths.tolist())])
    return by_distance.mean(0).tolist()
