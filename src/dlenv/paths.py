"""Where dlenv finds its project files: the checkout it runs from, else the copy bundled in the wheel."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
MATRIX_RELPATH = Path("envs/matrix.toml")
# A wheel carries the matrix it was built from (pyproject.toml, force-include).
BUNDLED_MATRIX = PACKAGE_DIR / "data" / "matrix.toml"


def checkout_root() -> Path | None:
    """The dlenv source checkout this package was imported from (an editable install), if any."""
    root = PACKAGE_DIR.parents[1]
    return root if (root / MATRIX_RELPATH).is_file() else None


def default_matrix_path() -> Path:
    root = checkout_root()
    return root / MATRIX_RELPATH if root else BUNDLED_MATRIX


def host_path(path: str) -> Path:
    """An absolute path of the machine, re-rooted below DLENV_FS_ROOT when that is set (for tests)."""
    root = os.environ.get("DLENV_FS_ROOT")
    return Path(root) / path.lstrip("/") if root else Path(path)


def machine_path(path: Path) -> str:
    """The absolute path as the machine names it: below DLENV_FS_ROOT when that is set, what lies under it."""
    root = os.environ.get("DLENV_FS_ROOT")
    if root and path.is_relative_to(root):
        return "/" + path.relative_to(root).as_posix()
    return path.as_posix()
