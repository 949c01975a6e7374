"""Recorded machines (tests/fixtures/probes, see its README) and the verdict the doctor must give each."""

from __future__ import annotations

import json

import pytest
from support import ROOT

from dlenv.doctor.rules import RULES

PROBES = ROOT / "tests" / "fixtures" / "probes"

# probe -> (ok, recommended row, {check id: status}) ; checks not named may be anything
VERDICTS = {
    "kaggle-p100": (
        False,
        "cu126",
        {
            "gpu-arch-in-torch": "fail",
            "driver-supports-torch": "warn",
            "tensorflow-cudnn": "ok",
            "torch-tf-coexist": "ok",
            "matrix-row": "ok",
        },
    ),
    "kaggle-t4x2": (
        True,
        "cu126",
        {"gpu-arch-in-torch": "ok", "bitsandbytes-gpu": "ok", "driver-supports-torch": "warn"},
    ),
    "colab-t4": (
        True,
        "cu124",
        {
            "driver-supports-torch": "warn",
            "driver-supports-tensorflow": "warn",
            "gpu-arch-in-torch": "ok",
            "torchvision-matches-torch": "ok",
            "torch-tf-coexist": "ok",
        },
    ),
    "colab-t4-torch-upgraded": (False, "cu124", {"torchvision-matches-torch": "fail", "gpu-arch-in-torch": "ok"}),
    "cpu-laptop-pypi-torchvision": (False, "cpu", {"torchvision-matches-torch": "fail"}),
    "colab-l4": (True, "cu124", {"bitsandbytes-gpu": "ok", "gpu-arch-in-torch": "ok"}),
    "colab-a100": (True, "cu124", {"bitsandbytes-gpu": "ok", "tensorflow-cudnn": "ok"}),
    "aistudio-v100-old-image": (
        False,
        None,
        {"python-supported": "fail", "matrix-row": "fail", "driver-supports-torch": "skip"},
    ),
    "dsw-a10": (True, "cu121", {"driver-supports-torch": "ok", "bitsandbytes-gpu": "ok", "matrix-row": "ok"}),
    "h100-r535": (True, "cu121", {"driver-supports-torch": "warn", "gpu-arch-in-torch": "ok"}),
    "rtx5090-cu124-torch": (False, "cu128", {"gpu-arch-in-torch": "fail", "driver-supports-torch": "ok"}),
    "cpu-laptop": (
        True,
        "cpu",
        {
            "driver-present": "skip",
            "gpu-arch-in-torch": "skip",
            "bitsandbytes-gpu": "ok",
            "torch-tf-coexist": "ok",
            "matrix-row": "ok",
        },
    ),
    "r470-gtx1080ti": (False, "cu118", {"driver-supports-torch": "fail", "matrix-row": "warn"}),
    "container-without-dev-nvidia": (False, "cpu", {"driver-present": "fail"}),
    "p100-cudnn-9-13": (False, "cu126", {"gpu-arch-in-torch": "fail", "bitsandbytes-gpu": "warn"}),
    "torch-tf-cudnn-clash": (False, "cu126", {"torch-tf-coexist": "fail", "gpu-arch-in-torch": "ok"}),
    # Windows and WSL2: the GPU through /dev/dxg; Docker Desktop's --gpus all has no /dev/nvidia* either
    "wsl2-gtx1650ti": (True, "cu126", {"driver-present": "ok", "gpu-arch-in-torch": "ok", "matrix-row": "ok"}),
    "docker-desktop-gpus-all": (True, "cu128", {"driver-present": "ok", "gpu-arch-in-torch": "ok"}),
    # native Windows, `pip install torch` (a CPU build there): "torch.cuda.is_available() is False"
    "windows-cpu-torch-gtx1650ti": (True, "cu124", {"driver-present": "ok", "driver-supports-torch": "warn"}),
}


def doctor_json(cli, *args: str) -> tuple[int, dict]:
    result = cli("doctor", "--json", *args)
    return result.code, json.loads(result.stdout)


def test_every_fixture_has_a_verdict():
    assert {p.stem for p in PROBES.glob("*.json")} == set(VERDICTS)
    assert len(VERDICTS) >= 12


@pytest.mark.parametrize("name", VERDICTS)
def test_recorded_machine_gets_its_verdict(cli, name):
    ok, recommended, statuses = VERDICTS[name]
    code, report = doctor_json(cli, "--probe", str(PROBES / f"{name}.json"))
    assert report["ok"] is ok and code == (0 if ok else 1)
    assert report["recommended_env"] == recommended
    got = {check["id"]: check["status"] for check in report["checks"]}
    assert {check: got[check] for check in statuses} == statuses


@pytest.mark.parametrize("name", VERDICTS)
def test_report_has_the_designed_shape_and_every_problem_a_fix(cli, name):
    _, report = doctor_json(cli, "--probe", str(PROBES / f"{name}.json"))
    assert set(report) == {"ok", "recommended_env", "checks"}
    # every registered rule, in print order (test_rules.py pins the registry to docs/DESIGN.md's stable ids)
    assert [check["id"] for check in report["checks"]] == list(RULES)
    for check in report["checks"]:
        assert set(check) == {"id", "status", "message", "fix"}
        assert check["message"]
        if check["status"] in ("warn", "fail"):
            assert check["fix"], check


