"""The runner's chores for Keras lessons, as one Keras callback around `model.fit`.

For a Keras lesson a step is an epoch: Keras's own unit, the one at which it validates, stops early
and writes TensorBoard scalars. So `--steps 30` trains 30 epochs, `--checkpoint-every 5` saves every
5 epochs, and a SIGTERM stops the run at the end of the epoch in progress (the lessons keep epochs
to a fraction of a second on a CPU).

Resumable by construction, as the PyTorch loop is: the order of the examples in epoch e is drawn
from (seed, e) alone, and a checkpoint holds every variable of the model (weights, batch-norm
statistics, the state of each dropout layer's random generator), the optimizer's variables and
early stopping's memory. So a run killed and resumed from epoch k ends exactly where an
uninterrupted run does.

Importing this module imports Keras (with TensorFlow as its backend); only Keras lessons import it.
"""

from __future__ import annotations

import io
import math
import os
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

os.environ["KERAS_BACKEND"] = "tensorflow"  # Keras 3 runs on JAX or PyTorch too; these lessons teach TF
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TF's C++ start-up notices are not for learners

import keras
import numpy as np

from dlenv.errors import DlenvError
from dlenv.runner import Trained
from dlenv.runner.context import Context, Stopped


def setup(ctx: Context) -> None:
    """Seed Python, NumPy, TensorFlow and Keras's generators, and keep TF off the GPU on --device cpu.
    Call it first: TF fixes its devices at the first operation."""
    import tensorflow as tf

    if ctx.device == "cpu":
        tf.config.set_visible_devices([], "GPU")
    keras.utils.set_random_seed(ctx.seed)


def epoch_order(n: int, seed: int, epoch: int) -> np.ndarray:
    """The order in which epoch `epoch` visits n examples: drawn from (seed, epoch) alone, so where a
    run started does not change what it sees."""
    return np.random.default_rng((seed, epoch)).permutation(n)


