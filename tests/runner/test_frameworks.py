"""A TensorFlow lesson on a row without TensorFlow, or where TensorFlow is missing, stops before
anything imports it, with one line that says where it runs or what to install."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from dlenv.errors import DlenvError
from dlenv.facts import release_tuple
from dlenv.requirements import tensorflow_requirement
from dlenv.runner import frameworks
from dlenv.runner.frameworks import lesson_framework, require_tensorflow


def rows_running(matrix, lesson: str) -> list[str]:
    return [row.name for row in matrix.rows.values() if lesson in row.lessons]


def row_without_tensorflow(matrix):
    return next(row for row in matrix.rows.values() if not row.tensorflow)


def test_lessons_say_which_framework_they_need_without_being_imported():
    assert {name: lesson_framework(name) for name in ("tf_dnn", "tf_gradients", "tf_regularization")} == dict.fromkeys(
        ("tf_dnn", "tf_gradients", "tf_regularization"), "tensorflow"
    )
    assert lesson_framework("classification") == "torch"  # the default: no FRAMEWORK in its package


def test_dlenv_run_on_a_row_without_tensorflow_exits_2_naming_the_rows_that_have_it(matrix, tmp_path):
    row = row_without_tensorflow(matrix)
    env = {**os.environ, "DLENV_ENV": row.name}
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "dlenv", "run", "tf_dnn", "--out", str(out)],
                          capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
    assert proc.returncode == 2
    error, hint = proc.stderr.strip().splitlines()
    running = rows_running(matrix, "tf_dnn")
    assert error == (
        f"error: lesson tf_dnn needs TensorFlow, which row {row.name} does not pin; "
        f"rows that run it: {', '.join(running)}"
    )
    assert row.name not in running and len(running) >= 1
    assert hint == f"hint: {row.no_tensorflow_reason}"
    assert not out.exists()  # refused before the run began


def test_a_row_whose_tensorflow_predates_keras_3_is_refused_with_the_reason(matrix):
    """TensorFlow 2.14 (the last built for CUDA 11.8) ships Keras 2; the lessons use Keras 3."""
    row = next(row for row in matrix.rows.values() if row.tensorflow and "tf_dnn" not in row.lessons)
    assert release_tuple(row.tensorflow) < (2, 16)
    with pytest.raises(DlenvError) as error:
        require_tensorflow("tf_dnn", row.name)
    assert error.value.message == (
        f"lesson tf_dnn does not run on row {row.name}; rows that run it: {', '.join(rows_running(matrix, 'tf_dnn'))}"
    )
    assert error.value.hint.startswith(f"TensorFlow {row.tensorflow} comes with Keras 2")


def test_the_row_check_comes_before_tensorflow_is_imported(matrix, tmp_path):
    code = f"""
import sys
from pathlib import Path
from dlenv.errors import DlenvError
from dlenv.facts import release_tuple
from dlenv.runner import RunOptions, run
try:
    run("tf_gradients", RunOptions(out=Path({str(tmp_path)!r})))
except DlenvError as error:
    print(error.exit_code, "tensorflow" in sys.modules, "keras" in sys.modules)
"""
    env = {**os.environ, "DLENV_ENV": row_without_tensorflow(matrix).name}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.stdout.split() == ["2", "False", "False"], out.stderr[-2000:]


def test_a_missing_tensorflow_names_the_rows_pin_to_install(matrix, monkeypatch):
    monkeypatch.setattr(frameworks, "installed", lambda package: False)
    for row in (r for r in matrix.rows.values() if "tf_dnn" in r.lessons):
        with pytest.raises(DlenvError) as error:
            require_tensorflow("tf_dnn", row.name)
        assert error.value.message == "lesson tf_dnn needs TensorFlow, which is not installed here"
        assert error.value.exit_code == 2
        assert f"pip install '{tensorflow_requirement(row)}'" in error.value.hint
        assert ("environment of its own" in error.value.hint) == (row.tensorflow_env == "separate")


def test_a_missing_tensorflow_on_an_unknown_row_points_at_the_tf_extra(monkeypatch):
    monkeypatch.setattr(frameworks, "installed", lambda package: False)
    with pytest.raises(DlenvError) as error:
        require_tensorflow("tf_dnn", None)
    assert "dlenv[tf]" in error.value.hint


def test_a_row_with_tensorflow_installed_passes(matrix, monkeypatch):
    monkeypatch.setattr(frameworks, "installed", lambda package: True)
    for name in rows_running(matrix, "tf_dnn"):
        require_tensorflow("tf_dnn", name)
    require_tensorflow("tf_dnn", "a-row-the-matrix-does-not-know")


def test_the_vision_lessons_say_they_need_torchvision():
    from dlenv.runner.frameworks import lesson_needs

    assert {name: lesson_needs(name) for name in ("cnn", "transfer", "classification")} == {
        "cnn": ("torchvision",),
        "transfer": ("torchvision",),
        "classification": (),
    }


@pytest.mark.parametrize("row_name", ["cpu", "cu126", None])
def test_a_missing_torchvision_is_one_line_with_the_rows_own_build(monkeypatch, matrix, row_name):
    from dlenv.runner.frameworks import require_companions

    monkeypatch.setattr(frameworks, "installed", lambda package: package != "torchvision")
    with pytest.raises(DlenvError) as error:
        require_companions("cnn", lambda: row_name)
    assert str(error.value) == "lesson cnn needs torchvision, which is not installed here"
    if row_name is None:  # a torch no row pins: only the doctor knows its pair
        assert "dlenv doctor" in error.value.hint
        return
    row = matrix.row(row_name)
    assert error.value.hint.startswith(f"pip install -c envs/constraints/{row_name}.txt torchvision=={row.torchvision}")
    assert (row.torch_index or "") in error.value.hint


def test_a_lesson_with_its_torchvision_asks_no_row(monkeypatch):
    from dlenv.runner.frameworks import require_companions

    monkeypatch.setattr(frameworks, "installed", lambda package: True)
    require_companions("cnn", lambda: pytest.fail("the row is asked only when something is missing"))
