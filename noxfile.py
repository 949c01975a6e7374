"""dlenv's sessions. `nox -s tests` is what CI and .ci/run run.

Sessions use pip in a plain venv (not uv): on a machine whose pip is set up with local wheels
(a CPU torch, say), those are what pip finds.
"""

from __future__ import annotations

import nox

nox.needs_version = ">=2024.4.15"
nox.options.default_venv_backend = "venv"
nox.options.sessions = ["lint", "tests"]


@nox.session
def tests(session: nox.Session) -> None:
    """The CPU test suite: no GPU, no network."""
    session.install("-e", ".[dev]")
    session.run("pytest", "-m", "not network and not bench", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff, and the derived files against envs/matrix.toml."""
    session.install("-e", ".[dev]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("dlenv", "render", "--check")


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Benchmarks, in the environment of the cpu row (torch, TensorFlow, bitsandbytes): JSON under .benchmarks/."""
    session.install("-r", "envs/requirements/cpu.txt")
    session.install("-e", ".[dev]", "pytest-benchmark>=4")
    session.run("pytest", "-m", "bench", "tests/bench", "--benchmark-autosave", *session.posargs)


@nox.session(default=False)
def matrix_check(session: nox.Session) -> None:
    """Prove with the resolver that every row's pins install together (needs PyPI and the torch indexes).

    Arguments go to `dlenv matrix check`: `nox -s matrix_check -- cu126 --python 3.12`.
    """
    session.install("-e", ".[dev]")
    session.run("dlenv", "matrix", "check", *(session.posargs or ["--all"]))
