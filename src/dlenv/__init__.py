"""dlenv: deep-learning lessons that run the same on a laptop, in Docker and on cloud notebooks.

Importing dlenv is cheap and imports no framework (torch, tensorflow, transformers) and none of the
CLI's libraries: notebooks import it before they know what is installed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dlenv.bootstrap import BootstrapReport

__version__ = "0.1.0"


def bootstrap(mirror: str | None = None, install: bool = True, lessons: tuple[str, ...] = ()) -> BootstrapReport:
    """Get a notebook ready for the lessons: caches, mirrors, credentials, missing packages, the doctor.

    In the first cell of a Kaggle, Colab, AI Studio or PAI-DSW notebook:

        import dlenv
        dlenv.bootstrap()                      # dlenv.bootstrap(lessons=("tf_dnn",)) adds the row's TensorFlow

    Prints what it did (names only, never secret values) and returns the report.
    """
    from dlenv.bootstrap import run, summary
    from dlenv.matrix import load_matrix
    from dlenv.paths import default_matrix_path

    report = run(load_matrix(default_matrix_path()), mirror=mirror, install=install, lessons=tuple(lessons))
    print(summary(report))
    return report
