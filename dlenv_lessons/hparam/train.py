"""`dlenv run hparam [--set trials=30] [--set storage=postgresql://...]`.

Each trial trains the digits MLP briefly with the learning rate and batch size Optuna's TPE sampler
proposes (Bergstra et al., 2011), reporting validation accuracy as it goes so the median pruner can
stop a trial that is doing worse than the others did at the same step. The study lives in an RDB
(SQLite in OUT by default): a rerun with --resume continues it, and machines that share one
PostgreSQL or MySQL URL search together.
"""

from __future__ import annotations

import time

import torch
from torch import nn

from dlenv.runner import Result
from dlenv.runner.context import Context, Stopped
from dlenv.runner.torch_loop import batch_indices, seed_everything, step_seed
from dlenv_lessons._shared.metrics import accuracy
from dlenv_lessons.classification import data
from dlenv_lessons.classification.model import MLP
from dlenv_lessons.hparam.config import Config

BATCH_SIZES = (16, 32, 64, 128)
HIDDEN = 64  # the digits MLP's width in every trial


def train(ctx: Context, cfg: Config) -> Result:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    seed_everything(ctx.seed)
    x, y, _, _ = data.digits()
    cut = int(0.8 * len(x))  # validation comes out of the training part; the test split stays unseen
    x_train, y_train, x_val, y_val = x[:cut], y[:cut], x[cut:], y[cut:]

    def objective(trial: optuna.Trial) -> float:
        lr = trial.suggest_float("lr", 1e-4, 0.3, log=True)
        batch_size = trial.suggest_categorical("batch_size", BATCH_SIZES)
        torch.manual_seed(step_seed(ctx.seed, trial.number))
        model = MLP(8, HIDDEN).to(ctx.device)
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        score = 0.0
        for step in range(1, cfg.trial_steps + 1):
            batch = batch_indices(len(x_train), batch_size)
            loss = nn.functional.cross_entropy(model(x_train[batch].to(ctx.device)), y_train[batch].to(ctx.device))
            if not torch.isfinite(loss):
                raise optuna.TrialPruned(f"loss {loss.item()} at step {step}")
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if step % cfg.report_every == 0 or step == cfg.trial_steps:
                model.eval()
                with torch.no_grad():
                    score = accuracy(model, x_val, y_val, ctx.device)
                model.train()
                trial.report(score, step)
                if trial.should_prune():
                    raise optuna.TrialPruned()
        return score

    database = ctx.out / "study.db"
    if not cfg.storage and not ctx.resume:
        database.unlink(missing_ok=True)  # a fresh run is a fresh study; --resume continues this one
    study = optuna.create_study(
        study_name=cfg.study, storage=cfg.storage or f"sqlite:///{database}", load_if_exists=True,
        direction="maximize", sampler=optuna.samplers.TPESampler(seed=ctx.seed),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=2 * cfg.report_every),
    )  # fmt: skip
    started = time.perf_counter()
    finished = lambda: [t for t in study.trials if t.state.is_finished()]  # noqa: E731
    already = len(finished())
    while len(finished()) < ctx.steps:  # --steps or the config's trials
        study.optimize(objective, n_trials=1)
        done = finished()
        best = study.best_value if any(t.state == optuna.trial.TrialState.COMPLETE for t in done) else 0.0
        ctx.log(len(done), best_accuracy=best)
        if (signum := ctx.stop_requested()) is not None:
            raise Stopped(len(done), signum)  # the study itself is the checkpoint
    plot(study, ctx.out / "study.png")
    states = [t.state for t in study.trials]
    return Result(
        metrics={
            "best_value": study.best_value,
            "best_lr": study.best_params["lr"],
            "best_batch_size": study.best_params["batch_size"],
            "trials_complete": states.count(optuna.trial.TrialState.COMPLETE),
            "trials_pruned": states.count(optuna.trial.TrialState.PRUNED),
            "trials": len(states),  # what the study ran: every one of them completes or is pruned
        },
        throughput_unit="trials/s",
        throughput=(len(finished()) - already) / (time.perf_counter() - started),
        steps=len(finished()),
    )


def plot(study, path) -> None:
    """The optimisation history as a PNG: each trial's value and the best so far."""
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import optuna
    from optuna.visualization.matplotlib import plot_optimization_history

    with warnings.catch_warnings():  # "experimental" since optuna 2.2; fine for a picture
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        ax = plot_optimization_history(study)
    ax.figure.tight_layout()
    ax.figure.savefig(path, dpi=100)
    plt.close(ax.figure)
