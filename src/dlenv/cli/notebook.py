"""`dlenv notebook LESSON --platform NAME`: a lesson as a notebook to read, edit and train in: the platform's
bootstrap, the lesson's README and files as cells, training in the kernel."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dlenv.cli.options import Options
from dlenv.cli.present import out


def notebook_command(
    ctx: typer.Context,
    lesson: Annotated[str, typer.Argument(help="A lesson name (dlenv lessons).")],
    platform_name: Annotated[str, typer.Option("--platform", help="kaggle, colab, aistudio, dsw, docker or local.")],
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Where to write it (.ipynb, or .py for py:percent).")
    ] = None,
    install_from: Annotated[
        str | None,
        typer.Option(
            "--install-from", help="Where the first cell gets dlenv: git+https://…, a .whl path or URL, pypi."
        ),
    ] = None,
    language: Annotated[str, typer.Option("--lang", help="The README's language in the notebook: en or zh.")] = "en",
    smoke: Annotated[bool, typer.Option("--smoke", help="Set the training cell to the one-minute run.")] = False,
) -> None:
    """Write a lesson as a notebook: the platform's first cell, the lesson's README and its files as cells
    (edit one, run it again, and training uses it), training in the kernel with progress and checkpoints,
    and its metrics and plots inline."""
    from dlenv import notebook
    from dlenv.errors import unknown
    from dlenv.lessons_catalog import discover

    found = {x.name: x for x in discover(Options.of(ctx).matrix())}
    if lesson not in found:
        raise unknown("lesson", lesson, found)
    path = notebook.write(
        notebook.build(found[lesson], platform_name, install_from, language=language, smoke=smoke),
        out_path or Path(f"{lesson}-{platform_name}.ipynb"),
    )
    source = f", installing {notebook.install_requirement(install_from)}" if install_from else ""
    out().print(f"wrote {path}{source}")


def register(app: typer.Typer) -> None:
    app.command("notebook")(notebook_command)
