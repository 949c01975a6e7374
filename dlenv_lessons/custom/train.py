"""Digits with hand-written parts: Dense layers, a Swish autograd.Function, focal loss.
`dlenv run custom [--set gamma=0]`."""

from __future__ import annotations

import torch

from dlenv.runner import Result
from dlenv.runner.context import Context
from dlenv.runner.torch_loop import batch_indices, fit, seed_everything
from dlenv_lessons._shared.metrics import accuracy
from dlenv_lessons.classification import data
from dlenv_lessons.custom.config import Config
from dlenv_lessons.custom.parts import SwishMLP, checks, focal_loss


def train(ctx: Context, cfg: Config) -> Result:
    seed_everything(ctx.seed)
    verified = checks()
    x_train, y_train, x_test, y_test = data.digits()
    model = SwishMLP(x_train[0].numel(), cfg.hidden, 10)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)

    def loss_at(step: int) -> torch.Tensor:
        batch = batch_indices(len(x_train), cfg.batch_size)
        return focal_loss(model(x_train[batch].to(ctx.device)), y_train[batch].to(ctx.device), cfg.gamma)

    def evaluate() -> dict[str, float | bool]:
        return {"accuracy": accuracy(model, x_test, y_test, ctx.device), **verified}

    trained = fit(ctx, model, optimizer, loss_at, samples_per_step=cfg.batch_size)
    with torch.no_grad():
        return trained.result(evaluate())
