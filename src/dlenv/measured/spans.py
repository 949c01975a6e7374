"""Numbers in the docs filled from the record of measured runs (dlenv.measured.record).

A number a README quotes from a run is written as a span, the value between two comments:

    <!-- m:tensors.slope_error .2f -->0.01<!-- /m -->          seed 0's metrics["slope_error"], as .2f
    <!-- m:rlhf.reward_accuracy .2f range -->0.65–0.89<!-- /m -->   lowest–highest over the recorded seeds
    <!-- m:rlhf.seeds -->seeds 0–4<!-- /m -->                    the recorded seeds (`seeds zh`: 种子 0–4)
    <!-- m:tf_regularization.config.train_size d -->150<!-- /m -->  a key of the run, where metrics has none
    <!-- m:qlora.weight_bytes_4bit/weight_bytes_full .2f -->0.14<!-- /m -->  the ratio of two keys
    <!-- m:transformer.seconds .0f unit:s -->21 s<!-- /m -->    a unit after the number (`unit:秒` in Chinese)
    <!-- m:cnn.augmentation_gain +.3f full -->+0.108<!-- /m -->  a full run's (docs/measured/full.json)
    <!-- m:cnn.accuracy .3f full seed:1 -->0.993<!-- /m -->       seed 1's run, not seed 0's

The format is Python's format spec (`.2f`, `.0%`, `+.2f`, `.0e`; default `.3g`). A time (`seconds`) taken
while other work shared the cores is marked † (BUSY_LOAD_PER_CORE), and `note` says so under the table.
`dlenv render` rewrites what the spans show; `dlenv render --check` names each that differs (`drift`).
The spans are filled from `records`, each kind of run's record: {"smoke": ..., "full": ...}.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dlenv.errors import DlenvError
from dlenv.measured.record import RECORDS

SPAN = re.compile(r"<!-- m:(?P<spec>[^>\n]*?) -->(?P<shown>[^\n]*?)<!-- /m -->")
DEFAULT_FORMAT = ".3g"
SEED = 0  # `dlenv run`'s default seed: the run a single number comes from
# A 1-minute load average above 3/4 of the cores means other work shared them (on 2 cores: 1.5).
BUSY_LOAD_PER_CORE = 0.75
BUSY_MARK = "†"
EN_DASH = "–"


@dataclass(frozen=True)
class Span:
    lesson: str
    path: tuple[str, ...]
    divisor: tuple[str, ...] | None  # LESSON.KEY/OTHER: the ratio KEY / OTHER
    format: str
    over_seeds: bool  # `range`: lowest–highest over every recorded seed
    unit: str = ""  # `unit:s`: written after the number, before a † mark
    chinese: bool = False  # `zh`: words in Chinese (the seeds' 种子)
    kind: str = "smoke"  # `full`: a full run's number, not a --smoke run's
    seed: int | None = None  # `seed:N`: that seed's run (default SEED's)

    @classmethod
    def parse(cls, spec: str, where: str) -> Span:
        words = spec.split()
        key = words[0] if words else ""
        if "." not in key:
            hint = "e.g. <!-- m:tensors.slope_error -->"
            raise DlenvError(f"{where}: span 'm:{spec}' names no LESSON.KEY", hint=hint)
        key, _, divisor = key.partition("/")
        lesson, *path = key.split(".")
        options = words[1:]
        over_seeds = "range" in options
        units = [word.removeprefix("unit:") for word in options if word.startswith("unit:")]
        seeds = [word.removeprefix("seed:") for word in options if word.startswith("seed:")]
        formats = [word for word in options if word not in WORDS and not word.startswith(("unit:", "seed:"))]
        if len(formats) > 1:
            raise DlenvError(f"{where}: span 'm:{spec}' has more than one format: {' '.join(formats)}")
        if len(seeds) > 1 or not all(seed.isdigit() for seed in seeds) or (seeds and over_seeds):
            raise DlenvError(f"{where}: span 'm:{spec}' needs one seed:N, without range")
        below = tuple(divisor.split(".")) if divisor else None
        fmt = formats[0] if formats else DEFAULT_FORMAT
        kind = "full" if "full" in options else "smoke"
        seed = int(seeds[0]) if seeds else None
        return cls(lesson, tuple(path), below, fmt, over_seeds, " ".join(units), "zh" in options, kind, seed)

    @property
    def key(self) -> str:
        """`cnn.accuracy`, `rlhf.dpo_margin_end/reward_accuracy`, `cnn.accuracy (full run, seed 1)`."""
        key = ".".join((self.lesson, *self.path))
        key = f"{key}/{'.'.join(self.divisor)}" if self.divisor else key
        which = [
            *(["full run"] if self.kind == "full" else []),
            *([f"seed {self.seed}"] if self.seed is not None else []),
        ]
        return f"{key} ({', '.join(which)})" if which else key


WORDS = ("range", "zh", "full")  # a span's options that are neither a format, a unit nor a seed


def runs_of(records: Mapping[str, Mapping[str, Any]], span: Span, where: str) -> list[dict[str, Any]]:
    """The recorded runs the span may quote: its lesson's, in the record of its kind."""
    runs = records.get(span.kind, {}).get("lessons", {}).get(span.lesson, {}).get("runs", [])
    if not runs:
        which = "full " if span.kind == "full" else ""
        hint = "record one: dlenv measured record RUN_DIR" + (" (or nox -s full_runs)" if which else "")
        raise DlenvError(f"{where}: no recorded {which}run of '{span.lesson}'", hint=hint)
    return runs


