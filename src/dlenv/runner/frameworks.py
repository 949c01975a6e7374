"""Which framework a lesson needs, and whether this environment has it: answered before the lesson is
imported, so a row without TensorFlow is a one-line error rather than an ImportError's traceback."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable

from dlenv.errors import DlenvError

TORCH, TENSORFLOW = "torch", "tensorflow"
KERAS_3_TENSORFLOW = (2, 16)  # TensorFlow 2.16 made Keras 3 its keras (TF 2.16 release notes)


def lesson_framework(name: str) -> str:
    """`FRAMEWORK` in dlenv_lessons/NAME/__init__.py (a package that imports nothing), "torch" when absent."""
    return getattr(importlib.import_module(f"dlenv_lessons.{name}"), "FRAMEWORK", TORCH)


def lesson_needs(name: str) -> tuple[str, ...]:
    """`NEEDS` in dlenv_lessons/NAME/__init__.py: what the lesson imports beside its framework that a matrix
    row pins to the framework's build (torchvision), so it cannot be left to the lesson's ImportError."""
    return tuple(getattr(importlib.import_module(f"dlenv_lessons.{name}"), "NEEDS", ()))


def installed(package: str) -> bool:
    return importlib.util.find_spec(package) is not None


def require_tensorflow(lesson: str, row_name: str | None) -> None:
    """Fail with the rows that run `lesson` when this row does not (no TensorFlow, or one too old for
    Keras 3), or with what to install when the row runs it but TensorFlow is missing here. A row the
    matrix does not know is only checked for TensorFlow itself."""
    from dlenv.facts import release_tuple
    from dlenv.matrix import load_matrix
    from dlenv.paths import default_matrix_path
    from dlenv.requirements import tensorflow_requirement

    rows = load_matrix(default_matrix_path()).rows
    running = ", ".join(row.name for row in rows.values() if lesson in row.lessons)
    row = rows.get(row_name) if row_name else None
    if row is not None and not row.tensorflow:
        raise DlenvError(
            f"lesson {lesson} needs TensorFlow, which row {row.name} does not pin; rows that run it: {running}",
            hint=row.no_tensorflow_reason,
        )
    if row is not None and lesson not in row.lessons:
        keras2 = release_tuple(row.tensorflow) < KERAS_3_TENSORFLOW
        raise DlenvError(
            f"lesson {lesson} does not run on row {row.name}; rows that run it: {running}",
            hint=f"TensorFlow {row.tensorflow} comes with Keras 2; the Keras lessons are written for Keras 3 "
            "(TensorFlow 2.16 and later)"
            if keras2
            else None,
        )
    if not installed(TENSORFLOW):
        if row is not None:
            where = " in an environment of its own" if row.tensorflow_env == "separate" else ""
            hint = f"pip install '{tensorflow_requirement(row)}'{where} (row {row.name}'s pin)"
        else:
            hint = "pip install 'dlenv[tf]', or the TensorFlow of your matrix row (dlenv matrix)"
        raise DlenvError(f"lesson {lesson} needs TensorFlow, which is not installed here", hint=hint)


def require_companions(lesson: str, row_of: Callable[[], str | None]) -> None:
    """Fail with the exact pin when a package the lesson needs (torchvision) is missing: the row's build,
    installed under the row's constraints so it cannot replace the row's torch."""
    missing = [package for package in lesson_needs(lesson) if not installed(package)]
    if not missing:
        return
    from dlenv.matrix import load_matrix
    from dlenv.paths import default_matrix_path

    row_name = row_of()
    row = load_matrix(default_matrix_path()).rows.get(row_name) if row_name else None
    if row is None:
        hint = f"pip install {' '.join(missing)} built for your torch (dlenv doctor names the pin)"
    else:
        pins = " ".join(f"{name}=={getattr(row, name)}" for name in missing)
        index = f" --extra-index-url {row.torch_index}" if row.torch_index else ""
        hint = f"pip install -c envs/constraints/{row.name}.txt {pins}{index}  (row {row.name}'s build)"
    raise DlenvError(f"lesson {lesson} needs {', '.join(missing)}, which is not installed here", hint=hint)


def gpu_available(framework: str) -> bool:
    """Whether `framework` sees a CUDA GPU. Called once the lesson (and so its framework) is imported."""
    if framework == TENSORFLOW:
        import tensorflow as tf

        return bool(tf.config.list_physical_devices("GPU"))
    import torch

    return torch.cuda.is_available()
