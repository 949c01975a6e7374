"""DLENV_TEST_LESSONS: how nox -s "smoke(row=...)" runs only the lessons its matrix row lists."""

from __future__ import annotations

import os
import subprocess
import sys

from support import ROOT

SMOKE_TEST = "tests/lessons/test_smoke.py::test_smoke_run_learns"


def collect(lessons: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DLENV_TEST_LESSONS": lessons}
    argv = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q", SMOKE_TEST, *args]
    return subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=env)


def test_only_the_named_lessons_smoke_runs_are_collected():
    proc = collect("tensors,classification")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    collected = [line.split("[")[1].rstrip("]") for line in proc.stdout.splitlines() if line.startswith(SMOKE_TEST)]
    assert sorted(collected) == ["classification", "tensors"]


def test_a_named_lesson_without_a_smoke_test_is_an_error_not_a_silent_pass():
    proc = collect("classification,no_such_lesson", "-k", "classification")
    assert proc.returncode == 4  # pytest's usage error
    assert "DLENV_TEST_LESSONS names lessons with no smoke test collected: no_such_lesson" in proc.stderr
