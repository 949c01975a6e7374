"""The release: the wheel `pip wheel` builds from this checkout carries what an installed dlenv needs
(.ci/check_dist.py, which the release workflow runs), and the workflow publishes only what it checked."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from support import ROOT
from test_workflows import load

spec = importlib.util.spec_from_file_location("check_dist", ROOT / ".ci" / "check_dist.py")
check_dist = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_dist)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # hatchling is in the dev extra: built without an isolated build environment, the wheel needs no index
    argv = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(out), str(ROOT)]
    built = subprocess.run(argv, capture_output=True, text=True)
    assert built.returncode == 0, built.stdout + built.stderr
    (built,) = out.glob("dlenv-*.whl")
    return built


def test_the_wheel_carries_the_matrix_the_platforms_and_every_lesson(wheel):
    assert check_dist.problems(wheel) == []
    names = zipfile.ZipFile(wheel).namelist()
    assert "dlenv/data/matrix.toml" in names and "dlenv_lessons/cnn/train.py" in names


def test_a_wheel_without_a_lesson_is_refused(wheel, tmp_path):
    broken = tmp_path / wheel.name
    with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            if not item.filename.startswith("dlenv_lessons/transfer/"):
                target.writestr(item, source.read(item))
    found = check_dist.problems(broken)
    assert "missing from the wheel: dlenv_lessons/transfer/train.py" in found
    assert any(problem.startswith("dlenv lessons lists") and "'transfer'" in problem for problem in found)
    assert check_dist.main([str(broken)]) == 1


def test_the_release_workflow_publishes_only_a_checked_build_from_a_tag():
    workflow = load("release.yml")
    assert workflow["on"]["push"]["tags"] == ["v*"]
    build = [step.get("run", "") for step in workflow["jobs"]["build"]["steps"]]
    assert "python -m build" in build and "python -m twine check --strict dist/*" in build
    checks = next(run for run in build if ".ci/check_dist.py" in run)
    assert "--python /tmp/clean/bin/python" in checks and "pip install dist/*.whl" in checks
    publish = workflow["jobs"]["publish"]
    assert publish["needs"] == "build" and publish["if"] == "startsWith(github.ref, 'refs/tags/v')"
    assert publish["permissions"] == {"id-token": "write"}  # trusted publishing: no token stored anywhere
    assert publish["steps"][-1]["uses"] == "pypa/gh-action-pypi-publish@release/v1"
