from __future__ import annotations

import os
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
    """A copy of the checkout's matrix, derived files and record of measured runs, free to tamper with."""
    for rel in ("envs", "docker", "platform", "compose.yaml", "README.md", "README.zh-CN.md", "docs/measured"):
        source = ROOT / rel
        if source.is_dir():
            shutil.copytree(source, tmp_path / rel)
        elif source.is_file():
            shutil.copy(source, tmp_path / rel)
    return tmp_path


SIGNAL_PREFIXES = (
    *("KAGGLE", "COLAB", "DSW_", "PAI_", "HF_", "XDG_", "NVIDIA_", "MODELSCOPE", "WANDB", "AISTUDIO"),
    "WSL",  # WSL_DISTRO_NAME, WSL_INTEROP: the test machine may itself be WSL
)


@pytest.fixture
def machine(tmp_path, monkeypatch):
    """A fake machine: files under DLENV_FS_ROOT, a clean environment, HOME in the sandbox.

    machine("/kaggle/input/", "/var/colab/hostname", KAGGLE_KERNEL_RUN_TYPE="Batch") creates the
    folders (trailing '/') and files, and sets the variables.
    """
    root, home, cwd = tmp_path / "root", tmp_path / "home", tmp_path / "cwd"
    for folder in (root, home, cwd):
        folder.mkdir()
    for name in list(os.environ):
        if name.startswith(SIGNAL_PREFIXES):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DLENV_FS_ROOT", str(root))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(cwd)

    def make(*paths: str, **env: str) -> Path:
        for path in paths:
            target = root / path.lstrip("/")
            if path.endswith("/"):
                target.mkdir(parents=True, exist_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text("")
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return root

    make.root, make.home, make.cwd = root, home, cwd
    return make


# --- a session's choice of lessons (nox -s "smoke(row='cpu')" sets DLENV_TEST_LESSONS to the row's list) --------

LESSONS_ENV = "DLENV_TEST_LESSONS"


@pytest.hookimpl(tryfirst=True)  # before -k and -m deselect, so a named lesson is never missed by accident
def pytest_collection_modifyitems(config, items):
    """Keep only the smoke runs of the lessons DLENV_TEST_LESSONS names; a named lesson without one is an error."""
    wanted = [name for name in os.environ.get(LESSONS_ENV, "").split(",") if name]
    if not wanted:
        return
    kept, dropped, found = [], [], set()
    for item in items:
        lesson = getattr(item, "callspec", None) and item.callspec.params.get("lesson")
        if item.originalname == "test_smoke_run_learns" and lesson not in wanted:
            dropped.append(item)
        else:
            kept.append(item)
            found.add(lesson)
    missing = [name for name in wanted if name not in found]
    if missing:
        raise pytest.UsageError(
            f"{LESSONS_ENV} names lessons with no smoke test collected: {', '.join(missing)} "
            "(add them to LEARNS in tests/lessons/test_smoke.py)"
        )
    config.hook.pytest_deselected(items=dropped)
    items[:] = kept
