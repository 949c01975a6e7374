"""A checked notebook's report and the verdict: `fail` when any finding fails (or the notebook would not
run), `warn` when any warns, else `ok`; as the JSON of DESIGN.md ("Notebook check")."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dlenv.check.findings import FAIL, SEVERITY, WARN, Finding
from dlenv.check.imports import Source


@dataclass(frozen=True)
class Execution:
    status: str  # "pass", "fail" or "timeout"
    cell: int | None = None  # the first cell that failed or ran out of time
    error: str = ""  # its error line (`ModuleNotFoundError: No module named 'cv2'`)
    seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, "cell": self.cell, "error": self.error, "seconds": round(self.seconds, 1)}


@dataclass(frozen=True)
class NotebookReport:
    path: str
    imports: tuple[Source, ...] = ()
    findings: tuple[Finding, ...] = ()
    execution: Execution | None = None

    @property
    def verdict(self) -> str:
        if self.execution is not None and self.execution.status != "pass":
            return FAIL
        worst = max((SEVERITY[finding.status] for finding in self.findings), default=0)
        return FAIL if worst == SEVERITY[FAIL] else WARN if worst == SEVERITY[WARN] else "ok"

    def with_execution(self, execution: Execution) -> NotebookReport:
        return NotebookReport(self.path, self.imports, self.findings, execution)

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "verdict": self.verdict,
            "imports": [source.as_json() for source in self.imports],
            "findings": [finding.as_json() for finding in self.findings],
            "execution": self.execution.as_json() if self.execution else None,
        }


@dataclass(frozen=True)
class CheckReport:
    row: str
    platform: str
    notebooks: tuple[NotebookReport, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return all(notebook.verdict != FAIL for notebook in self.notebooks)

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "row": self.row, "platform": self.platform,
                "notebooks": [notebook.as_json() for notebook in self.notebooks]}  # fmt: skip
