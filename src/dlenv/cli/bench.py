"""`dlenv bench report`: the newest benchmark results as a Markdown table and PNG charts."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dlenv.cli.present import JsonFlag, emit

if TYPE_CHECKING:
    from dlenv.bench.report import Written

bench_app = typer.Typer(help="Benchmark results saved by the bench and gpu_tests nox sessions.", rich_markup_mode=None)


@bench_app.command("report")
def bench_report(
    results_dir: Annotated[
        Path, typer.Option("--dir", help="The saved results: DIR/<row>/<device>/ (pytest-benchmark JSON).")
    ] = Path("benchmarks"),
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Where report.md and charts/ go (default DIR/report).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """The newest result of each benchmark on each row and device: a Markdown table and PNG charts."""
    from dlenv.bench import report, results

    entries = results.latest(results.load(results_dir))
    emit(report.write(entries, out_dir or results_dir / "report"), json=as_json, human=_show_written)


def _show_written(written: Written) -> None:
    sys.stdout.write(written.markdown)
    sys.stderr.write(f"wrote {written.report} and {len(written.charts)} charts in {written.report.parent / 'charts'}\n")


def register(app: typer.Typer) -> None:
    app.add_typer(bench_app, name="bench")
