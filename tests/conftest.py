from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from support import ROOT

from dlenv.cli import main
from dlenv.matrix import Matrix, load_matrix


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(capsys):
    """Run `dlenv ARGS...` in-process; returns the exit code and what it printed."""

    def run(*args: str) -> Result:
        capsys.readouterr()
        try:
            main(list(args))
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else 1
        else:  # pragma: no cover - main always exits
            code = 0
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def matrix() -> Matrix:
    return load_matrix(ROOT / "envs" / "matrix.toml")


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """A copy of the checkout's matrix and derived files, free to tamper with."""
    for rel in ("envs", "docker", "compose.yaml", "README.md", "README.zh-CN.md"):
        source = ROOT / rel
        if source.is_dir():
            shutil.copytree(source, tmp_path / rel)
        else:
            shutil.copy(source, tmp_path / rel)
    return tmp_path
