"""`dlenv matrix check` against a local index of tiny wheels the tests build (no network)."""

from __future__ import annotations

import dataclasses
import json

import pytest
from wheels import make_wheel

from dlenv.facts import paired_torchaudio, paired_torchvision
from dlenv.matrix import Row
from dlenv.resolve import Indexes, check_row, conflict_line, uv_binary

PY = "3.11"


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    """torch builds for CUDA 12.4, 12.6 and CPU, TensorFlow with [and-cuda], the HF stack."""
    folder = tmp_path_factory.mktemp("wheels")
    for name, version in [
        ("nvidia-cuda-runtime-cu12", "12.4.127"),
        ("nvidia-cuda-runtime-cu12", "12.6.77"),
        ("nvidia-cuda-runtime-cu12", "12.5.82"),
        ("nvidia-cuda-runtime-cu12", "12.8.90"),
        ("nvidia-nccl-cu12", "2.26.2"),
        ("nvidia-nccl-cu12", "2.27.7"),
        ("accelerate", "1.15.0"),
        ("peft", "0.21.2"),
        ("trl", "1.16.0"),
        ("bitsandbytes", "0.50.2"),
    ]:
        make_wheel(folder, name, version)
    make_wheel(folder, "torch", "2.6.0", ["nvidia-cuda-runtime-cu12==12.4.127", "nvidia-nccl-cu12==2.26.2"])
    make_wheel(folder, "torch", "2.7.1", ["nvidia-cuda-runtime-cu12==12.6.77", "nvidia-nccl-cu12==2.26.2"])
    make_wheel(folder, "torch", "2.13.0+cpu")
    make_wheel(folder, "torch", "2.7.0", ["nvidia-cuda-runtime-cu12==12.6.77"])
    # each torchvision and torchaudio requires its torch exactly, as the real wheels do
    for torch, vision, audio in [("2.6.0", "0.21.0", "2.6.0"), ("2.7.1", "0.22.1", "2.7.1"), ("2.7.0", "0.22.0", None)]:
        make_wheel(folder, "torchvision", vision, [f"torch=={torch}"])
        if audio:
            make_wheel(folder, "torchaudio", audio, [f"torch=={torch}"])
    make_wheel(folder, "torchvision", "0.28.0+cpu", ["torch==2.13.0"])
    make_wheel(
        folder,
        "tensorflow",
        "2.20.0",
        extras={"and-cuda": ["nvidia-nccl-cu12>=2.26,<3", "nvidia-cuda-runtime-cu12>=12.5"]},
    )
    make_wheel(
        folder,
        "tensorflow",
        "2.21.0",
        extras={"and-cuda": ["nvidia-nccl-cu12>=2.27.7,<3", "nvidia-cuda-runtime-cu12>=12.5,<12.7"]},
    )
    make_wheel(
        folder,
        "tensorflow",
        "2.22.0",
        extras={"and-cuda": ["nvidia-nccl-cu12>=2.26,<3", "nvidia-cuda-runtime-cu12==12.8.90"]},
    )
    make_wheel(folder, "tensorflow-cpu", "2.21.0")
    make_wheel(folder, "transformers", "5.24.0", extras={"torch": ["torch>=2.6", "accelerate>=1.1.0"]})
    return Indexes(find_links=(str(folder),), no_index=True)


def row(**fields) -> Row:
    """A row like the checkout's cu126, with `fields` changed; torchvision and torchaudio follow its torch."""
    base = dict(
        name="cu126",
        cuda="12.6",
        cudnn="9.5.1.17",
        min_driver="560.28.03",
        base_image="nvidia/cuda:12.6.3-cudnn-runtime-ubuntu24.04",
        python=[PY],
        torch="2.7.1",
        torch_arch=["7.5"],
        tensorflow="2.20.0",
        tensorflow_env="shared",
        transformers="5.24.0",
        peft="0.21.2",
        trl="1.16.0",
        bitsandbytes="0.50.2",
    )
    merged = {**base, **fields}
    label = merged["torch"][len(merged["torch"].split("+")[0]) :]
    audio = paired_torchaudio(merged["torch"])
    merged.setdefault("torchvision", paired_torchvision(merged["torch"]) + label)
    merged.setdefault("torchaudio", audio + label if audio else None)
    return Row(**merged)


def test_a_row_whose_pins_co_install_is_ok(index):
    (outcome,) = check_row(row(), [PY], index)
    assert outcome.ok, outcome
    assert outcome.detail.endswith("CUDA runtime 12.6")
    assert outcome.pins["tensorflow"] == "2.20.0" and outcome.pins["nvidia-nccl-cu12"] == "2.26.2"
    assert (outcome.pins["torchvision"], outcome.pins["torchaudio"]) == ("0.22.1", "2.7.1")


def test_a_torchvision_built_for_another_torch_fails_naming_both(index):
    # torchvision 0.22.0 requires torch==2.7.0: beside the row's torch 2.7.1 no environment exists
    (outcome,) = check_row(row(torchvision="0.22.0"), [PY], index)
    assert outcome.status == "conflict" and "\n" not in outcome.detail
    assert "torchvision==0.22.0 depends on torch==2.7.0" in outcome.detail and "torch==2.7.1" in outcome.detail


def test_a_torchvision_of_another_build_than_the_row_is_caught(index, tmp_path):
    # a folder of cu118 wheels beside a PyPI row: torchvision==0.22.1 also matches 0.22.1+cu118, which wins
    make_wheel(tmp_path, "torchvision", "0.22.1+cu118", ["torch==2.7.1"])
    indexes = Indexes(find_links=(*index.find_links, str(tmp_path)), no_index=True)
    (outcome,) = check_row(row(), [PY], indexes)
    assert outcome.status == "wrong-build"
    assert outcome.detail == "resolved torchvision==0.22.1+cu118, the row pins torchvision==0.22.1"


