"""`dlenv run wide_deep [--set dataset=census]`: wide-only, deep-only, Wide & Deep, and Wide & Deep with a
second output (two_heads) side by side on the same batches. Reports each variant's held-out AUC, the second
head's error in the second target's own unit, and what the second head did to the first head's AUC."""

from __future__ import annotations

import torch
from torch import nn

from dlenv.runner import Result
from dlenv.runner.context import Context
from dlenv.runner.torch_loop import batch_indices, fit, seed_everything
from dlenv_lessons._shared.metrics import r2
from dlenv_lessons.wide_deep import data
from dlenv_lessons.wide_deep.config import Config
from dlenv_lessons.wide_deep.model import SideBySide


def auc(scores: torch.Tensor, labels: torch.Tensor) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels.numpy(), scores.numpy()))


def load(cfg: Config) -> data.Table:
    return data.clicks() if cfg.dataset == "clicks" else data.census(cfg.data_dir)


def variant_losses(logits: dict[str, torch.Tensor], aux: torch.Tensor, label: torch.Tensor, aux_target: torch.Tensor,
                   aux_weight: float) -> dict[str, torch.Tensor]:  # fmt: skip
    """Each variant's loss: binary cross-entropy of its logit; two_heads' is the weighted sum
    main + aux_weight · aux, the second output's squared error on the standardised second target."""
    losses = {name: nn.functional.binary_cross_entropy_with_logits(logit, label) for name, logit in logits.items()}
    losses["two_heads"] = losses["two_heads"] + aux_weight * nn.functional.mse_loss(aux, aux_target)
    return losses


def train(ctx: Context, cfg: Config) -> Result:
    seed_everything(ctx.seed)
    train_rows, test_rows = data.split(load(cfg))
    # the second target standardised with the training rows' mean and spread; reported back in its unit
    mean, spread = train_rows.aux.mean(), train_rows.aux.std()
    model = SideBySide.for_table(train_rows, cfg.embedding_dim, cfg.hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)

    def loss_at(step: int) -> torch.Tensor:
        batch = train_rows.rows(batch_indices(len(train_rows), cfg.batch_size))
        logits, aux = model(batch.wide, batch.deep)
        return sum(variant_losses(logits, aux, batch.label, (batch.aux - mean) / spread, cfg.aux_weight).values())

    def evaluate() -> dict[str, float]:
        logits, aux = model(test_rows.wide, test_rows.deep)
        scores = {f"auc_{name}": auc(logit, test_rows.label) for name, logit in logits.items()}
        predicted = aux * spread + mean  # the second target in its own unit
        error = predicted - test_rows.aux
        return {
            "auc": scores["auc_wide_deep"],
            **scores,
            # what sharing the deep tower with the second target did to the main head
            "two_heads_auc_change": scores["auc_two_heads"] - scores["auc_wide_deep"],
            "aux_rmse": error.pow(2).mean().sqrt().item(),
            "aux_mae": error.abs().mean().item(),
            "aux_r2": r2(predicted, test_rows.aux),
        }

    trained = fit(ctx, model, optimizer, loss_at, samples_per_step=cfg.batch_size)
    with torch.no_grad():
        return trained.result(evaluate())
