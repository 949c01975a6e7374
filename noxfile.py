"""dlenv's sessions. `nox -s tests` is what CI and .ci/run run.

Sessions use pip in a plain venv (not uv): on a machine whose pip is set up with local wheels
(a CPU torch, say), those are what pip finds.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nox

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

nox.needs_version = ">=2024.4.15"
nox.options.default_venv_backend = "venv"
nox.options.sessions = ["lint", "tests"]


def install_torch(session: nox.Session, row_name: str = "cpu") -> None:
    """A row's torch, from its index where it has one (an unpinned torch is a multi-GB CUDA build)."""
    with Path("envs/matrix.toml").open("rb") as f:
        row = tomllib.load(f)["rows"][row_name]
    # Fail fast on an index this machine cannot reach instead of retrying it for every package.
    session.env["PIP_RETRIES"] = "0"
    index = ["--extra-index-url", row["torch_index"]] if "torch_index" in row else []
    session.install(f"torch=={row['torch']}", *index)


def install_cpu_torch(session: nox.Session) -> None:
    install_torch(session, "cpu")


def this_machines_row(session: nox.Session) -> str:
    """The row the doctor recommends for this machine's driver, GPU and Python (cpu without a GPU)."""
    session.install("-e", ".")
    report = session.run("python", "-m", "dlenv", "doctor", "--json", silent=True, success_codes=[0, 1])
    return json.loads(report)["recommended_env"] or "cpu"


@nox.session
def tests(session: nox.Session) -> None:
    """The CPU test suite: no GPU, no network; the lessons' smoke runs included (the cpu row installed:
    torch, TensorFlow, transformers, PEFT, TRL, bitsandbytes)."""
    session.env["PIP_RETRIES"] = "0"  # fail fast on an index this machine cannot reach
    session.install("-r", "envs/requirements/cpu.txt")
    session.install("-e", ".[dev,lessons,llm]")
    session.run("pytest", "-m", "not network and not bench", *session.posargs)


@nox.session(default=False)
def lesson(session: nox.Session) -> None:
    """Run one lesson on this machine's row: `nox -s lesson -- classification [dlenv run options]`."""
    if not session.posargs:
        session.error("name a lesson: nox -s lesson -- classification")
    install_torch(session, this_machines_row(session))
    session.install("-e", ".[lessons]")
    session.run("dlenv", "run", *session.posargs)


@nox.session(default=False)
def smoke(session: nox.Session) -> None:
    """Every lesson's --smoke run, each asserted to learn (tests/lessons)."""
    install_cpu_torch(session)
    session.install("-e", ".[dev,lessons]")
    session.run("pytest", "tests/lessons", "-k", "smoke", *session.posargs)


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
