"""Every lesson's --smoke run learns (its bars in smoke_bars.py), on 2 CPU cores in well under a minute;
runs are reproducible, resumable after a SIGKILL, stoppable with SIGTERM, and stop on divergence."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from filelock import FileLock
from smoke_bars import LEARNS, failed
from support import NO_POSIX_SIGNALS, TEST_DEVICE, dlenv_run, metrics, posix_only

from dlenv.measured.record import load_now, record_runs
from dlenv.runner.frameworks import TORCH, installed, lesson_framework, lesson_needs

pytest.importorskip("sklearn")
# Where a passing run is recorded (dlenv.measured.record), when set: the smoke(row='cpu') session sets it.
RECORD_ENV = "DLENV_MEASURED_RECORD"
# A row whose TensorFlow has its own environment runs the Keras lessons' smoke there, without torch.
needs_torch = pytest.mark.skipif(not installed(TORCH), reason="torch is not installed")


def lesson_params() -> list:
    """Every lesson; those that need torchvision marked `vision` (run in nox's vision session)."""
    return [pytest.param(name, marks=pytest.mark.vision) if lesson_needs(name) else name for name in LEARNS]


@pytest.mark.parametrize("lesson", lesson_params())
def test_smoke_run_learns(lesson, tmp_path):
    pytest.importorskip(lesson_framework(lesson))
    load_before = load_now()  # what else kept the cores busy while this run was timed
    dlenv_run(lesson, "--smoke", out=tmp_path)
    report = metrics(tmp_path)
    missed = failed(lesson, report["metrics"])
    assert not missed, f"{lesson} --smoke missed: " + "; ".join(missed)
    assert set(report) >= {"lesson", "env", "device", "steps", "seconds", "metrics", "throughput"}
    assert report["lesson"] == lesson and report["device"] == TEST_DEVICE and report["throughput"]["value"] > 0
    assert list((tmp_path / "tb").rglob("events.out.tfevents.*"))  # OUT/tb, or OUT/tb/<part> for each part
    if os.environ.get(RECORD_ENV):  # nox -s "smoke(row='cpu')": the READMEs' numbers come from these runs
        record = Path(os.environ[RECORD_ENV])
        with FileLock(f"{record}.lock"):  # the runs beside this one (pytest-xdist) record theirs in turn
            record_runs(record, [tmp_path], load_before)


@needs_torch
def test_smoke_runs_with_the_same_seed_end_alike(tmp_path):
    dlenv_run("classification", "--smoke", "--seed", "3", out=tmp_path / "a")
    dlenv_run("classification", "--smoke", "--seed", "3", out=tmp_path / "b")
    assert metrics(tmp_path / "a")["metrics"] == metrics(tmp_path / "b")["metrics"]


def wait_for_checkpoint(folder: Path, at_least: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        steps = [int(p.stem.split("-")[1]) for p in folder.glob("step-*.ckpt")]
        if steps and max(steps) >= at_least:
            return
        time.sleep(0.05)
    raise AssertionError(f"no checkpoint at step >= {at_least} in {folder}")


@needs_torch
@posix_only(NO_POSIX_SIGNALS)
def test_a_run_killed_mid_training_resumes_to_the_same_result(tmp_path):
    args = ["classification", "--steps", "400", "--checkpoint-every", "20", "--seed", "1"]
    dlenv_run(*args, out=tmp_path / "whole")
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "dlenv", "run", *args, "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_checkpoint(out / "checkpoints", 100)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (out / "metrics.json").exists()
    for checkpoint in (out / "checkpoints").glob("step-*.ckpt"):  # whatever is there is whole
        import torch

        assert set(torch.load(checkpoint, weights_only=True)) == {"step", "model", "optimizer", "loss"}
    dlenv_run(*args, "--resume", out=out)
    assert metrics(out)["metrics"] == metrics(tmp_path / "whole")["metrics"]


@needs_torch
@posix_only(NO_POSIX_SIGNALS)
def test_sigterm_saves_a_checkpoint_and_resume_finishes(tmp_path):
    out = tmp_path / "run"
    args = ["classification", "--steps", "2000", "--checkpoint-every", "1000"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "dlenv", "run", *args, "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_checkpoint(out / "checkpoints", 0)  # the folder exists once training has begun
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM
    assert "stopped by SIGTERM at step" in stderr and "--resume" in stderr
    stopped_at = int(stderr.split("at step ")[1].split(";")[0])
    assert (out / "checkpoints" / f"step-{stopped_at:08d}.ckpt").exists()


@needs_torch
def test_a_diverging_run_exits_1_naming_the_step_and_the_fix(tmp_path):
    proc = dlenv_run("regression", "--smoke", "--set", "lr=10", out=tmp_path, check=False)
    assert proc.returncode == 1
    first, hint = proc.stderr.strip().splitlines()[-2:]
    assert first.startswith("error: training diverged at step ") and "loss is" in first
    assert hint == "hint: lower the learning rate, e.g. --set lr=1"


@needs_torch
def test_hparam_resume_continues_the_same_study(tmp_path):
    dlenv_run("hparam", "--smoke", "--steps", "4", out=tmp_path)
    first = metrics(tmp_path)["steps"]
    dlenv_run("hparam", "--smoke", "--steps", "6", "--resume", out=tmp_path)
    assert (first, metrics(tmp_path)["steps"]) == (4, 6)
    assert (tmp_path / "study.png").stat().st_size > 10_000
