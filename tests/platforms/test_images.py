"""The platforms' recorded images: what they hold, and what the bootstrap does there."""

from __future__ import annotations

import pytest
from support import ROOT

from dlenv.errors import DlenvError
from dlenv.platforms.images import image, images, load_image, torch_cuda

COLAB_GPU = ROOT / "platform" / "colab" / "images" / "gpu.txt"


def freeze_lines(path):
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]


def test_every_fixture_is_dated_sourced_and_names_its_python():
    found = images()
    assert {i.platform for i in found} >= {"colab"}
    for recorded in found:
        assert recorded.sources and all(s.startswith("https://") for s in recorded.sources), recorded.name
        assert recorded.python.count(".") == 2, recorded.name
        assert recorded.recorded[:2] == "20", recorded.name
    assert found == sorted(found, key=lambda i: (i.platform, i.variant))


def test_colab_gpu_holds_every_line_of_its_pip_freeze_keyed_by_canonical_name():
    colab = image("colab")  # no variant: the GPU image
    assert colab.variant == "gpu" and colab.complete and colab.has_gpu
    lines = freeze_lines(COLAB_GPU)
    assert len(colab.packages) == len(lines)
    assert colab.packages["torch"] == "2.11.0+cu128"
    assert colab.packages["pyyaml"] == next(line.split("==")[1] for line in lines if line.startswith("PyYAML=="))
    assert all("github.com/googlecolab/backend-info/blob/" in s for s in colab.sources)


def test_a_direct_wheel_url_records_the_wheels_version_and_other_urls_themselves():
    cpu = image("colab", "cpu")
    assert cpu.packages["torch"] == "2.11.0+cpu"  # torch @ https://download.pytorch.org/whl/cpu/torch-2.11.0%2Bcpu-...
    assert cpu.packages["google-colab"] == "file:///colabtools/dist/google_colab-1.0.0.tar.gz"
    assert not cpu.has_gpu


def test_torch_cuda_reads_the_local_label():
    assert torch_cuda(image("colab", "gpu")) == "12.8"
    assert torch_cuda(image("colab", "cpu")) is None


@pytest.mark.parametrize(
    ("platform", "variant", "message"),
    [
        ("colab", "tpu", "unknown colab image variant 'tpu': did you mean 'gpu'?"),
        ("colabb", None, "unknown platform image 'colabb'"),
    ],
)
def test_an_unknown_image_names_it_and_the_known_ones(platform, variant, message):
    with pytest.raises(DlenvError) as raised:
        image(platform, variant)
    assert str(raised.value).startswith(message)
    assert "colab" in raised.value.hint or "cpu, gpu" in raised.value.hint


@pytest.mark.parametrize(
    ("edit", "line", "message"),
    [
        (lambda t: t.replace("# python: 3.13.15", "# pyton: 3.13.15"), 4, "unknown header key 'pyton'"),
        (lambda t: t.replace("# python: 3.13.15\n", ""), 1, "the header has no 'python'"),
        (lambda t: t.replace("# recorded: 2026-11-30", "# recorded: 30.11.2026"), 1, "'30.11.2026' is no YYYY-MM-DD"),
        (lambda t: t.replace("absl-py==1.4.0", "absl-py>=1.4.0"), 8, "'absl-py>=1.4.0' pins no single version"),
        (lambda t: t.replace("accelerate==", "absl-py=="), 9, "'absl-py' is listed twice"),
        (lambda t: t.replace("absl-py==1.4.0", "absl py 1.4"), 8, "'absl py 1.4' is no 'name==version'"),
    ],
)
def test_a_malformed_fixture_is_one_line_naming_file_and_line(tmp_path, edit, line, message):
    broken = tmp_path / "colab" / "images" / "gpu.txt"
    broken.parent.mkdir(parents=True)
    broken.write_text(edit(COLAB_GPU.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(DlenvError) as raised:
        load_image(broken)
    assert str(raised.value).startswith(f"{broken}:{line}: ")
    assert message in str(raised.value) and "\n" not in str(raised.value)
