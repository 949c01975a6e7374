"""The training loop every PyTorch lesson shares, through the runner's Context.

Resumable by construction: the random state of step k (batch sampling, dropout) is seeded from
(seed, k) alone, and a checkpoint holds the model, the optimizer and the step. So a run killed and
resumed from step k ends exactly where an uninterrupted run does.

With a `Validation`, fit() also does what a curriculum teaches about checkpoints: it measures a metric
on held-out data every few steps, keeps the best weights in OUT/checkpoints/best.pt beside the
resumable checkpoints, stops early once the metric has not improved for `patience` validations, and
ends with the best weights in the model. The resumable checkpoint carries what validation has seen,
so a resumed run validates, keeps and stops exactly as an uninterrupted one.
"""

from __future__ import annotations

import contextlib
import random
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch

from dlenv.runner import Trained
from dlenv.runner.context import Context, Stopped
from dlenv.runner.ranks import this_process


def join_process_group(ctx: Context) -> None:
    """Under torchrun: gloo on CPUs, NCCL on GPUs (one per local rank)."""
    import torch.distributed as dist

    if not dist.is_initialized():
        if ctx.device == "cuda":
            torch.cuda.set_device(this_process().local_rank)
        dist.init_process_group("nccl" if ctx.device == "cuda" else "gloo")


def average_gradients(model: torch.nn.Module, size: int) -> None:
    """What DistributedDataParallel does after backward (without its bucketing): every rank ends up
    with the mean of all ranks' gradients, so one step equals a step on the whole global batch."""
    import torch.distributed as dist

    for parameter in model.parameters():
        if parameter.grad is not None:
            dist.all_reduce(parameter.grad)
            parameter.grad /= size


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def step_seed(seed: int, step: int) -> int:
    return seed * 1_000_003 + step


def autocast(device: str) -> Any:
    """Mixed precision on a GPU (bf16 where supported), none on the CPU."""
    if device == "cuda":
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.autocast("cuda", dtype=dtype)
    return contextlib.nullcontext()


@dataclass(frozen=True)
class Validation:
    """Validate every `every` steps on held-out data; keep the best weights; stop after `patience`
    validations without improvement."""

    evaluate: Callable[[], float]  # the metric on held-out data; fit() calls it in eval mode under no_grad
    metric: str = "val_accuracy"  # its name: logged as a scalar and recorded in best.pt
    mode: Literal["max", "min"] = "max"  # whether a higher or a lower value is better
    every: int = 50  # steps between validations (the last step is validated too)
    patience: int = 0  # validations without improvement before stopping early; 0: never stop early
    min_delta: float = 0.0  # an improvement must beat the best by more than this
    restore_best: bool = True  # at the end the model holds the best weights (Keras' restore_best_weights)

    def __post_init__(self) -> None:
        if self.mode not in ("max", "min"):
            raise ValueError(f"Validation mode {self.mode!r}: must be 'max' or 'min'")
        if self.every < 1 or self.patience < 0 or self.min_delta < 0:
            raise ValueError("Validation needs every >= 1, patience >= 0 and min_delta >= 0")

    def due(self, step: int, last: int) -> bool:
        return step % self.every == 0 or step == last

    def improves(self, value: float, best: float | None) -> bool:
        if best is None:
            return True
        return value > best + self.min_delta if self.mode == "max" else value < best - self.min_delta


@dataclass
class Watch:
    """What the validations of a run have seen so far; the resumable checkpoint carries it."""

    best: float | None = None
    best_step: int | None = None
    bad: int = 0  # validations since the last improvement
    stopped_early: bool = False
    history: list[tuple[int, float]] = field(default_factory=list)

    def state(self) -> dict[str, Any]:
        return {
            "best": self.best,
            "best_step": self.best_step,
            "bad": self.bad,
            "stopped_early": self.stopped_early,
            "history": [[step, value] for step, value in self.history],
        }

    @classmethod
    def from_state(cls, state: dict[str, Any] | None) -> Watch:
        if not state:  # a checkpoint written without validation
            return cls()
        return cls(
            best=None if state["best"] is None else float(state["best"]),
            best_step=None if state["best_step"] is None else int(state["best_step"]),
            bad=int(state["bad"]),
            stopped_early=bool(state["stopped_early"]),
            history=[(int(step), float(value)) for step, value in state["history"]],
        )


