"""How the vision lessons train a classifier: batches of their images, validated, the best weights kept."""

from __future__ import annotations

import torch
from torch import nn

from dlenv.runner import Trained
from dlenv.runner.context import Context
from dlenv.runner.torch_loop import Validation, batch_indices, fit
from dlenv_lessons._vision.images import Batches, Images, accuracy


def train_classifier(ctx: Context, model: nn.Module, optimizer: torch.optim.Optimizer, batches: Batches,
                     val: Images, *, batch_size: int, validate_every: int, patience: int) -> Trained:  # fmt: skip
    """`model` trained with cross-entropy on `batches` until ctx.steps, its accuracy on `val` checked every
    `validate_every` steps (best.pt, early stopping after `patience`); it ends with its best weights."""
    loss_fn = nn.CrossEntropyLoss()

    def loss_at(step: int) -> torch.Tensor:
        x, y = batches.batch(batch_indices(len(batches.images), batch_size))
        return loss_fn(model(x.to(ctx.device)), y.to(ctx.device))

    validation = Validation(lambda: accuracy(model, batches, val, ctx.device), metric="val_accuracy",
                            every=validate_every, patience=patience)  # fmt: skip
    trained = fit(ctx, model, optimizer, loss_at, samples_per_step=batch_size, validation=validation)
    ctx.close()
    return trained
