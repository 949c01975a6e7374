"""What the doctor says: a verdict per rule, a Check per stable id, and the Report `--json` prints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

Status = Literal["ok", "warn", "fail", "skip"]


class Verdict(NamedTuple):
    """What a rule found. warn and fail always carry a fix: a driver to install, a row, a command."""

    status: Status
    message: str
    fix: str | None = None


def ok(message: str) -> Verdict:
    return Verdict("ok", message)


def skip(message: str) -> Verdict:
    return Verdict("skip", message)


def warn(message: str, fix: str) -> Verdict:
    return Verdict("warn", message, fix)


def fail(message: str, fix: str) -> Verdict:
    return Verdict("fail", message, fix)


@dataclass(frozen=True)
class Check:
    id: str  # stable (docs/DESIGN.md): never changes meaning
    status: Status
    message: str
    fix: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status, "message": self.message, "fix": self.fix}


@dataclass(frozen=True)
class Report:
    checks: tuple[Check, ...]
    recommended_row: str | None  # the matrix row's name

    @property
    def ok(self) -> bool:
        return not any(check.status == "fail" for check in self.checks)

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "recommended_env": self.recommended_row,  # the key keeps the name it was published with
            "checks": [check.as_json() for check in self.checks],
        }