def evaluate_without_side_effects(ctx: Context, model: torch.nn.Module, evaluate: Callable[[], float]) -> float:
    """`evaluate()` in eval mode under no_grad, with every random generator (Python's, NumPy's, torch's)
    as it was before: validating does not change the batches or dropout of the steps after it."""
    devices = [torch.cuda.current_device()] if ctx.device == "cuda" else []
    python_state, numpy_state = random.getstate(), np.random.get_state()
    model.eval()
    try:
        with torch.random.fork_rng(devices=devices), torch.no_grad():
            return float(evaluate())
    finally:
        model.train()
        random.setstate(python_state)
        np.random.set_state(numpy_state)


def fit(
    ctx: Context,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_at: Callable[[int], torch.Tensor],
    *,
    samples_per_step: int,
    unit: str = "samples/s",
    log_every: int = 10,
    validation: Validation | None = None,
) -> Trained:
    """Train until ctx.steps: `loss_at(step)` computes the loss of step `step` (sampling its own batch
    with torch's global generator, which is seeded per step). Returns with the model in eval mode.

    This is the loop the tensors lesson writes out (zero_grad, forward, backward, step), plus what a long
    run needs: resume from the newest checkpoint, a checkpoint every ctx.checkpoint_every steps, a clean
    stop with a checkpoint on SIGTERM, gradients averaged across torchrun's processes, autocast on a GPU,
    and the loss logged (a NaN stops the run naming the step).

    With `validation`: after every `validation.every` steps and the last, the metric is measured
    (averaged over torchrun's processes) and logged; a better value than any before replaces
    OUT/checkpoints/best.pt ({"step", "metric", "mode", "value", "model"}); `patience` validations
    without improvement end training early, with a checkpoint (so --resume does not train on); and the
    model ends with the best weights unless `restore_best` is False. The step training ends at, early
    or not, is checkpointed too, so the validation history of a resumed run is the uninterrupted run's."""
    process = this_process()
    size = process.world_size
    if size > 1:
        join_process_group(ctx)
    model.to(ctx.device)
    start, last_loss = 0, float("nan")
    watch = Watch()
    checkpoint = ctx.latest()
    if checkpoint is not None:
        state = torch.load(checkpoint, map_location=ctx.device, weights_only=True)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        start = int(state["step"])
        last_loss = float(state.get("loss", last_loss))  # what a run resumed at its last step reports
        if validation is not None:
            watch = Watch.from_state(state.get("validation"))

    def save(step: int, loss: float) -> None:
        state = {"step": step, "loss": loss, "model": model.state_dict(), "optimizer": optimizer.state_dict()}
        if validation is not None:
            state["validation"] = watch.state()
        ctx.save(step, lambda path: torch.save(state, path))

    def save_best(step: int, value: float) -> None:
        assert validation is not None
        best = {"step": step, "metric": validation.metric, "mode": validation.mode, "value": value,
                "model": model.state_dict()}  # fmt: skip
        ctx.save_best(lambda path: torch.save(best, path))

    model.train()
    training_seconds = 0.0
    step = start
    last = start if watch.stopped_early else ctx.steps  # a run that stopped early is finished
    for step in range(start + 1, last + 1):
        began = time.perf_counter()
        torch.manual_seed(step_seed(ctx.seed, step))
        with autocast(ctx.device):
            loss = loss_at(step)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if size > 1:
            average_gradients(model, size)
        optimizer.step()
        training_seconds += time.perf_counter() - began
        last_loss = global_mean(loss.detach(), size)
        if step % log_every == 0 or step == ctx.steps:
            ctx.log(step, loss=last_loss)
        elif last_loss != last_loss or abs(last_loss) == float("inf"):
            ctx.log(step, loss=last_loss)  # raises Diverged naming the step
        if validation is not None and validation.due(step, ctx.steps):
            value = evaluate_without_side_effects(ctx, model, validation.evaluate)
            value = global_mean(torch.tensor(value, dtype=torch.float64, device=ctx.device), size)
            ctx.log(step, **{validation.metric: value})  # a non-finite value raises Diverged
            watch.history.append((step, value))
            if validation.improves(value, watch.best):
                watch.best, watch.best_step, watch.bad = value, step, 0
                if process.main:
                    save_best(step, value)
            else:
                watch.bad += 1
                watch.stopped_early = 0 < validation.patience <= watch.bad and step < ctx.steps
        stop = agreed_stop(ctx.stop_requested(), size, ctx.device)
        # Where a validated run ends is checkpointed, so --resume neither trains on nor forgets a validation.
        ended = validation is not None and (watch.stopped_early or (step == ctx.steps and ctx.checkpoint_every > 0))
        if (ctx.due(step) or stop is not None or ended) and process.main:
            save(step, last_loss)
        if watch.stopped_early:
            ctx.log(step, stopped_early=1.0)
            break  # finished: a stop signal in this same step has nothing left to stop
        if stop is not None:
            raise Stopped(step, stop)
    model.eval()
    steps_run = step - start
    throughput = samples_per_step * steps_run / training_seconds if training_seconds else 0.0
    if validation is None:
        return Trained(steps=ctx.steps, throughput=throughput, unit=unit, final_loss=last_loss)
    if validation.restore_best and watch.best_step is not None and watch.best_step != step:
        restore_best(ctx, model, watch.best_step, size)
    best = None
    if watch.best_step is not None:
        best = {"metric": validation.metric, "value": watch.best, "step": watch.best_step}
    return Trained(
        steps=step if watch.stopped_early else ctx.steps,
        throughput=throughput,
        unit=unit,
        final_loss=last_loss,
        best=best,
        stopped_early=watch.stopped_early,
        validations=tuple(watch.history),
    )


