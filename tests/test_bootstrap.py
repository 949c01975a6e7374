"""dlenv.bootstrap(): caches, mirrors, credentials and missing packages — tested through the
environment and the pip command it produces (nothing is installed here)."""

from __future__ import annotations

import ast
import os
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from support import ROOT

import dlenv.bootstrap
from dlenv.bootstrap import plan_install, run, summary
from dlenv.mirrors import mirror_environment
from dlenv.platforms.profiles import ORDER
from dlenv.requirements import constraints


@pytest.fixture
def environ(monkeypatch):
    """The bootstrap writes os.environ: give it a copy that is thrown away after the test."""
    monkeypatch.setattr(os, "environ", dict(os.environ))
    return os.environ


def test_cn_mirror_points_pip_torch_huggingface_and_modelscope_at_mainland_mirrors():
    assert mirror_environment("cn") == {
        "PIP_INDEX_URL": "https://pypi.tuna.tsinghua.edu.cn/simple",
        "DLENV_TORCH_INDEX": "https://mirrors.aliyun.com/pytorch-wheels",
        "HF_ENDPOINT": "https://hf-mirror.com",
        "MODELSCOPE_DOMAIN": "www.modelscope.cn",
        "DLENV_BASE_REGISTRY": "docker.m.daocloud.io",
    }
    assert mirror_environment("none") == {}


def test_bootstrap_with_the_cn_mirror_points_its_pip_at_the_torch_mirror(machine, environ, matrix):
    machine()
    environ.pop("DLENV_TORCH_INDEX", None)
    report = run(matrix, mirror="cn", install=False)
    assert environ["DLENV_TORCH_INDEX"] == report.environment["DLENV_TORCH_INDEX"]
    plan = plan_install({}, None, matrix, matrix.row("cu118"))
    command = plan.pip_command(Path("c.txt"))
    assert "https://mirrors.aliyun.com/pytorch-wheels/cu118/" in command and "--extra-index-url" not in command


def test_unknown_mirror_is_bad_input(cli, machine):
    machine()
    result = cli("bootstrap", "--mirror", "cm", "--dry-run")
    assert result.code == 2 and result.stderr.startswith("error: unknown mirror 'cm': did you mean 'cn'?")


def test_aistudio_gets_mirrors_and_caches_in_its_persistent_home(machine, environ, matrix, monkeypatch):
    monkeypatch.delitem(sys.modules, "huggingface_hub", raising=False)
    root = machine("/home/aistudio/work/", "/home/aistudio/data/")
    report = run(matrix, install=False)
    assert report.platform.name == "aistudio"
    assert environ["HF_ENDPOINT"] == "https://hf-mirror.com" and environ["PIP_INDEX_URL"].startswith(
        "https://pypi.tuna"
    )
    assert environ["HF_HOME"] == str(root / "home/aistudio/.cache/dlenv/huggingface")
    assert set(report.environment) >= {"HF_ENDPOINT", "PIP_INDEX_URL", "HF_HOME", "TORCH_HOME"}
    assert not report.warnings


def test_the_images_own_pip_mirror_is_kept(machine, environ, matrix, monkeypatch):
    """PAI-DSW's image sets pip to mirrors.aliyun.com in /etc/pip.conf: the bootstrap keeps it (and still
    points the Hugging Face hub at its mirror)."""
    monkeypatch.delitem(sys.modules, "huggingface_hub", raising=False)
    monkeypatch.delenv("PIP_INDEX_URL", raising=False)
    monkeypatch.delenv("PIP_CONFIG_FILE", raising=False)
    root = machine("/mnt/workspace/", DSW_INSTANCE_ID="dsw-1")
    (root / "etc").mkdir()
    (root / "etc" / "pip.conf").write_text("[global]\nindex-url = https://mirrors.aliyun.com/pypi/simple/\n")
    report = run(matrix, install=False)
    assert "PIP_INDEX_URL" not in environ and environ["HF_ENDPOINT"] == "https://hf-mirror.com"
    assert "pip keeps this machine's own index, https://mirrors.aliyun.com/pypi/simple/" in report.warnings


def test_a_mirror_set_after_huggingface_hub_was_imported_asks_for_a_restart(machine, environ, matrix, monkeypatch):
    monkeypatch.setitem(sys.modules, "huggingface_hub", object())
    machine("/home/aistudio/work/")
    report = run(matrix, install=False)
    assert "restart the kernel" in summary(report)


