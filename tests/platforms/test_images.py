"""The platforms' recorded images: what they hold, and what the bootstrap does there."""

from __future__ import annotations

import json

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from support import ROOT

from dlenv.bootstrap import PLATFORM_OWNED, extra_requirements
from dlenv.errors import DlenvError
from dlenv.matrix import load_matrix
from dlenv.paths import default_matrix_path
from dlenv.platforms.image_plan import bootstrap_plan, lessons_on
from dlenv.platforms.images import image, images, load_image, torch_cuda
from dlenv.requirements import constraints

COLAB_GPU = ROOT / "platform" / "colab" / "images" / "gpu.txt"


def freeze_lines(path):
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]


def test_every_fixture_is_dated_sourced_and_names_its_python():
    found = images()
    assert {i.platform for i in found} >= {"colab"}
    for recorded in found:
        assert recorded.sources and all(s.startswith("https://") for s in recorded.sources), recorded.name
        assert recorded.python.count(".") == (2 if recorded.complete else recorded.python.count(".")), recorded.name
        assert recorded.complete or any(note.startswith("partial") for note in recorded.notes), recorded.name
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


# --- the bootstrap on each recorded image --------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped_matrix():
    return load_matrix(default_matrix_path())


def requirement_names(lines):
    return {canonicalize_name(Requirement(line).name) for line in lines}


@pytest.mark.parametrize("recorded", images(), ids=lambda i: i.name)
def test_the_bootstrap_keeps_the_images_own_builds_and_installs_only_what_it_lacks(recorded, shipped_matrix):
    row, plan = bootstrap_plan(recorded, shipped_matrix)
    installs = requirement_names(plan.requirements)
    assert not installs & set(recorded.packages)  # nothing the image has is installed again
    owned = [name for name in PLATFORM_OWNED if name in recorded.packages]
    assert {f"{name}=={recorded.packages[name]}" for name in owned} <= set(plan.constraints)
    # every lesson package the image lacks comes in
    lesson_packages = requirement_names(extra_requirements())
    assert lesson_packages - set(recorded.packages) <= installs
    cuda = torch_cuda(recorded)
    if recorded.has_gpu and cuda:
        assert row.cuda is not None  # the image's GPU and its torch's driver floor: a CUDA row
    if "torch" in recorded.packages:
        matched = shipped_matrix.row_of_torch(recorded.packages["torch"], cuda)
        assert plan.matched_row == (matched.name if matched else None)
        assert any(recorded.packages["torch"] in w for w in plan.warnings) == (matched is None)


def test_on_colab_gpu_nothing_of_torch_tensorflow_or_numpy_is_installed_and_the_missing_lesson_packages_are(
    shipped_matrix,
):
    colab = image("colab", "gpu")
    _, plan = bootstrap_plan(colab, shipped_matrix)
    installs = requirement_names(plan.requirements)
    assert not installs & {"torch", "torchvision", "torchaudio", "tensorflow", "numpy"}
    for name in ("datasketch", "optuna", "sacrebleu"):
        assert (name in installs) == (name not in colab.packages)
    assert f"torch=={colab.packages['torch']}" in plan.keep


def test_on_ai_studios_free_cpu_image_the_bootstrap_brings_the_cpu_rows_whole_stack(shipped_matrix):
    studio = image("aistudio", "cpu")
    assert not studio.complete and "torch" not in studio.packages  # Paddle's image: no torch to keep
    row, plan = bootstrap_plan(studio, shipped_matrix)
    assert row.cuda is None and plan.matched_row is None
    assert f"torch=={row.torch}" in plan.requirements and f"torchvision=={row.torchvision}" in plan.requirements
    assert plan.index_urls == (row.torch_index,) and set(plan.keep) == set(constraints(row))


def test_kaggle_adds_optuna_to_colab_so_the_bootstrap_does_not_install_it(shipped_matrix):
    kaggle, colab = image("kaggle"), image("colab")
    assert "optuna" in kaggle.packages and "optuna" not in colab.packages
    assert "optuna" not in requirement_names(bootstrap_plan(kaggle, shipped_matrix)[1].requirements)
    assert "google-cloud-bigquery-storage" not in kaggle.packages  # the Dockerfile uninstalls it
    assert kaggle.packages["protobuf"] == "5.29.5"  # and pins this one after everything else


# --- which lessons would not run ---------------------------------------------------------------------------


def edited_image(tmp_path, source, edit):
    path = tmp_path / source.parent.parent.name / "images" / source.name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(edit(source.read_text(encoding="utf-8")), encoding="utf-8")
    return load_image(path)


