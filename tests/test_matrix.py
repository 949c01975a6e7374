"""The matrix's facts (against docs/research/compat.md) and its bad-input errors."""

from __future__ import annotations

import json

import pytest
from support import ROOT

from dlenv.facts import cuda_facts, paired_torchaudio, paired_torchvision, version_tuple
from dlenv.lessons_catalog import lessons_dir

JSON_KEYS = {
    "name",
    "cuda",
    "cudnn",
    "min_driver",
    "base_image",
    "python",
    "torch",
    "torch_index",
    "torch_arch",
    "torchvision",
    "torchaudio",
    "no_torchaudio_reason",
    "tensorflow",
    "transformers",
    "peft",
    "trl",
    "bitsandbytes",
    "lessons",
}
MATRIX_TEXT = (ROOT / "envs" / "matrix.toml").read_text(encoding="utf-8")
GPU_ROW_LINE = MATRIX_TEXT[: MATRIX_TEXT.index('gpu_row = "cu128"')].count("\n") + 1


def arch(value: str) -> tuple[int, ...]:
    return version_tuple(value.removesuffix("+PTX"))


def test_rows_cover_what_learners_meet(matrix):
    cudas = {name: row.cuda for name, row in matrix.rows.items()}
    assert cudas == {
        "cpu": None,
        "cu118": "11.8",
        "cu121": "12.1",
        "cu124": "12.4",
        "cu126": "12.6",
        "cu128": "12.8",
        "cu130": "13.0",
    }


def test_cpu_row_pins_the_cpu_torch_that_installs_on_a_laptop(matrix):
    cpu = matrix.row("cpu")
    assert cpu.torch == "2.13.0+cpu"
    assert cpu.torch_index == "https://download.pytorch.org/whl/cpu"


def test_min_driver_is_the_driver_each_cuda_toolkit_shipped_with(matrix):
    # compat.md §1a: 11.8 -> 520.61.05, 12.6 -> 560.28.03, 12.8 -> 570.26, 13.0 -> 580.65.06
    assert {n: r.min_driver for n, r in matrix.rows.items() if r.cuda} == {
        "cu118": "520.61.05",
        "cu121": "530.30.02",
        "cu124": "550.54.14",
        "cu126": "560.28.03",
        "cu128": "570.26",
        "cu130": "580.65.06",
    }
    for row in matrix.rows.values():
        if row.cuda:
            assert row.min_driver == cuda_facts().toolkit_driver[row.cuda]


def test_p100_and_v100_run_on_cu126_but_not_on_cuda13(matrix):
    # compat.md §2b: cu126 keeps sm_50/60/70; CUDA 13 wheels start at sm_75
    assert {"5.0", "6.0", "7.0"} <= set(matrix.row("cu126").torch_arch)
    assert min(map(arch, matrix.row("cu130").torch_arch)) == (7, 5)


def test_blackwell_needs_cu128_or_newer(matrix):
    # compat.md §2b: sm_100/sm_120 first in cu128; 2.8-2.10 cu128 re-added Volta
    for name, row in matrix.rows.items():
        has_blackwell = any(arch(a) >= (10, 0) for a in row.torch_arch)
        assert has_blackwell == (name in {"cu128", "cu130"}), name
    assert "7.0" in matrix.row("cu128").torch_arch
    assert "6.0" not in matrix.row("cu128").torch_arch


def test_no_row_pairs_cudnn_911_or_newer_with_a_gpu_below_turing(matrix):
    # compat.md §6: cuDNN >= 9.11 dropped compute capability < 7.5
    for row in matrix.rows.values():
        if row.cudnn and version_tuple(row.cudnn) >= (9, 11):
            assert min(map(arch, row.torch_arch)) >= (7, 5), row.name


def test_every_row_without_tensorflow_says_why(matrix):
    for row in matrix.rows.values():
        assert (row.tensorflow is None) == bool(row.no_tensorflow_reason), row.name
    assert matrix.row("cu130").tensorflow is None  # compat.md §3: no TF build for CUDA 13


