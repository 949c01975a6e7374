"""`dlenv notebook LESSON --platform NAME`: a runnable notebook whose first cell is that platform's
bootstrap (platform/<name>/first_cell.ipy), written with jupytext (.ipynb, or a py:percent script)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dlenv.errors import DlenvError, unknown
from dlenv.lessons_catalog import Lesson
from dlenv.platforms.profiles import profiles, profiles_dir


def build(lesson: Lesson, platform: str) -> Any:
    """The notebook (an nbformat node) for `lesson` on `platform`."""
    try:
        import jupytext  # noqa: F401 - brings nbformat, and writes the result
        from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
    except ImportError:
        raise DlenvError("writing notebooks needs jupytext", hint="pip install jupytext") from None
    if platform not in profiles():
        raise unknown("platform", platform, profiles())
    first_cell = (profiles_dir() / platform / "first_cell.ipy").read_text(encoding="utf-8").rstrip("\n")
    title = f"# {lesson.title or lesson.name}\n\nThe `{lesson.name}` lesson on {profiles()[platform].title}."
    run = (
        f"# The lesson on its embedded default data; add --smoke for a one-minute check, --device cpu|cuda,\n"
        f"# --set key=value to change its config. Outputs (metrics.json, checkpoints, tb/) go to --out.\n"
        f"!dlenv run {lesson.name}"
    )
    return new_notebook(
        cells=[new_markdown_cell(title), new_code_cell(first_cell), new_code_cell(run)],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )


def write(notebook: Any, path: Path) -> Path:
    import jupytext

    from dlenv.fileio import atomic_write

    fmt = "py:percent" if path.suffix == ".py" else "ipynb"
    atomic_write(path, jupytext.writes(notebook, fmt=fmt))
    return path
