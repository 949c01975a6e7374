"""A Hugging Face Trainer under the runner: scalars reach TensorBoard, NaN stops the run as Diverged,
a stop signal saves a checkpoint and raises Stopped, and --resume ends where an unbroken run ends."""

from __future__ import annotations

import signal

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from transformers import Trainer, TrainingArguments  # noqa: E402

from dlenv.runner import hf_callback  # noqa: E402
from dlenv.runner.context import Context, Diverged, Stopped  # noqa: E402


class Line(torch.nn.Module):
    """y = w·x fitted by least squares; `poison` makes every loss NaN."""

    def __init__(self, poison: bool = False) -> None:
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(1))
        self.poison = poison

    def forward(self, x, y):
        loss = ((self.w * x - y) ** 2).mean()
        return {"loss": loss * float("nan") if self.poison else loss}


def points(n: int = 64) -> list[dict[str, torch.Tensor]]:
    xs = torch.linspace(-1, 1, n)
    return [{"x": x, "y": 3 * x} for x in xs]


def make_context(tmp_path, steps: int, resume: bool = False, every: int = 5) -> Context:
    return Context("line", tmp_path, "cpu", 0, steps, every, resume, smoke=True)


def make_trainer(ctx: Context, model: torch.nn.Module, steps: int) -> Trainer:
    args = TrainingArguments(
        **hf_callback.arguments(ctx, "fit", max_steps=steps, learning_rate=0.1, per_device_train_batch_size=8)
    )
    return Trainer(model=model, args=args, train_dataset=points())


def test_logs_reach_tensorboard_with_the_stage_prefix(tmp_path):
    ctx = make_context(tmp_path, 20)
    seen = []
    ctx.progress = lambda step, total, values: seen.append((step, set(values)))
    hf_callback.train(make_trainer(ctx, Line(), 20), ctx, "fit")
    ctx.close()
    assert (10, {"fit/loss", "fit/grad_norm", "fit/learning_rate"}) in seen
    assert list((tmp_path / "tb").glob("events.out.tfevents.*"))


def test_a_nan_loss_raises_diverged_naming_the_step(tmp_path):
    ctx = make_context(tmp_path, 20)
    with pytest.raises(Diverged, match=r"training diverged at step 10: fit/loss is nan"):
        hf_callback.train(make_trainer(ctx, Line(poison=True), 20), ctx, "fit")


def test_a_stop_signal_saves_a_checkpoint_and_resume_finishes_the_run(tmp_path):
    ctx = make_context(tmp_path, 40, every=100)
    ctx._stop_signal = signal.SIGTERM  # as the runner's handler records it
    with pytest.raises(Stopped) as stopped:
        hf_callback.train(make_trainer(ctx, Line(), 40), ctx, "fit")
    assert stopped.value.step == 1 and stopped.value.signum == signal.SIGTERM
    saved = hf_callback.latest_checkpoint(tmp_path / "checkpoints" / "fit")
    assert saved is not None and saved.name == "checkpoint-1"

    resumed = make_context(tmp_path, 40, resume=True, every=100)
    model = Line()
    output = hf_callback.train(make_trainer(resumed, model, 40), resumed, "fit")
    whole_ctx, whole = make_context(tmp_path / "whole", 40, every=100), Line()
    hf_callback.train(make_trainer(whole_ctx, whole, 40), whole_ctx, "fit")
    assert output.global_step == 40 and model.w.item() == pytest.approx(whole.w.item(), abs=1e-6)
    assert model.w.item() > 1  # and it learned: w went from 0 towards 3


def test_a_fresh_run_drops_old_checkpoints_and_a_half_written_one_is_skipped(tmp_path):
    folder = tmp_path / "checkpoints" / "fit"
    (folder / "checkpoint-7").mkdir(parents=True)  # no trainer_state.json: killed mid-write
    assert hf_callback.latest_checkpoint(folder) is None
    ctx = make_context(tmp_path, 10)
    hf_callback.train(make_trainer(ctx, Line(), 10), ctx, "fit")
    assert sorted(p.name for p in folder.iterdir()) == ["checkpoint-10", "checkpoint-5"]


def test_checkpoint_every_0_saves_nothing_yet_a_stop_signal_still_saves(tmp_path):
    ctx = make_context(tmp_path / "never", 10, every=0)
    hf_callback.train(make_trainer(ctx, Line(), 10), ctx, "fit")
    assert list((tmp_path / "never" / "checkpoints").glob("fit/*")) == []

    stopped_ctx = make_context(tmp_path / "stopped", 10, every=0)
    stopped_ctx._stop_signal = signal.SIGTERM
    with pytest.raises(Stopped):
        hf_callback.train(make_trainer(stopped_ctx, Line(), 10), stopped_ctx, "fit")
    saved = hf_callback.latest_checkpoint(tmp_path / "stopped" / "checkpoints" / "fit")
    assert saved is not None and saved.name == "checkpoint-1"