def test_variables_the_user_set_are_kept(machine, environ, matrix):
    machine("/home/aistudio/work/")
    environ["HF_ENDPOINT"] = "https://my.mirror"
    report = run(matrix, mirror="cn", install=False)
    assert environ["HF_ENDPOINT"] == "https://my.mirror" and "HF_ENDPOINT" not in report.environment


def test_credentials_are_loaded_by_name_and_never_shown(machine, environ, matrix):
    machine()
    token = machine.home / ".cache" / "huggingface" / "token"
    token.parent.mkdir(parents=True)
    token.write_text("hf_s3cr3t\n")
    report = run(matrix, install=False)
    assert report.credentials == ["HF_TOKEN"] and environ["HF_TOKEN"] == "hf_s3cr3t"
    assert "hf_s3cr3t" not in summary(report) and "credentials loaded: HF_TOKEN" in summary(report)


def test_the_installed_distributions_are_read_once(machine, environ, matrix, monkeypatch):
    import dlenv.bootstrap
    import dlenv.doctor.collect

    scans = []

    def installed_versions() -> dict[str, str]:
        scans.append(1)
        return {"torch": "2.7.1"}

    for module in (dlenv.bootstrap, dlenv.doctor.collect):
        monkeypatch.setattr(module, "installed_versions", installed_versions)
    machine()
    report = run(matrix, install=False)
    assert len(scans) == 1 and report.plan is not None
    assert not any(r.startswith("torch") for r in report.plan.requirements)  # the plan saw the same torch


def test_the_platforms_torch_is_kept_and_pinned(matrix):
    plan = plan_install(
        {"torch": "2.11.0", "numpy": "2.1.3", "transformers": "5.15.0"}, "12.8", matrix, matrix.row("cu128")
    )
    assert plan.constraints == ("torch==2.11.0", "numpy==2.1.3")
    # transformers is there already; the lessons' packages follow the stack
    assert plan.requirements[:3] == ("peft==0.21.2", "trl==1.16.0", "bitsandbytes==0.50.2")
    assert plan.matched_row is None and "torch 2.11.0 (CUDA 12.8) is no matrix row" in plan.warnings[0]
    command = plan.pip_command(Path("c.txt"))
    assert command[3:6] == ["install", "-c", "c.txt"] and not any(arg.startswith("torch") for arg in command)


def test_a_platform_torch_that_is_a_row_is_named(matrix):
    plan = plan_install({"torch": "2.7.1"}, "12.6", matrix, matrix.row("cu126"))
    assert plan.matched_row == "cu126" and not plan.warnings


def test_without_torch_the_rows_torch_comes_from_its_index(matrix):
    plan = plan_install({}, None, matrix, matrix.row("cpu"))
    assert plan.requirements[0] == "torch==2.13.0+cpu"
    assert plan.index_urls == ("https://download.pytorch.org/whl/cpu",)
    assert "transformers[torch]==5.20.2" in plan.requirements
    assert not any(r.startswith("tensorflow") for r in plan.requirements)  # only the Keras lessons ask for it


def test_the_platforms_torchvision_and_torchaudio_are_kept_with_its_torch(matrix):
    installed = {"torch": "2.6.0", "torchvision": "0.21.0", "torchaudio": "2.6.0", "numpy": "2.1.3"}
    plan = plan_install(installed, "12.4", matrix, matrix.row("cu126"))
    assert plan.constraints == ("torch==2.6.0", "torchvision==0.21.0", "torchaudio==2.6.0", "numpy==2.1.3")
    assert plan.keep == ("torch==2.6.0", "torchvision==0.21.0", "torchaudio==2.6.0")  # numpy: the bootstrap's run only
    assert not any(r.startswith(("torch", "torchvision", "torchaudio")) for r in plan.requirements)


def test_a_platform_torch_without_torchvision_gets_none_added(matrix):
    # the row's torchvision requires the row's torch exactly: installing it would replace the platform's
    plan = plan_install({"torch": "2.11.0"}, "12.8", matrix, matrix.row("cu128"))
    assert not any(r.startswith("torchvision") for r in plan.requirements)
    assert plan.keep == ("torch==2.11.0",)


