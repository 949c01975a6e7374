"""The records of measured runs: each lesson's runs (one per seed) as their OUT/metrics.json reported them,
with the row, the date, dlenv's version and a summary of the machine they ran on.

    {"format": 1, "kind": "smoke", "lessons": {"tensors": {"runs": [{"seed": 0, "row": "cpu", "device": "cpu",
     "date": ..., "dlenv_version": ..., "machine": {...}, "steps": 200, "seconds": 4.1, "metrics": {...},
     "throughput": {...}, "config": {...}}]}}}

There are two, one per kind of run: docs/measured/smoke.json keeps `--smoke` runs, docs/measured/full.json
full ones (`dlenv run LESSON`); a run goes only into the record of its kind. Recording a run replaces the
lesson's earlier run of the same seed; the other lessons are kept.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from dlenv import __version__
from dlenv.errors import DlenvError
from dlenv.fileio import atomic_write

FORMAT = 1
SMOKE_RECORD = Path("docs") / "measured" / "smoke.json"  # relative to the checkout's root
FULL_RECORD = Path("docs") / "measured" / "full.json"
RECORDS = {"smoke": SMOKE_RECORD, "full": FULL_RECORD}  # each kind of run's record
# What a run's metrics.json must hold to be recorded (DESIGN.md, "Lessons"; the runner also writes seed, config).
RUN_KEYS = ("lesson", "env", "device", "steps", "seconds", "metrics", "throughput", "smoke")
# The Linux kernel's CPU description (proc(5), /proc/cpuinfo); elsewhere platform.processor()'s.
CPUINFO = Path("/proc/cpuinfo")


def read_run(run_dir: Path) -> dict[str, Any]:
    """RUN_DIR/metrics.json, checked to be a run's report."""
    path = run_dir / "metrics.json"
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DlenvError(f"no metrics.json in '{run_dir}'", hint="pass the --out folder of a `dlenv run`") from None
    except json.JSONDecodeError as error:
        raise DlenvError(f"'{path}' is not JSON: {error}") from None
    missing = [key for key in RUN_KEYS if not isinstance(report, dict) or key not in report]
    if missing == ["smoke"]:  # written before runs said which kind they were
        raise DlenvError(f"'{path}' does not say whether it was a --smoke run", hint="run the lesson again")
    if missing:
        raise DlenvError(f"'{path}' is not a run's metrics.json: it lacks {', '.join(missing)}")
    return report


def kind_of(report: Mapping[str, Any]) -> str:
    """`smoke` or `full`: the record a run's report belongs in."""
    return "smoke" if report["smoke"] else "full"


def kind_of_runs(reports: list[Mapping[str, Any]]) -> str:
    """The one kind of run `reports` are; a mix is bad input (each kind has its own record)."""
    kinds = {kind_of(report) for report in reports}
    if len(kinds) > 1:
        smoke = ", ".join(sorted({report["lesson"] for report in reports if report["smoke"]}))
        raise DlenvError(f"these are --smoke runs ({smoke}) and full runs together", hint="record each kind apart")
    return kinds.pop() if kinds else "smoke"


def machine_summary(load_before: float | None = None) -> dict[str, Any]:
    """What the numbers depend on: the CPU, the cores this process may use, and the 1-minute load average
    before the runs (`load`; else now), other work that shared the cores."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": _cpu_model(),
        "cores": cores,
        "system": f"{platform.system()} {platform.machine()}",
        "python": platform.python_version(),
        # Other work on the same cores slows every run: times taken under load overstate (dlenv.measured.spans).
        "load_average_1m": _rounded(load_before if load_before is not None else load_now()),
    }


def load_now() -> float | None:
    """The 1-minute load average (POSIX getloadavg; Windows has none)."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None


def _rounded(load: float | None) -> float | None:
    return None if load is None else round(load, 2)


def _cpu_model() -> str:
    if CPUINFO.is_file():
        for line in CPUINFO.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def entry(report: Mapping[str, Any], machine: Mapping[str, Any], date: str) -> dict[str, Any]:
    """One run as the record keeps it."""
    return {
        "seed": report.get("seed", 0),  # `dlenv run`'s default seed
        "row": report["env"],
        "device": report["device"],
        "date": date,
        "dlenv_version": __version__,
        "machine": dict(machine),
        "steps": report["steps"],
        "seconds": report["seconds"],
        "metrics": report["metrics"],
        "throughput": report["throughput"],
        "config": report.get("config", {}),
    }


def load(path: Path, kind: str = "smoke") -> dict[str, Any]:
    """The record at `path`, or an empty one of `kind` when there is none yet."""
    if not path.is_file():
        return {"format": FORMAT, "kind": kind, "lessons": {}}
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise DlenvError(f"'{path}' is not JSON: {error}") from None
    if (
        not isinstance(record, dict)
        or record.get("format") != FORMAT
        or record.get("kind") not in RECORDS
        or not isinstance(record.get("lessons"), dict)
    ):
        raise DlenvError(f"'{path}' is not a record of measured runs (format {FORMAT})")
    return record


def with_runs(record: Mapping[str, Any], reports: Iterable[Mapping[str, Any]], machine: Mapping[str, Any],
              date: str | None = None) -> dict[str, Any]:  # fmt: skip
    """`record` with `reports` added, each replacing its lesson's run of the same seed."""
    date = date or datetime.date.today().isoformat()
    lessons = {name: {"runs": list(kept["runs"])} for name, kept in record["lessons"].items()}
    for report in reports:
        if kind_of(report) != record["kind"]:
            seed = report.get("seed", 0)
            raise DlenvError(f"{report['lesson']} seed {seed} is a {kind_of(report)} run; this record keeps "
                             f"{record['kind']} runs", hint=f"record it in {RECORDS[kind_of(report)]}")  # fmt: skip
        run = entry(report, machine, date)
        runs = lessons.setdefault(report["lesson"], {"runs": []})["runs"]
        runs[:] = sorted([r for r in runs if r["seed"] != run["seed"]] + [run], key=lambda r: r["seed"])
    return {"format": FORMAT, "kind": record["kind"], "lessons": dict(sorted(lessons.items()))}


def save(path: Path, record: Mapping[str, Any]) -> None:
    atomic_write(path, json.dumps(record, indent=1, ensure_ascii=False, sort_keys=False) + "\n")


def record_runs(path: Path, run_dirs: Iterable[Path], load_before: float | None = None) -> list[str]:
    """Add the runs in `run_dirs` to the record at `path` (created if missing); returns their lessons."""
    return record_reports(path, [read_run(folder) for folder in run_dirs], load_before)


def record_reports(path: Path, reports: list[Mapping[str, Any]], load_before: float | None = None) -> list[str]:
    """Add runs' metrics.json reports to the record at `path` (a new one is of the runs' kind), with this
    machine's summary and the 1-minute load average before the runs began (default: now, which counts the runs
    themselves); returns their lessons."""
    save(path, with_runs(load(path, kind_of_runs(reports)), reports, machine_summary(load_before)))
    return [report["lesson"] for report in reports]
