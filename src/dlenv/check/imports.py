"""What a notebook imports, and where each import comes from: the distribution that provides it (the
installed packages' own metadata first, then dlenv's and pipreqs' import-name tables), its version here,
and the matrix rows that pin it."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from dlenv.facts import FACTS_DIR, _load
from dlenv.matrix import Matrix

PIPREQS_MAPPING = FACTS_DIR / "pipreqs_mapping.txt"
# IPython's and Jupyter's own modules: present wherever a notebook runs.
KERNEL_MODULES = frozenset({"IPython", "ipykernel", "ipywidgets", "__future__"})


@dataclass(frozen=True)
class Imported:
    module: str  # the top-level name: `torch` for `from torch.nn import Linear`
    cell: int
    line: int


@dataclass(frozen=True)
class Source:
    """Where an import comes from."""

    module: str
    distribution: str | None  # None: the standard library, the kernel, or a module beside the notebook
    installed: str | None  # the version installed here
    rows: tuple[str, ...] = ()  # the matrix rows that pin it
    kind: str = "package"  # "package", "stdlib", "kernel" or "local"

    def as_json(self) -> dict[str, Any]:
        return {"module": self.module, "distribution": self.distribution, "installed": self.installed,
                "rows": list(self.rows)}  # fmt: skip


def imported(cell: int, tree: ast.Module) -> list[Imported]:
    """The absolute imports in a cell's code, in order (relative ones are the notebook's own package; a
    platform's own module, google.colab, is dlenv.check.paths' to report)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [Imported(name.split(".")[0], cell, node.lineno) for name in names if not platform_module(name)]
    return sorted(found, key=lambda item: item.line)


def platform_module(name: str) -> bool:
    from dlenv.check.paths import PLATFORM_MODULES

    return any(name == module or name.startswith(module + ".") for module in PLATFORM_MODULES)


@dataclass
class Sources:
    """Answers where an import comes from, for one check: what is installed, which rows pin what."""

    installed_modules: Mapping[str, list[str]]  # importlib.metadata.packages_distributions()
    installed_versions: Mapping[str, str]  # canonical distribution -> version
    row_pins: Mapping[str, Mapping[str, str]]  # row -> canonical distribution -> version
    _cache: dict[tuple[str, str], Source] = field(default_factory=dict)

    @classmethod
    def here(cls, matrix: Matrix) -> Sources:
        from dlenv.doctor.collect import installed_versions

        return cls(metadata.packages_distributions(), installed_versions(), row_pins(matrix))

    def of(self, module: str, beside: Path | None = None) -> Source:
        """Where `module` comes from for a notebook in the folder `beside`."""
        key = (module, str(beside))
        if key not in self._cache:
            self._cache[key] = self._find(module, beside)
        return self._cache[key]

    def _find(self, module: str, beside: Path | None) -> Source:
        if module in sys.stdlib_module_names:
            return Source(module, None, None, kind="stdlib")
        if module in KERNEL_MODULES:
            return Source(module, None, None, kind="kernel")
        if beside is not None and ((beside / f"{module}.py").is_file() or (beside / module / "__init__.py").is_file()):
            return Source(module, None, None, kind="local")
        distribution = self.distribution(module)
        name = canonicalize_name(distribution)
        names = {name, canonicalize_name(module)}  # tensorflow: installed as tensorflow-cpu or not
        rows = tuple(row for row, pins in self.row_pins.items() if names & set(pins))
        return Source(module, distribution, self.installed_versions.get(name), rows)

    def distribution(self, module: str) -> str:
        installed = self.installed_modules.get(module)
        if installed:
            return installed[0]
        return import_names().get(module) or module


@cache
def import_names() -> dict[str, str]:
    """dlenv's [names] over pipreqs' mapping (import name -> distribution)."""
    names = {}
    for line in PIPREQS_MAPPING.read_text(encoding="utf-8").splitlines():
        module, _, distribution = line.strip().partition(":")
        if module and distribution:
            names[module] = distribution
    names.update(_load("import_names.toml")["names"])
    return names


def row_pins(matrix: Matrix) -> dict[str, dict[str, str]]:
    """Each row's pinned distributions (canonical name -> version), from the requirements it installs;
    tensorflow-cpu and tensorflow[and-cuda] both count as tensorflow, what `import tensorflow` needs."""
    from dlenv.requirements import environments

    pins: dict[str, dict[str, str]] = {}
    for name, row in matrix.rows.items():
        pinned = pins.setdefault(name, {})
        for line in (line for env in environments(row) for line in env.requirements):
            requirement, _, version = line.partition("==")
            distribution = canonicalize_name(requirement.split("[")[0])
            pinned[distribution] = version
            if distribution == "tensorflow-cpu":
                pinned["tensorflow"] = version
    return pins


def installed_by_pip(commands: Iterable[str]) -> set[str]:
    """The distributions (canonical) that the notebook's own pip lines install, so their imports are not missing."""
    from dlenv.check.pip_lines import parse

    return {canonicalize_name(req.name) for command in commands if (pip := parse(command)) for req in pip.requirements}
