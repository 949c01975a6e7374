"""The newest benchmark results as a Markdown table and one PNG chart per benchmark, across rows and devices.

matplotlib loads only here, when charts are drawn (never when the CLI starts), and through its
object-oriented API (Figure, no pyplot), so no display or GUI backend is involved.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dlenv.bench.results import Entry, Figure
from dlenv.errors import DlenvError
from dlenv.fileio import atomic_write

REPORT_NAME = "report.md"
CHARTS_DIR = "charts"


@dataclass(frozen=True)
class Written:
    """What `dlenv bench report` wrote, and the entries it wrote it from."""

    markdown: str
    report: Path
    charts: list[Path]
    entries: list[Entry]

    def as_json(self) -> dict[str, Any]:
        return {
            "report": str(self.report),
            "charts": [str(path) for path in self.charts],
            "results": [entry.as_json() for entry in self.entries],
        }


def write(entries: list[Entry], out: Path) -> Written:
    """Draw the charts into OUT/charts/ and write OUT/report.md, which links them."""
    charts = {name: draw(name, group, out / CHARTS_DIR) for name, group in by_benchmark(entries).items()}
    text = markdown(entries, {name: path.relative_to(out).as_posix() for name, path in charts.items()})
    atomic_write(out / REPORT_NAME, text)
    return Written(text, out / REPORT_NAME, list(charts.values()), entries)


def by_benchmark(entries: list[Entry]) -> dict[str, list[Entry]]:
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        groups.setdefault(entry.latest.fullname, []).append(entry)
    return groups


def markdown(entries: list[Entry], charts: dict[str, str] | None = None) -> str:
    """A table of medians (benchmark × row · device), one of each run's details, and the charts' links."""
    groups = by_benchmark(entries)
    columns = sorted({(e.latest.row, e.latest.device) for e in entries})
    lines = [
        "# dlenv benchmarks",
        "",
        "Median time of one measured call (a training step, one doctor run): lower is better. Newest run of each",
        "benchmark on each matrix row and device; `vs previous` compares it with the run before it on that row",
        "and device. Saved by `nox -s \"bench(row='ROW')\"` or `nox -s gpu_tests` under `benchmarks/<row>/<device>/`.",
        "",
        "## Median time",
        "",
        _row("benchmark", *(f"{row} · {device}" for row, device in columns)),
        _row("---", *("---:" for _ in columns)),
    ]
    for group in groups.values():
        cells = {(e.latest.row, e.latest.device): seconds(e.latest.median_s) for e in group}
        lines.append(_row(short_name(group[0].latest.name), *(cells.get(c, "—") for c in columns)))
    lines += [
        "",
        "## Each benchmark",
        "",
        _row("benchmark", "row", "device", "median", "vs previous", "figures", "machine", "run"),
        _row("---", "---", "---", "---:", "---:", "---", "---", "---"),
    ]
    for entry in entries:
        m = entry.latest
        figures = " · ".join(f"{k} {figure(k, v)}" for k, v in m.extra.items()) or "—"
        commit = m.commit[:8] if m.commit and re.fullmatch(r"[0-9a-f]{9,}", m.commit) else m.commit or ""
        run = f"{m.when[:16].replace('T', ' ')} {commit}".strip()
        lines.append(
            _row(
                short_name(m.name), m.row, m.device, seconds(m.median_s), percent(entry.change), figures, m.machine, run
            )
        )
    if charts:
        lines += ["", "## Charts", ""]
        for fullname, link in charts.items():
            lines += [f"![{short_name(groups[fullname][0].latest.name)}]({link})", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def draw(fullname: str, group: list[Entry], folder: Path) -> Path:
    """One PNG: the median time, then each numeric figure the benchmark reported, as bars per row · device."""
    try:
        from matplotlib.figure import Figure as Canvas
    except ImportError:
        raise DlenvError(
            "dlenv bench report draws its charts with matplotlib, which is not installed",
            hint="pip install matplotlib (or dlenv[lessons])",
        ) from None
    labels = [f"{e.latest.row} · {e.latest.device}" for e in group]
    panels: list[tuple[str, list[float | None]]] = [("median time (ms)", [e.latest.median_s * 1e3 for e in group])]
    keys = dict.fromkeys(k for e in group for k, v in e.latest.extra.items() if _numeric(v))
    for key in keys:
        panels.append((key, [float(v) if _numeric(v := e.latest.extra.get(key)) else None for e in group]))
    # Each panel needs room for its title and its x ticks beside its bars, or the layout collapses.
    fig = Canvas(figsize=(6.4, 0.6 + len(panels) * (0.75 + 0.3 * len(labels))), layout="constrained")
    axes = fig.subplots(len(panels), 1, squeeze=False)[:, 0]
    for ax, (title, values) in zip(axes, panels, strict=True):
        shown = [v if v is not None else 0.0 for v in values]
        bars = ax.barh(labels, shown, color="#4c72b0")
        ax.bar_label(bars, labels=[f"{v:.3g}" if v is not None else "—" for v in values], padding=3, fontsize=8)
        ax.set_title(title, fontsize=9, loc="left")
        ax.invert_yaxis()
        ax.margins(x=0.2)
        ax.tick_params(labelsize=8)
    fig.suptitle(short_name(group[0].latest.name), fontsize=10)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    path = folder / f"{slug(fullname)}.png"
    atomic_write(path, buffer.getvalue())
    return path


def short_name(name: str) -> str:
    return name.removeprefix("test_")


def slug(fullname: str) -> str:
    """tests/bench/test_x.py::test_y[cpu] -> test_x-test_y-cpu: a file name that keeps the module."""
    name = fullname.split("/")[-1].replace(".py::", "-")
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")


def seconds(value: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if abs(value) >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value * 1e9:.3g} ns"


def percent(change: float | None) -> str:
    return "—" if change is None else f"{change:+.1%}"


def figure(key: str, value: Figure) -> str:
    """A figure as a reader wants it: times with units, big counts with separators, ratios to 3 digits."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    if key.endswith("_s") and not key.endswith("per_s"):
        return seconds(float(value))
    if isinstance(value, int) or abs(value) >= 1e4:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _numeric(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _row(*cells: str) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"
