"""Wide & Deep (Cheng et al., 2016): a linear model over sparse one-hot and crossed features (memorises
co-occurrences) plus an MLP over learned embeddings and numbers (generalises to unseen combinations),
their logits summed and trained jointly (§3.3).

The two parts read two different inputs, so the models take them as two arguments, as a Keras
functional model with two inputs would: `model(wide, deep)`, where `wide` is the N × W ids of the
sparse columns and the crosses, and `deep` a `DeepInput` (ids to embed, numbers). Nothing of the deep
input reaches the wide part, and nothing of the wide input (the cross) reaches the deep part.

`TwoHeads` adds a second output, as a Keras model with two outputs would: the same main logit, and a
number (the second target, standardised) from a linear head on the deep tower's last hidden layer. Its
loss is main + aux_weight · aux (train.py): the second target's error trains the deep part that the
main head shares, and leaves the wide part alone.
"""

from __future__ import annotations

import itertools

import torch
from torch import nn

from dlenv_lessons.wide_deep.data import DeepInput, Table


class Wide(nn.Module):
    """A linear model over one-hot columns and crosses: an embedding of width 1 is one weight per value.
    All columns share one table, each at its own offset; the weights start at zero, as a logistic
    regression's do."""

    def __init__(self, vocab: tuple[int, ...]) -> None:
        super().__init__()
        self.weights = nn.Embedding(sum(vocab), 1)
        nn.init.zeros_(self.weights.weight)
        self.register_buffer("offsets", torch.tensor([0, *itertools.accumulate(vocab)][:-1]), persistent=False)
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, wide: torch.Tensor) -> torch.Tensor:
        return self.weights(wide + self.offsets).sum(1).squeeze(1) + self.bias


class Deep(nn.Module):
    """Dense embeddings of each categorical column, concatenated with the numbers, through an MLP: the tower
    (its last hidden layer is what a second head can share) and the head that makes a logit of it."""

    def __init__(self, vocab: tuple[int, ...], numbers: int, dim: int, hidden: int) -> None:
        super().__init__()
        self.columns = nn.ModuleList(nn.Embedding(size, dim) for size in vocab)
        self.tower = nn.Sequential(nn.Linear(dim * len(vocab) + numbers, hidden), nn.ReLU(),
                                   nn.Linear(hidden, hidden // 2), nn.ReLU())  # fmt: skip
        self.head = nn.Linear(hidden // 2, 1)

    def hidden(self, deep: DeepInput) -> torch.Tensor:
        embedded = [emb(deep.ids[:, i]) for i, emb in enumerate(self.columns)]
        return self.tower(torch.cat([*embedded, deep.numbers], 1))

    def forward(self, deep: DeepInput) -> torch.Tensor:
        return self.head(self.hidden(deep)).squeeze(1)


class WideAndDeep(nn.Module):
    def __init__(self, wide_vocab: tuple[int, ...], deep_vocab: tuple[int, ...], numbers: int, dim: int,
                 hidden: int) -> None:  # fmt: skip
        super().__init__()
        self.wide, self.deep = Wide(wide_vocab), Deep(deep_vocab, numbers, dim, hidden)

    def forward(self, wide: torch.Tensor, deep: DeepInput) -> torch.Tensor:
        return self.wide(wide) + self.deep(deep)


class TwoHeads(WideAndDeep):
    """Wide & Deep with two outputs: the main logit (wide + deep), and the second target from the deep
    tower's last hidden layer."""

    def __init__(self, wide_vocab: tuple[int, ...], deep_vocab: tuple[int, ...], numbers: int, dim: int,
                 hidden: int) -> None:  # fmt: skip
        super().__init__(wide_vocab, deep_vocab, numbers, dim, hidden)
        self.aux = nn.Linear(hidden // 2, 1)

    def forward(self, wide: torch.Tensor, deep: DeepInput) -> tuple[torch.Tensor, torch.Tensor]:  # type: ignore[override]
        shared = self.deep.hidden(deep)
        return self.wide(wide) + self.deep.head(shared).squeeze(1), self.aux(shared).squeeze(1)


class SideBySide(nn.Module):
    """The four variants, trained in one loop on the same batches (disjoint parameters: the sum of their
    losses gives each exactly its own gradient). Returns each variant's main logit, and two_heads' second
    output. two_heads and wide_deep start from the same weights, so with aux_weight 0 they stay equal."""

    def __init__(self, wide_vocab: tuple[int, ...], deep_vocab: tuple[int, ...], numbers: int, dim: int,
                 hidden: int) -> None:  # fmt: skip
        super().__init__()
        self.variants = nn.ModuleDict({
            "wide": Wide(wide_vocab),
            "deep": Deep(deep_vocab, numbers, dim, hidden),
            "wide_deep": WideAndDeep(wide_vocab, deep_vocab, numbers, dim, hidden),
            "two_heads": TwoHeads(wide_vocab, deep_vocab, numbers, dim, hidden),
        })  # fmt: skip
        # two_heads starts from wide_deep's weights: the second loss is then the only difference between them
        self.variants["two_heads"].load_state_dict(self.variants["wide_deep"].state_dict(), strict=False)

    @classmethod
    def for_table(cls, table: Table, dim: int, hidden: int) -> SideBySide:
        return cls(table.wide_vocab, table.deep_vocab, table.deep.numbers.shape[1], dim, hidden)

    def forward(self, wide: torch.Tensor, deep: DeepInput) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        logits = {"wide": self.variants["wide"](wide), "deep": self.variants["deep"](deep),
                  "wide_deep": self.variants["wide_deep"](wide, deep)}  # fmt: skip
        logits["two_heads"], aux = self.variants["two_heads"](wide, deep)
        return logits, aux