def chosen(span: Span, runs: list[dict[str, Any]], where: str) -> list[dict[str, Any]]:
    """The runs whose values the span shows: every seed's (`range`), the seed it names, or seed SEED's."""
    if span.over_seeds:
        return runs
    if span.seed is not None:
        picked = [run for run in runs if run["seed"] == span.seed]
        if not picked:
            raise DlenvError(f"{where}: no recorded run of '{span.lesson}' with seed {span.seed}")
        return picked
    return [next((run for run in runs if run["seed"] == SEED), runs[0])]


def value_of(run: Mapping[str, Any], span: Span, where: str) -> Any:
    """The span's value in the run: its key, or the ratio of its two keys."""
    value = lookup(run, span.lesson, span.path, where)
    if span.divisor is None:
        return value
    below = lookup(run, span.lesson, span.divisor, where)
    try:
        return value / below
    except (TypeError, ZeroDivisionError):
        raise DlenvError(f"{where}: {span.key} is no ratio of numbers: {value!r} / {below!r}") from None


def lookup(run: Mapping[str, Any], lesson: str, path: tuple[str, ...], where: str) -> Any:
    """`path` in the run's metrics, or else in the run itself (`seconds`, `config.train_size`)."""
    for start in (run["metrics"], run):
        found: Any = start
        for part in path:
            if not isinstance(found, Mapping) or part not in found:
                break
            found = found[part]
        else:
            return found
    raise DlenvError(f"{where}: the record's run of {lesson} has no '{'.'.join(path)}'")


def formatted(value: Any, spec: str, where: str) -> str:
    try:
        text = format(value, spec)
    except (ValueError, TypeError):
        raise DlenvError(f"{where}: cannot show {value!r} as '{spec}'") from None
    return re.sub(r"e([+-])0*(\d)", lambda m: f"e{m[1].replace('+', '')}{m[2]}", text)  # 5e-07 → 5e-7


def seeds_text(seeds: list[int]) -> str:
    """`0–4` for consecutive seeds, else `0, 2, 7`."""
    if len(seeds) > 2 and seeds == list(range(seeds[0], seeds[-1] + 1)):
        return f"{seeds[0]}{EN_DASH}{seeds[-1]}"
    return ", ".join(str(seed) for seed in seeds)


def busy(run: Mapping[str, Any]) -> bool:
    machine = run.get("machine", {})
    load, cores = machine.get("load_average_1m"), machine.get("cores")
    return load is not None and bool(cores) and load >= BUSY_LOAD_PER_CORE * cores


def shown(span: Span, records: Mapping[str, Mapping[str, Any]], where: str) -> str:
    """What the span shows, from the records."""
    runs = runs_of(records, span, where)
    if span.path == ("seeds",):
        seeds = [run["seed"] for run in runs]
        words = "种子" if span.chinese else "seed" if len(seeds) == 1 else "seeds"
        return f"{words} {seeds_text(seeds)}"
    picked = chosen(span, runs, where)
    values = [value_of(run, span, where) for run in picked]
    low, high = formatted(min(values), span.format, where), formatted(max(values), span.format, where)
    if low != high and low.startswith("+") and high.startswith("+"):  # +0.21–0.31: the sign once
        high = high[1:]
    text = (low if low == high else f"{low}{EN_DASH}{high}") + (f" {span.unit}" if span.unit else "")
    timed = span.path[-1:] == ("seconds",)
    return text + (BUSY_MARK if timed and any(busy(run) for run in picked) else "")


def fill(text: str, records: Mapping[str, Mapping[str, Any]], where: str) -> str:
    """`text` with every span showing the records' value."""

    def filled(match: re.Match[str]) -> str:
        return f"<!-- m:{match['spec']} -->{shown(Span.parse(match['spec'], where), records, where)}<!-- /m -->"

    return SPAN.sub(filled, text)


