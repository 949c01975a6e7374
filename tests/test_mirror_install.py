"""Installs through a mirror, with every other host blocked: a local index server stands in for TUNA (PEP 503 at
/simple/) and for Aliyun's PyTorch wheels (a flat page per build at /pytorch-wheels/cpu/). Real pip and uv,
real HTTP; any other host goes through a dead proxy, so a request that escapes the mirror fails and shows."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import venv
from functools import cache
from pathlib import Path
from types import SimpleNamespace

import pytest
from indexserver import IndexServer
from packaging.requirements import Requirement
from support import ROOT
from wheels import make_wheel

import dlenv.bootstrap
from dlenv.bootstrap import extra_requirements, plan_install
from dlenv.requirements import environments

DEAD_PROXY = "http://127.0.0.1:9"  # the discard port: nothing answers there
TORCH_WHEELS = ("torch", "torchvision")


def a_version(requirement: Requirement) -> str:
    pinned = [s.version for s in requirement.specifier if s.operator == "=="]
    return pinned[0] if pinned else next(v for v in ("1.0", "99.0") if requirement.specifier.contains(v))


@pytest.fixture(scope="module")
def mirror(tmp_path_factory, matrix):
    """The cpu row's packages and the bootstrap's extras as tiny wheels: torch's build on the PyTorch mirror
    only, everything else on the PyPI mirror only."""
    simple, cpu = tmp_path_factory.mktemp("simple"), tmp_path_factory.mktemp("cpu")
    for line in [*environments(matrix.row("cpu"))[0].requirements, *extra_requirements()]:
        requirement = Requirement(line)
        folder = cpu if requirement.name in TORCH_WHEELS else simple
        make_wheel(folder, requirement.name, a_version(requirement), extras={e: [] for e in requirement.extras})
    server = IndexServer(simple, {"cpu": cpu})
    yield server
    server.stop()


@pytest.fixture
def mirror_environ(mirror, monkeypatch):
    """This process's environment as `eval "$(dlenv mirror cn)"` would leave it, with the mirrors local: no pip
    configuration file or variable of this machine's, every other host behind the dead proxy."""
    for name in [n for n in os.environ if n.startswith(("PIP_", "UV_")) or "proxy" in n.lower()]:
        monkeypatch.delenv(name)
    wanted = dict(
        PIP_CONFIG_FILE=os.devnull,  # pip's docs: os.devnull loads no configuration file
        PIP_INDEX_URL=f"{mirror.url}/simple",
        DLENV_TORCH_INDEX=f"{mirror.url}/pytorch-wheels",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_RETRIES="0",
        UV_NO_CACHE="1",
        HTTP_PROXY=DEAD_PROXY, HTTPS_PROXY=DEAD_PROXY, http_proxy=DEAD_PROXY, https_proxy=DEAD_PROXY,
        NO_PROXY="127.0.0.1", no_proxy="127.0.0.1",
    )  # fmt: skip
    for name, value in wanted.items():
        monkeypatch.setenv(name, value)  # the real environment: pip and uv run as subprocesses
    mirror.requests.clear()
    return os.environ


def versions(python: Path, *names: str) -> dict[str, str]:
    code = f"import importlib.metadata as m, json; print(json.dumps({{n: m.version(n) for n in {list(names)!r}}}))"
    return json.loads(subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True).stdout)


def escaped(output: str) -> list[str]:
    """Lines of pip's output that name a host other than the mirror, or the dead proxy."""
    return [line for line in output.splitlines() if "download.pytorch.org" in line or "127.0.0.1:9/" in line
            or "ProxyError" in line or "pypi.org" in line]  # fmt: skip


