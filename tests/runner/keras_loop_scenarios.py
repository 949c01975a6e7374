"""The scenarios test_keras_loop.py asserts on, run in a process of their own so that TensorFlow never
loads into pytest's: `python keras_loop_scenarios.py OUT` trains a Dropout + Dense(1) model through
dlenv.runner.keras_loop.fit in folders under OUT and prints one JSON object, a record per scenario."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path
from typing import Any

import numpy as np

from dlenv.runner import keras_loop
from dlenv.runner.context import Context, Diverged, Stopped, fresh_start
from dlenv.runner.keras_loop import keras  # keras with its backend set to TF

EPOCHS = 6
X = np.linspace(-1, 1, 32, dtype="float32")[:, None]
Y = 3 * X - 1
HINT = "lower the learning rate, e.g. --set lr=0.01"


def train(ctx: Context, model: keras.Model, callbacks: list[keras.callbacks.Callback]) -> None:
    """The one call of keras_loop.fit: 4 batches of 8 an epoch."""
    try:
        keras_loop.fit(ctx, model, X, Y, batch_size=8, callbacks=callbacks)
    finally:
        ctx.close()


class SignalAt(keras.callbacks.Callback):
    """Delivers `signum` to this process as epoch `epoch` (counted from 1) begins, as `kill` would."""

    def __init__(self, epoch: int, signum: int) -> None:
        super().__init__()
        self.epoch, self.signum = epoch, signum

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        if epoch + 1 == self.epoch:
            signal.raise_signal(self.signum)


class PoisonAt(keras.callbacks.Callback):
    """Sets every weight to NaN as epoch `epoch` (counted from 1) begins, as an exploding update would."""

    def __init__(self, epoch: int) -> None:
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        if epoch + 1 == self.epoch:
            for variable in self.model.trainable_variables:
                variable.assign(np.full(variable.shape, np.nan, dtype="float32"))


def run(
    out: Path,
    *,
    steps: int = EPOCHS,
    every: int = 2,
    resume: bool = False,
    signals: bool = False,
    callbacks: tuple[keras.callbacks.Callback, ...] = (),
) -> dict[str, Any]:
    """One `dlenv run` of the model, as the runner builds its Context; what it logged, raised and left."""
    logged: dict[int, float] = {}  # epoch -> loss, through the progress hook the progress bar uses

    def progress(step: int, total: int, values: dict[str, float]) -> None:
        logged[step] = values["loss"]

    ctx = Context("x", out, "cpu", seed=7, steps=steps, checkpoint_every=every, resume=resume, smoke=True,
                  divergence_hint=HINT, progress=progress)  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    if not resume:
        fresh_start(ctx)
    if signals:
        ctx.install_signal_handlers()
    keras_loop.setup(ctx)
    model = keras.Sequential([keras.layers.Dropout(0.25), keras.layers.Dense(1)])  # Dropout: its generator resumes too
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="mse")
    record: dict[str, Any] = {}
    try:
        train(ctx, model, list(callbacks))
    except Stopped as stopped:
        record["stopped"] = {"step": stopped.step, "signum": stopped.signum, "message": str(stopped)}
    except Diverged as diverged:
        record["diverged"] = {
            "step": diverged.step,
            "message": diverged.message,
            "hint": diverged.hint,
            "exit_code": diverged.exit_code,
        }
    except Exception as error:  # reported, so that one scenario's failure does not hide the others'
        record["error"] = f"{type(error).__name__}: {error}"
    record["epochs"] = sorted(logged)
    record["final_loss"] = logged[max(logged)] if logged else None
    record["weights"] = [np.asarray(v).tolist() for v in model.trainable_variables]
    record["variables"] = [np.asarray(v).tolist() for v in model.variables if not v.trainable]
    record["checkpoints"] = [step for step, _ in ctx.checkpoints()]
    return record


def main(out: Path) -> dict[str, dict[str, Any]]:
    records = {"whole": run(out / "whole")}
    records["cut"] = run(out / "cut", steps=3)  # checkpoint at epoch 2, not 3
    records["cut_resumed"] = run(out / "cut", resume=True)
    records["stopped"] = run(out / "stop", every=0, signals=True, callbacks=(SignalAt(4, signal.SIGTERM),))
    records["stopped_resumed"] = run(out / "stop", resume=True)
    records["stopped_last"] = run(out / "last", every=0, signals=True, callbacks=(SignalAt(EPOCHS, signal.SIGTERM),))
    records["stopped_last_resumed"] = run(out / "last", resume=True)
    records["diverged"] = run(out / "nan", every=1, callbacks=(PoisonAt(3),))
    return records


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]))))
