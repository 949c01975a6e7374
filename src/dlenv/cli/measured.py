"""`dlenv measured record RUN_DIR...`: keep what runs measured, for the numbers the READMEs quote."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dlenv.cli.present import out
from dlenv.errors import DlenvError
from dlenv.paths import checkout_root

measured_app = typer.Typer(
    help="The records of measured runs (docs/measured/smoke.json, full.json).", rich_markup_mode=None
)


@measured_app.command("record")
def record(
    run_dirs: Annotated[list[Path], typer.Argument(help="--out folders of `dlenv run` (each holds metrics.json).")],
    record_file: Annotated[
        Path | None,
        typer.Option("--record", help="The record to update; default: the checkout's record of the runs' kind."),
    ] = None,
    load_before: Annotated[
        float | None,
        typer.Option("--load", help="The 1-minute load average before the runs (/proc/loadavg); default: now."),
    ] = None,
) -> None:
    """Add runs to the record of their kind, --smoke runs to docs/measured/smoke.json and full runs to full.json
    (a lesson's run of the same seed is replaced); `dlenv render` then fills the READMEs."""
    from dlenv.measured.record import RECORDS, kind_of_runs, read_run, record_reports

    reports = [read_run(folder) for folder in run_dirs]
    if record_file is None:
        root = checkout_root()
        if root is None:
            raise DlenvError("this dlenv is not a checkout, so it has no record of runs", hint="pass --record FILE")
        record_file = root / RECORDS[kind_of_runs(reports)]
    lessons = record_reports(record_file, reports, load_before)
    out().print(f"recorded {', '.join(lessons)} in {record_file}")


def register(app: typer.Typer) -> None:
    app.add_typer(measured_app, name="measured")