def test_a_conflict_is_one_readable_line_naming_both_sides(index):
    (outcome,) = check_row(row(tensorflow="2.21.0"), [PY], index)
    assert outcome.status == "conflict"
    assert "\n" not in outcome.detail
    assert "tensorflow[and-cuda]==2.21.0" in outcome.detail and "torch==2.7.1" in outcome.detail
    assert "nvidia-nccl-cu12" in outcome.detail


def test_torch_of_another_cuda_than_the_row_is_caught(index):
    (outcome,) = check_row(row(cuda="12.8", min_driver="570.26"), [PY], index)
    assert outcome.status == "wrong-cuda"
    assert "CUDA 12.6, the row says 12.8" in outcome.detail


def test_cpu_row_must_resolve_to_a_torch_without_cuda(index):
    cpu = row(
        name="cpu",
        cuda=None,
        cudnn=None,
        min_driver=None,
        torch_arch=[],
        base_image="ubuntu:24.04",
        torch="2.13.0+cpu",
        torch_index="https://download.pytorch.org/whl/cpu",
        tensorflow="2.21.0",
    )
    (outcome,) = check_row(cpu, [PY], index)
    assert outcome.ok and outcome.detail.endswith("no CUDA libraries")
    cuda_torch = dataclasses.replace(cpu, torch="2.7.1", torch_index=None, torchvision="0.22.1")
    (outcome,) = check_row(cuda_torch, [PY], index)
    assert outcome.status == "wrong-cuda"


def test_separate_row_proves_the_conflict_and_resolves_each_side(index):
    outcomes = check_row(row(tensorflow="2.21.0", tensorflow_env="separate"), [PY], index)
    assert [o.env for o in outcomes] == ["cu126", "cu126-tf", "cu126+tf"]
    assert all(o.ok for o in outcomes), outcomes
    assert outcomes[1].detail.endswith("TensorFlow's CUDA 12.6")
    assert outcomes[2].detail.startswith("apart, as the row says: ")


def test_separate_row_that_could_share_is_told_so(index):
    outcomes = check_row(row(tensorflow_env="separate"), [PY], index)
    assert outcomes[-1].status == "could-share"


def test_separate_tensorflow_needing_a_newer_cuda_than_the_row_fails(index):
    outcomes = check_row(
        row(name="cu124", cuda="12.4", torch="2.6.0", tensorflow="2.22.0", tensorflow_env="separate"), [PY], index
    )
    tf = next(o for o in outcomes if o.env == "cu124-tf")
    assert tf.status == "wrong-cuda" and "CUDA 12.8" in tf.detail


def test_transformers_floor_on_torch_is_seen(index):
    no_tf = dict(cuda="12.4", tensorflow=None, tensorflow_env=None, no_tensorflow_reason="test", transformers="5.24.0")
    (outcome,) = check_row(row(name="cu124", torch="2.6.0", **no_tf), [PY], index)
    assert outcome.ok
    (outcome,) = check_row(row(name="cu124", torch="2.5.0", **no_tf), [PY], index)
    assert outcome.status == "conflict"  # transformers[torch] 5.24 needs torch>=2.6


def test_conflict_line_drops_platform_markers():
    stderr = (
        "  × No solution found when resolving dependencies:\n  ╰─▶ Because tensorflow[and-cuda]==2.19.1 "
        "depends on nvidia-nvjitlink-cu12==12.5.82 and torch==2.7.1 depends on\n      nvidia-nvjitlink-cu12"
        "{platform_machine == 'x86_64' and sys_platform == 'linux'}==12.6.85, we can conclude that ..."
    )
    assert conflict_line(stderr) == (
        "tensorflow[and-cuda]==2.19.1 depends on nvidia-nvjitlink-cu12==12.5.82 and "
        "torch==2.7.1 depends on nvidia-nvjitlink-cu12==12.6.85"
    )


def test_cli_checks_a_row_offline_against_local_wheels(cli, index, tmp_path):
    # the fixture index holds exactly the pins of the checkout's cu126 row
    result = cli(
        "matrix", "check", "cu126", "--python", "3.12", "--no-index", "--find-links", index.find_links[0], "--json"
    )
    assert result.code == 0, result.stdout
    report = json.loads(result.stdout)
    assert report == {
        "ok": True,
        "results": [
            {
                "row": "cu126",
                "env": "cu126",
                "python": "3.12",
                "status": "ok",
                "detail": "11 packages, CUDA runtime 12.6",
            }
        ],
    }


def test_cli_exits_1_and_says_why_when_a_row_fails(cli, index):
    result = cli("matrix", "check", "cu128", "--python", "3.12", "--no-index", "--find-links", index.find_links[0])
    assert result.code == 1
    assert "torch==2.10.0" in result.stdout  # not in the local index: the resolver says so


def test_cli_rejects_a_python_the_row_does_not_list(cli):
    result = cli("matrix", "check", "cu126", "--python", "3.9")
    assert result.code == 2
    assert result.stderr.splitlines()[0] == "error: python '3.9' is not one of row cu126's versions (3.11, 3.12, 3.13)"


def test_cli_needs_rows_or_all(cli):
    result = cli("matrix", "check")
    assert result.code == 2 and "--all" in result.stderr


def test_uv_is_found():
    assert uv_binary()
