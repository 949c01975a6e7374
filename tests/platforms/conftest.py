from __future__ import annotations

import os
from pathlib import Path

import pytest

SIGNAL_PREFIXES = ("KAGGLE", "COLAB", "DSW_", "PAI_", "HF_", "XDG_", "NVIDIA_", "MODELSCOPE", "WANDB", "AISTUDIO")


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
