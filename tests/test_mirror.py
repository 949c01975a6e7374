"""`dlenv mirror NAME`: the mirror's variables as commands bash, PowerShell and cmd evaluate, quoted so that
each shell reads the value back unchanged."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from support import ROOT

from dlenv.mirrors import mirror_environment, mirror_variables
from dlenv.shell_env import shell_environment
from dlenv.torch_mirror import index_args, swap_requirements

CN = mirror_environment("cn")
AWKWARD = 'https://user:it\'s&$HOME;`x` \\ "q"@mirror.example/simple'


def test_cn_sets_pip_torch_hugging_face_modelscope_and_the_base_registry():
    assert CN == {
        "PIP_INDEX_URL": "https://pypi.tuna.tsinghua.edu.cn/simple",
        "DLENV_TORCH_INDEX": "https://mirrors.aliyun.com/pytorch-wheels",
        "HF_ENDPOINT": "https://hf-mirror.com",
        "MODELSCOPE_DOMAIN": "www.modelscope.cn",
        "DLENV_BASE_REGISTRY": "docker.m.daocloud.io",
    }


def test_bash_output_evaluates_to_the_mirrors_variables(cli):
    result = cli("mirror", "cn")
    assert result.code == 0
    assert result.stdout.splitlines()[0] == "export PIP_INDEX_URL=https://pypi.tuna.tsinghua.edu.cn/simple"
    shown = subprocess.run(
        ["bash", "-c", 'eval "$1" && env', "bash", result.stdout], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert all(f"{name}={value}" in shown for name, value in CN.items())


def test_bash_quoting_keeps_an_awkward_value_as_it_is():
    lines = shell_environment("bash", {"PIP_INDEX_URL": AWKWARD}).lines()
    proc = subprocess.run(["bash", "-c", f'{lines[0]}; printf %s "$PIP_INDEX_URL"'], capture_output=True, text=True)
    assert proc.stdout == AWKWARD


def test_powershell_output_uses_single_quotes_with_quotes_doubled(cli):
    result = cli("mirror", "cn", "--shell", "powershell")
    assert result.stdout.splitlines()[2] == "$env:HF_ENDPOINT = 'https://hf-mirror.com'"
    (line,) = shell_environment("powershell", {"PIP_INDEX_URL": AWKWARD}).lines()
    assert line == "$env:PIP_INDEX_URL = 'https://user:it''s&$HOME;`x` \\ \"q\"@mirror.example/simple'"


@pytest.mark.skipif(shutil.which("pwsh") is None, reason="PowerShell (pwsh) is not installed")
def test_powershell_reads_the_value_back():
    (line,) = shell_environment("powershell", {"PIP_INDEX_URL": AWKWARD}).lines()
    proc = subprocess.run(["pwsh", "-NoProfile", "-Command", f"{line}; [Console]::Write($env:PIP_INDEX_URL)"],
                          capture_output=True, text=True)  # fmt: skip
    assert proc.stdout == AWKWARD


def test_cmd_output_quotes_the_whole_assignment_and_refuses_what_cmd_would_expand(cli):
    result = cli("mirror", "cn", "--shell", "cmd")
    assert result.stdout.splitlines()[1] == 'set "DLENV_TORCH_INDEX=https://mirrors.aliyun.com/pytorch-wheels"'
    assert shell_environment("cmd", {"X": "a&b|c"}).lines() == ['set "X=a&b|c"']  # & and | stay inside the quotes
    with pytest.raises(Exception, match=r"X='https://m/%PATH%' cannot be set in cmd"):
        shell_environment("cmd", {"X": "https://m/%PATH%"})


@pytest.mark.parametrize(
    ("shell", "first"),
    [
        ("bash", "unset DLENV_BASE_REGISTRY"),
        ("powershell", "Remove-Item Env:DLENV_BASE_REGISTRY -ErrorAction SilentlyContinue"),
        ("cmd", 'set "DLENV_BASE_REGISTRY="'),
    ],
)
def test_none_unsets_every_variable_a_mirror_sets(cli, shell, first):
    lines = cli("mirror", "none", "--shell", shell).stdout.splitlines()
    assert lines[0] == first and len(lines) == len(mirror_variables()) == len(CN)


def test_bash_none_undoes_cn():
    env = {**os.environ, **CN}
    proc = subprocess.run(["bash", "-c", 'eval "$(dlenv mirror none)" && env'], capture_output=True, text=True, env=env)
    assert proc.returncode == 0 and not any(line.split("=")[0] in CN for line in proc.stdout.splitlines())


def test_json_says_what_is_set_and_unset(cli):
    assert json.loads(cli("mirror", "cn", "--json").stdout) == {"shell": "bash", "set": CN, "unset": []}
    assert json.loads(cli("mirror", "none", "--json").stdout)["unset"] == sorted(CN)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("cm",), "error: unknown mirror 'cm': did you mean 'cn'?"),
        (("cn", "--shell", "zsh"), "error: unknown shell 'zsh'"),
    ],
)
def test_a_bad_mirror_or_shell_is_one_line_and_exit_2(cli, args, message):
    result = cli("mirror", *args)
    assert result.code == 2 and result.stdout == "" and result.stderr.splitlines()[0].startswith(message)


def test_the_torch_mirror_takes_the_place_of_pytorchs_index_folder_by_folder():
    mirror = {"DLENV_TORCH_INDEX": "https://mirrors.aliyun.com/pytorch-wheels/"}
    assert index_args(["https://download.pytorch.org/whl/cu118"], mirror) == [
        "--find-links", "https://mirrors.aliyun.com/pytorch-wheels/cu118/"
    ]  # fmt: skip
    assert index_args(["https://download.pytorch.org/whl/cu118"], {}) == [
        "--extra-index-url", "https://download.pytorch.org/whl/cu118"
    ]  # fmt: skip
    assert index_args(["https://my.index/simple"], mirror) == ["--extra-index-url", "https://my.index/simple"]


def test_the_images_build_step_points_the_rendered_requirements_at_the_mirror(tmp_path):
    copy = tmp_path / "requirements.txt"
    rendered = (ROOT / "envs" / "requirements" / "cpu.txt").read_text(encoding="utf-8")
    copy.write_text(rendered, encoding="utf-8")
    script = ROOT / "src" / "dlenv" / "torch_mirror.py"  # what each Dockerfile copies and runs
    env = {k: v for k, v in os.environ.items() if k != "DLENV_TORCH_INDEX"}
    subprocess.run(["python3", str(script), str(copy)], check=True, env={**env, "DLENV_TORCH_INDEX": ""})
    assert copy.read_text(encoding="utf-8") == rendered  # the Dockerfile's empty default: no change
    mirror = "https://mirrors.aliyun.com/pytorch-wheels"
    subprocess.run(["python3", str(script), str(copy)], check=True, env={**env, "DLENV_TORCH_INDEX": mirror})
    assert copy.read_text(encoding="utf-8") == swap_requirements(rendered, {"DLENV_TORCH_INDEX": mirror})
    assert f"--find-links {mirror}/cpu/\ntorch==2.13.0+cpu\n" in copy.read_text(encoding="utf-8")
