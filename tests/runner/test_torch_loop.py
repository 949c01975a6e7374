"""The PyTorch loop (dlenv.runner.torch_loop.fit) on a 2-parameter linear model: a resumed run ends where
an uninterrupted one does, a stop signal saves the step it stopped at, a non-finite loss stops the run
naming its step. How often checkpoints are written is tested in test_checkpointing.py."""

from __future__ import annotations

import math
import signal

import pytest

torch = pytest.importorskip("torch")

from dlenv.runner.context import Context, Diverged, Stopped, fresh_start  # noqa: E402
from dlenv.runner.torch_loop import batch_indices, fit  # noqa: E402

STEPS = 12
X = torch.linspace(-1, 1, 32)[:, None]
Y = 3 * X - 1


def train(ctx: Context, model: torch.nn.Module, loss_at) -> float:
    """fit() with an Adam optimizer (whose moments a checkpoint must carry); the final loss it reports."""
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    try:
        trained = fit(ctx, model, optimizer, loss_at, samples_per_step=8, log_every=5)
    finally:
        ctx.close()
    return trained.final_loss


def context(out, *, steps: int = STEPS, every: int = 3, resume: bool = False) -> Context:
    """A Context as `dlenv run` builds it: without --resume, old checkpoints go."""
    ctx = Context("x", out, "cpu", seed=7, steps=steps, checkpoint_every=every, resume=resume, smoke=True)
    out.mkdir(parents=True, exist_ok=True)
    if not resume:
        fresh_start(ctx)
    return ctx


def linear(init: float = 0.0) -> torch.nn.Module:
    model = torch.nn.Linear(1, 1)
    with torch.no_grad():
        model.weight.fill_(init)
        model.bias.fill_(init)
    return model


def batch_loss(model: torch.nn.Module, steps_run: list[int], poison=None):
    """loss_at(step): the mean squared error on a batch drawn from torch's per-step seeded generator,
    recording which steps ran; `poison(step, loss)` may replace the loss."""

    def loss_at(step: int) -> torch.Tensor:
        steps_run.append(step)
        rows = batch_indices(len(X), 8)
        loss = ((model(X[rows]) - Y[rows]) ** 2).mean()
        return poison(step, loss) if poison else loss

    return loss_at


def weights(model: torch.nn.Module) -> list[float]:
    return [p.item() for p in model.parameters()]


@pytest.fixture
def signal_handlers():
    """The Context installs SIGTERM/SIGINT handlers; give pytest its own back afterwards."""
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


def stop_at(step: int, signum: int):
    """A poison that delivers `signum` to this process during step `step`, as `kill` or Ctrl-C would."""

    def poison(now: int, loss: torch.Tensor) -> torch.Tensor:
        if now == step:
            signal.raise_signal(signum)
        return loss

    return poison


@pytest.fixture
def uninterrupted(tmp_path):
    model, steps_run = linear(), []
    final_loss = train(context(tmp_path / "whole"), model, batch_loss(model, steps_run))
    assert steps_run == list(range(1, STEPS + 1))
    return weights(model), final_loss


def resume(out) -> tuple[list[float], float, list[int]]:
    """`dlenv run --resume` in a new process: a model with other weights until the checkpoint loads. The
    weights and final loss it ends with, and the steps it ran."""
    model, steps_run = linear(init=5.0), []
    final_loss = train(context(out, resume=True), model, batch_loss(model, steps_run))
    return weights(model), final_loss, steps_run


def test_a_run_cut_short_and_resumed_ends_exactly_where_an_uninterrupted_run_does(tmp_path, uninterrupted):
    first = linear()
    train(context(tmp_path, steps=7), first, batch_loss(first, []))  # checkpoints at 3 and 6, not 7
    *outcome, steps_run = resume(tmp_path)
    assert steps_run == list(range(7, STEPS + 1))  # from the newest checkpoint, step 6, not from scratch
    assert tuple(outcome) == uninterrupted  # exactly: weights, Adam's moments, batches


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_ends_the_step_saves_it_and_raises_stopped_naming_it(tmp_path, signal_handlers, signum):
    ctx = context(tmp_path, every=0)  # 0: no checkpoint but the one the stop writes
    ctx.install_signal_handlers()
    model, steps_run = linear(), []
    with pytest.raises(Stopped) as stopped:
        train(ctx, model, batch_loss(model, steps_run, poison=stop_at(5, signum)))
    assert str(stopped.value) == f"stopped by {signal.Signals(signum).name} at step 5"
    assert (stopped.value.step, stopped.value.signum) == (5, signum)
    assert steps_run == [1, 2, 3, 4, 5]
    assert [step for step, _ in ctx.checkpoints()] == [5]


@pytest.mark.parametrize(("stop", "every"), [(8, 3), (STEPS, 0)], ids=["mid-run", "in-the-last-step"])
def test_a_run_resumed_after_a_stop_signal_ends_where_an_uninterrupted_run_does(
    tmp_path, signal_handlers, uninterrupted, stop, every
):
    ctx = context(tmp_path, every=every)
    ctx.install_signal_handlers()
    model = linear()
    with pytest.raises(Stopped):
        train(ctx, model, batch_loss(model, [], poison=stop_at(stop, signal.SIGTERM)))
    *outcome, steps_run = resume(tmp_path)
    assert steps_run == list(range(stop + 1, STEPS + 1))  # from the stop's own checkpoint: nothing redone
    assert tuple(outcome) == uninterrupted  # also when nothing is left to run: the final loss is the checkpoint's


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("step", [4, 5])  # 5 is a step the loop logs anyway (log_every=5), 4 is not
def test_a_non_finite_loss_raises_diverged_naming_the_step_with_the_hint(tmp_path, bad, step):
    ctx = context(tmp_path, every=1)
    ctx.divergence_hint = "lower the learning rate, e.g. --set lr=0.01"
    model, steps_run = linear(), []
    with pytest.raises(Diverged) as diverged:
        train(ctx, model, batch_loss(model, steps_run, poison=lambda now, loss: loss * bad if now == step else loss))
    assert diverged.value.step == step
    assert diverged.value.message == f"training diverged at step {step}: loss is {bad}"
    assert diverged.value.hint == "lower the learning rate, e.g. --set lr=0.01"
    assert diverged.value.exit_code == 1
    assert steps_run == list(range(1, step + 1))
    # the diverged step is not saved: --resume starts from the last finite one
    assert [s for s, _ in ctx.checkpoints()] == [step - 2, step - 1]
