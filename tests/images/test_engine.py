"""The Docker engine side of the images session, on this machine, which has no engine: the refusal for
real (the SDK, the `python -m dlenv.images` command, the nox session), and what needs no engine: the
build's arguments from the matrix and the handling of the engine's recorded build stream."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import ROOT

from dlenv.errors import FAILED, DlenvError
from dlenv.images import engine

NO_ENGINE = not Path("/var/run/docker.sock").exists() and "DOCKER_HOST" not in os.environ
needs_no_engine = pytest.mark.skipif(not NO_ENGINE, reason="this machine has a Docker engine")


@needs_no_engine
def test_without_an_engine_connect_refuses_naming_the_default_socket():
    with pytest.raises(DlenvError) as error:
        engine.connect({})
    assert error.value.exit_code == FAILED
    assert error.value.message.startswith(
        "no Docker engine answers (DOCKER_HOST is unset, so the default socket unix:///var/run/docker.sock): "
    )
    assert "\n" not in error.value.message and "DOCKER_HOST" in error.value.hint


def test_a_docker_host_that_does_not_answer_is_named(tmp_path):
    address = f"unix://{tmp_path}/docker.sock"
    with pytest.raises(DlenvError, match=f"no Docker engine answers \\(DOCKER_HOST={address}\\)"):
        engine.connect({"DOCKER_HOST": address})


def images(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dlenv.images", *args], capture_output=True, text=True, env={**os.environ, **env}
    )


@needs_no_engine
def test_the_check_refuses_in_one_line_before_building(tmp_path):
    proc = images("check", "cu128", "--out", str(tmp_path))
    assert proc.returncode == 1
    error, hint = proc.stderr.splitlines()
    assert error.startswith("error: no Docker engine answers") and "unix:///var/run/docker.sock" in error
    assert hint.startswith("hint: start Docker, or set DOCKER_HOST")
    assert not list(tmp_path.iterdir())  # no report of a check that never ran


def test_an_unknown_row_is_bad_input():
    proc = images("check", "cu12")
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[0] == "error: unknown matrix row 'cu12': did you mean 'cu121'?"


@pytest.mark.network  # the session installs the Docker SDK into its own venv
@pytest.mark.slow
@needs_no_engine
@pytest.mark.skipif(shutil.which("nox") is None, reason="nox is not installed")
def test_the_nox_session_refuses_without_an_engine(tmp_path):
    env = {**os.environ, "NOX_ENVDIR": str(tmp_path)}
    command = ["nox", "-f", str(ROOT / "noxfile.py"), "--envdir", str(tmp_path), "-s", "images(row='cpu')"]
    proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 1
    (aborted,) = [line for line in proc.stderr.splitlines() if "aborted" in line]
    assert "Session images(row='cpu') aborted: no Docker engine answers" in aborted
    assert "unix:///var/run/docker.sock" in aborted and "docker build" not in proc.stderr


def test_the_build_uses_the_rows_rendered_dockerfile_and_composes_tag(matrix):
    options = engine.build_options(matrix.row("cu126"), ROOT)
    assert options["path"] == str(ROOT)
    assert (ROOT / options["dockerfile"]).is_file() and options["dockerfile"] == "docker/cu126/Dockerfile"
    assert options["tag"] == "dlenv:cu126"  # compose.yaml's image for DLENV_ENV=cu126
    assert options["labels"] == {"dlenv.row": "cu126", "dlenv.torch": "2.7.1"}
    assert options["decode"] is True  # the stream comes as dicts, line by line


# The engine's /build stream as the SDK decodes it (Docker Engine API, "Build an image").
STREAM_OK = [
    {"stream": "Step 1/14 : FROM nvidia/cuda:12.6.3-base-ubuntu24.04"},
    {"stream": "\n"},
    {"status": "Pulling from nvidia/cuda", "id": "12.6.3-base-ubuntu24.04"},
    {"stream": " ---> 1b0c3b5e4e1f\n"},
    {"aux": {"ID": "sha256:5d1c0a"}},
    {"stream": "Successfully tagged dlenv:cu126\n"},
]
STREAM_FAILED = [
    {"stream": "Step 7/14 : RUN python3 -m venv /opt/venv && pip install --no-cache-dir -r /tmp/requirements.txt\n"},
    {"stream": "ERROR: Could not find a version that satisfies the requirement torch==2.7.1\n"},
    {
        "errorDetail": {"code": 1, "message": "The command '/bin/sh -c python3 -m venv' returned a non-zero code: 1"},
        "error": "The command '/bin/sh -c python3 -m venv' returned a non-zero code: 1",
    },
]


def test_the_build_log_is_passed_on_line_by_line(matrix):
    lines: list[str] = []
    engine.build_log(iter(STREAM_OK), matrix.row("cu126"), lines.append)
    assert lines == [
        "Step 1/14 : FROM nvidia/cuda:12.6.3-base-ubuntu24.04",
        "Pulling from nvidia/cuda 12.6.3-base-ubuntu24.04",
        " ---> 1b0c3b5e4e1f",
        "Successfully tagged dlenv:cu126",
    ]


def test_a_failing_build_shows_its_log_then_stops_in_one_line(matrix):
    lines: list[str] = []
    with pytest.raises(DlenvError) as error:
        engine.build_log(iter(STREAM_FAILED), matrix.row("cu126"), lines.append)
    assert lines[-1] == "ERROR: Could not find a version that satisfies the requirement torch==2.7.1"
    assert error.value.message == (
        "building dlenv:cu126 failed: The command '/bin/sh -c python3 -m venv' returned a non-zero code: 1"
    )
    assert error.value.exit_code == FAILED


def test_the_gpu_is_requested_as_docker_run_gpus_all():
    assert engine.gpu_requests(False) is None
    (request,) = engine.gpu_requests(True)
    assert request["Count"] == -1 and request["Capabilities"] == [["gpu"]]