def test_without_torch_the_rows_whole_build_comes_in_under_its_constraints(matrix):
    row = matrix.row("cu126")
    plan = plan_install({"numpy": "2.1.3"}, None, matrix, row)
    assert plan.requirements[:3] == ("torch==2.7.1", "torchvision==0.22.1", "torchaudio==2.7.1")
    assert plan.keep == tuple(constraints(row))  # the lines of envs/constraints/cu126.txt
    assert "nvidia-cudnn-cu12==9.5.1.17" in plan.constraints and "numpy==2.1.3" in plan.constraints
    rendered = (ROOT / "envs" / "constraints" / "cu126.txt").read_text(encoding="utf-8")
    assert [line for line in rendered.splitlines() if not line.startswith("#")] == list(plan.keep)


def test_a_stray_torchvision_without_torch_is_replaced_by_the_rows(matrix):
    plan = plan_install({"torchvision": "0.20.0"}, None, matrix, matrix.row("cpu"))
    assert plan.requirements[:2] == ("torch==2.13.0+cpu", "torchvision==0.28.0+cpu")
    assert "torchvision==0.20.0" not in plan.constraints and "torchvision==0.28.0+cpu" in plan.constraints


def test_later_installs_are_held_through_pip_constraint(machine, environ, matrix, monkeypatch):
    installs = []
    monkeypatch.setattr(dlenv.bootstrap, "installed_versions", lambda: {"torch": "2.7.1", "torchvision": "0.22.1"})
    monkeypatch.setattr(dlenv.bootstrap, "_pip_install", installs.append)
    environ.pop("PIP_CONSTRAINT", None)
    machine()
    report = run(matrix)
    assert installs and report.constraints_file is not None
    assert environ["PIP_CONSTRAINT"] == str(report.constraints_file) == report.environment["PIP_CONSTRAINT"]
    pins = [line for line in report.constraints_file.read_text().splitlines() if not line.startswith("#")]
    assert pins == ["torch==2.7.1", "torchvision==0.22.1"]
    assert f"later pip installs keep torch==2.7.1 torchvision==0.22.1: PIP_CONSTRAINT={report.constraints_file}" in (
        summary(report)
    )


def test_the_users_own_pip_constraint_is_kept(machine, environ, matrix, monkeypatch):
    monkeypatch.setattr(dlenv.bootstrap, "installed_versions", lambda: {"torch": "2.7.1"})
    monkeypatch.setattr(dlenv.bootstrap, "_pip_install", lambda plan: None)
    machine()
    environ["PIP_CONSTRAINT"] = "/mine.txt"
    report = run(matrix)
    assert environ["PIP_CONSTRAINT"] == "/mine.txt" and "PIP_CONSTRAINT" not in report.environment
    assert (
        f"PIP_CONSTRAINT is already /mine.txt; to keep torch==2.7.1 too: pip install -c {report.constraints_file}"
        in summary(report)
    )


def test_a_dry_run_writes_nothing_and_says_where_the_pins_would_go(machine, environ, matrix, monkeypatch):
    monkeypatch.setattr(dlenv.bootstrap, "installed_versions", lambda: {"torch": "2.7.1"})
    environ.pop("PIP_CONSTRAINT", None)
    machine()
    report = run(matrix, install=False)
    assert report.constraints_file is None and "PIP_CONSTRAINT" not in environ
    assert "to keep in later pip installs (PIP_CONSTRAINT=" in summary(report)


@pytest.mark.parametrize("name", ORDER)
def test_every_platform_has_a_first_cell_that_bootstraps(name):
    cell = (ROOT / "platform" / name / "first_cell.ipy").read_text(encoding="utf-8")
    python = "\n".join(line for line in cell.splitlines() if not line.startswith(("%", "!")))
    ast.parse(python)  # valid Python once the notebook magics are left out
    assert "import dlenv" in python and "dlenv.bootstrap(" in python
    for readme in ("README.md", "README.zh-CN.md"):
        assert cell in (ROOT / readme).read_text(encoding="utf-8")


def extras_of_pyproject(*extras: str) -> set[str]:
    """The package names of dlenv's extras, read from pyproject.toml itself."""
    import tomllib

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    return {canonicalize_name(Requirement(line).name) for extra in extras for line in declared[extra]}


def names(requirements) -> set[str]:
    return {canonicalize_name(Requirement(line).name) for line in requirements}


