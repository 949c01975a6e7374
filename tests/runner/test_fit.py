"""`dlenv run` refuses a lesson bigger than the GPU before it trains, naming the --set that fits; a GPU
of the planned size is given by DLENV_GPU_MEMORY_MIB, so this runs on the CPU."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from support import ROOT

from dlenv.errors import DlenvError
from dlenv.runner import require_gpu_fit
from dlenv.runner.fit import GPU_MEMORY_VARIABLE, require_fit
from dlenv.runner.memory import lesson_need
from dlenv_lessons.lora.config import Config as LoraConfig
from dlenv_lessons.qlora.config import Config as QloraConfig

QWEN_1_5B = str(ROOT / "tests/fixtures/models/qwen2.5-1.5b")  # Qwen2.5-1.5B's config.json, no weights
GTX_1650_TI = 4096  # MiB (tests/fixtures/probes/wsl2-gtx1650ti.json)


def dlenv_run(*args: str, gpu_mib: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, GPU_MEMORY_VARIABLE: gpu_mib}
    return subprocess.run([sys.executable, "-m", "dlenv", "run", *args], capture_output=True, text=True, env=env,
                          timeout=300)  # fmt: skip


def test_lora_on_a_1_5b_model_is_refused_on_a_4gb_gpu_with_the_batch_that_fits(tmp_path):
    run = dlenv_run("lora", "--smoke", "--set", f"model={QWEN_1_5B}", "--out", str(tmp_path), gpu_mib="4096")
    assert run.returncode == 2
    (line,) = [ln for ln in run.stderr.splitlines() if ln.startswith("error:")]
    need = lesson_need("lora", LoraConfig(model=QWEN_1_5B, steps=60, eval_examples=100)).mib
    assert f"lesson lora needs {need} MiB of GPU memory (estimated)" in line
    assert "this GPU has 4096 MiB" in line
    suggested = re.search(r"--set batch_size=(\d+) needs (\d+) MiB; or run it on the CPU: --device cpu$", line)
    batch, smaller = int(suggested[1]), int(suggested[2])
    assert smaller <= 4096 < need
    assert (
        lesson_need("lora", LoraConfig(model=QWEN_1_5B, steps=60, eval_examples=100, batch_size=batch)).mib == smaller
    )
    assert not (tmp_path / "metrics.json").exists()


def test_the_suggested_setting_fits_and_is_accepted():
    cfg = LoraConfig(model=QWEN_1_5B, batch_size=4)
    need = require_fit("lora", cfg, GTX_1650_TI)  # no refusal
    assert need is not None and need.mib <= GTX_1650_TI


def test_qlora_without_checkpointing_is_told_to_recompute_activations():
    with pytest.raises(DlenvError, match=r"--set gradient_checkpointing=true needs \d+ MiB") as refused:
        require_fit("qlora", QloraConfig(model=QWEN_1_5B, gradient_checkpointing=False), GTX_1650_TI)
    assert "lesson qlora needs" in refused.value.message and f"has {GTX_1650_TI} MiB" in refused.value.message


def test_a_lesson_too_big_for_any_setting_is_sent_to_the_cpu():
    with pytest.raises(DlenvError, match=r"this GPU has 600 MiB: run it on the CPU: --device cpu$"):
        require_fit("lora", LoraConfig(model=QWEN_1_5B), 600)


def test_device_cpu_never_asks_about_the_gpu(monkeypatch):
    monkeypatch.setenv(GPU_MEMORY_VARIABLE, "600")
    require_gpu_fit("lora", LoraConfig(model=QWEN_1_5B), "cpu", "cpu")  # no refusal


def test_a_bad_planned_gpu_memory_is_refused_in_one_line(tmp_path):
    run = dlenv_run("regression", "--smoke", "--out", str(tmp_path), gpu_mib="4GB")
    assert run.returncode == 2
    assert run.stderr.strip().splitlines()[0] == (
        f"error: {GPU_MEMORY_VARIABLE}='4GB': expected the GPU memory in MiB, a whole number above 0"
    )


def test_a_lesson_that_needs_no_gpu_runs_whatever_the_gpu():
    from dlenv_lessons.dedup.config import Config as DedupConfig

    assert require_fit("dedup", DedupConfig(), 1) is None
