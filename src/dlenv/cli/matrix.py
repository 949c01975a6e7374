"""`dlenv matrix` (list, show, check) and `dlenv render`: the version matrix and the files derived from it."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dlenv.cli.options import Options
from dlenv.cli.present import JsonFlag, emit, fields, out, progress, table
from dlenv.errors import FAILED, DlenvError
from dlenv.paths import checkout_root

if TYPE_CHECKING:
    from dlenv.matrix import Matrix, Row
    from dlenv.resolve import Resolution

matrix_app = typer.Typer(help="The version matrix (envs/matrix.toml).", rich_markup_mode=None)


@matrix_app.callback(invoke_without_command=True)
def matrix_list(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """List the matrix rows (`dlenv matrix show ROW` for one, `dlenv matrix check ROW` to prove one)."""
    if ctx.invoked_subcommand is not None:
        return
    emit(Options.of(ctx).matrix(), json=as_json, human=_show_rows)


def _show_rows(matrix: Matrix) -> None:
    shown = table("row", "CUDA", "min driver", "cuDNN", "Python", "torch", "TensorFlow", "GPU archs")
    for row in matrix.rows.values():
        tf = f"{row.tensorflow} ({row.tensorflow_env})" if row.tensorflow else "—"
        archs = " ".join(row.torch_arch) or "—"
        shown.add_row(
            row.name,
            row.cuda or "—",
            row.min_driver or "—",
            row.cudnn or "—",
            " ".join(row.python),
            row.torch,
            tf,
            archs,
        )
    out().print(shown)


@matrix_app.command("show")
def matrix_show(
    ctx: typer.Context,
    row: Annotated[str, typer.Argument(help="A row name, e.g. cu126.")],
    as_json: JsonFlag = False,
) -> None:
    """Show every field of one row."""
    emit(Options.of(ctx).matrix().row(row), json=as_json, human=_show_row)


def _show_row(row: Row) -> None:
    out().print(fields(row.as_json()))


@matrix_app.command("check")
def matrix_check(
    ctx: typer.Context,
    rows: Annotated[list[str] | None, typer.Argument(help="Rows to check.", show_default=False)] = None,
    all_rows: Annotated[bool, typer.Option("--all", help="Check every row.")] = False,
    python: Annotated[str | None, typer.Option("--python", help="Only this Python (X.Y) of the row.")] = None,
    index_url: Annotated[
        str | None, typer.Option("--index-url", help="A PyPI mirror to resolve against; default: $PIP_INDEX_URL.")
    ] = None,
    torch_index: Annotated[
        str | None,
        typer.Option(
            "--torch-index",
            help="An index replacing the row's torch index; default: its folder under $DLENV_TORCH_INDEX, if set.",
        ),
    ] = None,
    find_links: Annotated[
        list[str] | None, typer.Option("--find-links", help="A folder of wheels (repeatable).")
    ] = None,
    no_index: Annotated[bool, typer.Option("--no-index", help="Use only --find-links folders.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Prove with the uv resolver that each row's pins install together, per Python version (needs the network)."""
    from dlenv.resolve import Indexes, Resolution, check_row, uv_binary
    from dlenv.torch_mirror import TORCH_INDEX_ENV

    matrix = Options.of(ctx).matrix()
    if all_rows == bool(rows):
        raise DlenvError("name one or more rows, or pass --all", hint=f"rows: {', '.join(matrix.rows)}")
    selected = [matrix.row(name) for name in (rows or matrix.rows)]
    if python is not None:
        for row in selected:
            if python not in row.python:
                raise DlenvError(f"python '{python}' is not one of row {row.name}'s versions ({', '.join(row.python)})")
    # the mirror a shell set (`eval "$(dlenv mirror cn)"`) unless an option says otherwise
    index_url = index_url or os.environ.get("PIP_INDEX_URL") or None
    torch_mirror = None if torch_index else os.environ.get(TORCH_INDEX_ENV) or None
    indexes = Indexes(index_url, torch_index, tuple(find_links or ()), no_index, torch_mirror)
    uv = uv_binary()
    outcomes = []
    for row in selected:
        pythons = [python] if python else list(row.python)
        with progress().status(f"resolving {row.name} for Python {', '.join(pythons)}"):
            outcomes += check_row(row, pythons, indexes, uv)
    report = Resolution(tuple(outcomes))
    emit(report, json=as_json, human=_show_outcomes)
    if not report.ok:
        raise typer.Exit(FAILED)


def _show_outcomes(report: Resolution) -> None:
    shown = table("row", "environment", "Python", "result", "detail")
    for o in report.outcomes:
        shown.add_row(o.row, o.env, o.python, "[green]ok[/]" if o.ok else f"[red]{o.status}[/]", o.detail)
    out().print(shown)


def render(
    ctx: typer.Context,
    check: Annotated[
        bool, typer.Option("--check", help="Fail (exit 1) if a derived file differs; write nothing.")
    ] = False,
    root_dir: Annotated[Path | None, typer.Option("--root", help="The dlenv checkout to render into.")] = None,
) -> None:
    """Render requirements, conda specs, Dockerfiles, compose.yaml and the README tables from the matrix, and the
    READMEs' measured numbers from docs/measured/ (smoke.json, full.json)."""
    from dlenv import render as renderer

    root_dir = root_dir or checkout_root()
    if root_dir is None:
        raise DlenvError("dlenv render writes into a dlenv checkout, and this dlenv is not one", hint="pass --root DIR")
    matrix = Options.of(ctx).matrix(default=root_dir / "envs" / "matrix.toml")
    if check:
        differ = renderer.stale(matrix, root_dir)
        numbers = renderer.number_drift(root_dir, differ)
        for rel in differ:
            for record_file, line in numbers.get(rel, []):
                sys.stderr.write(f"differs from {record_file}: {line}\n")
            if rel not in numbers:
                sys.stderr.write(f"differs from envs/matrix.toml: {rel}\n")
        if differ:
            sys.stderr.write("hint: run `dlenv render` and commit the result\n")
            raise typer.Exit(FAILED)
        out().print(f"all derived files match envs/matrix.toml ({len(renderer.render_all(matrix, root_dir))} files)")
        return
    touched = renderer.write(matrix, root_dir)
    for rel in touched:
        out().print(f"wrote {rel}")
    if not touched:
        out().print("nothing to do: every derived file is up to date")


def register(app: typer.Typer) -> None:
    app.add_typer(matrix_app, name="matrix")
    app.command()(render)
