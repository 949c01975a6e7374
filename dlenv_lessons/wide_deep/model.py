"""Wide & Deep (Cheng et al., 2016): a linear model over sparse one-hot and crossed features (memorises
co-occurrences) plus an MLP over learned embeddings (generalises to unseen combinations), their
logits summed and trained jointly (§3.3)."""

from __future__ import annotations

import torch
from torch import nn

from dlenv_lessons.wide_deep.data import Table


class Wide(nn.Module):
    """A linear model over one-hot columns and the cross: an embedding of width 1 is one weight per value."""

    def __init__(self, vocab: tuple[int, ...], cross_vocab: int) -> None:
        super().__init__()
        self.columns = nn.ModuleList(nn.Embedding(size, 1) for size in vocab)
        self.cross = nn.Embedding(cross_vocab, 1)
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, t: Table) -> torch.Tensor:
        columns = sum(emb(t.categorical[:, i]) for i, emb in enumerate(self.columns))
        return (columns + self.cross(t.cross)).squeeze(1) + self.bias


class Deep(nn.Module):
    """Dense embeddings of each categorical column, concatenated with the numbers, through an MLP."""

    def __init__(self, vocab: tuple[int, ...], numeric: int, dim: int, hidden: int) -> None:
        super().__init__()
        self.columns = nn.ModuleList(nn.Embedding(size, dim) for size in vocab)
        self.mlp = nn.Sequential(nn.Linear(dim * len(vocab) + numeric, hidden), nn.ReLU(),
                                 nn.Linear(hidden, hidden // 2), nn.ReLU(), nn.Linear(hidden // 2, 1))  # fmt: skip

    def forward(self, t: Table) -> torch.Tensor:
        embedded = [emb(t.categorical[:, i]) for i, emb in enumerate(self.columns)]
        return self.mlp(torch.cat([*embedded, t.numeric], 1)).squeeze(1)


class WideAndDeep(nn.Module):
    def __init__(self, vocab: tuple[int, ...], cross_vocab: int, numeric: int, dim: int, hidden: int) -> None:
        super().__init__()
        self.wide, self.deep = Wide(vocab, cross_vocab), Deep(vocab, numeric, dim, hidden)

    def forward(self, t: Table) -> torch.Tensor:
        return self.wide(t) + self.deep(t)


class SideBySide(nn.Module):
    """The three variants, trained in one loop on the same batches (disjoint parameters: the sum of
    their losses gives each exactly its own gradient)."""

    def __init__(self, vocab: tuple[int, ...], cross_vocab: int, numeric: int, dim: int, hidden: int) -> None:
        super().__init__()
        self.variants = nn.ModuleDict({
            "wide": Wide(vocab, cross_vocab),
            "deep": Deep(vocab, numeric, dim, hidden),
            "wide_deep": WideAndDeep(vocab, cross_vocab, numeric, dim, hidden),
        })  # fmt: skip

    def forward(self, t: Table) -> dict[str, torch.Tensor]:
        return {name: model(t) for name, model in self.variants.items()}
