"""What a rule found in a notebook: one `Finding` per problem, by cell and line."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

FAIL, WARN, INFO = "fail", "warn", "info"
SEVERITY = {INFO: 0, WARN: 1, FAIL: 2}  # a notebook's verdict is its worst finding's


@dataclass(frozen=True)
class Finding:
    rule: str  # e.g. "pip-replaces-torch", "foreign-path", "api-drift", "secret"
    status: str  # FAIL, WARN or INFO
    cell: int | None  # 1-based position among the notebook's cells (a .py file is cell 1); None: the file
    line: int | None  # 1-based line within the cell
    message: str  # what is wrong, never a secret's value
    fix: str = ""  # what to do instead

    def as_json(self) -> dict[str, Any]:
        return asdict(self)
