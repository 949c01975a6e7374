"""Every lesson's --smoke run learns (thresholds here), on 2 CPU cores in well under a minute;
runs are reproducible, resumable after a SIGKILL, stoppable with SIGTERM, and stop on divergence."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import TEST_DEVICE, dlenv_run, metrics

from dlenv.runner.frameworks import TORCH, installed, lesson_framework

pytest.importorskip("sklearn")
# A row whose TensorFlow has its own environment runs the Keras lessons' smoke there, without torch.
needs_torch = pytest.mark.skipif(not installed(TORCH), reason="torch is not installed")

# What each smoke run must show. Chance: accuracy 0.1 (ten classes), r2 0 (predicting the mean).
LEARNS = {
    "classification": lambda m: m["accuracy"] > 0.85,
    # lora, qlora: the new task's answer is one of the 3-6 prompt letters (chance about 0.22 when the model
    # picks one); the base, before the adapters, scores about 0.
    "lora": lambda m: (
        m["loss_end"] < 0.5 * m["loss_start"]
        and m["exact_match"] > 0.4 > m["base_exact_match"] + 0.3
        and m["trainable_fraction"] <= 0.01
        and m["merge_max_abs_diff"] < 1e-3
        and m["hand_vs_peft_max_abs_diff"] < 1e-4
        and m["reload_max_abs_diff"] < 1e-5
    ),
    "qlora": lambda m: (
        m["loss_end"] < 0.5 * m["loss_start"]
        and m["exact_match"] > 0.35 > m["base_exact_match"] + 0.25
        and m["weight_bytes_4bit"] < 0.3 * m["weight_bytes_full"]
    ),
    "regression": lambda m: m["r2"] > 0.2,
    "custom": lambda m: (
        m["accuracy"] > 0.85
        and m["swish_gradcheck"]
        and max(m["focal_gamma0_vs_cross_entropy"], m["huber_vs_torch"], m["swish_vs_silu"], m["dense_vs_linear"])
        < 1e-6
    ),
    "wide_deep": lambda m: m["auc"] > 0.7 and m["auc_wide_deep"] >= m["auc_wide"],
    "tf_dnn": lambda m: m["accuracy"] > 0.9,
    "tf_gradients": lambda m: (
        m["accuracy_relu"] > 0.85
        and m["accuracy_bn"] > 0.85
        and m["accuracy_sigmoid"] < 0.5  # its first layers barely move: the gradient vanished on the way
        and m["vanishing_ratio_sigmoid"] < 1e-3 * m["vanishing_ratio_bn"]
        and m["exploding_unclipped_diverged_at"] is not None
        and m["exploding_clipped_diverged_at"] is None
    ),
    "tf_regularization": lambda m: (
        m["train_accuracy_plain"] == 1.0  # the plain network memorised its few examples
        and min(m["val_accuracy_plain"], m["val_accuracy_dropout"], m["val_accuracy_bn"]) > 0.8
        and max(m["gap_dropout"], m["gap_bn"]) < 0.8 * m["gap_plain"]  # validation loss - training loss
    ),
    "hparam": lambda m: m["best_value"] > 0.85 and m["trials_complete"] + m["trials_pruned"] == 8,
    "dedup": lambda m: m["recall"] >= 0.95 and m["precision"] > 0.4 and m["docs_per_s"] >= m["datasketch_docs_per_s"],
    "transformer": lambda m: m["exact_match"] > 0.5 and m["bleu"] > 70 and len(m["translations"]) == 5,
    "rnn_sentiment": lambda m: m["accuracy"] > 0.9 and m["bag_of_words_accuracy"] < 0.7,
    "text_generation": lambda m: m["perplexity"] < 0.25 * m["uniform_perplexity"] and len(m["samples"]) == 2,
    "prompting": lambda m: m["zero_shot_accuracy"] < 0.5 and m["few_shot_accuracy"] > m["zero_shot_accuracy"] + 0.2,
    "rlhf": lambda m: m["reward_accuracy"] > 0.6 and m["dpo_margin_end"] > m["dpo_margin_start"] + 0.1,
    "text": lambda m: m["neighbour_same_kind"] > 0.6 and m["unknown_rate_words"] > 0.2 and m["unknown_rate_bpe"] == 0,
    "tensors": lambda m: (
        m["slope_error"] < 0.2
        and m["intercept_error"] < 0.2
        and m["every_sample_once"]
        and m["in_order"]
        and m["batch_shapes_ok"]
        and m["broadcast_shape_ok"]
        and m["autograd_ok"]
    ),
}


@pytest.mark.parametrize("lesson", LEARNS)
def test_smoke_run_learns(lesson, tmp_path):
    pytest.importorskip(lesson_framework(lesson))
    dlenv_run(lesson, "--smoke", out=tmp_path)
    report = metrics(tmp_path)
    assert LEARNS[lesson](report["metrics"]), report["metrics"]
    assert set(report) >= {"lesson", "env", "device", "steps", "seconds", "metrics", "throughput"}
    assert report["lesson"] == lesson and report["device"] == TEST_DEVICE and report["throughput"]["value"] > 0
    assert list((tmp_path / "tb").glob("events.out.tfevents.*"))


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

        assert set(torch.load(checkpoint, weights_only=True)) == {"step", "model", "optimizer"}
    dlenv_run(*args, "--resume", out=out)
    assert metrics(out)["metrics"] == metrics(tmp_path / "whole")["metrics"]


@needs_torch
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
