"""AI Studio resets site-packages on restart: the bootstrap installs into /home/aistudio/external-libraries
(its profile's [install] target) and the next session finds what is there. Real pip, into a real folder,
from a folder of tiny wheels; a fresh virtual environment stands in for the platform's image."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from wheels import make_wheel

import dlenv.bootstrap
from dlenv.bootstrap import plan_install, run, summary
from dlenv.doctor.collect import installed_versions

# What AI Studio's image holds in a fresh session (as the plan reads it): its torch, numpy, and pip.
IMAGE = {"torch": "2.7.1", "numpy": "2.1.3", "pip": "24.0"}


@pytest.fixture
def session(machine, monkeypatch):
    """A fresh AI Studio kernel: its own environment variables and sys.path, thrown away after the test."""
    root = machine("/home/aistudio/work/", "/home/aistudio/data/")
    monkeypatch.setattr(os, "environ", dict(os.environ))
    monkeypatch.setattr(sys, "path", list(sys.path))
    return root


def version_for(requirement: Requirement) -> str:
    """A version the requirement accepts: its pin, else the first candidate in range."""
    return next(v for v in ("1.0", "99.0", "0.1") if requirement.specifier.contains(v, prereleases=True))


def exact(requirement: str) -> tuple[str, str]:
    parsed = Requirement(requirement)
    pinned = [s.version for s in parsed.specifier if s.operator == "=="]
    return parsed.name, pinned[0] if pinned else version_for(parsed)


def folder_versions(folder: Path) -> dict[str, str]:
    """installed_versions() as a session whose only added sys.path entry is `folder` sees it."""
    saved = sys.path[:]
    try:
        sys.path[:] = [str(folder)]
        return installed_versions()
    finally:
        sys.path[:] = saved


def test_the_bootstrap_puts_external_libraries_on_sys_path_and_pythonpath(session, matrix):
    report = run(matrix, install=False)
    target = session / "home/aistudio/external-libraries"
    assert report.platform.install_target == str(target) and target.is_dir()
    assert sys.path.count(str(target)) == 1 and os.environ["PYTHONPATH"].split(os.pathsep)[-1] == str(target)
    assert "PYTHONPATH" in report.environment
    run(matrix, install=False)  # a second call in the same kernel adds it nowhere twice
    assert sys.path.count(str(target)) == 1 and os.environ["PYTHONPATH"].count(str(target)) == 1


def test_a_subprocess_imports_what_is_in_external_libraries(session, matrix):
    run(matrix, install=False)
    target = session / "home/aistudio/external-libraries"
    (target / "kept_between_sessions.py").write_text("WHERE = __file__\n")
    proc = subprocess.run(
        [sys.executable, "-c", "import kept_between_sessions as k; print(k.WHERE)"],
        capture_output=True, text=True, env=os.environ, check=True,
    )  # fmt: skip
    assert proc.stdout.strip() == str(target / "kept_between_sessions.py")


def test_elsewhere_nothing_is_added_to_the_path(machine, matrix, monkeypatch):
    machine("/kaggle/input/", KAGGLE_KERNEL_RUN_TYPE="Interactive", KAGGLE_DATA_PROXY_URL="http://proxy")
    monkeypatch.setattr(os, "environ", dict(os.environ))
    before = sys.path[:]
    report = run(matrix, install=False)
    assert report.platform.install_target is None and sys.path == before and "PYTHONPATH" not in report.environment


def test_pip_installs_into_external_libraries_and_the_next_session_installs_nothing(
    session, matrix, tmp_path, monkeypatch
):
    report = run(matrix, install=False)
    target = Path(report.platform.install_target)
    first = plan_install(IMAGE, "12.6", matrix, matrix.row("cu126"), target=target)
    # a lesson helper that needs pip, which the image has: --target alone would copy pip into the folder
    first = dataclasses.replace(first, requirements=(*first.requirements, "lesson-helper==1.0"))
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    for requirement in first.requirements[:-1]:
        make_wheel(wheels, *exact(requirement))
    make_wheel(wheels, "lesson-helper", "1.0", ["pip"])
    image = tmp_path / "image"
    venv.create(image, with_pip=True)  # the platform's interpreter: pip and nothing else
    os.environ.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheels), PIP_DISABLE_PIP_VERSION_CHECK="1")
    os.environ.pop("PIP_CONSTRAINT", None)
    monkeypatch.setattr(sys, "executable", str(image / "bin" / "python"))
    dlenv.bootstrap._pip_install(first)

    found = folder_versions(target)
    wanted = {Requirement(r).name.lower().replace("_", "-"): exact(r)[1] for r in first.requirements}
    assert found == wanted  # every missing package, at its pin, and nothing the image already has
    assert "pip" not in found and "torch" not in found and "numpy" not in found

    later = plan_install({**IMAGE, **found}, "12.6", matrix, matrix.row("cu126"))
    assert later.requirements == ()  # a restarted session reinstalls nothing


def test_the_summary_says_where_the_packages_go(session, matrix):
    report = run(matrix, install=False)
    report.plan = plan_install(IMAGE, "12.6", matrix, matrix.row("cu126"), target=report.plan.target)
    assert f"to install into {report.platform.install_target} (row cu126): " in summary(report)