def drift(text: str, records: Mapping[str, Mapping[str, Any]], where: str) -> list[tuple[str, str]]:
    """Each span whose number differs from the records, as (the record's file, a line):
    `(docs/measured/smoke.json, README.md: tensors.slope_error shows 0.03, the record 0.01)`."""
    lines = []
    for match in SPAN.finditer(text):
        span = Span.parse(match["spec"], where)
        expected = shown(span, records, where)
        if match["shown"] != expected:
            lines.append(
                (RECORDS[span.kind].as_posix(), f"{where}: {span.key} shows {match['shown']}, the record {expected}")
            )
    return lines


def has_spans(text: str) -> bool:
    return SPAN.search(text) is not None


def kinds_quoted(text: str, where: str) -> list[str]:
    """The kinds of run whose numbers `text` quotes, smoke first."""
    kinds = {Span.parse(match["spec"], where).kind for match in SPAN.finditer(text)}
    return [kind for kind in ("smoke", "full") if kind in kinds]


def timed_busy(text: str, records: Mapping[str, Mapping[str, Any]], where: str) -> list[dict[str, Any]]:
    """The runs behind the times `text` marks †."""
    marked = []
    for match in SPAN.finditer(text):
        span = Span.parse(match["spec"], where)
        if span.path[-1:] == ("seconds",):
            marked += [run for run in chosen(span, runs_of(records, span, where), where) if busy(run)]
    return marked


def note(records: Mapping[str, Mapping[str, Any]], chinese: bool, marked: list[dict[str, Any]] | None = None,
         kinds: tuple[str, ...] | list[str] = ("smoke",)) -> str:  # fmt: skip
    """The line under a table of measured numbers: for each of the `kinds` of run the text quotes, what was run,
    where, when; and what † means on the `marked` runs' times (timed_busy; default: every quoted run's)."""
    quoted = {kind: [run for kept in records[kind]["lessons"].values() for run in kept["runs"]] for kind in kinds}
    quoted = {kind: runs for kind, runs in quoted.items() if runs}
    if not quoted:
        return ""
    marked = [run for runs in quoted.values() for run in runs if busy(run)] if marked is None else marked
    text = " ".join(_source(kind, runs, chinese) for kind, runs in quoted.items())
    loads = sorted(run["machine"]["load_average_1m"] for run in marked)
    low, high = (f"{loads[0]:.1f}", f"{loads[-1]:.1f}") if loads else ("", "")
    load = low if low == high else f"{low}{EN_DASH}{high}"
    if loads and chinese:
        text += f"{BUSY_MARK} 测时的同时有其他任务占用这些核（1 分钟平均负载 {load}），空闲的机器上会更快。"
    elif loads:
        text += (f" {BUSY_MARK} Timed while other work shared these cores (1-minute load average {load}): "
                 "an idle machine is faster.")  # fmt: skip
    return text + "\n"


def _source(kind: str, runs: list[dict[str, Any]], chinese: bool) -> str:
    """One sentence: which record, what runs, when, which dlenv, on what machine."""
    dates = sorted({run["date"] for run in runs})
    when = dates[0] if len(dates) == 1 else f"{dates[0]} {EN_DASH} {dates[-1]}"
    versions = ", ".join(sorted({run["dlenv_version"] for run in runs}))
    machines = sorted({(run["machine"].get("cpu", "?"), run["machine"].get("cores", "?")) for run in runs})
    where = "; ".join(f"{cpu} ({cores} cores)" if not chinese else f"{cpu}（{cores} 核）" for cpu, cores in machines)
    if kind == "full":
        if chinese:
            return (f"标明“完整运行”的数字来自 `docs/measured/full.json`：不带 `--smoke` 的 `dlenv run`，{when}，"
                    f"dlenv {versions}，{where}。")  # fmt: skip
        return (f"Full-run numbers come from `docs/measured/full.json`: `dlenv run` without `--smoke`, {when}, "
                f"dlenv {versions}, {where}.")  # fmt: skip
    if chinese:
        return (f"以上数字由 `dlenv render` 从 `docs/measured/smoke.json` 填入：`--smoke`、种子 {SEED}"
                f"（标明范围处为所记录的全部种子），{when}，dlenv {versions}，{where}。")  # fmt: skip
    return (f"The numbers come from `docs/measured/smoke.json`, filled in by `dlenv render`: `--smoke`, seed {SEED} "
            f"(where a range is given, every recorded seed), {when}, dlenv {versions}, {where}.")  # fmt: skip
