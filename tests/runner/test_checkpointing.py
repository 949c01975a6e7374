"""--checkpoint-every N: a checkpoint every N steps, and 0 means never, in the runner and all three loops
(the PyTorch loop and the Keras callback through Context.due, the Hugging Face callback in test_hf_callback.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dlenv.errors import DlenvError
from dlenv.runner import checkpoint_interval
from dlenv.runner.context import Context
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


KERAS_RUN = """
import sys
from pathlib import Path

import numpy as np

from dlenv.runner import keras_loop
from dlenv.runner.context import Context

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
