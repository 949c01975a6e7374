"""A notebook's cells, read without nbformat or a framework: .ipynb (nbformat 4 JSON) and .py files
(jupytext's percent format, `# %%` between cells, or a plain script as one cell)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dlenv.errors import DlenvError

SUFFIXES = (".ipynb", ".py")
# jupytext's percent format: `# %%`, `# %% [markdown]`, `# %% a title`; `# %%time` is a commented cell magic
PERCENT_CELL = re.compile(r"^# %%(?P<rest>(?:[ \t].*)?)$", re.MULTILINE)
# jupytext comments out a cell's magics and shell lines in a script (`# %pip install x`, `# !ls`, `# %%time`)
COMMENTED_MAGIC = re.compile(r"^(?P<indent>\s*)# (?=%{1,2}\w|!)", re.MULTILINE)


@dataclass(frozen=True)
class Cell:
    index: int  # 1-based position in the notebook
    kind: str  # "code", "markdown" or "raw"
    source: str
    outputs: tuple[str, ...] = ()  # the text a saved output shows: streams, text/plain, errors


def read(path: Path) -> list[Cell]:
    """The cells of the notebook or script at `path`; a file that is neither is a DlenvError (exit 2)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DlenvError(f"cannot read '{path}': {error}") from None
    if path.suffix == ".ipynb":
        return notebook_cells(text, path)
    return script_cells(text)


def notebook_cells(text: str, path: Path) -> list[Cell]:
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as error:
        raise DlenvError(f"'{path}' is not a notebook: not JSON ({error})") from None
    raw_cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(raw_cells, list):  # nbformat 3 kept cells under worksheets; nothing runs those now
        raise DlenvError(f"'{path}' is not an nbformat 4 notebook: it has no list of cells")
    cells = []
    for index, cell in enumerate(raw_cells, start=1):
        if not isinstance(cell, dict):
            raise DlenvError(f"'{path}': cell {index} is not a cell")
        outputs = tuple(output_text(output) for output in cell.get("outputs") or () if isinstance(output, dict))
        cells.append(Cell(index, str(cell.get("cell_type", "code")), joined(cell.get("source", "")), outputs))
    return cells


def script_cells(text: str) -> list[Cell]:
    """`# %%` cells (`# %% [markdown]` ones are comments; in code cells, jupytext's commented magics count as
    magics) or, without markers, the whole script as one cell."""
    marks = list(PERCENT_CELL.finditer(text))
    if not marks:
        return [Cell(1, "code", text)]
    cells = []  # what comes before the first marker is jupytext's header, not a cell
    for number, mark in enumerate(marks, start=1):
        end = marks[number].start() if number < len(marks) else len(text)
        body = text[mark.end() + 1 : end]
        kind = "markdown" if "[markdown]" in mark["rest"] else "raw" if "[raw]" in mark["rest"] else "code"
        cells.append(Cell(number, kind, COMMENTED_MAGIC.sub(r"\g<indent>", body) if kind == "code" else body))
    return cells


def joined(source: Any) -> str:
    """nbformat stores source as a string or a list of lines."""
    return "".join(source) if isinstance(source, list) else str(source or "")


def output_text(output: dict[str, Any]) -> str:
    """What a saved output shows as text: a stream, an error's traceback, or a result's text/plain."""
    if output.get("output_type") == "stream":
        return joined(output.get("text", ""))
    if output.get("output_type") == "error":
        return "\n".join(
            [f"{output.get('ename', '')}: {output.get('evalue', '')}", *map(str, output.get("traceback", []))]
        )
    data = output.get("data") or {}
    return joined(data.get("text/plain", "")) if isinstance(data, dict) else ""
