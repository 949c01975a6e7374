"""`dlenv bench report`: saved pytest-benchmark runs under DIR/<row>/<device>/ as a Markdown table and PNG charts."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
STEP = "tests/bench/test_transformer_step.py::test_hand_built_train_step_is_within_ten_percent_of_torch"
DOCTOR = "tests/bench/test_doctor_speed.py::test_doctor_takes_at_most_a_tenth_of_collect_env"


def bench_item(fullname: str, median: float, extra: dict | None = None, rounds: int = 20) -> dict:
    """One entry of a run's `benchmarks` list, with every key pytest-benchmark 5 writes."""
    return {
        "group": None,
        "name": fullname.split("::")[-1],
        "fullname": fullname,
        "params": None,
        "param": None,
        "extra_info": extra or {},
        "options": {
            "disable_gc": False,
            "timer": "perf_counter",
            "min_rounds": 5,
            "max_time": 1.0,
            "min_time": 5e-06,
            "warmup": False,
        },
        "stats": {
            "min": median * 0.9,
            "max": median * 1.2,
            "mean": median * 1.02,
            "stddev": median * 0.05,
            "rounds": rounds,
            "median": median,
            "iqr": median * 0.04,
            "q1": median * 0.98,
            "q3": median * 1.02,
            "iqr_outliers": 0,
            "stddev_outliers": 1,
            "outliers": "1;0",
            "ld15iqr": median * 0.9,
            "hd15iqr": median * 1.2,
            "ops": 1 / median,
            "total": median * rounds,
            "iterations": 1,
        },
    }


def save_run(root: Path, row: str, device: str, number: int, when: str, *items: dict, gpu: str | None = None) -> Path:
    """A file where --benchmark-storage=file://ROOT/<row>/<device> --benchmark-autosave puts it."""
    machine_info = {
        "node": "vm",
        "machine": "x86_64",
        "python_version": "3.11.7",
        "system": "Linux",
        "cpu": {"brand_raw": "Intel(R) Xeon(R) Processor", "count": 2, "arch": "X86_64"},
    }
    if gpu:
        machine_info["gpu"] = {"name": gpu, "compute_capability": "9.0"}
    commit = "9e4047a1c0ffee0000000000000000000000beef"
    run = {
        "machine_info": machine_info,
        "commit_info": {
            "id": commit,
            "time": when,
            "author_time": when,
            "dirty": False,
            "project": "main",
            "branch": "main",
        },
        "benchmarks": list(items),
        "datetime": when,
        "version": "5.2.3",
    }
    path = root / row / device / "Linux-CPython-3.11-64bit" / f"{number:04d}_{commit}_{when[:10].replace('-', '')}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(run, indent=4))
    return path


@pytest.fixture
def results(tmp_path) -> Path:
    """Two CPU runs of the Transformer step (the newer 10 % slower) and the doctor; one H100 run of the step."""
    root = tmp_path / "benchmarks"
    save_run(root, "cpu", "cpu", 1, "2026-11-28T09:00:00+00:00",
             bench_item(STEP, 0.050, {"ratio": 1.08, "tokens_per_s": 41000.0}),
             bench_item(DOCTOR, 0.40, {"collect_env_median_s": 5.2, "ratio_to_collect_env": 0.077}))  # fmt: skip
    save_run(root, "cpu", "cpu", 2, "2026-11-29T09:00:00+00:00",
             bench_item(STEP, 0.055, {"ratio": 1.11, "tokens_per_s": 37272.7}))  # fmt: skip
    save_run(root, "cu128", "cuda", 1, "2026-11-29T10:00:00+00:00",
             bench_item(STEP, 0.0031, {"ratio": 1.04, "tokens_per_s": 661290.0, "mfu": 0.123,
                                       "peak_memory_bytes": 1_234_567_890}),
             gpu="NVIDIA H100 80GB HBM3")  # fmt: skip
    return root


def test_report_tables_the_newest_median_per_row_and_device_and_draws_a_chart_per_benchmark(cli, results, tmp_path):
    out = tmp_path / "report"
    result = cli("bench", "report", "--dir", str(results), "--out", str(out))
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "| benchmark | cpu · cpu | cu128 · cuda |" in lines
    assert "| hand_built_train_step_is_within_ten_percent_of_torch | 55 ms | 3.1 ms |" in lines
    assert "| doctor_takes_at_most_a_tenth_of_collect_env | 400 ms | — |" in lines
    step_cpu = next(line for line in lines if line.startswith("| hand_built_train_step") and "| cpu | cpu |" in line)
    assert "| 55 ms | +10.0% | ratio 1.11 · tokens_per_s 37,273 |" in step_cpu
    assert "Intel(R) Xeon(R) Processor, 2 cores | 2026-11-29 09:00 9e4047a1 |" in step_cpu
    step_gpu = next(line for line in lines if "| cu128 | cuda |" in line)
    assert "mfu 0.123 · peak_memory_bytes 1,234,567,890 | NVIDIA H100 80GB HBM3 |" in step_gpu
    assert "| — | collect_env_median_s 5.2 s · ratio_to_collect_env 0.077 |" in result.stdout  # one run: no change
    assert (out / "report.md").read_text() == result.stdout
    charts = sorted((out / "charts").iterdir())
    assert [c.name for c in charts] == [
        "test_doctor_speed-test_doctor_takes_at_most_a_tenth_of_collect_env.png",
        "test_transformer_step-test_hand_built_train_step_is_within_ten_percent_of_torch.png",
    ]
    for chart in charts:
        assert chart.read_bytes().startswith(PNG_MAGIC) and chart.stat().st_size > 5_000
        assert f"](charts/{chart.name})" in result.stdout
    assert f"wrote {out / 'report.md'} and 2 charts" in result.stderr


