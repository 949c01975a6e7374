"""The PyTorch loop (dlenv.runner.torch_loop.fit) on a 2-parameter linear model: a resumed run ends where
an uninterrupted one does, a stop signal saves the step it stopped at, a non-finite loss stops the run
naming its step. How often checkpoints are written is tested in test_checkpointing.py."""

from __future__ import annotations

import math
import random
import signal

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from dlenv.runner import Trained  # noqa: E402
from dlenv.runner.context import Context, Diverged, Stopped, fresh_start  # noqa: E402
from dlenv.runner.torch_loop import Validation, batch_indices, fit  # noqa: E402

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


# --- validation: best.pt, early stopping, restoring the best weights ------------------------------------------

VALIDATED_STEPS = 12


def validated(ctx: Context, model: torch.nn.Module, loss_at, validation: Validation) -> Trained:
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    try:
        return fit(ctx, model, optimizer, loss_at, samples_per_step=8, log_every=5, validation=validation)
    finally:
        ctx.close()


def scripted(values: dict[int, float], steps_run: list[int], validated_at: list[int] | None = None):
    """An evaluate() that returns values[step] for the step just trained: the loop's logic is under test,
    not a metric. It also draws random numbers from every generator, which must not change the training."""

    def evaluate() -> float:
        torch.rand(3), np.random.rand(), random.random()
        if validated_at is not None:
            validated_at.append(steps_run[-1])
        return values[steps_run[-1]]

    return evaluate


def weights_after(tmp_path, steps: int) -> list[float]:
    """The weights an unvalidated run has after `steps` steps."""
    model = linear()
    train(context(tmp_path / f"plain-{steps}", steps=steps), model, batch_loss(model, []))
    return weights(model)


def best_pt(ctx: Context) -> dict:
    return torch.load(ctx.best_checkpoint, weights_only=True)


def state_weights(state_dict) -> list[float]:
    return [state_dict["weight"].item(), state_dict["bias"].item()]


def test_best_pt_holds_the_best_validation_step_and_the_model_ends_with_its_weights(tmp_path):
    ctx, model, steps_run = context(tmp_path / "run", steps=VALIDATED_STEPS), linear(), []
    values = {3: 0.5, 6: 0.8, 9: 0.7, 12: 0.75}
    validation = Validation(scripted(values, steps_run), every=3)
    trained = validated(ctx, model, batch_loss(model, steps_run), validation)
    assert trained.validations == ((3, 0.5), (6, 0.8), (9, 0.7), (12, 0.75))
    assert trained.best == {"metric": "val_accuracy", "value": 0.8, "step": 6}
    assert (trained.steps, trained.stopped_early) == (VALIDATED_STEPS, False)
    best = best_pt(ctx)
    assert {k: v for k, v in best.items() if k != "model"} == {
        "step": 6,
        "metric": "val_accuracy",
        "mode": "max",
        "value": 0.8,
    }
    at_6 = weights_after(tmp_path, 6)  # validating (and its random draws) changed nothing in training
    assert state_weights(best["model"]) == at_6
    assert weights(model) == at_6 and not model.training  # restore_best
    metrics = trained.result({"accuracy": 0.9}).metrics
    assert metrics == {"accuracy": 0.9, "best_val_accuracy": 0.8, "best_step": 6, "final_loss": trained.final_loss}


def random_states_after(out, validation_every: int | None) -> tuple:
    """Every generator's state after a run, validated (with an evaluate() that draws) or not."""
    torch.manual_seed(1), np.random.seed(1), random.seed(1)
    model, steps_run = linear(), []
    loss_at = batch_loss(model, steps_run)
    if validation_every is None:
        train(context(out, steps=VALIDATED_STEPS), model, loss_at)
    else:
        values = dict.fromkeys(range(1, VALIDATED_STEPS + 1), 0.5)
        validation = Validation(scripted(values, steps_run), every=validation_every, restore_best=False)
        validated(context(out, steps=VALIDATED_STEPS), model, loss_at, validation)
    return torch.get_rng_state().tolist(), np.random.get_state()[1].tolist(), random.getstate()


def test_validating_leaves_every_random_generator_as_training_left_it(tmp_path):
    assert random_states_after(tmp_path / "validated", 4) == random_states_after(tmp_path / "plain", None)


def test_without_restore_best_the_model_keeps_its_last_weights(tmp_path):
    model, steps_run = linear(), []
    validation = Validation(scripted({6: 0.9, 12: 0.1}, steps_run), every=6, restore_best=False)
    trained = validated(
        context(tmp_path / "run", steps=VALIDATED_STEPS), model, batch_loss(model, steps_run), validation
    )
    assert trained.best["step"] == 6
    assert weights(model) == weights_after(tmp_path, VALIDATED_STEPS)