def test_every_lesson_runs_on_the_recorded_colab_and_kaggle_images(shipped_matrix):
    for recorded in [*images("colab"), *images("kaggle")]:
        assert {name: why for name, why in lessons_on(recorded, shipped_matrix).items() if why} == {}, recorded.name


def test_keras_lessons_do_not_run_where_the_image_has_no_tensorflow_and_the_row_keeps_it_apart(shipped_matrix):
    dsw = image("dsw")
    row, _ = bootstrap_plan(dsw, shipped_matrix)
    assert "tensorflow" not in dsw.packages and row.tensorflow_env == "separate"
    found = lessons_on(dsw, shipped_matrix)
    for name in ("tf_dnn", "tf_gradients", "tf_regularization"):
        assert f"row {row.name} keeps TensorFlow apart from torch" in found[name]
    assert found["transformer"] is None


def test_a_python_no_row_lists_stops_every_lesson(tmp_path, shipped_matrix):
    old = edited_image(tmp_path, COLAB_GPU, lambda t: t.replace("# python: 3.13.15", "# python: 3.8.10"))
    found = lessons_on(old, shipped_matrix)
    assert all(why and why.startswith("Python 3.8 is in no matrix row") for why in found.values())


def test_a_vision_lesson_does_not_run_beside_a_kept_torch_without_torchvision(tmp_path, shipped_matrix):
    drop = lambda t: "\n".join(line for line in t.splitlines() if not line.startswith("torchvision=="))  # noqa: E731
    found = lessons_on(edited_image(tmp_path, COLAB_GPU, drop), shipped_matrix)
    assert "needs torchvision, which the image lacks" in found["cnn"]
    assert "needs torchvision" in found["transfer"] and found["tensors"] is None


def test_qlora_does_not_run_on_a_cpu_image_whose_bitsandbytes_has_no_cpu_backend(tmp_path, shipped_matrix):
    cpu = ROOT / "platform" / "colab" / "images" / "cpu.txt"
    old_bnb = edited_image(tmp_path, cpu, lambda t: t + "bitsandbytes==0.45.0\n")
    assert "bitsandbytes 0.45.0 has no CPU backend" in lessons_on(old_bnb, shipped_matrix)["qlora"]
    assert lessons_on(image("colab", "cpu"), shipped_matrix)["qlora"] is None  # the bootstrap brings the row's


# --- dlenv platform --image --------------------------------------------------------------------------------


def test_dlenv_platform_image_shows_the_image_the_plan_and_the_lessons(cli):
    result = cli("platform", "--image", "dsw")
    assert result.code == 0, result.stderr
    dsw = image("dsw")
    assert dsw.packages["torch"] in result.stdout and "partial" in result.stdout
    blocked = [name for name, why in lessons_on(dsw, load_matrix(default_matrix_path())).items() if why]
    assert blocked and all(name in result.stdout for name in blocked)
    assert "tensors" not in result.stdout  # a lesson that runs there is not listed


def test_dlenv_platform_image_json_lists_every_lesson_with_why_not(cli, shipped_matrix):
    result = cli("platform", "--image", "kaggle/cpu", "--json")
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    kaggle = image("kaggle", "cpu")
    assert (
        data["image"] == "kaggle/cpu" and data["python"] == kaggle.python and data["torch"] == kaggle.packages["torch"]
    )
    assert {lesson["name"] for lesson in data["lessons"]} == set(lessons_on(kaggle, shipped_matrix))
    assert f"numpy=={kaggle.packages['numpy']}" in data["keeps"]


def test_dlenv_platform_image_unknown_is_one_line_and_exit_2(cli):
    result = cli("platform", "--image", "kagle")
    assert result.code == 2
    assert result.stderr.splitlines()[0] == "error: unknown platform image 'kagle': did you mean 'kaggle'?"


def test_a_platform_with_one_recorded_image_needs_no_variant():
    assert image("aistudio") == image("aistudio", "cpu")
    assert image("colab") == image("colab", "gpu")  # with several, the GPU one


def test_behind_the_mainland_mirror_the_bootstrap_adds_the_modelscope_sdk(shipped_matrix):
    # AI Studio and DSW default to the cn mirror, whose route of a lesson's download tries ModelScope
    for name, wanted in (("aistudio", True), ("dsw", True), ("colab", False), ("kaggle", False)):
        _, plan = bootstrap_plan(image(name), shipped_matrix)
        assert ("modelscope-hub" in requirement_names(plan.requirements)) == wanted, name
