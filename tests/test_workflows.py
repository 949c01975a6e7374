""".github/workflows/: valid against GitHub's workflow schema, and running the sessions they promise.

The schema is SchemaStore's github-workflow.json as vendored by check-jsonschema (a dev dependency of
dlenv); actionlint, which checks more (expressions, action inputs, shell), runs in CI's lint job.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from support import ROOT, posix_only

WORKFLOWS = ROOT / ".github" / "workflows"


def validate(*files: Path) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows"]
    return subprocess.run([*argv, *map(str, files)], capture_output=True, text=True)


def load(name: str) -> dict:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    workflow["on"] = workflow.pop(True, workflow.get("on"))  # YAML 1.1 reads the key `on` as true
    return workflow


def runs(workflow: dict) -> list[str]:
    return [step.get("run", "") for job in workflow["jobs"].values() for step in job.get("steps", [])]


def test_every_workflow_matches_githubs_schema():
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert {f.name for f in files} >= {"ci.yml", "gpu.yml", "images.yml"}
    proc = validate(*files)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_schema_check_catches_a_misspelt_key(tmp_path):
    broken = tmp_path / "ci.yml"
    broken.write_text((WORKFLOWS / "ci.yml").read_text().replace("runs-on:", "runs_on:", 1))
    proc = validate(broken)
    assert proc.returncode == 1 and "runs_on" in proc.stdout


def test_ci_runs_lint_the_test_suite_and_the_cpu_rows_smoke_runs():
    commands = runs(load("ci.yml"))
    for command in ("nox -s lint", "nox -s tests", "nox -s \"smoke(row='cpu')\""):
        assert command in commands


def test_ci_runs_the_test_suite_on_windows_too():
    job = load("ci.yml")["jobs"]["tests-windows"]
    assert job["runs-on"] == "windows-latest"
    assert any(step.get("run", "").startswith("nox -s tests") for step in job["steps"])


def test_the_gpu_workflow_runs_gpu_tests_on_a_gpu_runner_by_hand_and_weekly_and_uploads_the_results():
    workflow = load("gpu.yml")
    assert set(workflow["on"]) == {"workflow_dispatch", "schedule"}
    (job,) = workflow["jobs"].values()
    assert job["runs-on"] == ["self-hosted", "gpu"]
    assert "python3 -m nox -s gpu_tests" in job["steps"][1]["run"]
    upload = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["if"] == "always()"
    assert upload["with"]["path"].split() == ["benchmarks/*/cuda/", "benchmarks/report/"]


@posix_only("the step is a bash script that runs on ubuntu-latest")
def test_the_images_workflow_builds_and_runs_every_rows_image_and_pushes_only_on_tags(matrix, tmp_path):
    workflow = load("images.yml")
    assert set(workflow["on"]["push"]) == {"tags"}
    (step,) = [s for s in workflow["jobs"]["rows"]["steps"] if s.get("id") == "rows"]
    output = tmp_path / "github_output"
    env = {**os.environ, "GITHUB_OUTPUT": str(output), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    subprocess.run(["bash", "-e", "-c", step["run"]], cwd=ROOT, env=env, check=True)
    assert output.read_text() == f"rows={list(matrix.rows)}\n".replace("'", '"')
    steps = workflow["jobs"]["image"]["steps"]
    # every row's image is built and run by the nox session, on a runner without a GPU
    assert workflow["jobs"]["image"]["runs-on"] == "ubuntu-latest"
    assert any(s.get("run") == "python -m nox -s \"images(row='${{ matrix.row }}')\"" for s in steps)
    report = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert report["if"] == "always()" and report["with"]["path"] == "runs/images/"
    push = next(s for s in steps if "docker push" in s.get("run", ""))
    assert push["if"] == "startsWith(github.ref, 'refs/tags/v')"
    assert 'docker tag "dlenv:$ROW"' in push["run"]  # the image the session checked, not a rebuild


@pytest.mark.parametrize("name", ["ci.yml", "gpu.yml", "images.yml"])
def test_workflows_grant_the_token_no_more_than_reading_the_code(name):
    assert load(name)["permissions"] == {"contents": "read"}


def test_ci_runs_the_suite_on_every_python_of_the_cpu_row(matrix):
    # `nox -s tests` installs the cpu row: each Python the row lists is one CI proves
    cpu = next(row for row in matrix.rows.values() if row.cuda is None)
    assert load("ci.yml")["jobs"]["tests"]["strategy"]["matrix"]["python"] == list(cpu.python)
