"""Writes that matter go to a temporary file in the same folder, are flushed, then renamed into place."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from dlenv.errors import DlenvError


def atomic_write(path: Path, text: str | bytes, mode: int = 0o644) -> None:
    """Replace `path` with `text` (UTF-8) or bytes so that a crash leaves either the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8") if isinstance(text, str) else text)
            f.flush()
            os.fsync(f.fileno())
        Path(tmp).chmod(mode)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_input(path: Path, what: str) -> str:
    """The text of a file the user named; a missing one is bad input, said in one line."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DlenvError(f"{what} file '{path}' does not exist") from None
