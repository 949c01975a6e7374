"""`dlenv notebook LESSON --platform NAME`: a runnable notebook whose first cell is that platform's
bootstrap (platform/<name>/first_cell.ipy), written with jupytext (.ipynb, or a py:percent script)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dlenv.errors import DlenvError, shown, unknown
from dlenv.lessons_catalog import Lesson
from dlenv.platforms.profiles import profiles, profiles_dir

# The first cells' stand-in for what %pip installs: a notebook says where dlenv comes from (no release
# is on PyPI yet, so a cell that ran `%pip install dlenv` would fail or, worse, install someone else's).
SOURCE_PLACEHOLDER = '"<where dlenv comes from: dlenv notebook --install-from SPEC writes it>"'
SOURCES = "a git URL (git+https://HOST/OWNER/dlenv@main), a wheel's path or URL (….whl), or pypi once released"


def install_requirement(spec: str) -> str:
    """What %pip installs for --install-from SPEC: 'dlenv @ git+…' for a git URL, the wheel itself for a
    path or URL ending in .whl, 'dlenv' for pypi."""
    if spec == "pypi":
        return "dlenv"
    if spec.startswith("git+") and "://" in spec:
        return f"dlenv @ {spec}"
    if spec.endswith(".whl"):
        return spec
    raise DlenvError(f"--install-from {shown(spec)}: not a git URL, a wheel or pypi", hint=f"give {SOURCES}")


def build(lesson: Lesson, platform: str, install_from: str | None = None) -> Any:
    """The notebook (an nbformat node) for `lesson` on `platform`, its first cell installing dlenv from
    `install_from` (see install_requirement) where the platform's cell installs it."""
    try:
        import jupytext  # noqa: F401 - brings nbformat, and writes the result
        from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
    except ImportError:
        raise DlenvError("writing notebooks needs jupytext", hint="pip install jupytext") from None
    if platform not in profiles():
        raise unknown("platform", platform, profiles())
    first_cell = (profiles_dir() / platform / "first_cell.ipy").read_text(encoding="utf-8").rstrip("\n")
    if SOURCE_PLACEHOLDER in first_cell:
        if install_from is None:
            raise DlenvError(
                f"--install-from is needed for {platform}: its first cell installs dlenv, and no release is on PyPI",
                hint=f"give {SOURCES}",
            )
        first_cell = first_cell.replace(SOURCE_PLACEHOLDER, json.dumps(install_requirement(install_from)))
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