def batches_per_epoch(n: int, batch_size: int) -> int:
    return max(1, n // batch_size)


def batch_rows(n: int, batch_size: int, seed: int, epochs: range) -> Iterator[np.ndarray]:
    """The rows of every batch of `epochs`, one epoch after another. Every batch is full (the few
    examples left over sit this epoch out and not the next), so TF traces the train step once."""
    for epoch in epochs:
        order = epoch_order(n, seed, epoch)
        for start in range(0, batches_per_epoch(n, batch_size) * batch_size, batch_size):
            yield order[start : start + batch_size]


class KerasCallback(keras.callbacks.Callback):
    """Scalars to ctx.log (TensorBoard and the progress bar), atomic checkpoints through ctx.save,
    early stopping's state kept across a resume, Diverged on a non-finite loss, a clean stop on SIGTERM."""

    def __init__(self, ctx: Context, early_stopping: keras.callbacks.EarlyStopping | None) -> None:
        super().__init__()
        self.ctx, self.early_stopping = ctx, early_stopping
        self.epoch = 0  # epochs completed
        self.restored: dict[str, Any] | None = None
        self.stop_signal: int | None = None
        self.training_seconds = 0.0
        self._began = 0.0

    # --- checkpoints ----------------------------------------------------------------------------

    def state(self, step: int) -> dict[str, np.ndarray]:
        state = {"step": np.array(step)}
        state |= {f"model/{i}": np.asarray(v) for i, v in enumerate(self.model.variables)}
        state |= {f"optimizer/{i}": np.asarray(v) for i, v in enumerate(self.model.optimizer.variables)}
        if self.early_stopping is not None:
            stopper = self.early_stopping
            best = np.nan if stopper.best is None else stopper.best
            state |= {"early_stopping/wait": np.array(stopper.wait), "early_stopping/best": np.array(best),
                      "early_stopping/best_epoch": np.array(stopper.best_epoch)}  # fmt: skip
            for i, weight in enumerate(stopper.best_weights or ()):
                state[f"early_stopping/best_weights/{i}"] = weight
        return state

    def save(self, step: int) -> None:
        def write(path: Path) -> None:
            buffer = io.BytesIO()  # np.savez would add ".npz" to a path; the runner chose the name
            np.savez(buffer, **self.state(step))
            path.write_bytes(buffer.getvalue())

        self.ctx.save(step, write)

    def restore(self, path: Path) -> int:
        """Load a checkpoint into the (built) model and optimizer; returns its step."""
        with np.load(path) as saved:
            state = dict(saved)
        self.model.optimizer.build(self.model.trainable_variables)
        for prefix, variables in (("model", self.model.variables), ("optimizer", self.model.optimizer.variables)):
            saved_count = sum(k.startswith(f"{prefix}/") for k in state)
            shapes_match = saved_count == len(variables) and all(
                state[f"{prefix}/{i}"].shape == tuple(v.shape) for i, v in enumerate(variables)
            )
            if not shapes_match:
                raise DlenvError(
                    f"--resume: {path} holds another {prefix} than this run builds",
                    hint="resume with the --set values the run was started with, or start afresh",
                )
            for i, variable in enumerate(variables):
                variable.assign(state[f"{prefix}/{i}"])
        self.restored = state
        self.epoch = int(state["step"])
        return self.epoch

    # --- Keras's hooks --------------------------------------------------------------------------

    def on_train_begin(self, logs: dict | None = None) -> None:
        # EarlyStopping forgets everything at the start of fit(); a resumed run gives it back its memory.
        if self.restored is not None and self.early_stopping is not None:
            stopper, state = self.early_stopping, self.restored
            stopper.wait = int(state["early_stopping/wait"])
            best = float(state["early_stopping/best"])
            stopper.best = None if math.isnan(best) else best
            stopper.best_epoch = int(state["early_stopping/best_epoch"])
            weights = sorted((k for k in state if k.startswith("early_stopping/best_weights/")),
                             key=lambda k: int(k.rsplit("/", 1)[1]))  # fmt: skip
            stopper.best_weights = [state[k] for k in weights] or None

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._began = time.perf_counter()

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        loss = float((logs or {}).get("loss", 0.0))
        if not math.isfinite(loss):
            self.ctx.log(self.epoch + 1, loss=loss)  # raises Diverged naming the epoch

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.training_seconds += time.perf_counter() - self._began
        self.epoch = step = epoch + 1
        self.ctx.log(step, **{k: float(v) for k, v in (logs or {}).items() if np.ndim(v) == 0})
        self.stop_signal = self.ctx.stop_requested()
        if self.ctx.due(step) or self.stop_signal is not None:
            self.save(step)
        if self.stop_signal is not None:
            self.model.stop_training = True  # fit() ends after this epoch; then the run raises Stopped


def fit(
    ctx: Context,
    model: keras.Model,
    x: np.ndarray,
    y: Any,
    *,
    batch_size: int,
    validation_data: tuple[np.ndarray, Any] | None = None,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    unit: str = "samples/s",
) -> Trained:
    """Train the compiled `model` for ctx.steps epochs (fewer if an EarlyStopping in `callbacks` stops
    it); `y` is an array, or a dict of arrays for a model with named outputs."""
    stoppers = [c for c in callbacks if isinstance(c, keras.callbacks.EarlyStopping)]
    runner = KerasCallback(ctx, stoppers[0] if stoppers else None)
    runner.set_model(model)
    model.build((None, *x.shape[1:]))
    start = 0
    checkpoint = ctx.latest()
    if checkpoint is not None:
        start = runner.restore(checkpoint)

    def take(rows: np.ndarray) -> Any:
        return {k: v[rows] for k, v in y.items()} if isinstance(y, dict) else y[rows]

    to_train = range(start, ctx.steps)
    if to_train:  # empty when a run resumes from its last epoch's checkpoint (Keras refuses an empty generator)
        model.fit(
            ((x[rows], take(rows)) for rows in batch_rows(len(x), batch_size, ctx.seed, to_train)),
            steps_per_epoch=batches_per_epoch(len(x), batch_size),
            epochs=ctx.steps,
            initial_epoch=start,
            shuffle=False,  # batch_rows already shuffled, reproducibly
            validation_data=validation_data,
            callbacks=[*callbacks, runner],  # the runner's last, so it sees what early stopping decided
            verbose=0,
        )
    if runner.stop_signal is not None:
        raise Stopped(runner.epoch, runner.stop_signal)
    samples = (runner.epoch - start) * batches_per_epoch(len(x), batch_size) * min(batch_size, len(x))
    throughput = samples / runner.training_seconds if runner.training_seconds else 0.0
    return Trained(steps=runner.epoch, throughput=throughput, unit=unit)
