"""Probe files: bad input is one line naming the field; a saved probe replays to the same verdict."""

from __future__ import annotations

import json

import pytest
from support import ROOT, imports_pydantic

from dlenv.doctor.probe import nvidia_driver_version, parse_probe

PROBES = ROOT / "tests" / "fixtures" / "probes"
GOOD = json.loads((PROBES / "colab-t4.json").read_text())

BAD_PROBES = {
    "not json": ("{driver_version: 550}", "not JSON"),
    "wrong type": ({**GOOD, "driver_version": 550}, "field 'driver_version'"),
    "nonsense version": ({**GOOD, "driver_version": "latest"}, "field 'driver_version' is not a valid version"),
    "nonsense compute capability": (
        {**GOOD, "gpus": [{"name": "T4", "compute_capability": "seven"}]},
        "field 'gpus.0.compute_capability'",
    ),
    "bool as string": ({**GOOD, "in_container": "yes"}, "field 'in_container'"),
    "unknown field": ({**GOOD, "drivers": "550"}, "unknown field 'drivers'"),
    "bad torch version": ({**GOOD, "packages": {"torch": {"version": "two"}}}, "field 'packages.torch.version'"),
    "unknown platform": ({**GOOD, "platform": "sagemaker"}, "field 'platform'"),
}


@pytest.mark.parametrize("case", BAD_PROBES, ids=list(BAD_PROBES))
def test_bad_probe_is_one_line_naming_the_field(cli, tmp_path, case):
    content, expected = BAD_PROBES[case]
    path = tmp_path / "probe.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    result = cli("doctor", "--probe", str(path))
    assert result.code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_missing_probe_file_is_bad_input(cli, tmp_path):
    result = cli("doctor", "--probe", str(tmp_path / "nope.json"))
    assert result.code == 2 and "nope.json" in result.stderr


def test_keys_may_be_missing(cli, tmp_path):
    path = tmp_path / "empty.json"
    path.write_text("{}")
    result = cli("doctor", "--probe", str(path), "--json")
    assert result.code == 0
    assert json.loads(result.stdout)["recommended_env"] == "cpu"


def test_saved_probe_replays_to_the_same_report(cli, tmp_path):
    saved = tmp_path / "probe.json"
    first = cli("doctor", "--json", "--probe", str(PROBES / "kaggle-p100.json"), "--save-probe", str(saved))
    again = cli("doctor", "--json", "--probe", str(saved))
    assert json.loads(first.stdout) == json.loads(again.stdout)
    assert json.loads(saved.read_text()) == json.loads((PROBES / "kaggle-p100.json").read_text())


def test_this_machine_without_gpu_says_so_plainly(cli, tmp_path):
    result = cli("doctor", "--json", "--save-probe", str(tmp_path / "here.json"))
    report = json.loads(result.stdout)
    probe = json.loads((tmp_path / "here.json").read_text())
    if probe.get("gpus"):
        pytest.skip("this machine has a GPU")
    assert result.code == 0 and report["ok"]
    present = next(c for c in report["checks"] if c["id"] == "driver-present")
    assert present["status"] == "skip" and "no NVIDIA GPU" in present["message"]
    assert report["recommended_env"] == "cpu"


def test_the_doctor_imports_no_pydantic_once_the_matrix_was_validated_here(tmp_path):
    # pydantic (and typer >= 0.29, which builds pydantic adapters) cost ~0.1 s: the doctor's whole budget.
    assert imports_pydantic("doctor", "--json", cache=tmp_path)  # the first read of this matrix text validates it
    assert not imports_pydantic("doctor", "--json", cache=tmp_path)


def test_a_windows_driver_version_reads_as_nvidias():
    # Device Manager's form of 552.22 and of 566.36; NVIDIA's own form passes through
    assert nvidia_driver_version("31.0.15.5222") == "552.22"
    assert nvidia_driver_version("32.0.15.6636") == "566.36"
    assert nvidia_driver_version("550.54.15") == "550.54.15"
    probe = parse_probe({"driver_version": "31.0.15.5222", "gpus": []})
    assert probe.driver_version == "552.22"
