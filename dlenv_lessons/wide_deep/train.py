"""`dlenv run wide_deep [--set dataset=census]`: wide-only, deep-only and Wide & Deep side by side."""

from __future__ import annotations

import torch
from torch import nn

from dlenv.runner import Result
from dlenv.runner.context import Context
from dlenv.runner.torch_loop import batch_indices, fit, seed_everything
from dlenv_lessons.wide_deep import data
from dlenv_lessons.wide_deep.config import Config
from dlenv_lessons.wide_deep.model import SideBySide


def auc(scores: torch.Tensor, labels: torch.Tensor) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels.numpy(), scores.numpy()))


def train(ctx: Context, cfg: Config) -> Result:
    seed_everything(ctx.seed)
    table = data.clicks() if cfg.dataset == "clicks" else data.census(cfg.data_dir)
    train_rows, test_rows = data.split(table)
    model = SideBySide(table.vocab, table.cross_vocab, table.numeric.shape[1], cfg.embedding_dim, cfg.hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    bce = nn.BCEWithLogitsLoss()

    def loss_at(step: int) -> torch.Tensor:
        batch = train_rows.rows(batch_indices(len(train_rows), cfg.batch_size))
        return sum(bce(logits, batch.label) for logits in model(batch).values())

    def evaluate() -> dict[str, float]:
        scores = {f"auc_{name}": auc(logits, test_rows.label) for name, logits in model(test_rows).items()}
        return {"auc": scores["auc_wide_deep"], **scores}

    trained = fit(ctx, model, optimizer, loss_at, samples_per_step=cfg.batch_size)
    with torch.no_grad():
        return trained.result(evaluate())
