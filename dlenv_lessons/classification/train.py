"""Train the classifier: `dlenv run classification [--set model=mlp] [--set dataset=fashion_mnist]`."""

from __future__ import annotations

import torch
from torch import nn

from dlenv.runner import Result
from dlenv.runner.context import Context
from dlenv.runner.torch_loop import batch_indices, fit, seed_everything
from dlenv_lessons._shared.metrics import accuracy
from dlenv_lessons.classification import data
from dlenv_lessons.classification.config import Config
from dlenv_lessons.classification.model import CNN, MLP


def train(ctx: Context, cfg: Config) -> Result:
    seed_everything(ctx.seed)
    x_train, y_train, x_test, y_test = data.digits() if cfg.dataset == "digits" else data.fashion_mnist(cfg.data_dir)
    side = x_train.shape[-1]
    model = (
        CNN(side, max(4, cfg.width // 8), dropout=cfg.dropout)
        if cfg.model == "cnn"
        else MLP(side, cfg.width, dropout=cfg.dropout)
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    loss_fn = nn.CrossEntropyLoss()

    def loss_at(step: int) -> torch.Tensor:
        batch = batch_indices(len(x_train), cfg.batch_size)
        return loss_fn(model(x_train[batch].to(ctx.device)), y_train[batch].to(ctx.device))

    def evaluate() -> dict[str, float]:
        return {
            "accuracy": accuracy(model, x_test, y_test, ctx.device),
            "train_accuracy": accuracy(model, x_train, y_train, ctx.device),
        }

    trained = fit(ctx, model, optimizer, loss_at, samples_per_step=cfg.batch_size)
    with torch.no_grad():
        return trained.result(evaluate())