def test_the_bootstraps_pip_installs_the_rows_torch_from_the_torch_mirror(
    mirror, mirror_environ, matrix, tmp_path, monkeypatch, capfd
):
    image = tmp_path / "image"
    venv.create(image, with_pip=True)  # a platform's interpreter with no torch
    monkeypatch.setattr(sys, "executable", str(image / "bin" / "python"))
    plan = plan_install({}, None, matrix, matrix.row("cpu"))
    assert plan.index_urls == ("https://download.pytorch.org/whl/cpu",)  # the row's own, as the matrix says

    dlenv.bootstrap._pip_install(plan)

    output = capfd.readouterr()
    assert not escaped(output.out + output.err)
    assert versions(image / "bin" / "python", "torch", "torchvision", "transformers") == {
        "torch": "2.13.0+cpu", "torchvision": "0.28.0+cpu", "transformers": "5.20.2"
    }  # fmt: skip
    assert "/files/cpu/torch-2.13.0+cpu-py3-none-any.whl" in mirror.requests  # torch from the torch mirror
    assert "/files/simple/transformers-5.20.2-py3-none-any.whl" in mirror.requests  # the rest from the PyPI one


@cache  # registering the sessions twice is an error in later nox
def load_noxfile():
    spec = importlib.util.spec_from_file_location("dlenv_noxfile", ROOT / "noxfile.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class PipSession:
    """What nox's session gives the install helpers: `env`, `install` (pip, here into `target`'s interpreter),
    and the venv's location."""

    def __init__(self, target: Path) -> None:
        self.env: dict[str, str] = {}
        self.virtualenv = SimpleNamespace(location=str(target))
        self.python = target / "bin" / "python"
        self.output = ""

    def install(self, *args: str) -> None:
        command = [sys.executable, "-m", "pip", "--python", str(self.python), "install", *args]
        proc = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **self.env})
        self.output += proc.stdout + proc.stderr
        assert proc.returncode == 0, self.output


def test_nox_installs_the_rows_torch_through_the_mirror_and_retries(mirror, mirror_environ, tmp_path):
    noxfile = load_noxfile()
    target = tmp_path / "venv"
    venv.create(target, with_pip=False)
    session = PipSession(target)

    noxfile.install_torch(session, "cpu", torchvision=True)

    assert session.env["PIP_RETRIES"] == "5" and session.env["PIP_TIMEOUT"] == "60"  # a mirror is retried
    assert not escaped(session.output)
    assert versions(session.python, "torch", "torchvision") == {"torch": "2.13.0+cpu", "torchvision": "0.28.0+cpu"}
    assert "/pytorch-wheels/cpu/" in mirror.requests


def test_nox_installs_a_rows_requirements_file_through_the_mirror(mirror, mirror_environ, tmp_path):
    noxfile = load_noxfile()
    target = tmp_path / "venv"
    venv.create(target, with_pip=False)
    session = PipSession(target)

    noxfile.install_row(session, "cpu")

    copy = (target / "cpu.txt").read_text(encoding="utf-8")
    assert f"--find-links {mirror.url}/pytorch-wheels/cpu/" in copy and "download.pytorch.org" not in copy
    assert not escaped(session.output)
    assert versions(session.python, "torch", "tensorflow-cpu")["torch"] == "2.13.0+cpu"


def test_without_a_mirror_nox_fails_fast_on_an_unreachable_index(monkeypatch, tmp_path):
    for name in ("PIP_INDEX_URL", "DLENV_TORCH_INDEX"):
        monkeypatch.delenv(name, raising=False)
    session = PipSession(tmp_path)
    load_noxfile().pip_network(session)
    assert session.env == {"PIP_RETRIES": "0"}


def test_matrix_check_resolves_against_the_mirrors_it_finds_in_the_environment(mirror, mirror_environ, cli):
    result = cli("matrix", "check", "cpu", "--python", "3.12", "--json")
    assert result.code == 0, result.stdout + result.stderr
    (outcome,) = json.loads(result.stdout)["results"]
    assert outcome["status"] == "ok" and outcome["detail"] == "7 packages, no CUDA libraries"
    assert "/pytorch-wheels/cpu/" in mirror.requests and "/simple/peft/" in mirror.requests
