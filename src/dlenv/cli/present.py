"""What the commands share to show their results: the consoles, tables, `--json` output, the error printer.

rich loads only when a human is shown something: `--json` and the doctor's fast path never import it.
Results print themselves as JSON through their own `as_json()`; a command never assembles JSON by hand.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from functools import cache
from json import dumps
from typing import TYPE_CHECKING, Annotated, Any, Protocol, TypeVar

import typer

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


class Jsonable(Protocol):
    def as_json(self) -> Any: ...


R = TypeVar("R", bound=Jsonable)


@cache
def out() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


@cache
def progress() -> Console:
    from rich.console import Console

    return Console(stderr=True)  # spinners never mix with --json on stdout


def table(*headers: str, show_header: bool = True) -> Table:
    """A table that folds long cells instead of cutting them off (URLs, resolver messages)."""
    from rich.table import Column, Table

    return Table(*(Column(h, overflow="fold") for h in headers), show_header=show_header)


def fields(data: Mapping[str, Any]) -> Table:
    """One line per key: lists joined with commas, a missing or empty value as '—'."""
    shown = table("", "", show_header=False)
    for key, value in data.items():
        text = ", ".join(value) if isinstance(value, list) else value
        shown.add_row(key, "—" if text in (None, "") else str(text))
    return shown


def emit(result: R, *, json: bool, human: Callable[[R], None]) -> None:
    """`result.as_json()` on stdout with --json, else `human(result)`: tables, lines, colours."""
    if json:
        sys.stdout.write(dumps(result.as_json(), indent=2, ensure_ascii=False) + "\n")
    else:
        human(result)


def print_error(message: str, hint: str | None = None) -> None:
    """An expected error as DESIGN.md promises it: one line on stderr, and a second with what to do."""
    sys.stderr.write(f"error: {message}\n")
    if hint:
        sys.stderr.write(f"hint: {hint}\n")
