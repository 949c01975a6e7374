"""The lessons installed beside dlenv: the packages under dlenv_lessons/, read without importing them.

A lesson imports its framework; listing lessons must not, so the title comes from the first line of
the package docstring, read with `ast`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dlenv.matrix import Matrix


@dataclass(frozen=True)
class Lesson:
    name: str
    title: str
    rows: tuple[str, ...]  # matrix rows that can run it

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "rows": list(self.rows)}


@dataclass(frozen=True)
class Catalog:
    """What `dlenv lessons` lists."""

    lessons: tuple[Lesson, ...]

    def as_json(self) -> dict[str, Any]:
        return {"lessons": [lesson.as_json() for lesson in self.lessons]}


def lessons_dir() -> Path:
    import dlenv_lessons  # the top-level package that ships with dlenv; it imports nothing itself

    return Path(dlenv_lessons.__file__).parent


def lesson_names(root: Path | None = None) -> list[str]:
    """Packages under dlenv_lessons/ that `dlenv run` can run: an __init__.py and a train module."""
    root = root or lessons_dir()
    return sorted(p.parent.name for p in root.glob("*/train.py")
                  if not p.parent.name.startswith("_") and (p.parent / "__init__.py").is_file())  # fmt: skip


def discover(matrix: Matrix, root: Path | None = None) -> list[Lesson]:
    root = root or lessons_dir()
    found = []
    for name in lesson_names(root):
        init = root / name / "__init__.py"
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        rows = tuple(row.name for row in matrix.rows.values() if name in row.lessons)
        found.append(Lesson(name, doc.strip().splitlines()[0] if doc.strip() else "", rows))
    return found


def lesson_imports(name: str, root: Path | None = None) -> set[str]:
    """The top-level modules a lesson's files import (read with ast, nothing imported), the shared packages'
    it uses (dlenv_lessons._llm's transformers) included."""
    root = root or lessons_dir()
    found: set[str] = set()
    folders, seen = [root / name], set()
    while folders:
        folder = folders.pop()
        seen.add(folder.name)
        for path in folder.glob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                for module in names:
                    found.add(module.split(".")[0])
                    shared = module.split(".")[1] if module.startswith("dlenv_lessons._") else None
                    if shared and shared not in seen and (root / shared).is_dir():
                        folders.append(root / shared)
    return found
