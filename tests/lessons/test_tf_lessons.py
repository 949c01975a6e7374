"""The Keras lessons: the gradient story (sigmoid's gradient vanishes, He initialisation and batch
normalization keep it, clipping tames an exploding one), and the runner's chores through the Keras
callback: exact resume after a SIGKILL (early stopping included), a clean stop on SIGTERM, divergence
as exit 1. That dropout and batch normalization narrow the train/validation gap is what
tf_regularization's smoke run must show (LEARNS in test_smoke.py)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from support import NO_POSIX_SIGNALS, dlenv_run, metrics, posix_only

from dlenv.runner.frameworks import TENSORFLOW, installed

# The lessons run in their own processes: importing TensorFlow here would only cost the test process
# seconds and a gigabyte (and put it in sys.modules for the tests that check nobody imports it).
if not installed(TENSORFLOW):
    pytest.skip("TensorFlow is not installed", allow_module_level=True)
pytest.importorskip("sklearn")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def wait_for_checkpoint(folder: Path, at_least: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(int(p.stem.split("-")[1]) >= at_least for p in folder.glob("step-*.ckpt")):
            return
        time.sleep(0.05)
    raise AssertionError(f"no checkpoint at step >= {at_least} in {folder}")


@pytest.fixture(scope="module")
def gradients(tmp_path_factory):
    """One short tf_gradients run: the ratios are measured at initialisation; the exploding network
    trains its smoke number of steps."""
    out = tmp_path_factory.mktemp("tf_gradients")
    dlenv_run("tf_gradients", "--smoke", "--steps", "1", out=out)
    return out, metrics(out)["metrics"]


def test_sigmoid_gradients_vanish_orders_of_magnitude_more_than_with_batch_norm(gradients):
    _, m = gradients
    assert m["vanishing_ratio_sigmoid"] < 1e-3 * m["vanishing_ratio_bn"]
    assert m["vanishing_ratio_sigmoid"] < 1e-3 * m["vanishing_ratio_relu"]
    # With He initialisation, and with batch normalization, the gradient reaches the input side intact.
    assert 0.1 < m["vanishing_ratio_relu"] < 10 and 0.1 < m["vanishing_ratio_bn"] < 10


def test_the_sigmoid_gradient_shrinks_at_every_layer_on_its_way_to_the_input(gradients):
    _, m = gradients
    norms = m["layer_gradient_norms"]["initial"]
    assert set(norms) == {"sigmoid", "relu", "bn"}
    assert len(norms["sigmoid"]) == 11  # ten hidden layers and the read-out
    assert all(np.diff(np.log(norms["sigmoid"])) > 0)  # ordered from the input side


def test_clipping_tames_the_exploding_network(gradients):
    _, m = gradients
    assert m["exploding_gradient_norm"] > 100  # the clip norm is 1: this gradient did explode
    assert m["exploding_unclipped_diverged_at"] is not None and m["exploding_unclipped_diverged_at"] <= 20
    assert m["exploding_clipped_diverged_at"] is None
    assert np.isfinite(m["exploding_clipped_final_loss"]) and m["exploding_clipped_accuracy"] > 0.3  # chance: 0.1


def test_the_gradient_plot_is_written_as_a_png(gradients):
    out, _ = gradients
    image = (out / "gradient_norms.png").read_bytes()
    assert image.startswith(PNG_SIGNATURE) and len(image) > 20_000


EARLY_STOPPED = ["tf_dnn", "--steps", "30", "--seed", "1", "--set", "patience=2"]  # stops after 16 epochs


@pytest.fixture(scope="module")
def early_stopped(tmp_path_factory):
    out = tmp_path_factory.mktemp("whole")
    dlenv_run(*EARLY_STOPPED, "--checkpoint-every", "2", out=out)
    report = metrics(out)
    assert report["steps"] < 30 and report["metrics"]["best_epoch"] < report["steps"]  # early stopping stopped it
    return report


@posix_only(NO_POSIX_SIGNALS)
def test_a_keras_run_killed_mid_training_resumes_to_the_same_result(early_stopped, tmp_path):
    args = [*EARLY_STOPPED, "--checkpoint-every", "2"]
    whole = early_stopped
    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "dlenv", "run", *args, "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    wait_for_checkpoint(out / "checkpoints", 6)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (out / "metrics.json").exists()
    for checkpoint in (out / "checkpoints").glob("step-*.ckpt"):  # whatever is there is whole
        with np.load(checkpoint) as state:
            assert {"step", "model/0", "optimizer/0", "early_stopping/wait"} <= set(state.files)
    dlenv_run(*args, "--resume", out=out)
    resumed = metrics(out)
    assert (resumed["steps"], resumed["metrics"]) == (whole["steps"], whole["metrics"])


def test_a_resumed_keras_run_remembers_what_early_stopping_saw(early_stopped, tmp_path):
    # Stopped one epoch after its best, then extended: it must stop at once, as the whole run did,
    # rather than start counting its patience (and its best weights) afresh.
    before_the_end = str(early_stopped["steps"] - 1)
    dlenv_run(*EARLY_STOPPED, "--steps", before_the_end, "--checkpoint-every", "1", out=tmp_path)
    dlenv_run(*EARLY_STOPPED, "--checkpoint-every", "1", "--resume", out=tmp_path)
    resumed = metrics(tmp_path)
    assert (resumed["steps"], resumed["metrics"]) == (early_stopped["steps"], early_stopped["metrics"])


@posix_only(NO_POSIX_SIGNALS)
def test_sigterm_stops_a_keras_run_at_an_epoch_end_with_a_checkpoint_and_resume_finishes(tmp_path):
    out = tmp_path / "run"
    args = ["tf_dnn", "--steps", "15", "--checkpoint-every", "1", "--set", "patience=100"]
    proc = subprocess.Popen([sys.executable, "-m", "dlenv", "run", *args, "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    wait_for_checkpoint(out / "checkpoints", 1)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, stderr[-2000:]
    assert "stopped by SIGTERM at step" in stderr and "--resume" in stderr
    stopped_at = int(stderr.split("at step ")[1].split(";")[0])
    assert 1 <= stopped_at < 15
    assert (out / "checkpoints" / f"step-{stopped_at:08d}.ckpt").exists()
    dlenv_run(*args, "--resume", out=out)
    assert metrics(out)["steps"] == 15 and metrics(out)["metrics"]["accuracy"] > 0.9


def test_a_diverging_keras_run_exits_1_naming_the_epoch_and_the_fix(tmp_path):
    proc = dlenv_run("tf_gradients", "--steps", "2", "--set", "lr=10", out=tmp_path, check=False)
    assert proc.returncode == 1
    error, hint = proc.stderr.strip().splitlines()[-2:]
    assert error == "error: training diverged at step 1: loss is nan"
    assert hint == "hint: lower the learning rate, e.g. --set lr=1"


def test_a_training_set_larger_than_the_digits_is_bad_input(tmp_path):
    proc = dlenv_run("tf_regularization", "--smoke", "--set", "train_size=5000", out=tmp_path, check=False)
    assert proc.returncode == 2
    error = proc.stderr.strip().splitlines()[-1]
    assert error == "error: --set train_size=5000: must be at most 1079"


def test_resuming_with_another_model_is_bad_input_not_a_traceback(tmp_path):
    dlenv_run("tf_dnn", "--steps", "1", "--checkpoint-every", "1", out=tmp_path)
    proc = dlenv_run("tf_dnn", "--steps", "2", "--resume", "--set", "width=64", out=tmp_path, check=False)
    assert proc.returncode == 2
    error, hint = proc.stderr.strip().splitlines()[-2:]
    checkpoint = tmp_path / "checkpoints" / "step-00000001.ckpt"
    assert error == f"error: --resume: {checkpoint} holds another model than this run builds"
    assert hint.startswith("hint: resume with the --set values")