def restore_best(ctx: Context, model: torch.nn.Module, best_step: int, size: int) -> None:
    """Load best.pt's weights into the model (in eval mode), once rank 0 has written it. A best.pt from
    another step (a run killed between writing it and its checkpoint, then resumed on a GPU that did
    not replay the same values) is not loaded: the model keeps its last weights, with a warning."""
    if size > 1:
        import torch.distributed as dist

        dist.barrier()
    path = ctx.best_checkpoint
    best = torch.load(path, map_location=ctx.device, weights_only=True) if path.exists() else None
    if best is None or int(best["step"]) != best_step:
        found = "is missing" if best is None else f"holds step {int(best['step'])}"
        warnings.warn(f"{path} {found}, not the best step {best_step}: the model keeps its last weights", stacklevel=3)
        return
    model.load_state_dict(best["model"])
    model.eval()


def batch_indices(n: int, batch_size: int) -> torch.Tensor:
    """A random batch of indices from torch's (per-step seeded) global generator. Under torchrun every
    rank draws the same global batch and keeps its own share of it."""
    indices = torch.randint(0, n, (batch_size,))
    process = this_process()
    return indices[process.rank :: process.world_size] if process.world_size > 1 else indices


def global_mean(value: torch.Tensor, size: int) -> float:
    """A scalar averaged over the ranks (the loss of the global batch), as a float."""
    if size > 1:
        import torch.distributed as dist

        value = value.clone()
        dist.all_reduce(value)
        value /= size
    return value.item()


def agreed_stop(signal_number: int | None, size: int, device: str = "cpu") -> int | None:
    """Every rank stops at the same step once any of them was asked to. The flag lives on `device`:
    NCCL reduces CUDA tensors only."""
    if size == 1:
        return signal_number
    import torch.distributed as dist

    flag = torch.tensor([signal_number or 0], device=device)
    dist.all_reduce(flag, op=dist.ReduceOp.MAX)
    return int(flag.item()) or None
