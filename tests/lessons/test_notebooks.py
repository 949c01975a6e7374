"""Every lesson's notebook (`dlenv notebook LESSON --smoke`) runs top to bottom in a kernel and learns: its
metrics clear the lesson's smoke bars, and its scalars make the results cell's training curves."""

from __future__ import annotations

import json

import pytest
from smoke_bars import LEARNS, failed

from dlenv.check.execute import run_notebook
from dlenv.lessons_catalog import Lesson
from dlenv.notebook import build, write
from dlenv.notebook.kernel import curves_png
from dlenv.runner.frameworks import lesson_framework, lesson_needs

pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

# Room for a busy machine: alone on two cores the slowest (prompting) takes minutes, the rest well under one.
TIMEOUT_S = 1200


def lesson_params() -> list:
    """Every lesson; those that need torchvision marked `vision` (run in nox's vision session)."""
    return [pytest.param(name, marks=pytest.mark.vision) if lesson_needs(name) else name for name in LEARNS]


@pytest.mark.parametrize("lesson", lesson_params())
def test_the_lessons_notebook_runs_to_the_end_and_learns(lesson, tmp_path, monkeypatch):
    pytest.importorskip(lesson_framework(lesson))
    (tmp_path / "home").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # the bootstrap's caches and constraints, not the user's
    path = write(build(Lesson(lesson, "", ()), "local", smoke=True), tmp_path / f"{lesson}.ipynb")
    before = path.read_bytes()
    run = run_notebook(path, timeout=TIMEOUT_S)
    assert run.status == "pass", f"cell {run.cell}: {run.error}"
    report = json.loads((tmp_path / "runs" / lesson / "metrics.json").read_text())  # OUT: runs/LESSON beside it
    assert report["smoke"] and report["lesson"] == lesson
    missed = failed(lesson, report["metrics"])
    assert not missed, f"{lesson}'s notebook missed: " + "; ".join(missed)
    assert curves_png(tmp_path / "runs" / lesson / "tb") is not None
    assert path.read_bytes() == before  # executing wrote nothing back
