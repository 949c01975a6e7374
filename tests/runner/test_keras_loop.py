"""The Keras loop (dlenv.runner.keras_loop.fit), where a step is an epoch: a resumed run ends where an
uninterrupted one does, a stop signal ends the epoch in progress and saves it, a NaN loss stops the run
naming its epoch. TensorFlow must not load into this process (seconds, a gigabyte, and other tests check
it stays out), so keras_loop_scenarios.py trains every scenario in one process of its own and prints
what happened; these tests read its record. How often checkpoints are written: test_checkpointing.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dlenv.runner.frameworks import TENSORFLOW, installed

SCENARIOS = Path(__file__).with_name("keras_loop_scenarios.py")
EPOCHS = 6  # keras_loop_scenarios.EPOCHS

pytestmark = [
    pytest.mark.slow,  # one TensorFlow process for the whole module: about 10 s
    pytest.mark.skipif(not installed(TENSORFLOW), reason="TensorFlow is not installed"),
]


@pytest.fixture(scope="module")
def record(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("keras_loop")
    proc = subprocess.run([sys.executable, str(SCENARIOS), str(out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.splitlines()[-1])


def outcome(run: dict) -> tuple:
    """What a run ends with: its weights, the state of its dropout's generator, its last epoch's loss."""
    return run["weights"], run["variables"], run["final_loss"]


def test_the_uninterrupted_run_trains_every_epoch(record):
    whole = record["whole"]
    assert whole["epochs"] == list(range(1, EPOCHS + 1))
    assert whole.get("error") is None and "stopped" not in whole


def test_a_run_cut_short_and_resumed_ends_exactly_where_an_uninterrupted_run_does(record):
    assert record["cut"]["checkpoints"] == [2]  # the run ended at epoch 3, its newest checkpoint is epoch 2
    resumed = record["cut_resumed"]
    assert resumed.get("error") is None
    assert resumed["epochs"] == [3, 4, 5, 6]  # from the checkpoint, not from scratch
    assert outcome(resumed) == outcome(record["whole"])


def test_a_stop_signal_ends_the_epoch_in_progress_saves_it_and_raises_stopped_naming_it(record):
    stopped = record["stopped"]  # SIGTERM as epoch 4 began, checkpoint_every=0
    assert stopped["stopped"] == {"step": 4, "signum": 15, "message": "stopped by SIGTERM at step 4"}
    assert stopped["epochs"] == [1, 2, 3, 4]
    assert stopped["checkpoints"] == [4]


def test_a_run_resumed_after_a_stop_signal_ends_where_an_uninterrupted_run_does(record):
    resumed = record["stopped_resumed"]
    assert resumed.get("error") is None
    assert resumed["epochs"] == [5, 6]  # epoch 4 was finished and saved, not redone
    assert outcome(resumed) == outcome(record["whole"])


def test_a_run_stopped_in_its_last_epoch_resumes_to_a_clean_end(record):
    assert record["stopped_last"]["checkpoints"] == [EPOCHS]
    resumed = record["stopped_last_resumed"]
    assert resumed.get("error") is None
    assert resumed["epochs"] == []  # nothing left to train
    assert resumed["weights"] == record["whole"]["weights"]


def test_a_nan_loss_raises_diverged_naming_the_epoch_with_the_hint(record):
    diverged = record["diverged"]  # every weight NaN as epoch 3 began, checkpoint_every=1
    assert diverged["diverged"] == {
        "step": 3,
        "message": "training diverged at step 3: loss is nan",
        "hint": "lower the learning rate, e.g. --set lr=0.01",
        "exit_code": 1,
    }
    assert diverged["epochs"] == [1, 2]
    assert diverged["checkpoints"] == [1, 2]  # the diverged epoch is not saved: --resume starts before it
