"""Shell lines against a row: a pip line that would replace the row's torch, torchvision, TensorFlow or CUDA
wheels fails with the safe pinned line; what downloads is listed."""

from __future__ import annotations

import pytest

from dlenv.check.code import ShellLine
from dlenv.check.pip_lines import findings, parse


def problems(command: str, row) -> list[tuple[str, str]]:
    return [(f.rule, f.status) for f in findings(3, ShellLine(2, command), row) if f.rule != "needs-internet"]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("pip install torchvision", [("pip-replaces-torch", "fail")]),  # the newest needs another torch
        ("pip install torchvision==0.25.0", []),  # row cu128's own
        ("pip install -q torch==2.10.0 torchvision==0.25.0 torchaudio==2.10.0", []),
        ("pip install -U torch", [("pip-replaces-torch", "fail")]),
        ("pip install -qU torch", [("pip-replaces-torch", "fail")]),
        ("pip install torch==2.3.0", [("pip-replaces-torch", "fail")]),
        ("pip install 'torch>=2.0'", [("pip-replaces-torch", "warn")]),  # allows the row's, but others too
        ("pip install -U 'torch>=2.0'", [("pip-replaces-torch", "fail")]),
        ("pip install 'torch<2.5'", [("pip-replaces-torch", "fail")]),  # excludes the row's 2.10.0
        ("python -m pip install torchaudio", [("pip-replaces-torch", "fail")]),
        ("uv pip install xformers", [("pip-replaces-torch", "fail")]),  # each release pins one torch
        (
            "pip install torch==2.10.0 --index-url https://download.pytorch.org/whl/cu118",
            [("pip-replaces-torch", "fail")],  # another CUDA build of the same version
        ),
        (
            "pip install https://download.pytorch.org/whl/cu118/torch-2.0.0%2Bcu118-cp311-linux_x86_64.whl",
            [("pip-replaces-torch", "fail")],
        ),
        ("pip install tensorflow", [("pip-replaces-tensorflow", "fail")]),
        ("pip install tensorflow==2.20.0", []),
        ("pip install -U nvidia-cudnn-cu12", [("pip-replaces-torch", "fail")]),
        ("pip install -U transformers peft", []),  # the row pins them, but they do not replace torch
        ("pip install -r requirements.txt", [("pip-requirements-file", "warn")]),
        ("conda install pytorch torchvision cudatoolkit=11.3 -c pytorch", [("conda-replaces-torch", "fail")]),
        ("cd /kaggle/working && pip install torchvision", [("pip-replaces-torch", "fail")]),
        ("pip show torch", []),
        ("echo pip install torch", []),
    ],
)
def test_a_pip_line_against_row_cu128(matrix, command, expected):
    assert problems(command, matrix.rows["cu128"]) == expected


def test_tensorflow_beside_torch_fails_on_rows_that_keep_it_apart_or_lack_it(matrix):
    assert problems("pip install tensorflow==2.18.0", matrix.rows["cu124"]) == [("pip-replaces-tensorflow", "fail")]
    (finding,) = findings(1, ShellLine(1, "pip install tensorflow"), matrix.rows["cu121"])[1:]
    assert "row cu121 has no TensorFlow" in finding.message


def test_the_fix_is_the_rows_pinned_install_from_its_index(matrix):
    (_, finding) = findings(4, ShellLine(7, "pip install torchvision"), matrix.rows["cpu"])
    assert (finding.cell, finding.line) == (4, 7)
    row = matrix.rows["cpu"]
    assert finding.fix == (f"%pip install torch=={row.torch} torchvision=={row.torchvision} "
                           "--index-url https://download.pytorch.org/whl/cpu")  # fmt: skip
    assert f"replaces row cpu's {row.torchvision}" in finding.message


def test_an_exact_pin_without_a_local_label_matches_the_rows_build(matrix):
    version = matrix.rows["cpu"].torch.split("+")[0]  # torch==2.13.0 is satisfied by the installed 2.13.0+cpu
    assert problems(f"pip install torch=={version}", matrix.rows["cpu"]) == []


@pytest.mark.parametrize(
    ("command", "downloads"),
    [
        ("pip install datasketch", 1),
        ("pip install --no-index --find-links /kaggle/input/wheels datasketch", 0),
        ("wget -q https://example.org/data.zip && unzip data.zip", 1),
        ("kaggle datasets download -d owner/slug", 1),
        ("git clone https://github.com/karpathy/nanoGPT", 1),
        ("git status", 0),
        ("nvidia-smi", 0),
    ],
)
def test_each_download_is_listed_as_needing_the_internet_with_the_platforms_fix(matrix, command, downloads):
    found = [f for f in findings(1, ShellLine(1, command), matrix.rows["cu128"], "turn the internet on")]
    listed = [f for f in found if f.rule == "needs-internet"]
    assert len(listed) == downloads and all(f.status == "info" and f.fix == "turn the internet on" for f in listed)


def test_pip_options_with_values_are_not_read_as_packages():
    install = parse("pip install -i https://pypi.tuna.tsinghua.edu.cn/simple -c c.txt --target /tmp/t numpy==2.0")
    assert [str(r) for r in install.requirements] == ["numpy==2.0"]
    assert install.index_urls == ("https://pypi.tuna.tsinghua.edu.cn/simple",) and not install.upgrade
