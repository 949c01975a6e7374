"""The tiny Llama dlenv ships for the fine-tuning lessons: it knows its base tasks and not the new one,
its recipe is the lessons' default shape, and the command that rebuilds it writes a loadable base."""

from __future__ import annotations

import json

import pytest
from support import dlenv_run

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from dlenv_lessons._llm import tasks  # noqa: E402
from dlenv_lessons._llm.base import RECIPE, main  # noqa: E402
from dlenv_lessons._llm.config import SHIPPED_BASE, AdapterConfig  # noqa: E402
from dlenv_lessons._llm.model import load_pretrained  # noqa: E402


@pytest.fixture(scope="module")
def shipped():
    return load_pretrained(str(SHIPPED_BASE))


@pytest.mark.parametrize(("task", "low", "high"), [("copy", 0.95, 1), ("reverse", 0.95, 1), ("first", 0.95, 1),
                                                   ("last", 0, 0.1)])  # fmt: skip
def test_the_shipped_base_knows_its_tasks_and_not_the_new_one(shipped, task, low, high):
    model, tokenizer = shipped
    with torch.no_grad():
        score = tasks.exact_match(model, tokenizer, tasks.examples([task], 100, seed=12345))
    assert low <= score <= high


def test_the_shipped_recipe_is_the_lessons_default_shape():
    recipe = json.loads((SHIPPED_BASE / RECIPE).read_text())
    cfg = AdapterConfig()
    assert recipe["tasks"] == cfg.base_tasks.split(",") and recipe["lr"] == cfg.base_lr
    assert {k: getattr(cfg, k) for k in recipe["shape"] if hasattr(cfg, k)} == {
        k: v for k, v in recipe["shape"].items() if hasattr(cfg, k)
    }


def test_another_shape_without_pretraining_is_one_line_of_bad_input(tmp_path):
    proc = dlenv_run("lora", "--set", "hidden=384", out=tmp_path, check=False)
    assert proc.returncode == 2
    error, hint = proc.stderr.strip().splitlines()[-2:]
    assert error == "error: --set hidden=384: the shipped base has hidden=192"
    assert hint == "hint: add --set base_steps=3000 to pretrain a base of your own into OUT/base"


def test_the_rebuild_command_writes_a_base_that_loads(tmp_path):
    main([str(tmp_path / "base"), "--steps", "3"])
    recipe = json.loads((tmp_path / "base" / RECIPE).read_text())
    assert recipe["steps"] == 3 and recipe["tasks"] == ["copy", "reverse", "first"]
    model, tokenizer = load_pretrained(str(tmp_path / "base"))
    assert model.config.hidden_size == 192 and tokenizer.pad_token is not None