EARLY = {2: 0.5, 4: 0.8, 6: 0.7, 8: 0.8, 10: 0.9, 12: 0.95}  # 8 only equals the best: no improvement


@pytest.mark.parametrize(
    ("patience", "min_delta", "ended", "best_step"),
    [(2, 0.0, 8, 4), (3, 0.0, 12, 12), (0, 0.0, 12, 12), (2, 0.12, 8, 4), (4, 0.12, 12, 12)],
)
def test_early_stopping_stops_after_patience_validations_without_improvement(
    tmp_path, patience, min_delta, ended, best_step
):
    ctx, model, steps_run = context(tmp_path / "run", steps=VALIDATED_STEPS), linear(), []
    validation = Validation(scripted(EARLY, steps_run), every=2, patience=patience, min_delta=min_delta)
    trained = validated(ctx, model, batch_loss(model, steps_run), validation)
    stopped = ended < VALIDATED_STEPS
    assert steps_run == list(range(1, ended + 1))
    assert (trained.steps, trained.stopped_early) == (ended, stopped)
    assert trained.validations == tuple((step, EARLY[step]) for step in range(2, ended + 1, 2))
    assert trained.best == {"metric": "val_accuracy", "value": EARLY[best_step], "step": best_step}
    assert weights(model) == weights_after(tmp_path, best_step)
    metrics = trained.result({}).metrics
    assert metrics.get("stopped_early_at") == (ended if stopped else None)
    assert metrics["best_step"] == best_step
    latest = torch.load(ctx.checkpoints()[-1][1], weights_only=True)
    assert latest["step"] == ended  # where training ended is checkpointed, early or not
    assert latest["validation"]["stopped_early"] is stopped


def test_patience_running_out_at_the_last_step_is_not_stopping_early(tmp_path):
    model, steps_run = linear(), []
    validation = Validation(scripted({6: 0.9, 12: 0.1}, steps_run), every=6, patience=1)
    trained = validated(
        context(tmp_path / "run", steps=VALIDATED_STEPS), model, batch_loss(model, steps_run), validation
    )
    assert (trained.steps, trained.stopped_early) == (VALIDATED_STEPS, False)
    assert "stopped_early_at" not in trained.result({}).metrics


def test_in_min_mode_lower_is_better_by_more_than_min_delta(tmp_path):
    ctx, model, steps_run = context(tmp_path / "run", steps=VALIDATED_STEPS), linear(), []
    losses = {3: 0.9, 6: 0.5, 9: 0.45, 12: 0.6}  # 9 is lower, but not by more than min_delta
    validation = Validation(scripted(losses, steps_run), metric="val_loss", mode="min", every=3, min_delta=0.1)
    trained = validated(ctx, model, batch_loss(model, steps_run), validation)
    assert trained.best == {"metric": "val_loss", "value": 0.5, "step": 6}
    assert (best_pt(ctx)["step"], best_pt(ctx)["mode"]) == (6, "min")
    assert trained.result({}).metrics["best_val_loss"] == 0.5


def test_a_bad_validation_setting_is_refused():
    with pytest.raises(ValueError, match="mode"):
        Validation(lambda: 0.0, mode="highest")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="every >= 1"):
        Validation(lambda: 0.0, every=0)


# A classification task whose training labels flip halfway: held-out accuracy climbs, then collapses.
POINTS = torch.cat([torch.linspace(-2, -0.5, 24), torch.linspace(0.5, 2, 24)])[:, None]
LABELS = (POINTS[:, 0] > 0).long()
HELD_OUT = torch.tensor([[-1.7], [-1.1], [-0.6], [0.6], [1.2], [1.9]])
HELD_OUT_LABELS = (HELD_OUT[:, 0] > 0).long()


def test_with_a_real_evaluate_restore_best_leaves_the_model_at_the_best_steps_accuracy(tmp_path):
    model = torch.nn.Linear(1, 2)
    with torch.no_grad():
        model.weight.zero_()
        model.bias.zero_()

    def loss_at(step: int) -> torch.Tensor:
        rows = batch_indices(len(POINTS), 16)
        labels = LABELS[rows] if step <= 10 else 1 - LABELS[rows]
        return torch.nn.functional.cross_entropy(model(POINTS[rows]), labels)

    def accuracy() -> float:
        return (model(HELD_OUT).argmax(1) == HELD_OUT_LABELS).float().mean().item()

    ctx = context(tmp_path, steps=40, every=10)
    trained = validated(ctx, model, loss_at, Validation(accuracy, every=5))
    values = dict(trained.validations)
    assert trained.best["value"] == max(values.values()) == 1.0
    assert trained.best["step"] <= 10 < 40 and values[40] < 0.5  # the last weights are worse ...
    assert accuracy() == 1.0  # ... and the model holds the best ones
    assert state_weights_of(best_pt(ctx)["model"]) == state_weights_of(model.state_dict())