def test_every_rows_torchvision_and_torchaudio_are_its_torchs_builds(matrix):
    # pytorch/vision README's version table, as src/dlenv/facts/torchvision.toml holds it
    expected = {
        "cpu": ("0.28.0+cpu", None),
        "cu118": ("0.22.1+cu118", "2.7.1+cu118"),
        "cu121": ("0.19.1", "2.4.1"),
        "cu124": ("0.21.0", "2.6.0"),
        "cu126": ("0.22.1", "2.7.1"),
        "cu128": ("0.25.0", "2.10.0"),
        "cu130": ("0.29.1", None),  # 0.29.0 requires torch==2.14.0 exactly
    }
    assert {name: (row.torchvision, row.torchaudio) for name, row in matrix.rows.items()} == expected
    for row in matrix.rows.values():
        assert row.torchvision == paired_torchvision(row.torch) + row.torch_label, row.name
        audio = paired_torchaudio(row.torch)
        assert row.torchaudio == (audio + row.torch_label if audio else None), row.name
        # torchaudio ended with 2.11: the rows past it say so
        assert (row.torchaudio is None) == bool(row.no_torchaudio_reason), row.name


def test_base_image_cuda_and_python_match_the_row(matrix):
    for row in matrix.rows.values():
        if row.cuda:
            assert row.base_image.startswith(f"nvidia/cuda:{row.cuda}.")
            # the base flavour only: torch's nvidia-* wheels bring CUDA's libraries and cuDNN
            assert row.base_image.split(":")[1].split("-")[1] == "base", row.name
        assert row.image_python in row.python


def test_rows_name_only_lessons_that_exist(matrix):
    known = {p.parent.name for p in lessons_dir().glob("*/__init__.py")}
    for row in matrix.rows.values():
        assert set(row.lessons) <= known, row.name


def test_matrix_json_has_the_documented_shape(cli):
    result = cli("matrix", "--json")
    assert result.code == 0
    rows = json.loads(result.stdout)["rows"]
    assert [r["name"] for r in rows][:2] == ["cpu", "cu118"]
    for row in rows:
        assert set(row) >= JSON_KEYS
    cpu = rows[0]
    assert cpu["cuda"] is None and cpu["min_driver"] is None and cpu["torch_arch"] == []


def test_matrix_show_prints_every_field_of_a_row(cli):
    result = cli("matrix", "show", "cu126", "--json")
    assert result.code == 0
    assert json.loads(result.stdout)["cudnn"] == "9.5.1.17"
    table = cli("matrix", "show", "cu126")
    assert "nvidia/cuda:12.6.3-base-ubuntu24.04" in table.stdout


def test_unknown_row_names_the_closest(cli):
    result = cli("matrix", "show", "cu12")
    assert result.code == 2
    assert result.stderr.splitlines()[0] == "error: unknown matrix row 'cu12': did you mean 'cu121'?"
    assert "Traceback" not in result.stderr


# --- bad input: exit 2, one line that names the row and the field ----------------------------------


def edit(old: str, new: str, count: int = 1) -> str:
    assert old in MATRIX_TEXT, old
    return MATRIX_TEXT.replace(old, new, count)


