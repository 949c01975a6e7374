"""--checkpoint-every N: a checkpoint every N steps, and 0 means never, in the runner and all three loops
(the PyTorch loop and the Keras callback through Context.due, the Hugging Face callback in test_hf_callback.py).
Beside them, OUT/checkpoints/best.pt: the best validation's weights, which a fresh start removes too."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dlenv.errors import DlenvError
from dlenv.runner import checkpoint_interval
from dlenv.runner.context import Context, fresh_start
from dlenv.runner.frameworks import TENSORFLOW, installed


def context(tmp_path, every: int, steps: int = 6) -> Context:
    return Context("x", tmp_path, "cpu", 0, steps, every, resume=False, smoke=True)


def test_the_default_is_a_tenth_of_the_run_and_0_stays_0():
    assert checkpoint_interval(None, 35) == 3
    assert checkpoint_interval(None, 5) == 1
    assert checkpoint_interval(0, 35) == 0
    assert checkpoint_interval(7, 35) == 7


def test_a_negative_interval_is_bad_input():
    with pytest.raises(DlenvError, match=r"--checkpoint-every -1: must be 0 \(never\) or more") as error:
        checkpoint_interval(-1, 35)
    assert error.value.exit_code == 2


def test_0_is_never_due(tmp_path):
    assert not any(context(tmp_path, 0).due(step) for step in range(1, 101))
    assert [step for step in range(1, 11) if context(tmp_path, 4).due(step)] == [4, 8]


@pytest.mark.parametrize(("every", "kept"), [(0, []), (2, [4, 6])])
def test_the_torch_loop_checkpoints_every_n_steps_and_never_at_0(tmp_path, every, kept):
    torch = pytest.importorskip("torch")
    from dlenv.runner.torch_loop import fit

    ctx = context(tmp_path, every)
    model = torch.nn.Linear(1, 1)
    x = torch.linspace(-1, 1, 16)[:, None]
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    fit(ctx, model, optimizer, lambda step: ((model(x) - 3 * x) ** 2).mean(), samples_per_step=16)
    ctx.close()
    assert [step for step, _ in ctx.checkpoints()] == kept


@pytest.mark.parametrize(
    ("every", "patience", "kept"),
    [(4, 0, [4, 6]), (0, 0, []), (0, 1, [4]), (3, 1, [3, 4])],
    ids=["the-last-step-too", "never", "never-but-the-early-stop", "and-the-early-stop"],
)
def test_a_validated_torch_loop_also_checkpoints_where_it_ends(tmp_path, every, patience, kept):
    """Validating steps 2, 4, 6 with a metric that only worsens after step 2: patience 1 stops at 4."""
    torch = pytest.importorskip("torch")
    from dlenv.runner.torch_loop import Validation, fit

    ctx = context(tmp_path, every)
    model = torch.nn.Linear(1, 1)
    x = torch.linspace(-1, 1, 16)[:, None]
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    values = iter([0.9, 0.5, 0.1])
    validation = Validation(lambda: next(values), every=2, patience=patience)
    fit(
        ctx, model, optimizer, lambda step: ((model(x) - 3 * x) ** 2).mean(), samples_per_step=16, validation=validation
    )
    ctx.close()
    assert [step for step, _ in ctx.checkpoints()] == kept
    best = torch.load(ctx.best_checkpoint, weights_only=True)
    assert (best["step"], best["value"]) == (2, 0.9)
    if kept:
        latest = torch.load(ctx.checkpoints()[-1][1], weights_only=True)
        assert set(latest) == {"step", "loss", "model", "optimizer", "validation"}


def test_the_best_checkpoint_is_replaced_atomically_and_a_fresh_start_removes_it(tmp_path):
    ctx = context(tmp_path, 2)
    ctx.save(2, lambda path: path.write_text("2"))
    ctx.save_best(lambda path: path.write_text("best at 2"))

    def crash(path):
        path.write_text("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ctx.save_best(crash)
    assert ctx.best_checkpoint == tmp_path / "checkpoints" / "best.pt"
    assert ctx.best_checkpoint.read_text() == "best at 2"  # the kill mid-write left the previous best
    assert [step for step, _ in ctx.checkpoints()] == [2]  # best.pt is not a resumable checkpoint
    fresh_start(ctx)
    assert ctx.checkpoints() == [] and not ctx.best_checkpoint.exists()
    fresh_start(ctx)  # nothing to remove is fine


KERAS_RUN = """
import sys
from pathlib import Path

import numpy as np

from dlenv.runner import keras_loop
from dlenv.runner.context import Context, fresh_start

import keras

for every in (0, 1):
    ctx = Context("x", Path(sys.argv[1]) / str(every), "cpu", 0, 3, every, resume=False, smoke=True)
    keras_loop.setup(ctx)
    model = keras.Sequential([keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.linspace(-1, 1, 32, dtype="float32")[:, None]
    keras_loop.fit(ctx, model, x, 3 * x, batch_size=8)
    ctx.close()
    print(every, [step for step, _ in ctx.checkpoints()])
"""


@pytest.mark.slow
def test_the_keras_callback_checkpoints_every_epoch_and_never_at_0(tmp_path):
    if not installed(TENSORFLOW):
        pytest.skip("TensorFlow is not installed")
    # In a process of its own: importing TensorFlow here would cost the test process seconds and a gigabyte.
    proc = subprocess.run([sys.executable, "-c", KERAS_RUN, str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.splitlines() == ["0 []", "1 [2, 3]"]
