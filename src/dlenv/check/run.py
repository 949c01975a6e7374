"""What `dlenv check` does: pick the row and the platform, check each notebook, and run it when asked."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from dlenv.check.checker import Check, notebook_files
from dlenv.check.imports import Sources
from dlenv.check.report import CheckReport
from dlenv.errors import DlenvError, unknown
from dlenv.matrix import Matrix


def prepare(matrix: Matrix, row_name: str | None, platform_name: str | None) -> Check:
    """The check against `row_name` (default: the row installed here, else the matrix's GPU default) on
    `platform_name` (default: the platform this runs on)."""
    from dlenv.platforms.detect import detect_name
    from dlenv.platforms.profiles import profiles
    from dlenv.runner import current_row

    known = profiles()
    if platform_name is not None and platform_name not in known:
        raise unknown("platform", platform_name, known)
    platform = known[platform_name or detect_name()]
    row_name = row_name or current_row() or matrix.defaults.gpu_row
    if row_name not in matrix.rows:
        raise unknown("row", row_name, matrix.rows)
    return Check(matrix.rows[row_name], platform, known, Sources.here(matrix))


def check_paths(check: Check, paths: Iterable[Path], execute: bool = False, timeout: float = 600) -> CheckReport:
    paths = list(paths)
    files = notebook_files(paths)
    if not files:
        raise DlenvError("no .ipynb or .py files in " + ", ".join(f"'{path}'" for path in paths))
    reports = [check.notebook(path) for path in files]
    if execute:
        from dlenv.check.execute import run_notebook

        reports = [
            report.with_execution(run_notebook(path, timeout)) for report, path in zip(reports, files, strict=True)
        ]
    return CheckReport(check.row.name, check.platform.name, tuple(reports))
