"""`dlenv measured record RUN_DIR...`: what real runs wrote in their metrics.json, kept per lesson and seed."""

from __future__ import annotations

import json
import shutil

import pytest
from support import dlenv_run, metrics

pytest.importorskip("torch")


@pytest.fixture(scope="module")
def tensors_run(tmp_path_factory):
    """A real `dlenv run tensors --smoke --seed 3` (a few seconds on a CPU)."""
    out = tmp_path_factory.mktemp("tensors-run")
    dlenv_run("tensors", "--smoke", "--seed", "3", out=out)
    return out


def test_a_recorded_run_keeps_what_its_metrics_json_says(cli, tensors_run, tmp_path):
    record_file = tmp_path / "docs" / "measured" / "smoke.json"
    result = cli("measured", "record", str(tensors_run), "--record", str(record_file))
    assert result.code == 0, result.stderr
    assert "recorded tensors in" in result.stdout
    (run,) = json.loads(record_file.read_text(encoding="utf-8"))["lessons"]["tensors"]["runs"]
    reported = metrics(tensors_run)
    assert run["metrics"] == reported["metrics"] and run["seconds"] == reported["seconds"]
    assert (run["seed"], run["row"], run["device"]) == (3, reported["env"], "cpu")
    assert run["config"]["samples"] == reported["config"]["samples"]
    assert run["machine"]["cores"] >= 1 and run["machine"]["cpu"] and run["dlenv_version"]


def test_a_run_of_the_same_seed_replaces_the_earlier_one_and_other_seeds_stay(cli, tensors_run, tmp_path):
    other_seed = tmp_path / "seed-0"
    shutil.copytree(tensors_run, other_seed)
    report = metrics(other_seed)
    (other_seed / "metrics.json").write_text(json.dumps({**report, "seed": 0}), encoding="utf-8")
    record_file = tmp_path / "smoke.json"
    for _ in range(2):
        assert cli("measured", "record", str(tensors_run), str(other_seed), "--record", str(record_file)).code == 0
    runs = json.loads(record_file.read_text(encoding="utf-8"))["lessons"]["tensors"]["runs"]
    assert [run["seed"] for run in runs] == [0, 3]


def test_a_folder_without_metrics_json_is_bad_input_named_in_one_line(cli, tmp_path):
    result = cli("measured", "record", str(tmp_path / "nothing"), "--record", str(tmp_path / "smoke.json"))
    assert result.code == 2
    assert result.stderr.splitlines()[0] == f"error: no metrics.json in '{tmp_path / 'nothing'}'"
    assert not (tmp_path / "smoke.json").exists()


def test_a_metrics_json_that_is_no_runs_report_is_bad_input(cli, tmp_path):
    (tmp_path / "metrics.json").write_text('{"lesson": "tensors"}', encoding="utf-8")
    result = cli("measured", "record", str(tmp_path), "--record", str(tmp_path / "smoke.json"))
    assert result.code == 2 and "it lacks env, device, steps, seconds, metrics, throughput, smoke" in result.stderr


def as_full_run(run_dir, into):
    """`run_dir`'s run as if it had run without --smoke (a real full run takes minutes)."""
    shutil.copytree(run_dir, into)
    (into / "metrics.json").write_text(json.dumps({**metrics(run_dir), "smoke": False}), encoding="utf-8")
    return into


def test_a_run_goes_only_into_the_record_of_its_kind(cli, tensors_run, tmp_path):
    assert metrics(tensors_run)["smoke"] is True
    full_run = as_full_run(tensors_run, tmp_path / "full-run")
    full_record, smoke_record = tmp_path / "full.json", tmp_path / "smoke.json"
    assert cli("measured", "record", str(full_run), "--record", str(full_record)).code == 0
    assert json.loads(full_record.read_text(encoding="utf-8"))["kind"] == "full"
    wrong = cli("measured", "record", str(tensors_run), "--record", str(full_record))
    assert wrong.code == 2
    assert wrong.stderr.splitlines()[0] == "error: tensors seed 3 is a smoke run; this record keeps full runs"
    assert "docs/measured/smoke.json" in wrong.stderr
    mixed = cli("measured", "record", str(tensors_run), str(full_run), "--record", str(smoke_record))
    assert mixed.code == 2 and "--smoke runs (tensors) and full runs together" in mixed.stderr
    assert not smoke_record.exists()


def test_a_run_that_does_not_say_its_kind_is_bad_input(cli, tensors_run, tmp_path):
    old = tmp_path / "old-run"
    old.mkdir()
    report = {key: value for key, value in metrics(tensors_run).items() if key != "smoke"}
    (old / "metrics.json").write_text(json.dumps(report), encoding="utf-8")
    result = cli("measured", "record", str(old), "--record", str(tmp_path / "smoke.json"))
    assert result.code == 2 and "does not say whether it was a --smoke run" in result.stderr


def test_a_record_file_of_another_kind_is_bad_input_and_left_alone(cli, tensors_run, tmp_path):
    record_file = tmp_path / "smoke.json"
    record_file.write_text('{"rows": []}', encoding="utf-8")
    result = cli("measured", "record", str(tensors_run), "--record", str(record_file))
    assert result.code == 2 and f"'{record_file}' is not a record of measured runs" in result.stderr
    assert record_file.read_text(encoding="utf-8") == '{"rows": []}'


def test_the_load_before_the_runs_is_what_the_record_keeps(cli, tensors_run, tmp_path):
    record_file = tmp_path / "smoke.json"
    assert cli("measured", "record", str(tensors_run), "--record", str(record_file), "--load", "0.42").code == 0
    (run,) = json.loads(record_file.read_text(encoding="utf-8"))["lessons"]["tensors"]["runs"]
    assert run["machine"]["load_average_1m"] == 0.42