BAD_MATRICES = {
    "malformed": (edit('gpu_row = "cu128"', 'gpu_row = "cu128'), f"line {GPU_ROW_LINE}"),
    "unknown field": (
        edit('torch = "2.10.0"', 'tourch = "2.10.0"'),
        "row 'cu128': unknown field 'tourch': did you mean 'torch'?",
    ),
    "row without torch": (edit('torch = "2.10.0"', ""), "row 'cu128': field 'torch' is required"),
    "empty python": (
        edit('python = ["3.10", "3.11", "3.12", "3.13"]', "python = []"),
        "row 'cpu': field 'python' must not be empty",
    ),
    "tensorflow python outside the row's": (
        edit('tensorflow_python = ["3.10", "3.11", "3.12"]', 'tensorflow_python = ["3.9", "3.10"]'),
        "row 'cu124': field 'tensorflow_python' lists 3.9, which 'python' does not",
    ),
    "tensorflow python for a shared tensorflow": (
        edit('tensorflow_env = "shared"', 'tensorflow_env = "shared"\ntensorflow_python = ["3.11"]'),
        "row 'cpu': field 'tensorflow_python' is only for tensorflow_env = \"separate\"",
    ),
    "duplicate row": (MATRIX_TEXT + '\n[rows.cu126]\ncuda = "12.6"\n', "duplicate row 'cu126'"),
    "cuda row without min_driver": (edit('min_driver = "570.26"', ""), "row 'cu128': field 'min_driver' is required"),
    "driver too old": (
        edit('min_driver = "570.26"', 'min_driver = "560.28.03"'),
        "row 'cu128': field 'min_driver': CUDA 12.8 needs a driver >= 570.26",
    ),
    "image of another cuda": (
        edit("nvidia/cuda:12.8.1-base", "nvidia/cuda:12.6.3-base"),
        "row 'cu128': field 'base_image'",
    ),
    "image that carries cudnn twice": (
        edit("nvidia/cuda:12.8.1-base-", "nvidia/cuda:12.8.1-cudnn-runtime-"),
        "row 'cu128': field 'base_image': 'nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04' carries CUDA",
    ),
    "bad version": (edit('peft = "0.21.2"', 'peft = "latest"'), "row 'cpu': field 'peft'"),
    "tf without env": (edit('tensorflow_env = "shared"\n', ""), "row 'cpu': field 'tensorflow_env' is required"),
    "torchvision of another torch": (
        edit('torchvision = "0.25.0"', 'torchvision = "0.24.1"'),
        "row 'cu128': field 'torchvision' must be 0.25.0, the build for torch 2.10.0",
    ),
    "torchvision without torch's label": (
        edit('torchvision = "0.22.1+cu118"', 'torchvision = "0.22.1"'),
        "row 'cu118': field 'torchvision' must be 0.22.1+cu118, the build for torch 2.7.1+cu118",
    ),
    "torchaudio of another torch": (
        edit('torchaudio = "2.6.0"', 'torchaudio = "2.5.1"'),
        "row 'cu124': field 'torchaudio' must be 2.6.0, the build for torch 2.6.0",
    ),
    "torchaudio that was never built": (
        edit('torchvision = "0.29.1"', 'torchvision = "0.29.1"\ntorchaudio = "2.14.1"'),
        "row 'cu130': field 'torchaudio': no torchaudio is built for torch 2.14.1",
    ),
    "torchaudio left out where one is built": (
        edit('torchaudio = "2.10.0"', ""),
        "row 'cu128': field 'torchaudio' must be 2.10.0, the build for torch 2.10.0",
    ),
    "no torchaudio without a reason": (
        edit('no_torchaudio_reason = "torchaudio ended with 2.11: no release is built for torch 2.14.1"', ""),
        "row 'cu130': field 'no_torchaudio_reason' is required when 'torchaudio' is absent",
    ),
    "torch missing from the torchvision facts": (
        edit('torch = "2.10.0"', 'torch = "2.11.0"'),
        "row 'cu128': field 'torchvision': torch 2.11.0 is not in src/dlenv/facts/torchvision.toml",
    ),
    "default row unknown": (
        edit('gpu_row = "cu128"', 'gpu_row = "cu129"'),
        "gpu_row 'cu129' is not a CUDA row: did you mean 'cu128'?",
    ),
}


@pytest.mark.parametrize("case", BAD_MATRICES, ids=list(BAD_MATRICES))
def test_bad_matrix_is_one_line_naming_row_and_field(cli, tmp_path, case):
    text, expected = BAD_MATRICES[case]
    path = tmp_path / "matrix.toml"
    path.write_text(text, encoding="utf-8")
    result = cli("--matrix", str(path), "matrix")
    assert result.code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and expected in lines[0]
    assert result.stdout == ""


def test_missing_matrix_file_is_bad_input(cli, tmp_path):
    result = cli("--matrix", str(tmp_path / "nope.toml"), "matrix")
    assert result.code == 2
    assert "nope.toml" in result.stderr


def test_debug_shows_the_traceback(cli, tmp_path):
    from dlenv.errors import DlenvError

    with pytest.raises(DlenvError):
        cli("--debug", "--matrix", str(tmp_path / "nope.toml"), "matrix")


def test_unknown_command_is_bad_usage(cli):
    result = cli("matirx")
    assert result.code == 2
    assert result.stderr.startswith("error: ") and "matirx" in result.stderr
