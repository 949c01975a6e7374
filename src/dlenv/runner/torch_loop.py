"""The training loop every PyTorch lesson shares, through the runner's Context.

Resumable by construction: the random state of step k (batch sampling, dropout) is seeded from
(seed, k) alone, and a checkpoint holds the model, the optimizer and the step. So a run killed and
resumed from step k ends exactly where an uninterrupted run does.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable
from typing import Any

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


def autocast(ctx: Context) -> Any:
    """Mixed precision on a GPU (bf16 where supported), none on the CPU."""
    if ctx.device == "cuda":
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.autocast("cuda", dtype=dtype)
    return contextlib.nullcontext()


def fit(
    ctx: Context,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_at: Callable[[int], torch.Tensor],
    *,
    samples_per_step: int,
    unit: str = "samples/s",
    log_every: int = 10,
) -> Trained:
    """Train until ctx.steps: `loss_at(step)` computes the loss of step `step` (sampling its own batch
    with torch's global generator, which is seeded per step). Returns with the model in eval mode.

    This is the loop the tensors lesson writes out (zero_grad, forward, backward, step), plus what a long
    run needs: resume from the newest checkpoint, a checkpoint every ctx.checkpoint_every steps, a clean
    stop with a checkpoint on SIGTERM, gradients averaged across torchrun's processes, autocast on a GPU,
    and the loss logged (a NaN stops the run naming the step)."""
    process = this_process()
    size = process.world_size
    if size > 1:
        join_process_group(ctx)
    model.to(ctx.device)
    start, last_loss = 0, float("nan")
    checkpoint = ctx.latest()
    if checkpoint is not None:
        state = torch.load(checkpoint, map_location=ctx.device, weights_only=True)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        start = int(state["step"])
        last_loss = float(state.get("loss", last_loss))  # what a run resumed at its last step reports

    def save(step: int, loss: float) -> None:
        ctx.save(
            step,
            lambda path: torch.save(
                {"step": step, "loss": loss, "model": model.state_dict(), "optimizer": optimizer.state_dict()},
                path,
            ),
        )

    model.train()
    training_seconds = 0.0
    for step in range(start + 1, ctx.steps + 1):
        began = time.perf_counter()
        torch.manual_seed(step_seed(ctx.seed, step))
        with autocast(ctx):
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
        stop = agreed_stop(ctx.stop_requested(), size)
        if (ctx.due(step) or stop is not None) and process.main:
            save(step, last_loss)
        if stop is not None:
            raise Stopped(step, stop)
    model.eval()
    steps_run = ctx.steps - start
    throughput = samples_per_step * steps_run / training_seconds if training_seconds else 0.0
    return Trained(steps=ctx.steps, throughput=throughput, unit=unit, final_loss=last_loss)


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


def agreed_stop(signal_number: int | None, size: int) -> int | None:
    """Every rank stops at the same step once any of them was asked to."""
    if size == 1:
        return signal_number
    import torch.distributed as dist

    flag = torch.tensor([signal_number or 0])
    dist.all_reduce(flag, op=dist.ReduceOp.MAX)
    return int(flag.item()) or None
