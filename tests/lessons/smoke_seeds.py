"""Every lesson's --smoke run on several seeds, against its bars (smoke_bars.py): `nox -s smoke_seeds`.

    python tests/lessons/smoke_seeds.py [LESSON ...] [--seeds 0-4] [--jobs 2] [--report FILE] [--record FILE]
                                        [--set KEY=VALUE ...] [--full]

A bar must hold on every seed, not only the one a lesson was tuned on. This prints one Markdown table
per lesson (each bar's value per seed; `✗` where it misses) and each run's wall time, writes the same to
--report, and exits 1 when any seed misses a bar or a run fails. Runs are independent processes with
one thread each, `--jobs` at a time. `--set` tries other smoke values (tuning a lesson's SMOKE). `--record`
adds the runs that cleared every bar to a record of measured runs (docs/measured/smoke.json: the READMEs'
ranges over seeds); never with `--set`, whose runs are not the lesson's smoke.

`--full` runs the lessons as a learner does, without --smoke (`nox -s full_runs`): one at a time with every
core, on the seeds the READMEs quote (FULL_RUN_SEEDS), against the same bars (a full run learns at least as
well as its smoke run), and `--record` then takes docs/measured/full.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smoke_bars import LEARNS, Bar, failed, short

from dlenv.measured.record import load_now, record_reports

TIMEOUT_S = 600  # a run this slow has failed its smoke budget many times over
# The seeds whose full runs the READMEs quote (tables per seed, ranges); every other lesson's: seed 0.
FULL_RUN_SEEDS = {"transformer": [0, 1, 2], "cnn": [0, 1], "transfer": [0, 1]}


@dataclass(frozen=True)
class Outcome:
    lesson: str
    seed: int
    seconds: float
    metrics: dict[str, Any] | None  # None: the run failed
    error: str = ""
    report: dict[str, Any] | None = None  # the run's whole metrics.json

    @property
    def missed(self) -> list[str]:
        return failed(self.lesson, self.metrics) if self.metrics is not None else [self.error]


def run_one(lesson: str, seed: int, device: str, sets: list[str], full: bool = False, shared: bool = True) -> Outcome:
    """One run in its own process; `shared`: other runs share the cores, so it takes one thread."""
    with tempfile.TemporaryDirectory(prefix=f"smoke-{lesson}-{seed}-") as out:
        env = {**os.environ, "OMP_NUM_THREADS": "1"} if shared else dict(os.environ)
        smoke = [] if full else ["--smoke"]
        command = [sys.executable, "-m", "dlenv", "run", lesson, *smoke, "--seed", str(seed),
                   "--device", device, "--out", out, *(arg for item in sets for arg in ("--set", item))]  # fmt: skip
        began = time.perf_counter()
        try:
            proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return Outcome(lesson, seed, TIMEOUT_S, None, f"no result after {TIMEOUT_S} s")
        seconds = time.perf_counter() - began
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["(nothing on stderr)"])[-1]
            return Outcome(lesson, seed, seconds, None, f"exit {proc.returncode}: {last}")
        report = json.loads((Path(out) / "metrics.json").read_text(encoding="utf-8"))
        return Outcome(lesson, seed, seconds, report["metrics"], report=report)


def cell(bar: Bar, outcome: Outcome) -> str:
    if outcome.metrics is None:
        return "error"
    try:
        left, right = bar.sides(outcome.metrics)
        shown = short(left) if bar.against_literal else f"{short(left)} / {short(right)}"
        return shown if bar.holds(outcome.metrics) else f"✗ {shown}"
    except (NameError, TypeError):
        return "✗ missing"


def table(lesson: str, outcomes: list[Outcome]) -> str:
    seeds = [o.seed for o in outcomes]
    lines = [
        f"#### {lesson}",
        "",
        "| bar | " + " | ".join(f"seed {s}" for s in seeds) + " |",
        "|---|" + "---|" * len(seeds),
    ]
    lines += [f"| `{bar.expression}` | " + " | ".join(cell(bar, o) for o in outcomes) + " |" for bar in LEARNS[lesson]]
    lines.append("| wall s | " + " | ".join(f"{o.seconds:.1f}" for o in outcomes) + " |")
    errors = [f"- seed {o.seed}: {o.error}" for o in outcomes if o.metrics is None]
    return "\n".join([*lines, *(["", *errors] if errors else []), ""])


def seed_range(text: str) -> list[int]:
    """`0-4` or `0,2,7`."""
    if "-" in text:
        low, high = text.split("-")
        return list(range(int(low), int(high) + 1))
    return [int(s) for s in text.split(",")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lessons", nargs="*", help=f"default: all of {', '.join(LEARNS)}")
    parser.add_argument("--seeds", type=seed_range, help="default: 0-4; with --full, FULL_RUN_SEEDS")
    parser.add_argument("--jobs", type=int, help="runs at once; default: 2, with --full 1")
    parser.add_argument("--full", action="store_true", help="full runs (no --smoke), for docs/measured/full.json")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--report", type=Path, help="also write the tables to this Markdown file")
    parser.add_argument("--set", dest="sets", action="append", default=[], help="KEY=VALUE for every run")
    parser.add_argument("--record", type=Path, help="add the runs that cleared every bar to this record")
    args = parser.parse_args(argv)
    if args.record and args.sets:
        parser.error("--record keeps the lessons' own smoke runs: drop --set")
    unknown = [name for name in args.lessons if name not in LEARNS]
    if unknown:
        parser.error(f"no smoke bars for {', '.join(unknown)}; lessons: {', '.join(LEARNS)}")
    lessons = args.lessons or list(LEARNS)
    jobs = args.jobs or (1 if args.full else 2)
    seeds = {
        name: args.seeds or (FULL_RUN_SEEDS.get(name, [0]) if args.full else seed_range("0-4")) for name in lessons
    }
    load_before = load_now()  # other work on the cores before these runs (theirs adds up to --jobs)
    with ThreadPoolExecutor(jobs) as pool:
        futures = {
            (name, s): pool.submit(run_one, name, s, args.device, args.sets, args.full, jobs > 1)
            for name in lessons
            for s in seeds[name]
        }
        sections = []
        for lesson in lessons:
            outcomes = [futures[lesson, seed].result() for seed in seeds[lesson]]
            sections.append(table(lesson, outcomes))
            print(sections[-1], flush=True)
    missed = [key for key, future in futures.items() if future.result().missed]
    summary = f"{len(futures) - len(missed)} of {len(futures)} runs cleared every bar"
    if missed:
        summary += "; missed: " + ", ".join(f"{name} seed {s}" for name, s in missed)
    print(summary)
    if args.report:
        args.report.write_text("\n".join([*sections, summary, ""]), encoding="utf-8")
    if args.record:
        cleared = [future.result() for future in futures.values() if not future.result().missed]
        record_reports(args.record, [outcome.report for outcome in cleared if outcome.report], load_before)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
