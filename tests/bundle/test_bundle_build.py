"""dlenv bundle against the real pip, offline: a folder of tiny wheels is the package index.

The target is a Python 3.12 image on glibc 2.35 holding torch 2.13.0 and numpy 1.26.0; the wheels on
offer include builds for other Pythons and newer glibcs, a torch 2.14.0, and a bitsandbytes whose next
release needs that newer torch.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from wheels import make_wheel

from dlenv.bootstrap import InstallPlan
from dlenv.bundle import build
from dlenv.bundle.dlenv_wheel import DlenvWheel
from dlenv.bundle.manifest import MANIFEST
from dlenv.bundle.target import Target, manylinux_tags
from dlenv.datasets.download import sha256_of as sha256
from dlenv.errors import DlenvError

IMAGE = {"torch": "2.13.0", "numpy": "1.26.0", "requests": "2.0"}


def tagged(folder: Path, name: str, version: str, tag: str, requires: list[str] = ()) -> Path:
    """A tiny wheel under a platform tag: pip chooses wheels by their file name's tags."""
    plain = make_wheel(folder, name, version, list(requires))
    return plain.rename(folder / plain.name.replace("py3-none-any", tag))


@pytest.fixture
def index(tmp_path, monkeypatch):
    """The tiny wheels, as pip's only source (no configuration, no index of this machine)."""
    folder = tmp_path / "index"
    folder.mkdir()
    make_wheel(folder, "torch", "2.13.0")
    make_wheel(folder, "torch", "2.14.0")
    make_wheel(folder, "numpy", "1.26.0")  # the image's own builds are on offer too: still never bundled
    make_wheel(folder, "numpy", "2.0.0")
    make_wheel(folder, "bnb", "1.0", ["torch>=2.13", "fastlib", "numpy"])
    make_wheel(folder, "bnb", "2.0", ["torch>=2.14"])  # newer, but needs a torch the image does not have
    tagged(folder, "fastlib", "1.0", "cp312-cp312-manylinux_2_28_x86_64")
    tagged(folder, "fastlib", "1.0", "cp311-cp311-manylinux_2_28_x86_64")
    tagged(folder, "fastlib", "1.1", "cp312-cp312-manylinux_2_39_x86_64")  # too new a glibc for the image
    make_wheel(folder, "forces-torch", "1.0", ["torch==2.14.0"])
    make_wheel(folder, "lessons-dep", "1.0")
    for name in list(os.environ):
        if name.startswith("PIP_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(folder))
    return folder


def tiny_dlenv(folder: Path) -> DlenvWheel:
    """dlenv's wheel, as tiny as the rest: what matters here is that its dependencies come along."""
    return DlenvWheel(make_wheel(folder, "dlenv", "0.1.0", ["lessons-dep"]), "a tiny stand-in")


def image_target(**changes) -> Target:
    found = Target("kaggle", "3.12", manylinux_tags(35), dict(IMAGE), None, None)
    return Target(**{**found.__dict__, **changes})


def plan_for(matrix, *requirements: str, constraints=("torch==2.13.0", "numpy==1.26.0")) -> InstallPlan:
    return InstallPlan(matrix.row("cpu"), requirements, constraints)


def files_of(bundle: Path) -> set[str]:
    return {path.name for path in bundle.iterdir()}


def test_pip_downloads_for_the_images_python_and_glibc_and_never_its_torch(index, tmp_path, matrix):
    made = build(image_target(), plan_for(matrix, "bnb"), tmp_path / "bundle", tiny_dlenv)
    assert files_of(made.path) == {
        "dlenv-0.1.0-py3-none-any.whl",
        "lessons_dep-1.0-py3-none-any.whl",
        "bnb-1.0-py3-none-any.whl",  # not 2.0: the image's torch 2.13.0 holds
        "fastlib-1.0-cp312-cp312-manylinux_2_28_x86_64.whl",  # Python 3.12, glibc <= 2.35
        "README.txt",
        MANIFEST,
    }
    manifest = json.loads((made.path / MANIFEST).read_text())
    assert manifest["kept"] == ["torch==2.13.0", "numpy==1.26.0"] and manifest["python"] == "3.12"
    assert manifest["requirements"] == ["bnb"] and manifest["platform"] == "kaggle"
    assert manifest["dlenv_wheel"] == "dlenv-0.1.0-py3-none-any.whl" and manifest["image"] is None


def test_the_manifest_lists_every_file_with_its_hash_and_size(index, tmp_path, matrix):
    made = build(image_target(), plan_for(matrix, "bnb"), tmp_path / "bundle", tiny_dlenv)
    listed = json.loads((made.path / MANIFEST).read_text())["files"]
    assert {f["name"] for f in listed} == files_of(made.path) - {MANIFEST}
    for entry in listed:
        path = made.path / entry["name"]
        assert entry["sha256"] == sha256(path) and entry["size"] == path.stat().st_size
    assert "pip install --no-index --find-links BUNDLE dlenv" in (made.path / "README.txt").read_text()


def test_a_dependency_that_needs_another_torch_fails_naming_it(index, tmp_path, matrix):
    with pytest.raises(DlenvError) as error:
        build(image_target(), plan_for(matrix, "forces-torch"), tmp_path / "bundle", tiny_dlenv)
    assert error.value.exit_code == 1 and "torch" in error.value.message
    assert error.value.message.startswith("pip download failed: ")
    # nothing half-made is left beside --out
    assert list(tmp_path.iterdir()) == [index]


def test_a_new_bundle_replaces_an_old_one_and_a_foreign_folder_is_refused(index, tmp_path, matrix):
    out = tmp_path / "bundle"
    build(image_target(), plan_for(matrix, "bnb"), out, tiny_dlenv)
    build(image_target(), plan_for(matrix, "lessons-dep"), out, tiny_dlenv)
    assert not any(name.startswith("bnb") for name in files_of(out))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle", "index"]
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine")
    with pytest.raises(DlenvError, match="exists and is no dlenv bundle"):
        build(image_target(), plan_for(matrix, "bnb"), foreign, tiny_dlenv)
    assert files_of(foreign) == {"keep.txt"}


def test_pip_installs_from_the_bundle_alone_into_a_fresh_venv(index, tmp_path, matrix):
    """This Python and this machine's tags: the bundle installs with --no-index beside the venv's torch."""
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    abi = f"cp{sys.version_info.major}{sys.version_info.minor}"
    tagged(index, "fastlib", "1.0", f"{abi}-{abi}-manylinux_2_28_x86_64")
    made = build(image_target(python=here), plan_for(matrix, "bnb"), tmp_path / "bundle", tiny_dlenv)
    kernel = tmp_path / "kernel"
    venv.EnvBuilder(with_pip=True).create(kernel)
    pip = [str(kernel / "bin" / "python"), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, "torch==2.13.0", "numpy==1.26.0"], check=True)  # the image
    shutil.rmtree(index)  # from here on the bundle is all there is
    env = {**os.environ, "PIP_FIND_LINKS": ""}
    subprocess.run([*pip, "--no-index", "--find-links", str(made.path), "dlenv", "bnb"], check=True, env=env)
    listed = subprocess.run(
        [str(kernel / "bin" / "python"), "-m", "pip", "list", "--format", "json"], capture_output=True, text=True
    )
    installed = {p["name"]: p["version"] for p in json.loads(listed.stdout)}
    assert installed["dlenv"] == "0.1.0" and installed["bnb"] == "1.0" and installed["torch"] == "2.13.0"
    assert installed["fastlib"] == "1.0" and installed["lessons-dep"] == "1.0"
