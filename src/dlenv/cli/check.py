"""`dlenv check PATH... [--row ROW] [--platform NAME] [--json] [--execute] [--timeout S]`: a learner's own
notebooks read against a matrix row, and run when asked."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dlenv.cli.options import Options
from dlenv.cli.present import JsonFlag, emit, out

if TYPE_CHECKING:
    from dlenv.check.report import CheckReport

FAILED = 1
STATUS_STYLE = {"fail": "red", "warn": "yellow", "info": "dim", "ok": "green", "pass": "green", "timeout": "red"}


def check_command(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Notebooks (.ipynb), scripts (.py) or folders of them.")],
    row_name: Annotated[
        str | None, typer.Option("--row", help="The matrix row to check against; default: the one installed here.")
    ] = None,
    platform_name: Annotated[
        str | None, typer.Option("--platform", help="The platform the notebooks run on; default: this one.")
    ] = None,
    execute: Annotated[
        bool, typer.Option("--execute", help="Also run each notebook top to bottom (nbclient), writing nothing back.")
    ] = False,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds each notebook may run with --execute.")] = 600,
    json: JsonFlag = False,
) -> None:
    """Check notebooks before they run: imports and the rows that pin them, pip lines that would replace the row's
    torch or TensorFlow, paths of other platforms, API removed in the row's versions, credentials in cells and
    outputs. Exit 1 when a notebook fails."""
    from dlenv.check import run
    from dlenv.errors import DlenvError

    if timeout <= 0:
        raise DlenvError(f"--timeout {timeout:g}: must be more than 0 seconds")
    check = run.prepare(Options.of(ctx).matrix(), row_name, platform_name)
    report = run.check_paths(check, paths, execute=execute, timeout=timeout)
    emit(report, json=json, human=show)
    if not report.ok:
        raise typer.Exit(FAILED)


def show(report: CheckReport) -> None:
    from rich.markup import escape

    console = out()
    console.print(f"checked against row {report.row} on {report.platform}")
    for notebook in report.notebooks:
        style = STATUS_STYLE[notebook.verdict]
        console.print(f"\n[bold]{escape(notebook.path)}[/bold]: [{style}]{notebook.verdict}[/{style}]")
        if notebook.imports:
            console.print("imports: " + ", ".join(escape(imported(source)) for source in notebook.imports))
        if notebook.execution is not None:
            run = notebook.execution
            where = f" at cell {run.cell}: {escape(run.error)}" if run.status != "pass" else ""
            console.print(f"executed: [{STATUS_STYLE[run.status]}]{run.status}[/]{where} ({run.seconds:.1f} s)")
        for finding in sorted(notebook.findings, key=lambda f: (f.cell or 0, f.line or 0)):
            where = (
                f"cell {finding.cell}" + (f" line {finding.line}" if finding.line else "") if finding.cell else "file"
            )
            status = f"[{STATUS_STYLE[finding.status]}]{finding.status}[/]"
            console.print(f"  {where}: {status} {finding.rule}: {escape(finding.message)}")
            if finding.fix and finding.status != "info":
                console.print(f"    fix: {escape(finding.fix)}", style="dim")
    verdicts = [notebook.verdict for notebook in report.notebooks]
    counts = ", ".join(f"{verdicts.count(v)} {v}" for v in ("ok", "warn", "fail") if verdicts.count(v))
    console.print(f"\n{len(verdicts)} notebook{'s' if len(verdicts) != 1 else ''}: {counts or 'none found'}")


def imported(source) -> str:
    """`torch 2.10.0 [cpu, cu128]`, `cv2 → opencv-python (missing)`."""
    name = source.module if source.distribution in (None, source.module) else f"{source.module} → {source.distribution}"
    version = source.installed or "missing"
    rows = f" [{', '.join(source.rows)}]" if source.rows else ""
    return f"{name} {version}{rows}"


def register(app: typer.Typer) -> None:
    app.command("check")(check_command)
