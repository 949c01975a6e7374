"""`dlenv lessons`: the lessons installed beside dlenv and the matrix rows that can run each."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from dlenv.cli.options import Options
from dlenv.cli.present import JsonFlag, emit, out, table

if TYPE_CHECKING:
    from dlenv.lessons_catalog import Catalog


def lessons(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """List the lessons and the matrix rows that can run each."""
    from dlenv.lessons_catalog import Catalog, discover

    emit(Catalog(tuple(discover(Options.of(ctx).matrix()))), json=as_json, human=_show_catalog)


def _show_catalog(catalog: Catalog) -> None:
    if not catalog.lessons:
        out().print("no lessons installed")
        return
    shown = table("lesson", "what it teaches", "rows")
    for lesson in catalog.lessons:
        shown.add_row(lesson.name, lesson.title, " ".join(lesson.rows) or "—")
    out().print(shown)


def register(app: typer.Typer) -> None:
    app.command()(lessons)