def state_weights_of(state_dict) -> list[list[float]]:
    return [tensor.flatten().tolist() for tensor in state_dict.values()]


# --- validation across a crash and --resume ---------------------------------------------------------------------


class Crash(Exception):
    """What SIGKILL does to a step: it never finishes and nothing after it runs."""


def crash_at(step: int):
    def poison(now: int, loss: torch.Tensor) -> torch.Tensor:
        if now == step:
            raise Crash
        return loss

    return poison


def held_out_loss(model: torch.nn.Module):
    x = torch.linspace(-1, 1, 7)[:, None]
    return lambda: ((model(x) - (3 * x - 1)) ** 2).mean().item() + 0.05 * torch.rand(()).item()


def outcome(ctx: Context, model: torch.nn.Module, trained: Trained) -> tuple:
    best = best_pt(ctx)
    return (
        trained.validations,
        trained.best,
        trained.steps,
        trained.stopped_early,
        trained.final_loss,
        weights(model),
        {k: v for k, v in best.items() if k != "model"},
        state_weights(best["model"]),
    )


def validated_run(out, *, steps: int = VALIDATED_STEPS, resume: bool = False, poison=None, patience: int = 0):
    """A run validating every 2 steps, checkpointing every 3; a noisy held-out loss, or EARLY when patience
    is given. What it ends with, and the steps it ran."""
    ctx, model, steps_run = context(out, steps=steps, resume=resume), linear(init=5.0 if resume else 0.0), []
    evaluate = scripted(EARLY, steps_run) if patience else held_out_loss(model)
    mode = "max" if patience else "min"
    validation = Validation(evaluate, metric="val_loss" if mode == "min" else "val_accuracy", mode=mode, every=2,
                            patience=patience)  # fmt: skip
    trained = validated(ctx, model, batch_loss(model, steps_run, poison=poison), validation)
    return outcome(ctx, model, trained), steps_run


@pytest.mark.parametrize("patience", [0, 2], ids=["to-the-end", "stopping-early"])
@pytest.mark.parametrize(
    ("crash", "steps", "resumes_after"),
    [(5, None, 3), (8, None, 6), (None, 6, 6)],
    ids=["killed-in-step-5", "killed-in-step-8", "run-to-6-first"],
)
def test_a_validated_run_cut_short_and_resumed_ends_exactly_as_an_uninterrupted_one(
    tmp_path, patience, crash, steps, resumes_after
):
    """Killed in step 5, the run had validated step 4 (and may have written best.pt) after its last
    checkpoint: the resumed run validates step 4 again and writes the same best.pt."""
    whole, _ = validated_run(tmp_path / "whole", patience=patience)
    out = tmp_path / "cut"
    if crash is not None:
        with pytest.raises(Crash):
            validated_run(out, poison=crash_at(crash), patience=patience)
    else:
        validated_run(out, steps=steps, patience=patience)
    resumed, steps_run = validated_run(out, resume=True, patience=patience)
    assert steps_run == list(range(resumes_after + 1, whole[2] + 1))
    assert resumed == whole  # history, best, where it ended, final loss, weights, best.pt


def test_a_shorter_runs_last_validation_stays_in_the_history_of_its_resumption(tmp_path):
    """--steps 7, then --resume --steps 12: step 7 was validated (the last step always is), checkpointed
    with it, and best.pt agrees with the history whichever step was best."""
    whole, _ = validated_run(tmp_path / "whole")
    (first, _), out = validated_run(tmp_path / "cut", steps=7), tmp_path / "cut"
    resumed, steps_run = validated_run(out, resume=True)
    assert steps_run == list(range(8, VALIDATED_STEPS + 1))
    history = resumed[0]
    assert history == tuple(sorted((*whole[0], first[0][-1]))) and first[0][-1][0] == 7
    best_step, best_value = min(history, key=lambda validation: validation[1])
    assert resumed[1] == {"metric": "val_loss", "value": best_value, "step": best_step}
    assert resumed[6]["step"] == best_step and resumed[7] == resumed[5]  # best.pt: the weights the model holds


def test_a_resumed_run_that_had_stopped_early_trains_no_further(tmp_path):
    first, _ = validated_run(tmp_path, patience=2)
    assert first[2:4] == (8, True)
    again, steps_run = validated_run(tmp_path, resume=True, patience=2)
    assert steps_run == []  # neither trained nor validated
    assert again == first


def test_without_validation_checkpoints_hold_what_they_always_held_and_there_is_no_best_pt(tmp_path):
    ctx, model = context(tmp_path), linear()
    train(ctx, model, batch_loss(model, []))
    for _, path in ctx.checkpoints():
        assert set(torch.load(path, weights_only=True)) == {"step", "model", "optimizer", "loss"}
    assert not ctx.best_checkpoint.exists()
