"""`dlenv doctor`: does this machine's driver, GPU, CUDA, cuDNN and framework builds fit together?

The fast path (`--json`) imports neither rich nor any framework: the doctor reads metadata and probes
frameworks in a subprocess.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dlenv.cli.options import Options
from dlenv.cli.present import JsonFlag, emit, out, table
from dlenv.errors import FAILED

if TYPE_CHECKING:
    from dlenv.doctor import Report

STATUS_STYLE = {"ok": "[green]ok[/]", "warn": "[yellow]warn[/]", "fail": "[red]fail[/]", "skip": "[dim]skip[/]"}


def doctor(
    ctx: typer.Context,
    as_json: JsonFlag = False,
    probe_file: Annotated[
        Path | None, typer.Option("--probe", help="Judge a recorded probe instead of this machine.")
    ] = None,
    row: Annotated[
        str | None,
        typer.Option("--row", "--env", help="Judge this matrix row against the machine (--env: its older spelling)."),
    ] = None,
    save_probe: Annotated[Path | None, typer.Option("--save-probe", help="Write this machine's probe to FILE.")] = None,
) -> None:
    """Check that the driver, GPU, CUDA, cuDNN and framework builds fit together, and say how to fix what doesn't."""
    from dlenv.doctor import diagnose
    from dlenv.doctor.collect import collect
    from dlenv.doctor.probe import load_probe
    from dlenv.fileio import atomic_write

    matrix = Options.of(ctx).matrix()
    if row is not None:
        matrix.row(row)  # an unknown row is bad input before any probing
    probe = load_probe(probe_file) if probe_file else collect()
    if save_probe is not None:
        atomic_write(save_probe, probe.to_json())
    report = diagnose(probe, matrix, row)
    emit(report, json=as_json, human=_show_report)
    if not report.ok:
        raise typer.Exit(FAILED)


def _show_report(report: Report) -> None:
    from rich.markup import escape  # a fix quotes YAML and shell: "[gpu]" is text, not a style

    shown = table("status", "check", "message", "fix")
    for check in report.checks:
        shown.add_row(STATUS_STYLE[check.status], check.id, escape(check.message), escape(check.fix or ""))
    out().print(shown)
    verdict = "[green]ok[/]" if report.ok else "[red]not ok[/]"
    out().print(f"{verdict}; recommended row: {report.recommended_row or 'none'}")


def register(app: typer.Typer) -> None:
    app.command()(doctor)
