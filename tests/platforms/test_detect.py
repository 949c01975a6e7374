"""Each platform's fake tree gives the right name, paths and secret names; the detection traps hold."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest

from dlenv.platforms import cache_environment, detect

KAGGLE_ENV = {"KAGGLE_KERNEL_RUN_TYPE": "Interactive", "KAGGLE_DATA_PROXY_URL": "https://dp.kaggle.net"}


def test_kaggle_even_though_its_image_carries_colabs_release_tag(machine):
    root = machine(
        "/kaggle/input/datasets/",
        "/kaggle/working/",
        "/kaggle/temp/",
        "/.dockerenv",
        COLAB_RELEASE_TAG="release-colab_20250902",
        **KAGGLE_ENV,
    )
    found = detect()
    assert found.name == "kaggle"
    assert found.input_dir == str(root / "kaggle/input")
    assert found.work_dir == found.persistent_dir == str(root / "kaggle/working")
    assert found.cache_dir == str(root / "kaggle/temp/dlenv-cache")  # not in the 20 GB output


def test_kaggle_needs_both_variables(machine):
    machine(KAGGLE_KERNEL_RUN_TYPE="Batch")
    assert detect().name == "local"


def test_colab_even_though_it_pre_creates_kaggle(machine):
    root = machine("/var/colab/hostname", "/kaggle/", "/content/", "/.dockerenv", COLAB_GPU="1")
    found = detect()
    assert found.name == "colab"
    assert found.work_dir == str(root / "content")
    assert found.persistent_dir is None and found.input_dir is None
    assert found.cache_dir == str(root / "root/.cache/dlenv")


def test_colab_with_drive_mounted_keeps_caches_on_drive(machine):
    root = machine("/var/colab/hostname", "/content/drive/MyDrive/")
    found = detect()
    assert found.persistent_dir == str(root / "content/drive/MyDrive")
    assert found.cache_dir == str(root / "content/drive/MyDrive/.cache/dlenv")


def test_colab_from_the_ipython_shell(machine, monkeypatch):
    shell = type("Shell", (), {"__repr__": lambda self: "<google.colab._shell.Shell object>"})()
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))
    assert detect().name == "colab"


def test_dsw(machine):
    root = machine("/mnt/workspace/", "/.dockerenv", DSW_INSTANCE_ID="dsw-12345")
    found = detect()
    assert found.name == "dsw"
    assert found.work_dir == found.persistent_dir == str(root / "mnt/workspace")
    assert found.cache_dir == str(root / "mnt/workspace/.cache/dlenv")
    assert found.mirror == "cn"


def test_openpai_variables_are_not_alibaba(machine):
    machine(PAI_USER_NAME="alice", PAI_JOB_NAME="train")
    assert detect().name == "local"


def test_aistudio(machine):
    root = machine("/home/aistudio/data/data65/", "/home/aistudio/work/")
    found = detect()
    assert found.name == "aistudio"
    assert found.input_dir == str(root / "home/aistudio/data")
    assert found.work_dir == str(root / "home/aistudio/work")
    assert found.persistent_dir == str(root / "home/aistudio")


def test_dlenv_docker_image(machine):
    root = machine("/.dockerenv", "/data/", "/cache/", "/workspace/runs/")
    found = detect()
    assert found.name == "docker"
    assert (found.input_dir, found.work_dir, found.persistent_dir, found.cache_dir) == (
        str(root / "data"),
        str(root / "workspace"),
        str(root / "workspace/runs"),
        str(root / "cache"),
    )


def test_podman_counts_as_a_container(machine):
    machine("/run/.containerenv")
    assert detect().name == "docker"


WSL2_KERNEL = "Linux version 5.15.167.4-microsoft-standard-WSL2 (root@f9c826d3017f) (gcc (GCC) 11.2.0) #1 SMP"
WSL1_KERNEL = "Linux version 4.4.0-19041-Microsoft (Microsoft@Microsoft.com) (gcc version 5.4.0 (GCC) ) #1237-Microsoft"


def write(root: Path, path: str, text: str) -> None:
    (root / path.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
    (root / path.lstrip("/")).write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    "paths, env, kernel",
    [
        ([], {"WSL_DISTRO_NAME": "Ubuntu-24.04"}, None),  # a terminal in the distribution
        (["/proc/sys/fs/binfmt_misc/WSLInterop"], {}, None),  # over ssh: no WSL_DISTRO_NAME
        ([], {}, WSL2_KERNEL),  # interop switched off in /etc/wsl.conf, a systemd service
        ([], {}, WSL1_KERNEL),
    ],
)  # fmt: skip
def test_wsl_from_any_of_its_signals_works_here_and_caches_on_the_linux_side(machine, paths, env, kernel):
    root = machine(*paths, **env)
    if kernel:
        write(root, "/proc/version", kernel)
    found = detect()
    assert found.name == "wsl" and found.limits is None
    assert found.work_dir == found.persistent_dir == str(machine.cwd)
    assert found.cache_dir == str(machine.home / ".cache/dlenv")
    assert found.warnings == ()  # the sandbox's folder is no Windows drive


def test_a_plain_linux_kernel_is_not_wsl(machine):
    write(machine(), "/proc/version", "Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org) #1 SMP Debian")
    assert detect().name == "local"


def test_docker_desktops_container_on_wsl2s_kernel_is_docker(machine):
    root = machine("/.dockerenv", "/workspace/", "/dev/dxg")
    write(root, "/proc/version", WSL2_KERNEL)
    found = detect()
    assert found.name == "docker" and found.work_dir == str(root / "workspace") and found.warnings == ()


@pytest.mark.parametrize("drive", ["c", "D"])
def test_wsl_warns_when_the_work_folder_is_on_a_windows_drive(machine, monkeypatch, cli, drive):
    root = machine(WSL_DISTRO_NAME="Ubuntu")
    lesson = root / "mnt" / drive / "Users" / "li" / "dl-lessons"
    lesson.mkdir(parents=True)
    monkeypatch.chdir(lesson)
    found = detect()
    assert found.work_dir == str(lesson) and found.cache_dir == str(machine.home / ".cache/dlenv")
    (warning,) = found.warnings
    assert warning.startswith(f"{lesson} is a Windows drive seen from WSL")
    assert warning.endswith(f"cp -r {lesson} ~/ && cd ~/dl-lessons")
    result = cli("platform")
    assert result.code == 0 and "warning: " + " ".join(warning.split()) in " ".join(result.stdout.split())
    assert json.loads(cli("platform", "--json").stdout)["warnings"] == [warning]


@pytest.mark.parametrize("folder", ["mnt/wsl/shared", "mnt/data", "home/li/mnt/c"])
def test_wsl_keeps_quiet_about_linux_folders_named_like_drives(machine, monkeypatch, folder):
    root = machine(WSL_DISTRO_NAME="Ubuntu")
    (root / folder).mkdir(parents=True)
    monkeypatch.chdir(root / folder)
    assert detect().warnings == ()


def test_local_laptop_with_kaggle_credentials_is_local(machine):
    machine(KAGGLE_USERNAME="alice", KAGGLE_KEY="s3cr3t")
    found = detect()
    assert found.name == "local"
    assert found.work_dir == found.persistent_dir == str(machine.cwd)
    assert found.cache_dir == str(machine.home / ".cache/dlenv")
    assert found.secrets == ("KAGGLE_USERNAME", "KAGGLE_KEY")


def test_cache_environment_points_libraries_at_the_cache_but_keeps_the_users(machine, monkeypatch):
    machine()
    monkeypatch.setenv("HF_HOME", "/mine")
    env = cache_environment(detect())
    assert "HF_HOME" not in env
    assert env["TORCH_HOME"] == str(machine.home / ".cache/dlenv/torch")
    assert env["KAGGLEHUB_CACHE"].endswith("kagglehub") and env["MODELSCOPE_CACHE"].endswith("modelscope")


def test_platform_json_lists_secret_names_never_values(machine, cli):
    machine("/var/colab/hostname", HF_TOKEN="hf_topsecret", WANDB_API_KEY="wandb_topsecret")
    result = cli("platform", "--json")
    assert result.code == 0
    data = json.loads(result.stdout)
    keys = {"name", "title", "input_dir", "work_dir", "persistent_dir", "cache_dir", "has_gpu", "secrets", "limits"}
    keys.add("warnings")
    assert set(data) == keys
    assert data["name"] == "colab" and data["secrets"] == ["HF_TOKEN", "WANDB_API_KEY"]
    assert "topsecret" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    "paths, env, runs",
    [
        (["/var/colab/hostname", "/content/drive/MyDrive/"], {}, "content/drive/MyDrive/runs/cnn"),  # Drive mounted
        (["/var/colab/hostname", "/content/"], {}, None),  # no Drive: nowhere that outlives the VM
        (["/kaggle/input/", "/kaggle/working/"], {"KAGGLE_KERNEL_RUN_TYPE": "Interactive",
                                                  "KAGGLE_DATA_PROXY_URL": "http://proxy"}, "kaggle/working/runs/cnn"),
        (["/mnt/workspace/"], {"DSW_INSTANCE_ID": "dsw-1"}, "mnt/workspace/runs/cnn"),
        (["/home/aistudio/data/", "/home/aistudio/work/"], {}, "home/aistudio/runs/cnn"),
        ([], {}, None),  # a laptop: runs/ under the current folder
    ],
)  # fmt: skip
def test_runs_go_where_the_platform_keeps_them(machine, paths, env, runs):
    from dlenv.runner import default_out

    root = machine(*paths, **env)
    assert default_out("cnn") == (root / runs if runs else Path("runs") / "cnn")
