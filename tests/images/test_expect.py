"""What a row's image must show, held to outputs recorded from real runs: the torch versions an image
prints, `dlenv doctor --json` in a fake container (DLENV_FS_ROOT) with and without a GPU, and the real
--smoke run of the lesson the images session picks."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest
from support import NO_SHELL_SCRIPTS, ROOT, posix_only

from dlenv.errors import DlenvError
from dlenv.images import expect
from dlenv.images.expect import Output

PROBES = ROOT / "tests" / "fixtures" / "probes"


def versions(torch: str, torchvision: str, cuda: str | None) -> Output:
    return Output(0, json.dumps({"torch": torch, "torchvision": torchvision, "cuda": cuda}) + "\n", "")


def test_the_tag_is_composes(matrix):
    assert expect.image_tag(matrix.row("cu128")) == "dlenv:cu128"


def test_versions_pass_with_the_rows_builds_and_name_a_wrong_one(matrix):
    cu118, cu121 = matrix.row("cu118"), matrix.row("cu121")
    assert "torch 2.7.1+cu118 (CUDA 11.8)" in expect.check_versions(
        cu118, versions("2.7.1+cu118", "0.22.1+cu118", "11.8")
    )
    # PyPI's default torch carries no local label: torch 2.4.1 on row cu121 is its CUDA 12.1 build
    expect.check_versions(cu121, versions("2.4.1", "0.19.1", "12.1"))
    with pytest.raises(DlenvError, match=r"torch 2\.7\.1 \(the row pins 2\.7\.1\+cu118\), cuda 12\.6"):
        expect.check_versions(cu118, versions("2.7.1", "0.22.1+cu118", "12.6"))


def test_versions_report_a_failed_import_by_its_last_line(matrix):
    traceback = "Traceback (most recent call last):\nModuleNotFoundError: No module named 'torchvision'\n"
    with pytest.raises(DlenvError) as error:
        expect.check_versions(matrix.row("cpu"), Output(1, "", traceback))
    assert error.value.message == (
        "image dlenv:cpu: importing torch and torchvision failed (exit 1): "
        "ModuleNotFoundError: No module named 'torchvision'"
    )


def doctor(tmp_path, *args: str, **env: str) -> Output:
    """The real `dlenv doctor --json`, in a fake container whose / is DLENV_FS_ROOT (no /dev/nvidia*)."""
    root = tmp_path / "root"
    (root / "dev").mkdir(parents=True, exist_ok=True)
    (root / ".dockerenv").write_text("")
    proc = subprocess.run(
        [sys.executable, "-m", "dlenv", "doctor", "--json", *args],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DLENV_FS_ROOT": str(root), **env},
    )
    return Output(proc.returncode, proc.stdout, proc.stderr)


def test_a_cuda_image_without_a_gpu_gives_the_no_gpu_verdict(matrix, tmp_path):
    # NVIDIA's base images set NVIDIA_VISIBLE_DEVICES=all: the doctor says the GPU was not passed in, exits 1
    output = doctor(tmp_path, NVIDIA_VISIBLE_DEVICES="all", DLENV_ENV="cu128")
    assert output.exit_code == 1
    assert "the GPU was not passed in" in expect.check_doctor(matrix.row("cu128"), output, gpu=False)


def test_the_cpu_image_passes_the_doctor(matrix, tmp_path):
    output = doctor(tmp_path, DLENV_ENV="cpu")
    assert output.exit_code == 0
    assert "no NVIDIA GPU" in expect.check_doctor(matrix.row("cpu"), output, gpu=False)


def test_with_the_gpu_passed_in_every_check_must_pass(matrix, tmp_path):
    good = doctor(tmp_path, "--probe", str(PROBES / "colab-a100.json"))
    assert good.exit_code == 0 and "ok on the GPU" in expect.check_doctor(matrix.row("cu128"), good, gpu=True)
    # a P100 under a CUDA 12.8 torch: the doctor fails gpu-arch-in-torch, and so does the image
    bad = doctor(tmp_path, "--probe", str(PROBES / "kaggle-p100.json"), "--env", "cu128")
    with pytest.raises(DlenvError, match="with the GPU passed in: "):
        expect.check_doctor(matrix.row("cu128"), bad, gpu=True)
    # no GPU reached a container that was meant to have one
    cpu = doctor(tmp_path, NVIDIA_VISIBLE_DEVICES="all")
    with pytest.raises(DlenvError, match="driver-present"):
        expect.check_doctor(matrix.row("cu128"), cpu, gpu=True)


def test_a_crashed_doctor_or_a_wrong_exit_code_fails(matrix):
    row = matrix.row("cu128")
    crash = Output(1, "", "Traceback (most recent call last):\nImportError: libcuda.so.1: cannot open shared object\n")
    with pytest.raises(DlenvError, match=r"printed no JSON \(exit 1\): ImportError: libcuda"):
        expect.check_doctor(row, crash, gpu=False)
    report = {
        "ok": False,
        "recommended_env": "cpu",
        "checks": [{"id": "driver-present", "status": "fail", "message": "m"}],
    }
    with pytest.raises(DlenvError, match="said ok=False but exited 0"):
        expect.check_doctor(row, Output(0, json.dumps(report), ""), gpu=False)


def test_without_a_gpu_no_other_check_may_fail(matrix):
    checks = [
        {"id": "driver-present", "status": "skip", "message": "no NVIDIA GPU"},
        {"id": "torchvision-matches-torch", "status": "fail", "message": "torchvision 0.25.0 needs torch 2.10.0"},
    ]
    output = Output(1, json.dumps({"ok": False, "recommended_env": "cpu", "checks": checks}), "")
    with pytest.raises(DlenvError, match=r"fails torchvision-matches-torch: torchvision 0\.25\.0 needs"):
        expect.check_doctor(matrix.row("cu128"), output, gpu=False)


def smoke_bar() -> str:
    """The lesson's bar in tests/lessons/smoke_bars.py (that folder is not a package)."""
    spec = importlib.util.spec_from_file_location("smoke_bars", ROOT / "tests" / "lessons" / "smoke_bars.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("smoke_bars", module)  # its dataclasses look themselves up there
    spec.loader.exec_module(sys.modules["smoke_bars"])
    module = sys.modules["smoke_bars"]
    (bar,) = module.LEARNS[expect.SMOKE_LESSON]
    return bar.expression


def test_the_image_holds_the_smoke_lesson_to_the_test_suites_bar():
    metric, value = expect.SMOKE_BAR
    assert smoke_bar() == f"{metric} > {value}"


@pytest.mark.slow
@posix_only(NO_SHELL_SCRIPTS)
def test_the_smoke_command_runs_the_lesson_and_prints_its_metrics(matrix, tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "dlenv").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m dlenv "$@"\n')
    (bin_dir / "dlenv").chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path), "DLENV_ENV": "cpu", "TMPDIR": str(tmp_path)}
    command = [part.replace("/tmp/", f"{tmp_path}/") for part in expect.SMOKE_COMMAND]
    proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    summary = expect.check_smoke(matrix.row("cpu"), Output(proc.returncode, proc.stdout, proc.stderr))
    assert summary.startswith("classification --smoke: accuracy 0.")
    with pytest.raises(DlenvError, match=r"env cpu \(expected cu128\)"):  # run in the wrong row's image
        expect.check_smoke(matrix.row("cu128"), Output(proc.returncode, proc.stdout, proc.stderr))


def test_a_smoke_run_that_did_not_learn_fails(matrix):
    report = {"lesson": "classification", "device": "cpu", "env": "cpu", "seconds": 4, "metrics": {"accuracy": 0.31}}
    with pytest.raises(DlenvError, match=r"reached accuracy 0\.31, not above 0\.85"):
        expect.check_smoke(matrix.row("cpu"), Output(0, json.dumps(report), ""))