def test_report_json_gives_each_newest_result_with_its_previous_median(cli, results, tmp_path):
    result = cli("bench", "report", "--dir", str(results), "--out", str(tmp_path / "r"), "--json")
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    by_key = {(r["benchmark"], r["row"], r["device"]): r for r in data["results"]}
    assert len(by_key) == 3
    step = by_key[(STEP.split("::")[1], "cpu", "cpu")]
    assert step["median_s"] == 0.055 and step["previous_median_s"] == 0.050 and step["change"] == pytest.approx(0.1)
    assert step["extra_info"] == {"ratio": 1.11, "tokens_per_s": 37272.7} and step["rounds"] == 20
    gpu = by_key[(STEP.split("::")[1], "cu128", "cuda")]
    assert gpu["previous_median_s"] is None and gpu["change"] is None and gpu["extra_info"]["mfu"] == 0.123
    assert gpu["machine"] == "NVIDIA H100 80GB HBM3"
    assert all(Path(p).is_file() for p in [data["report"], *data["charts"]])


def test_report_goes_to_dir_report_by_default(cli, results):
    assert cli("bench", "report", "--dir", str(results)).code == 0
    assert (results / "report" / "report.md").is_file()
    assert len(list((results / "report" / "charts").glob("*.png"))) == 2
    assert cli("bench", "report", "--dir", str(results)).code == 0  # the report's own folder is not read as results


def test_a_missing_results_folder_is_bad_input_naming_it(cli, tmp_path):
    result = cli("bench", "report", "--dir", str(tmp_path / "nowhere"))
    assert result.code == 2
    assert result.stderr.splitlines() == [
        f"error: benchmark folder '{tmp_path / 'nowhere'}' does not exist",
        "hint: run nox -s \"bench(row='cpu')\" (or nox -s gpu_tests on a GPU machine), or pass --dir DIR",
    ]


def test_a_folder_without_results_says_how_to_make_some(cli, tmp_path):
    result = cli("bench", "report", "--dir", str(tmp_path))
    assert result.code == 2 and result.stderr.startswith(f"error: no benchmark results under '{tmp_path}'\n")


@pytest.mark.parametrize(
    ("rel", "text", "says"),
    [
        ("cpu/cpu/m/0001_x.json", '{"benchmarks": [', "is not JSON: Expecting value at line 1"),
        ("cpu/cpu/m/0001_x.json", '{"runs": []}', "is not a pytest-benchmark result: it has no 'benchmarks' list"),
        ("cpu/cpu/m/0001_x.json", '{"benchmarks": [{"name": "test_a", "stats": {}}]}', "test_a has no name or no"),
        ("stray.json", '{"benchmarks": []}', "is not in a <row>/<device>/ folder of"),
    ],
)
def test_a_bad_results_file_is_bad_input_naming_the_file(cli, tmp_path, rel, text, says):
    bad = tmp_path / rel
    bad.parent.mkdir(parents=True, exist_ok=True)
    bad.write_text(text)
    result = cli("bench", "report", "--dir", str(tmp_path))
    assert result.code == 2
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"error: '{bad}'") and says in first


def test_the_cli_loads_matplotlib_only_when_it_draws():
    code = "import sys, dlenv.cli, dlenv.bench.results, dlenv.bench.report; print('matplotlib' in sys.modules)"
    assert subprocess.check_output([sys.executable, "-c", code], text=True).strip() == "False"


def test_report_reads_what_pytest_benchmark_really_saves(cli, tmp_path):
    """The reader against the producer: a real pytest-benchmark run saved the way the bench session saves it."""
    pytest.importorskip("pytest_benchmark")
    (tmp_path / "test_tiny.py").write_text(
        textwrap.dedent(
            """
            def test_sum(benchmark):
                benchmark.extra_info["samples_per_s"] = 1000.0
                benchmark.pedantic(sum, args=(range(1000),), rounds=5, iterations=1)
            """
        )
    )
    storage = tmp_path / "benchmarks" / "cpu" / "cpu"
    for _ in range(2):
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_tiny.py",
             f"--benchmark-storage=file://{storage}", "--benchmark-autosave"],
            cwd=tmp_path, capture_output=True, text=True,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stdout[-2000:]
    result = cli("bench", "report", "--dir", str(tmp_path / "benchmarks"), "--json")
    assert result.code == 0, result.stderr
    (entry,) = json.loads(result.stdout)["results"]
    assert entry["fullname"] == "test_tiny.py::test_sum" and (entry["row"], entry["device"]) == ("cpu", "cpu")
    assert entry["rounds"] == 5 and entry["median_s"] > 0 and entry["previous_median_s"] > 0
    assert entry["extra_info"] == {"samples_per_s": 1000.0}
