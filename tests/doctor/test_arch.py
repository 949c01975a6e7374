import pytest

from dlenv.doctor.arch import from_matrix, runs_on, span


@pytest.mark.parametrize(
    ("arch_list", "cc", "expected"),
    [
        (["sm_80"], "8.6", "sass"),  # same major, newer minor: SASS is binary compatible
        (["sm_86"], "8.0", None),  # an older minor cannot run newer SASS
        (["sm_70", "sm_75"], "6.0", None),  # Kaggle P100 on a cu128 torch
        (["sm_90", "compute_90"], "12.0", "ptx"),  # PTX JIT forward to Blackwell
        (["sm_120"], "12.1", "sass"),  # GB10 runs sm_120 code
        (["sm_90"], "10.0", None),  # across a major, only PTX helps
        (["sm_60"], "6.1", "sass"),  # GTX 1080 Ti / P40
    ],
)
def test_runs_on_follows_cuda_binary_compatibility(arch_list, cc, expected):
    assert runs_on(arch_list, cc) == expected


def test_matrix_arch_is_spelled_as_torch_reports_it():
    assert from_matrix(["7.5", "12.0+PTX"]) == ["sm_75", "sm_120", "compute_120"]
    assert span(from_matrix(["7.5", "8.0", "12.0+PTX"])) == "sm_75 … sm_120"
