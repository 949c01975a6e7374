"""Every lesson's settings are bounded where its config is built: a bad `--set` is exit 2 with one line
naming the setting, before any framework loads, and never a traceback."""

from __future__ import annotations

import dataclasses
import importlib
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlenv.errors import BAD_INPUT, DlenvError
from dlenv.lessons_catalog import lesson_names
from dlenv.runner.config import build

LESSONS = lesson_names()
CONFIGS = {name: importlib.import_module(f"dlenv_lessons.{name}.config") for name in LESSONS}

# What a learner might type: numbers in every spelling, the edge values, and anything at all.
NUMBERS = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["0", "-0", "1", "-1", "nan", "NaN", "inf", "-inf", "1e309", "-1e309", "1e-320", "2**3", ""]),
)
TEXT = st.one_of(NUMBERS, st.text(max_size=12), st.sampled_from(["true", "false", "yes", ",", "copy,last", "last"]))


@st.composite
def overrides(draw) -> tuple[str, list[str]]:
    lesson = draw(st.sampled_from(LESSONS))
    keys = [f.name for f in dataclasses.fields(CONFIGS[lesson].Config)]
    chosen = draw(st.lists(st.sampled_from(keys), min_size=1, max_size=3))
    return lesson, [f"{key}={draw(TEXT)}" for key in chosen]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overrides(), st.booleans())
def test_any_set_value_builds_a_valid_config_or_is_one_line_of_bad_input(case, smoke):
    lesson, sets = case
    module = CONFIGS[lesson]
    try:
        cfg = build(module.Config, module.SMOKE if smoke else None, sets)
    except DlenvError as error:
        assert error.exit_code == BAD_INPUT
        assert "\n" not in error.message and error.message
        return
    for field in dataclasses.fields(cfg):  # what was built holds only finite numbers
        value = getattr(cfg, field.name)
        if isinstance(value, float):
            assert value == value and abs(value) != float("inf")


@pytest.mark.parametrize("lesson", LESSONS)
def test_defaults_and_smoke_values_are_within_bounds(lesson):
    module = CONFIGS[lesson]
    build(module.Config, None, [])
    build(module.Config, module.SMOKE, [])


@pytest.mark.parametrize(
    ("lesson", "item", "message"),
    [
        ("classification", "lr=nan", "--set lr=nan: expected a finite number"),
        ("classification", "lr=1e309", "--set lr=1e309: expected a finite number"),
        ("classification", "lr=-1", "--set lr=-1.0: must be above 0"),
        ("classification", "dropout=1", "--set dropout=1.0: must be at least 0 and below 1"),
        ("transformer", "heads=3", "--set heads=3: must divide d_model=128: did you mean heads=4?"),
        ("dedup", "bands=10", "--set bands=10: must divide num_perm=128: did you mean bands=8?"),
        ("dedup", "num_perm=1", "--set num_perm=1: must be at least 2"),
        ("dedup", "threshold=1.5", "--set threshold=1.5: must be at most 1"),
        ("tf_regularization", "train_size=5000", "--set train_size=5000: must be at most 1079"),
        ("prompting", "shots=4", "--set shots=4: must be at most max_shots=3"),
        ("prompting", "styles=few", "unknown value in --set styles 'few': did you mean 'few_shot'?"),
        ("lora", "task=copy", "--set task=copy: the base already learned it (base_tasks=copy,reverse,first)"),
        ("lora", "task=sortt", "unknown --set task 'sortt': did you mean 'sort'?"),
        ("lora", "task=last,first", "unknown --set task 'last,first'"),
        ("rlhf", "beta=0", "--set beta=0.0: must be above 0"),
    ],
)
def test_a_bad_setting_is_named_with_what_it_must_be(lesson, item, message):
    module = CONFIGS[lesson]
    with pytest.raises(DlenvError) as error:
        build(module.Config, None, [item])
    assert error.value.message.startswith(message) and error.value.exit_code == BAD_INPUT


@pytest.mark.parametrize("item", ["lr=nan", "lr=-1", "lr=1e309"])
def test_dlenv_run_refuses_a_bad_learning_rate_in_one_line(item, tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "dlenv", "run", "classification", "--set", item, "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == BAD_INPUT
    assert proc.stderr.startswith(f"error: --set {item.split('=')[0]}=") and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "metrics.json").exists()


def test_the_llm_task_names_are_the_tasks_the_lessons_generate():
    pytest.importorskip("transformers")
    from dlenv_lessons._llm.config import TASK_NAMES
    from dlenv_lessons._llm.tasks import TASKS

    assert tuple(TASKS) == TASK_NAMES


def test_a_config_module_imports_no_framework():
    code = (
        "import sys, importlib\n"
        "from dlenv.lessons_catalog import lesson_names\n"
        "for name in lesson_names(): importlib.import_module(f'dlenv_lessons.{name}.config')\n"
        "print(sorted(m for m in ('torch', 'tensorflow', 'transformers', 'keras') if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert proc.stdout.strip() == "[]"
