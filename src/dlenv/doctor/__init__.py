"""`dlenv doctor`: does this machine's driver, GPU, CUDA, cuDNN and framework builds fit together?

`diagnose(probe, matrix)` runs every rule (rules.py) over a probe (probe.py, collected live by
collect.py or replayed from a file) and recommends the newest matrix row that fits the machine
(rows.py); report.py holds what it says.
"""

from __future__ import annotations

from dlenv.doctor.probe import Probe
from dlenv.doctor.report import Check, Report
from dlenv.doctor.rows import recommend
from dlenv.doctor.rules import RuleContext, run_rules
from dlenv.matrix import Matrix

__all__ = ["Check", "Report", "diagnose"]


def diagnose(probe: Probe, matrix: Matrix, row_name: str | None = None) -> Report:
    """Judge what is installed, or with `row_name` the matrix row of that name, against the machine."""
    row = matrix.row(row_name) if row_name is not None else None
    recommended = recommend(probe, matrix)
    checks = run_rules(RuleContext(probe, matrix, recommended, row))
    return Report(checks, recommended.row.name if recommended.row else None)
