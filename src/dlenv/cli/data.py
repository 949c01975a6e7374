"""`dlenv data fetch`: a dataset attached to this platform, cached, or downloaded (with a progress bar)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from dlenv.cli.present import JsonFlag, emit, out, progress

if TYPE_CHECKING:
    from dlenv.datasets import Fetched

data_app = typer.Typer(help="Datasets: attached, cached or downloaded.", rich_markup_mode=None)


@data_app.command("fetch")
def data_fetch(
    spec: Annotated[
        str,
        typer.Argument(
            help="kaggle:owner/slug, hf:org/name, modelscope:org/name, url:https://...#sha256=HEX, aistudio:ID"
        ),
    ],
    as_json: JsonFlag = False,
    no_extract: Annotated[bool, typer.Option("--no-extract", help="Leave zip, tar and 7z archives packed.")] = False,
) -> None:
    """Find or download a dataset, extract the archives in it, and print where it is."""
    from dlenv.datasets import fetch, parse_spec

    parsed = parse_spec(spec)  # bad input fails before any network
    if as_json or not sys.stderr.isatty():
        fetched = fetch(parsed, extract=not no_extract)
    else:
        from rich.progress import DownloadColumn, Progress, TransferSpeedColumn

        with Progress(
            *Progress.get_default_columns(), DownloadColumn(), TransferSpeedColumn(), console=progress(), transient=True
        ) as bar:
            task = bar.add_task(str(parsed.slug), total=None)
            fetched = fetch(
                parsed,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
                extract=not no_extract,
            )
    emit(fetched, json=as_json, human=_show_fetched)


def _show_fetched(fetched: Fetched) -> None:
    copy = f" of {fetched.route}" if fetched.route else ""  # a mainland copy answered, not the spec's own source
    out().print(f"{fetched.path}  ({fetched.via}{copy})", markup=False)
    for folder in fetched.extracted:
        out().print(f"extracted: {folder}", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(data_app, name="data")
