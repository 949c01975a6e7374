"""The root options (`dlenv --matrix FILE --debug COMMAND ...`), carried to every command in typer's
context object: set once by the root callback, read by the commands, never kept in a module global."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import typer

from dlenv.matrix import Matrix, load_matrix
from dlenv.paths import default_matrix_path


@dataclass(frozen=True)
class Options:
    matrix_path: Path | None = None  # --matrix
    debug: bool = False  # --debug: an expected error shows its traceback

    @classmethod
    def of(cls, ctx: typer.Context) -> Options:
        """The options of this invocation (the defaults when a command runs without the root callback)."""
        return ctx.find_object(cls) or cls()

    def matrix(self, default: Path | None = None) -> Matrix:
        """The matrix of --matrix, else `default`, else the checkout's (or the installed) envs/matrix.toml."""
        return load_matrix(self.matrix_path or default or default_matrix_path())