def test_the_lessons_packages_and_kagglehub_come_with_the_stack(matrix):
    plan = plan_install({}, None, matrix, matrix.row("cpu"))
    wanted = extras_of_pyproject("lessons", "data")
    assert {"scikit-learn", "optuna", "sacrebleu", "datasketch", "kagglehub"} <= wanted <= names(plan.requirements)
    present = plan_install({"optuna": "4.0.0", "kagglehub": "0.3.13"}, None, matrix, matrix.row("cpu"))
    assert not {"optuna", "kagglehub"} & names(present.requirements)  # what is there stays, whatever its version


@pytest.mark.parametrize(
    "row, lessons, tensorflow, warning",
    [
        ("cu126", ("tf_dnn",), "tensorflow[and-cuda]==2.20.0", None),  # shared: beside torch
        ("cpu", ("tf_gradients", "cnn"), "tensorflow-cpu==2.21.0", None),
        ("cu124", ("tf_dnn",), None, "pip install -r envs/requirements/cu124-tf.txt in an environment of its own"),
        ("cu130", ("tf_dnn",), None, "no TensorFlow release is built for CUDA 13"),
        ("cu126", ("transformer",), None, None),  # no Keras lesson asked for: no TensorFlow
    ],
)
def test_tensorflow_comes_only_for_a_keras_lesson_the_row_runs_beside_torch(matrix, row, lessons, tensorflow, warning):
    plan = plan_install({"torch": matrix.row(row).torch}, None, matrix, matrix.row(row), lessons)
    found = [line for line in plan.requirements if line.startswith("tensorflow")]
    assert found == ([tensorflow] if tensorflow else [])
    assert any(warning in w for w in plan.warnings) if warning else not any("TensorFlow" in w for w in plan.warnings)


def test_the_platforms_tensorflow_is_kept_for_a_keras_lesson(matrix):
    plan = plan_install({"torch": "2.7.1", "tensorflow": "2.19.0"}, "12.6", matrix, matrix.row("cu126"), ("tf_dnn",))
    assert not any(line.startswith("tensorflow") for line in plan.requirements)
    assert "tensorflow==2.19.0" in plan.constraints


def test_an_unknown_lesson_is_bad_input_before_anything_changes(cli, machine, environ):
    result = cli("bootstrap", "--dry-run", "--lesson", "transformr")
    assert result.code == 2 and "unknown lesson 'transformr'" in result.stderr and "transformer" in result.stderr


@pytest.mark.parametrize("readme", ["README.md", "README.zh-CN.md"])
def test_the_readme_names_every_package_the_bootstrap_adds(readme):
    text = (ROOT / readme).read_text(encoding="utf-8")
    heading = "## In a cloud notebook" if readme == "README.md" else "## 在云端笔记本中"
    section = text[text.index(heading) :].split("<!-- dlenv:platforms:start")[0]  # what it says it installs
    for name in sorted(extras_of_pyproject("lessons", "data")):
        assert f"`{name}`" in section, (readme, name)


def test_the_bootstrap_warns_first_about_a_work_folder_on_a_windows_drive(machine, environ, matrix, monkeypatch):
    monkeypatch.setattr(dlenv.bootstrap, "installed_versions", lambda: {"torch": "2.7.1"})
    root = machine(WSL_DISTRO_NAME="Ubuntu-24.04")
    (root / "mnt/c/Users/li/lessons").mkdir(parents=True)
    monkeypatch.chdir(root / "mnt/c/Users/li/lessons")
    report = run(matrix, install=False)
    assert report.platform.name == "wsl" and environ["TORCH_HOME"] == str(machine.home / ".cache/dlenv/torch")
    lines = summary(report).splitlines()
    assert lines[0].startswith("dlenv on WSL (Windows Subsystem for Linux): work in ")
    assert lines[1].startswith("set ")
    assert lines[2].startswith(f"warning: {root}/mnt/c/Users/li/lessons is a Windows drive")


@pytest.mark.parametrize(
    "lessons, llm",
    [((), True), (("lora",), True), (("cnn",), False), (("cnn", "rlhf"), True), (("tf_dnn", "transformer"), False)],
)
def test_the_llm_stack_comes_for_the_lessons_that_import_it(matrix, lessons, llm):
    plan = plan_install({"torch": "2.13.0+cpu"}, None, matrix, matrix.row("cpu"), lessons)
    names = {line.split("[")[0].split("=")[0] for line in plan.requirements}
    assert (names >= {"transformers", "peft", "trl", "bitsandbytes"}) if llm else not names & {"transformers", "peft"}