def test_p100_fix_names_the_cu126_row_and_the_error_it_prevents(cli):
    _, report = doctor_json(cli, "--probe", str(PROBES / "kaggle-p100.json"))
    arch = next(c for c in report["checks"] if c["id"] == "gpu-arch-in-torch")
    assert "no kernel image is available" in arch["message"] and "sm_60" in arch["message"]
    assert "use row cu126" in arch["fix"] and "torch==2.7.1" in arch["fix"]


def test_container_without_gpu_devices_names_the_toolkit_and_compose_block(cli):
    _, report = doctor_json(cli, "--probe", str(PROBES / "container-without-dev-nvidia.json"))
    fix = next(c for c in report["checks"] if c["id"] == "driver-present")["fix"]
    assert "NVIDIA Container Toolkit" in fix and "capabilities: [gpu]" in fix


def test_driver_across_a_major_fails_with_the_upgrade(cli):
    _, report = doctor_json(cli, "--probe", str(PROBES / "r470-gtx1080ti.json"))
    check = next(c for c in report["checks"] if c["id"] == "driver-supports-torch")
    assert "The NVIDIA driver on your system is too old" in check["message"]
    assert ">= 550.54.14" in check["fix"]


def test_row_judges_that_row_instead_of_what_is_installed(cli):
    code, report = doctor_json(cli, "--probe", str(PROBES / "kaggle-p100.json"), "--row", "cu128")
    assert code == 1
    checks = {c["id"]: c for c in report["checks"]}
    assert checks["matrix-row"]["status"] == "fail" and "sm_60" in checks["matrix-row"]["message"]
    assert checks["gpu-arch-in-torch"]["status"] == "fail"
    code, report = doctor_json(cli, "--probe", str(PROBES / "kaggle-p100.json"), "--row", "cu126")
    assert code == 0 and report["ok"]


def test_env_is_the_older_spelling_of_row(cli):
    probe = str(PROBES / "kaggle-p100.json")
    assert doctor_json(cli, "--probe", probe, "--env", "cu128") == doctor_json(cli, "--probe", probe, "--row", "cu128")
    assert "--row, --env" in cli("doctor", "--help").stdout


def test_a_row_that_keeps_tensorflow_apart_does_not_flag_the_split(cli):
    _, report = doctor_json(cli, "--probe", str(PROBES / "colab-t4.json"), "--row", "cu124")
    coexist = next(c for c in report["checks"] if c["id"] == "torch-tf-coexist")
    assert coexist["status"] == "ok" and "own environment" in coexist["message"]


def test_unknown_row_is_bad_input(cli):
    result = cli("doctor", "--probe", str(PROBES / "colab-t4.json"), "--row", "cu12")
    assert result.code == 2 and "did you mean 'cu121'" in result.stderr


def test_table_output_says_the_verdict_and_the_row(cli):
    result = cli("doctor", "--probe", str(PROBES / "rtx5090-cu124-torch.json"))
    assert result.code == 1
    assert "gpu-arch-in-torch" in result.stdout and "recommended row: cu128" in result.stdout


def test_a_torch_upgraded_past_its_torchvision_fails_with_both_exact_pins(cli):
    code, report = doctor_json(cli, "--probe", str(PROBES / "colab-t4-torch-upgraded.json"))
    check = next(c for c in report["checks"] if c["id"] == "torchvision-matches-torch")
    assert code == 1 and check["status"] == "fail"
    assert "torchvision 0.23.0+cu126 is built for torch 2.8.0, not 2.9.1" in check["message"]
    assert "torchaudio 2.8.0+cu126 is built for torch 2.8.0, not 2.9.1" in check["message"]
    assert "operator torchvision::nms does not exist" in check["message"]
    assert check["fix"] == "pip install 'torchvision==0.24.1'; pip install 'torchaudio==2.9.1'"


def test_pypis_torchvision_beside_a_cpu_torch_is_sent_to_the_cpu_index(cli):
    _, report = doctor_json(cli, "--probe", str(PROBES / "cpu-laptop-pypi-torchvision.json"))
    check = next(c for c in report["checks"] if c["id"] == "torchvision-matches-torch")
    assert check["status"] == "fail" and "PyPI's CUDA build beside the CPU torch 2.13.0+cpu" in check["message"]
    assert check["fix"] == "pip install 'torchvision==0.28.0' --index-url https://download.pytorch.org/whl/cpu"


def test_windows_cpu_torch_is_told_the_gpu_sits_idle_and_which_build_to_install(cli):
    _, report = doctor_json(cli, "--probe", str(PROBES / "windows-cpu-torch-gtx1650ti.json"))
    checks = {c["id"]: c for c in report["checks"]}
    assert "NVIDIA driver 552.22" in checks["driver-present"]["message"]  # Device Manager's 31.0.15.5222
    assert "CPU build: the GPU sits idle" in checks["driver-supports-torch"]["message"]
    fix = checks["driver-supports-torch"]["fix"]
    assert "torch==2.6.0' --index-url https://download.pytorch.org/whl/cu124" in fix
    assert "on Windows, PyPI's torch is a CPU build" in fix
