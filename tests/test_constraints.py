"""envs/constraints/<row>.txt: the pins that keep a row's torch through later pip installs.

The files are checked against the matrix, then shown to work with the real pip: a dry run over a
folder of tiny wheels (no network, nothing installed) where an unconstrained `pip install torchvision`
drags in another torch and the row's constraints file stops it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from packaging.requirements import Requirement
from support import ROOT
from wheels import make_wheel

from dlenv.requirements import constraints


def pins(row_name: str) -> list[str]:
    text = (ROOT / "envs" / "constraints" / f"{row_name}.txt").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def test_each_constraints_file_pins_exactly_the_rows_builds(matrix):
    for row in matrix.rows.values():
        expected = [f"torch=={row.torch}", f"torchvision=={row.torchvision}"]
        expected += [f"torchaudio=={row.torchaudio}"] if row.torchaudio else []
        if row.cuda:
            # the cuDNN wheel torch pins: -cu11 for CUDA 11.8, -cu12, -cu13 (envs/matrix.toml's [pypi] notes)
            expected.append(f"nvidia-cudnn-cu{row.cuda.split('.')[0]}=={row.cudnn}")
        assert pins(row.name) == expected == constraints(row), row.name


def test_cudnn_wheel_names_follow_the_cuda_major(matrix):
    assert pins("cu118")[-1] == "nvidia-cudnn-cu11==9.1.0.70"
    assert pins("cu126")[-1] == "nvidia-cudnn-cu12==9.5.1.17"
    assert pins("cu130")[-1] == "nvidia-cudnn-cu13==9.24.0.43"
    assert not any(line.startswith("nvidia") for line in pins("cpu"))


def test_constraints_files_hold_versions_only(matrix):
    for row in matrix.rows.values():
        for line in pins(row.name):
            requirement = Requirement(line)  # no index options, no URLs, no extras
            assert not requirement.extras and not requirement.url, line
            (spec,) = requirement.specifier
            assert spec.operator == "==", line


def test_the_header_says_how_to_use_it(matrix):
    for row in matrix.rows.values():
        text = (ROOT / "envs" / "constraints" / f"{row.name}.txt").read_text(encoding="utf-8")
        assert f"PIP_CONSTRAINT=envs/constraints/{row.name}.txt pip install torchvision" in text
        assert f"pip install -c envs/constraints/{row.name}.txt -U transformers" in text
        # a +cpu/+cu118 build is only on the row's index, which a constraints file cannot name
        assert (f"#   --extra-index-url {row.torch_index}" in text) == bool(row.torch_index), row.name


# --- the real pip, offline: what the constraints file changes --------------------------------------


@pytest.fixture(scope="module")
def wheels(tmp_path_factory):
    """torch 2.14.1 (cu130's) and a newer 2.15.0, each with the torchvision built for it."""
    folder = tmp_path_factory.mktemp("wheels")
    make_wheel(folder, "torch", "2.14.1")
    make_wheel(folder, "torch", "2.15.0")
    make_wheel(folder, "torchvision", "0.29.1", ["torch==2.14.1"])
    make_wheel(folder, "torchvision", "0.30.0", ["torch==2.15.0"])
    return folder


def pip_dry_run(wheels, *args: str, **pip_env: str) -> subprocess.CompletedProcess[str]:
    """`pip install --dry-run` over the wheel folder only: this machine's pip configuration, indexes,
    find-links and global constraints (PIP_* variables, pip.conf) are left out; `pip_env` goes in."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("PIP_")}
    env |= {"PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1", **pip_env}
    command = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet"]
    command += ["--no-index", "--find-links", str(wheels), "--report", "-", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=wheels, timeout=60)


def chosen(proc: subprocess.CompletedProcess[str]) -> dict[str, str]:
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    return {item["metadata"]["name"]: item["metadata"]["version"] for item in report["install"]}


def test_without_the_constraints_torchvision_drags_in_another_torch(wheels):
    assert chosen(pip_dry_run(wheels, "torchvision")) == {"torchvision": "0.30.0", "torch": "2.15.0"}


@pytest.mark.parametrize("how", ["-c", "PIP_CONSTRAINT"])
def test_the_rows_constraints_file_keeps_its_torch(wheels, how):
    constraints_file = str(ROOT / "envs" / "constraints" / "cu130.txt")  # as rendered, cuDNN line and all
    if how == "-c":
        proc = pip_dry_run(wheels, "-c", constraints_file, "torchvision")
    else:  # as dlenv's images and the bootstrap set it
        proc = pip_dry_run(wheels, "torchvision", PIP_CONSTRAINT=constraints_file)
    assert chosen(proc) == {"torchvision": "0.29.1", "torch": "2.14.1"}


def test_asking_for_another_torch_under_the_constraints_is_refused(wheels):
    proc = pip_dry_run(wheels, "-c", str(ROOT / "envs" / "constraints" / "cu130.txt"), "torch==2.15.0")
    assert proc.returncode != 0
    assert "ResolutionImpossible" in proc.stderr
