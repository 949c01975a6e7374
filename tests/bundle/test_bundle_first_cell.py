"""Kaggle's first cell finds an attached bundle and installs from it; its Python runs here for real over a
fake /kaggle/input, with the %pip line recorded as IPython would expand it and then given to the real pip."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys

import pytest
from support import ROOT
from wheels import make_wheel

CELL = (ROOT / "platform" / "kaggle" / "first_cell.ipy").read_text(encoding="utf-8")
DLENV = "git+https://example.org/acme/dlenv@main"


def run_cell(capsys) -> tuple[str, str]:
    """The cell up to `import dlenv`, its %pip line turned into a record of the arguments IPython passes
    (names in braces expanded): (what pip is asked, what the cell printed)."""
    before_import = CELL.split("import dlenv\n")[0].replace('DLENV = "<where', f'DLENV = "{DLENV}"  # "<where')
    # the fake machine's /kaggle/input (the `machine` fixture roots it at DLENV_FS_ROOT)
    fake_input = f'INPUT = "{os.environ["DLENV_FS_ROOT"]}/kaggle/input"'
    before_import = before_import.replace('INPUT = "/kaggle/input"', fake_input)
    python = re.sub(r"^%pip (.*)$", r'PIP.append(f"""\1""")', before_import, flags=re.MULTILINE)
    namespace: dict = {"PIP": []}
    exec(compile(python, "first_cell.ipy", "exec"), namespace)
    (pip_line,) = namespace["PIP"]
    return pip_line, capsys.readouterr().out


@pytest.fixture
def kaggle(machine, monkeypatch):
    for name in ("PIP_NO_INDEX", "PIP_FIND_LINKS"):
        monkeypatch.delenv(name, raising=False)
    return machine


def bundle_at(root, path: str):
    folder = root / path.lstrip("/")
    folder.mkdir(parents=True)
    (folder / "dlenv-bundle.json").write_text("{}")
    make_wheel(folder, "dlenv", "0.1.0")
    return folder


def test_an_attached_bundle_is_what_pip_installs_from_now_and_in_the_bootstrap(kaggle, capsys):
    root = kaggle("/kaggle/input/competitions/titanic/")
    bundle = bundle_at(root, "/kaggle/input/datasets/alice/dlenv-bundle")
    pip_line, printed = run_cell(capsys)
    assert shlex.split(pip_line) == ["install", "-q", "--no-index", "--find-links", str(bundle), "dlenv"]
    assert os.environ["PIP_NO_INDEX"] == "1" and os.environ["PIP_FIND_LINKS"] == str(bundle)
    assert printed == f"installing dlenv from the bundle {bundle}\n"
    # the real pip, with the line as %pip gives it: dlenv comes from the bundle and nothing else
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull}
    args = [arg for arg in shlex.split(pip_line) if arg != "-q"]  # pip says what it would install
    dry = [sys.executable, "-m", "pip", *args, "--dry-run", "--ignore-installed"]
    proc = subprocess.run(dry, capture_output=True, text=True, env=env)
    assert proc.returncode == 0 and "Would install dlenv-0.1.0" in proc.stdout, proc.stderr


def test_the_legacy_mount_is_found_and_the_shallowest_bundle_wins(kaggle, capsys):
    root = kaggle.root
    bundle_at(root, "/kaggle/input/datasets/alice/dlenv-bundle")
    legacy = bundle_at(root, "/kaggle/input/dlenv-bundle")
    pip_line, _ = run_cell(capsys)
    assert f"--find-links {legacy} dlenv" in " ".join(shlex.split(pip_line))


def test_without_a_bundle_the_cell_installs_dlenv_from_its_source(kaggle, capsys):
    root = kaggle("/kaggle/input/competitions/titanic/train.csv")
    bundle_at(root, "/kaggle/input/a/b/c/d/too-deep")  # deeper than any mount Kaggle makes
    pip_line, printed = run_cell(capsys)
    assert shlex.split(pip_line) == ["install", "-q", DLENV]
    assert "PIP_NO_INDEX" not in os.environ and "PIP_FIND_LINKS" not in os.environ
    assert printed == f"installing {DLENV}\n"
