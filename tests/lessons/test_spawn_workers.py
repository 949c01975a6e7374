"""DataLoader workers as Windows starts them: spawn, a fresh Python per worker that gets the dataset and
collate_fn by pickling and imports the main module again (fork does not exist there)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from smoke_bars import failed
from support import ROOT, dlenv_run, metrics

pytest.importorskip("torch")


def test_the_tensors_lessons_workers_start_by_spawn_and_still_see_every_sample(tmp_path):
    dlenv_run("tensors", "--smoke", "--set", "start_method=spawn", out=tmp_path)
    report = metrics(tmp_path)["metrics"]
    assert report["start_method"] == "spawn" and report["workers"] == 2
    assert not failed("tensors", report)  # every sample once, in order, batches of the right shape; it learns


def test_a_misspelt_start_method_is_one_line_naming_it(tmp_path):
    proc = dlenv_run("tensors", "--smoke", "--set", "start_method=spwan", out=tmp_path, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[0] == (
        "error: --set start_method=spwan: expected one of default, spawn, fork, forkserver: did you mean 'spawn'?"
    )


def loader_calls(path: Path) -> list[ast.Call]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "DataLoader"
    ]


def module_level_names(path: Path) -> set[str]:
    """What a spawned worker can find by importing the module: its top-level functions, classes and imports."""
    names = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update(alias.asname or alias.name.split(".")[0] for alias in node.names)
    return names


LESSON_FILES = sorted((ROOT / "dlenv_lessons").rglob("*.py"))


@pytest.mark.parametrize("path", [p for p in LESSON_FILES if loader_calls(p)], ids=lambda p: p.parent.name)
def test_a_lessons_collate_fn_is_picklable_for_spawned_workers(path):
    """A lambda or a function defined inside another cannot be pickled, so spawn (Windows) fails with it."""
    for call in loader_calls(path):
        keywords = {k.arg: k.value for k in call.keywords}
        workers = keywords.get("num_workers")
        if workers is None or (isinstance(workers, ast.Constant) and workers.value == 0):
            continue
        for name in ("collate_fn", "worker_init_fn"):
            given = keywords.get(name)
            if given is not None:
                where = f"{path.relative_to(ROOT)}:{call.lineno} {name}"
                assert isinstance(given, ast.Name), f"{where} is not a plain name: spawned workers cannot pickle it"
                assert given.id in module_level_names(path), f"{where}={given.id} is not defined at module level"
