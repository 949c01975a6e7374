"""Regression with a small MLP and mean squared error: `dlenv run regression [--set dataset=california]`."""

from __future__ import annotations

import torch
from torch import nn

from dlenv.runner import Result
from dlenv.runner.context import Context
from dlenv.runner.torch_loop import batch_indices, fit, seed_everything
from dlenv_lessons._shared.metrics import r2
from dlenv_lessons.regression import data
from dlenv_lessons.regression.config import Config


def mlp(features: int, hidden: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(features, hidden), nn.ReLU(), nn.Linear(hidden, 1))


def train(ctx: Context, cfg: Config) -> Result:
    seed_everything(ctx.seed)
    x_train, y_train, x_test, y_test = data.diabetes() if cfg.dataset == "diabetes" else data.california(cfg.data_dir)
    model = mlp(x_train.shape[1], cfg.hidden)
    optimizer_cls = torch.optim.SGD if cfg.optimizer == "sgd" else torch.optim.Adam
    optimizer = optimizer_cls(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)

    def loss_at(step: int) -> torch.Tensor:
        batch = batch_indices(len(x_train), cfg.batch_size)
        prediction = model(x_train[batch].to(ctx.device)).squeeze(1)
        return nn.functional.mse_loss(prediction, y_train[batch].to(ctx.device))

    def evaluate() -> dict[str, float]:
        prediction = model(x_test.to(ctx.device)).squeeze(1).cpu()
        return {"mse": nn.functional.mse_loss(prediction, y_test).item(), "r2": r2(prediction, y_test)}

    trained = fit(ctx, model, optimizer, loss_at, samples_per_step=cfg.batch_size)
    with torch.no_grad():
        return trained.result(evaluate())
