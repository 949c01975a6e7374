"""Read pytest-benchmark's saved runs under `DIR/<row>/<device>/` into typed measurements.

pytest-benchmark (--benchmark-storage=file://DIR/<row>/<device> --benchmark-autosave) writes one
JSON file per run into a folder per machine: `DIR/<row>/<device>/<machine_id>/0001_<commit>_<date>.json`,
each with a `benchmarks` list whose items carry `name`, `fullname`, `stats` (seconds) and `extra_info`
(docs: pytest-benchmark.readthedocs.io, "Usage" → "Storage"; the shape is pinned by a real file in
tests/test_bench_report.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dlenv.errors import DlenvError

# Where the sessions put results, and the command that makes the first ones (said when there are none).
DEFAULT_DIR = Path("benchmarks")
FIRST_RUN = "nox -s \"bench(row='cpu')\" (or nox -s gpu_tests on a GPU machine)"

Figure = float | int | str | bool


@dataclass(frozen=True)
class Measurement:
    """One benchmark in one saved run: the median of its rounds, and the figures it reported beside."""

    row: str
    device: str
    name: str  # test_doctor_takes_at_most_a_tenth_of_collect_env, or with its parameters: test_x[cpu]
    fullname: str  # tests/bench/test_doctor_speed.py::test_...; the key across runs
    median_s: float
    rounds: int
    when: str  # ISO 8601, UTC, as pytest-benchmark writes it
    commit: str | None
    machine: str
    file: Path
    extra: dict[str, Figure] = field(default_factory=dict)  # benchmark.extra_info: ratio, tokens_per_s, mfu, ...


@dataclass(frozen=True)
class Entry:
    """The newest measurement of a benchmark on a row and device, with the run before it."""

    latest: Measurement
    previous: Measurement | None

    @property
    def change(self) -> float | None:
        """Relative change of the median against the previous run: +0.05 is 5 % slower."""
        if self.previous is None or self.previous.median_s <= 0:
            return None
        return self.latest.median_s / self.previous.median_s - 1

    def as_json(self) -> dict[str, Any]:
        latest = self.latest
        return {
            "benchmark": latest.name,
            "fullname": latest.fullname,
            "row": latest.row,
            "device": latest.device,
            "median_s": latest.median_s,
            "rounds": latest.rounds,
            "previous_median_s": self.previous.median_s if self.previous else None,
            "change": self.change,
            "extra_info": latest.extra,
            "datetime": latest.when,
            "commit": latest.commit,
            "machine": latest.machine,
            "file": str(latest.file),
        }


def load(root: Path) -> list[Measurement]:
    """Every measurement in every run saved under `root`; bad files are bad input, named in one line."""
    if not root.is_dir():
        raise DlenvError(f"benchmark folder '{root}' does not exist", hint=f"run {FIRST_RUN}, or pass --dir DIR")
    found: list[Measurement] = []
    for path in sorted(root.rglob("*.json")):
        found += _read_run(root, path)
    if not found:
        raise DlenvError(f"no benchmark results under '{root}'", hint=f"run {FIRST_RUN}")
    return found


def latest(measurements: list[Measurement]) -> list[Entry]:
    """Per (benchmark, row, device): the newest run and the one before it, sorted for reading."""
    runs: dict[tuple[str, str, str], list[Measurement]] = {}
    for m in measurements:
        runs.setdefault((m.fullname, m.row, m.device), []).append(m)
    entries = []
    for history in runs.values():
        history.sort(key=lambda m: (m.when, m.file.name))
        entries.append(Entry(history[-1], history[-2] if len(history) > 1 else None))
    return sorted(entries, key=lambda e: (e.latest.fullname, e.latest.row, e.latest.device))


def _read_run(root: Path, path: Path) -> list[Measurement]:
    rel = path.relative_to(root)
    if len(rel.parts) < 3:
        raise DlenvError(
            f"'{path}' is not in a <row>/<device>/ folder of '{root}'",
            hint=f"results go to {root}/<row>/<device>/, as {FIRST_RUN} saves them",
        )
    row, device = rel.parts[0], rel.parts[1]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise DlenvError(f"'{path}' is not JSON: {error.msg} at line {error.lineno}") from None
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        raise DlenvError(f"'{path}' is not a pytest-benchmark result: it has no 'benchmarks' list")
    when = str(data.get("datetime") or "")
    commit = (data.get("commit_info") or {}).get("id")
    machine = _machine(data.get("machine_info") or {})
    out = []
    for item in data["benchmarks"]:
        name = item.get("name") if isinstance(item, dict) else None
        median = (item.get("stats") or {}).get("median") if isinstance(item, dict) else None
        if not isinstance(name, str) or not isinstance(median, int | float) or isinstance(median, bool):
            raise DlenvError(f"'{path}': benchmark {name or '#' + str(len(out) + 1)} has no name or no stats.median")
        out.append(
            Measurement(
                row=row,
                device=device,
                name=name,
                fullname=str(item.get("fullname") or name),
                median_s=float(median),
                rounds=int(item["stats"].get("rounds") or 0),
                when=when,
                commit=commit,
                machine=machine,
                file=path,
                extra=_figures(item.get("extra_info") or {}),
            )
        )
    return out


def _figures(extra: dict[str, Any]) -> dict[str, Figure]:
    """The scalar figures of extra_info (numbers, flags, short labels); nested values stay in the JSON file."""
    return {k: v for k, v in extra.items() if isinstance(v, float | int | str | bool)}


def _machine(info: dict[str, Any]) -> str:
    """'NVIDIA H100 80GB HBM3' on a GPU run (tests/bench/conftest.py records it), else
    'Intel(R) Xeon(R) Processor, 2 cores': what a reader needs to judge the number."""
    gpu = info.get("gpu") or {}
    if gpu.get("name"):
        return str(gpu["name"])
    cpu = info.get("cpu") or {}
    brand = cpu.get("brand_raw") or info.get("processor") or info.get("machine") or "unknown"
    return f"{brand}, {cpu['count']} cores" if cpu.get("count") else str(brand)
