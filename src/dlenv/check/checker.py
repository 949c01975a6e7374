"""One check of notebooks against a row on a platform: each file's cells read, split, and handed to the
rules in reading order (a cell's imports and aliases carry over to the next, as in the kernel)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from packaging.utils import canonicalize_name

from dlenv.check import cells as cells_module
from dlenv.check import paths, pip_lines, secrets
from dlenv.check.code import split
from dlenv.check.findings import FAIL, INFO, WARN, Finding
from dlenv.check.imports import Source, Sources, imported, installed_by_pip
from dlenv.check.report import NotebookReport
from dlenv.errors import DlenvError
from dlenv.matrix import Row
from dlenv.platforms.profiles import Profile

# Folders a notebook search never enters: caches, environments, version control.
SKIPPED_FOLDERS = {
    ".ipynb_checkpoints",
    "__pycache__",
    ".git",
    ".venv",
    "venv",
    ".nox",
    "node_modules",
    "site-packages",
}


@dataclass
class Check:
    """What notebooks are checked against."""

    row: Row
    platform: Profile
    profiles: dict[str, Profile]
    sources: Sources
    windows: bool = os.name == "nt"

    @cached_property
    def versions(self) -> dict[str, str]:
        """The version of each distribution the checked environment has: the row's pins over what is installed."""
        return {**self.sources.installed_versions, **self.sources.row_pins.get(self.row.name, {})}

    def notebook(self, path: Path) -> NotebookReport:
        """The report on one notebook; a file that cannot be read is a failing report, not an exception."""
        try:
            cells = cells_module.read(path)
        except DlenvError as error:
            return NotebookReport(str(path), findings=(Finding("unreadable", FAIL, None, None, error.message),))
        return self.cells(str(path), cells, path.parent)

    def cells(self, where: str, cells: list[cells_module.Cell], folder: Path | None) -> NotebookReport:
        from dlenv.check import drift

        found: list[Finding] = []
        imports: list[tuple[int, int, str]] = []
        aliases: dict[str, str] = {}
        shell_commands: list[str] = []
        offline_fix = self.platform.network.offline_fix
        for cell in cells:
            found += secrets.findings(cell)
            if cell.kind != "code":
                continue
            code = split(cell.source)
            shell_commands += [line.command for line in code.shell]
            for line in code.shell:
                found += pip_lines.findings(cell.index, line, self.row, offline_fix)
            found += paths.findings(cell.index, code, self.platform, self.profiles, self.windows)
            if code.tree is None:
                why = f"cell {cell.index} is not Python 3 ({code.syntax_error}): its imports and calls are not checked"
                found.append(Finding("syntax", WARN, cell.index, None, why))
                continue
            imports += [(item.cell, item.line, item.module) for item in imported(cell.index, code.tree)]
            found += drift.findings(cell.index, code, aliases, self.versions)
        sources, missing = self.import_sources(imports, folder, installed_by_pip(shell_commands))
        return NotebookReport(where, tuple(sources), tuple(found + missing))

    def import_sources(self, imports: list[tuple[int, int, str]], folder: Path | None,
                       pip_installed: set[str]) -> tuple[list[Source], list[Finding]]:  # fmt: skip
        """Each imported module once (first use), and a finding for each the checked environment lacks."""
        sources, missing, seen = [], [], set()
        for cell, line, module in imports:
            if module in seen:
                continue
            seen.add(module)
            source = self.sources.of(module, folder)
            if source.kind != "package":
                continue
            sources.append(source)
            name = canonicalize_name(source.distribution or module)
            if name in pip_installed:
                continue
            if self.row.name in source.rows:
                if source.installed is None:
                    why = f"`{module}` ({source.distribution}) is pinned by row {self.row.name} but not installed here"
                    missing.append(Finding("import-missing", INFO, cell, line, why, f"install row {self.row.name}"))
            elif source.installed is None:
                why = f"`{module}` needs {source.distribution}, which is not installed here"
                rows = f" (rows {', '.join(source.rows)} pin it)" if source.rows else ""
                fix = f"%pip install {source.distribution}{rows}"
                missing.append(Finding("import-missing", WARN, cell, line, why, fix))
        return sources, missing


def notebook_files(paths_given: Iterable[Path]) -> list[Path]:
    """The .ipynb and .py files named or under the folders named, sorted; a path that does not exist is bad
    input (exit 2)."""
    found: list[Path] = []
    for path in paths_given:
        if path.is_dir():
            found += sorted(
                file
                for file in path.rglob("*")
                if file.suffix in cells_module.SUFFIXES
                and file.is_file()
                and not SKIPPED_FOLDERS.intersection(file.relative_to(path).parts[:-1])
            )
        elif path.is_file():
            found.append(path)
        else:
            raise DlenvError(f"no such file or folder: '{path}'")
    return found
