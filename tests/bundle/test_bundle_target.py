"""What goes into a bundle: the target's Python, tags and packages, and the bootstrap's own install plan."""

from __future__ import annotations

import dataclasses
import platform

import pytest

from dlenv.bootstrap import plan_install
from dlenv.bundle.target import install_plan, manylinux_tags, target
from dlenv.doctor.collect import installed_versions
from dlenv.errors import DlenvError
from dlenv.platforms.images import image, torch_cuda


def names(requirements) -> set[str]:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    return {canonicalize_name(Requirement(line).name) for line in requirements}


def test_a_recorded_image_gives_its_python_glibc_tags_and_packages():
    found = target("colab")
    colab = image("colab", "gpu")
    assert found.python == "3.13" and found.abi == "cp313" and found.image == colab
    # Ubuntu 22.04: glibc 2.35, each manylinux_2_X named down to 2_17, then manylinux2014
    assert found.platform_tags[0] == "manylinux_2_35_x86_64" and found.platform_tags[-1] == "manylinux2014_x86_64"
    assert "manylinux_2_28_x86_64" in found.platform_tags and "manylinux_2_39_x86_64" not in found.platform_tags
    assert found.installed == colab.packages and found.torch_cuda == "12.8"


def test_the_bundle_asks_for_exactly_what_the_bootstrap_would_install(matrix):
    colab = image("colab", "gpu")
    plan = install_plan(target("colab"), matrix)
    same = plan_install(colab.packages, torch_cuda(colab), matrix, plan.row)
    assert plan == same
    asked = names(plan.requirements)
    assert {"trl", "bitsandbytes"} <= asked  # what Colab lacks
    assert not asked & {"torch", "torchvision", "torchaudio", "tensorflow", "numpy", "transformers"}
    assert "torch==2.11.0+cu128" in plan.constraints and "numpy==2.1.3" in plan.constraints


def test_an_image_without_torch_gets_the_rows_torch_from_its_index(matrix):
    cpu = target("colab", variant="cpu")
    without_torch = {name: v for name, v in cpu.installed.items() if name not in ("torch", "torchvision", "torchaudio")}
    plan = install_plan(dataclasses.replace(cpu, installed=without_torch, torch_cuda=None), matrix, "cpu")
    assert "torch" in names(plan.requirements) and plan.index_urls == ("https://download.pytorch.org/whl/cpu",)


def test_local_is_this_environment():
    found = target("local")
    assert found.image is None and found.python == ".".join(platform.python_version_tuple()[:2])
    assert found.installed == installed_versions() and found.warnings == ()
    assert any(tag.startswith("manylinux") for tag in found.platform_tags)


def test_another_python_than_the_images_warns():
    found = target("colab", "3.12")
    assert found.python == "3.12"
    assert "--python 3.12 overrides colab/gpu's recorded Python 3.13.15" in found.warnings


def test_manylinux_tags_of_an_older_glibc():
    assert manylinux_tags(17) == ("manylinux_2_17_x86_64", "manylinux2014_x86_64")


@pytest.mark.parametrize(
    "args, message",
    [
        (("kagle",), "unknown platform 'kagle': did you mean 'kaggle'?"),
        (("colab", "3.x"), "--python 3.x: not a Python version"),
        (("colab", None, "tpu"), "unknown colab image variant 'tpu'"),
        (("local", None, "gpu"), "--variant gpu: local has no recorded images, its bundle is for this environment"),
    ],
)
def test_bad_input_is_one_line_naming_it(args, message):
    with pytest.raises(DlenvError) as error:
        target(*args)
    assert error.value.message.startswith(message) and error.value.exit_code == 2


def test_a_platform_without_a_recorded_image_is_refused_with_the_ones_that_have_one(cli, tmp_path, monkeypatch):
    import dlenv.bundle.target as target

    recorded = target.images()
    missing = "aistudio"  # as if its image were not recorded
    monkeypatch.setattr(target, "images", lambda: [i for i in recorded if i.platform != missing])
    result = cli("bundle", "--platform", missing, "--out", str(tmp_path / "b"))
    assert result.code == 2 and result.stderr.startswith(f"error: no image of {missing} is recorded")
    assert "colab" in result.stderr and not (tmp_path / "b").exists()
