"""Image sizes: the report of a built image from the engine's recorded answers, and the estimate from
wheels, with PyPI's JSON answers recorded (no network in the default tests)."""

from __future__ import annotations

import pytest
from packaging.tags import Tag

from dlenv.images import sizes

# GET /images/dlenv:cpu/history (Docker Engine API): newest layer first.
HISTORY = [
    {
        "Id": "sha256:c3",
        "CreatedBy": '|0 /bin/sh -c pip install --no-cache-dir "/opt/dlenv[lessons,data]"',
        "Size": 412_000_000,
    },
    {"Id": "<missing>", "CreatedBy": "/bin/sh -c #(nop)  ENV PIP_CONSTRAINT=/etc/dlenv/constraints.txt", "Size": 0},
    {
        "Id": "<missing>",
        "CreatedBy": "/bin/sh -c python3 -m venv /opt/venv  && pip install   -r /tmp/requirements.txt",
        "Size": 1_950_000_000,
    },
    {"Id": "<missing>", "CreatedBy": "/bin/sh -c #(nop) ADD file:0b0f in / ", "Size": 78_100_000},
]


def test_the_report_lists_layers_first_to_last_with_the_image_size(matrix):
    report = sizes.measured(matrix.row("cpu"), "sha256:c3", 2_440_100_000, HISTORY)
    assert report["image"] == "dlenv:cpu" and report["base_image"] == "ubuntu:24.04"
    assert report["size_bytes"] == 2_440_100_000 and report["size_mb"] == 2440.1
    assert [layer["size_bytes"] for layer in report["layers"]] == [78_100_000, 1_950_000_000, 0, 412_000_000]
    assert (
        report["layers"][1]["created_by"]
        == "/bin/sh -c python3 -m venv /opt/venv && pip install -r /tmp/requirements.txt"
    )


# PyPI JSON API, /pypi/torch/json "releases" (trimmed to the files of one version; sizes as PyPI gives them).
TORCH_271 = [
    {"filename": "torch-2.7.1-cp312-cp312-manylinux_2_28_aarch64.whl", "size": 99_000_000},
    {"filename": "torch-2.7.1-cp312-cp312-manylinux_2_28_x86_64.whl", "size": 821_000_000},
    {"filename": "torch-2.7.1-cp312-none-macosx_11_0_arm64.whl", "size": 68_000_000},
    {"filename": "torch-2.7.1-cp311-cp311-manylinux_2_28_x86_64.whl", "size": 820_000_000},
]
SIX = [
    {"filename": "six-1.17.0.tar.gz", "size": 34_000},
    {"filename": "six-1.17.0-py2.py3-none-any.whl", "size": 11_000},
]


def test_the_wheel_is_the_one_pip_takes_on_the_images_python_and_glibc():
    tags = sizes.supported_tags("3.12", "24.04")
    assert Tag("cp312", "cp312", "manylinux_2_39_x86_64") in tags  # noble's glibc 2.39
    assert Tag("cp312", "cp312", "manylinux_2_40_x86_64") not in tags
    assert sizes.pick_wheel(TORCH_271, tags)["size"] == 821_000_000
    assert sizes.pick_wheel(SIX, tags)["filename"] == "six-1.17.0-py2.py3-none-any.whl"
    assert sizes.pick_wheel(TORCH_271, sizes.supported_tags("3.10", "22.04")) is None  # no cp310 file here


def test_wheel_sizes_add_up_and_name_what_has_no_wheel():
    answers = {
        "https://pypi.org/pypi/torch/json": {"releases": {"2.7.1": TORCH_271}},
        "https://pypi.org/pypi/six/json": {"releases": {"1.17.0": SIX}},
        "https://pypi.org/pypi/antlr4-python3-runtime/json": {
            "releases": {"4.9.3": [{"filename": "antlr4-python3-runtime-4.9.3.tar.gz", "size": 117_000}]}
        },
    }
    pins = {"torch": "2.7.1", "six": "1.17.0", "antlr4-python3-runtime": "4.9.3"}
    wheels = sizes.wheel_sizes(pins, sizes.supported_tags("3.12", "24.04"), answers.__getitem__)
    estimate = sizes.Estimate("cu126", "nvidia/cuda:12.6.3-base-ubuntu24.04", "3.12", tuple(wheels))
    report = estimate.as_json()
    assert report["wheels_mb"] == 821.0 and report["packages"] == 3
    assert report["unsized"] == ["antlr4-python3-runtime"]  # an sdist only: built in the image, not counted
    assert report["largest"][0] == {"name": "torch", "version": "2.7.1", "mb": 821.0}


def test_an_estimate_that_cannot_be_made_says_why_and_gives_no_number():
    estimate = sizes.Estimate("cpu", "ubuntu:24.04", "3.12", unknown="cannot resolve cpu for Python 3.12: ...")
    assert estimate.wheels_bytes is None and estimate.as_json()["wheels_mb"] is None


def test_dlenv_adds_its_own_dependencies_and_the_images_extras():
    from support import ROOT

    requirements = sizes.dlenv_requirements(ROOT)
    assert any(r.startswith("pydantic") for r in requirements)  # [project] dependencies
    assert any(r.startswith("kagglehub") for r in requirements)  # the data extra
    assert any(r.startswith("scikit-learn") for r in requirements)  # the lessons extra
    assert not any(r.startswith("transformers") for r in requirements)  # llm is not in the image's extras


@pytest.mark.network
def test_the_estimate_of_a_pypi_row_sums_real_wheels(matrix):
    from support import ROOT

    report = sizes.estimate(matrix.row("cu126"), ROOT).as_json()
    assert report["unknown"] is None and report["wheels_mb"] > 1000
    assert {w["name"] for w in report["largest"]} >= {"torch", "nvidia-cudnn-cu12"}
