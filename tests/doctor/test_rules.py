"""Each doctor rule on a machine built here as a typed Probe, against the real matrix and facts tables.

The recorded machines (test_fixtures.py) check the verdicts end to end; these pin each rule's branches.
"""

from __future__ import annotations

import dataclasses

import pytest
from support import ROOT

from dlenv.doctor import diagnose
from dlenv.doctor.collect import parse_nvidia_smi
from dlenv.doctor.companions import cuda_of_label
from dlenv.doctor.probe import BitsandbytesInfo, CompanionInfo, Gpu, Packages, Probe, TensorflowInfo, TorchInfo
from dlenv.doctor.report import Verdict
from dlenv.doctor.rows import recommend
from dlenv.doctor.rules import RULES, RuleContext, rule
from dlenv.facts import paired_torchaudio, paired_torchvision, version_tuple

T4 = Gpu(name="Tesla T4", compute_capability="7.5", memory_mib=15360)
P100 = Gpu(name="Tesla P100-PCIE-16GB", compute_capability="6.0", memory_mib=16384)
GTX1080TI = Gpu(name="NVIDIA GeForce GTX 1080 Ti", compute_capability="6.1")
M60 = Gpu(name="Tesla M60", compute_capability="5.2")
RTX5090 = Gpu(name="NVIDIA GeForce RTX 5090", compute_capability="12.0")

SM50_TO_SM90 = ("sm_50", "sm_60", "sm_70", "sm_75", "sm_80", "sm_86", "sm_90")
TORCH_CU126 = TorchInfo(version="2.7.1+cu126", cuda="12.6", cudnn="90501", arch_list=SM50_TO_SM90)
TORCH_CU128 = TorchInfo(
    version="2.8.0+cu128",
    cuda="12.8",
    cudnn="91002",
    arch_list=("sm_70", "sm_75", "sm_80", "sm_86", "sm_90", "sm_100", "sm_120"),
)
TORCH_CPU = TorchInfo(version="2.13.0+cpu")
TF_CUDA = TensorflowInfo(version="2.18.0", cuda="12.5.1", cudnn="9")
TF_CPU = TensorflowInfo(version="2.21.0")


def gpu_machine(gpu: Gpu = T4, driver: str = "560.35.03", cuda_driver: str = "12.6", **packages: object) -> Probe:
    """One GPU, a driver, Python 3.11 and the packages named (torch=..., tensorflow=..., bitsandbytes=...)."""
    return Probe(
        driver_version=driver,
        cuda_driver=cuda_driver,
        gpus=(gpu,),
        python="3.11.7",
        packages=Packages(**packages),  # type: ignore[arg-type]
    )


def cpu_machine(**packages: object) -> Probe:
    return Probe(python="3.11.7", packages=Packages(**packages))  # type: ignore[arg-type]


@pytest.fixture
def judge(matrix):
    """judge(check_id, probe, row=None): what the rule registered for `check_id` says about `probe`."""

    def run(check_id: str, probe: Probe, row: str | None = None) -> Verdict:
        judged = matrix.row(row) if row else None
        return RULES[check_id](RuleContext(probe, matrix, recommend(probe, matrix), judged))

    return run


# --- the registry ---------------------------------------------------------------------------------


def test_rules_are_registered_under_the_stable_ids_in_print_order():
    assert list(RULES) == [
        "driver-present",
        "driver-supports-torch",
        "gpu-arch-in-torch",
        "torchvision-matches-torch",
        "driver-supports-tensorflow",
        "tensorflow-cudnn",
        "bitsandbytes-gpu",
        "python-supported",
        "torch-tf-coexist",
        "matrix-row",
        "lessons-fit-gpu-memory",
    ]


def test_a_check_id_cannot_get_a_second_rule():
    with pytest.raises(ValueError, match="'driver-present' has a rule already: driver_present"):
        rule("driver-present")(lambda ctx: Verdict("ok", "again"))
    assert RULES["driver-present"].__name__ == "driver_present"


# --- driver-present -------------------------------------------------------------------------------


def test_driver_and_gpus_are_listed_with_memory_and_the_cuda_they_run(judge):
    status, message, _ = judge("driver-present", gpu_machine())
    assert status == "ok"
    assert message == "NVIDIA driver 560.35.03, runs CUDA up to 12.6; Tesla T4 (7.5, 15360 MiB)"


def test_a_driver_without_a_visible_gpu_warns(judge):
    status, message, fix = judge("driver-present", Probe(driver_version="560.35.03"))
    assert status == "warn" and "no GPU is visible" in message and "CUDA_VISIBLE_DEVICES" in (fix or "")


def test_a_container_started_for_a_gpu_without_dev_nvidia_fails_with_the_toolkit_fix(judge):
    probe = Probe(in_container=True, gpu_expected=True, nvidia_devices=False)
    status, _, fix = judge("driver-present", probe)
    assert status == "fail" and "NVIDIA Container Toolkit" in (fix or "") and "--gpus all" in (fix or "")


def test_a_machine_without_nvidia_skips_the_driver_check(judge):
    assert judge("driver-present", cpu_machine()).status == "skip"


# --- driver-supports-torch ------------------------------------------------------------------------


def test_without_torch_the_driver_check_for_torch_skips(judge):
    assert judge("driver-supports-torch", gpu_machine()) == Verdict("skip", "torch is not installed")


def test_a_torch_that_does_not_import_fails_with_its_error_and_the_recommended_row(judge):
    broken = dataclasses.replace(TORCH_CU126, error="RuntimeError: libcudart.so.12: cannot open shared object file")
    status, message, fix = judge("driver-supports-torch", gpu_machine(torch=broken))
    assert status == "fail" and "does not import: RuntimeError: libcudart.so.12" in message
    assert (fix or "").startswith("use row cu126: pip install 'torch==")


def test_a_cpu_torch_on_a_gpu_machine_warns_that_the_gpu_sits_idle(judge):
    status, message, fix = judge("driver-supports-torch", gpu_machine(torch=TORCH_CPU))
    assert status == "warn" and "the GPU sits idle" in message and "use row cu126" in (fix or "")


def test_a_cpu_torch_without_a_gpu_is_fine(judge):
    assert judge("driver-supports-torch", cpu_machine(torch=TORCH_CPU)).status == "ok"


def test_a_driver_older_than_torchs_cuda_in_the_same_major_warns_minor_version_compatibility(judge):
    probe = gpu_machine(driver="535.104.05", cuda_driver="12.2", torch=TORCH_CU126)
    status, message, fix = judge("driver-supports-torch", probe)
    assert status == "warn" and "minor-version compatibility" in message
    assert (fix or "").startswith("upgrade the NVIDIA driver to >= 560.28.03, or use row cu121")


def test_a_driver_of_an_older_cuda_major_fails_with_the_error_torch_prints(judge):
    probe = gpu_machine(GTX1080TI, driver="470.256.02", cuda_driver="11.4", torch=TORCH_CU126)
    status, message, fix = judge("driver-supports-torch", probe)
    assert status == "fail" and "runs CUDA up to 11.4" in message and "driver on your system is too old" in message
    assert (fix or "").startswith("upgrade the NVIDIA driver to >= 560.28.03")


def test_a_cuda_torch_without_a_driver_skips_the_driver_check(judge):
    assert judge("driver-supports-torch", cpu_machine(torch=TORCH_CU126)).status == "skip"


# --- gpu-arch-in-torch ----------------------------------------------------------------------------


def test_p100_with_cu128_torch_fails_arch_check(judge):
    status, message, fix = judge("gpu-arch-in-torch", gpu_machine(P100, torch=TORCH_CU128))
    assert status == "fail"
    assert "Tesla P100-PCIE-16GB (sm_60) has no kernels in torch 2.8.0+cu128 (sm_70 … sm_120)" in message
    assert "no kernel image is available" in message and (fix or "").startswith("use row cu126")


def test_t4_runs_cu126_torch_natively(judge):
    assert judge("gpu-arch-in-torch", gpu_machine(torch=TORCH_CU126)) == Verdict(
        "ok", "torch 2.7.1+cu126 runs Tesla T4 (sm_75) natively"
    )


def test_a_gpu_newer_than_every_sass_runs_through_ptx_on_a_new_enough_driver(judge):
    torch = dataclasses.replace(TORCH_CU126, arch_list=(*SM50_TO_SM90, "compute_90"))
    status, message, _ = judge("gpu-arch-in-torch", gpu_machine(RTX5090, driver="575.64.03", torch=torch))
    assert status == "ok" and "through PTX JIT" in message


def test_ptx_jit_on_a_driver_older_than_torchs_toolkit_fails(judge):
    torch = dataclasses.replace(TORCH_CU126, arch_list=(*SM50_TO_SM90, "compute_90"))
    status, message, _ = judge("gpu-arch-in-torch", gpu_machine(RTX5090, driver="550.54.15", torch=torch))
    assert status == "fail" and "only through PTX JIT, which needs a driver >= 560.28.03" in message


@pytest.mark.parametrize(
    ("check_id", "packages", "expected"),
    [
        ("gpu-arch-in-torch", {"torch": dataclasses.replace(TORCH_CU126, cudnn="91100")}, "torch's cuDNN 9.11.0"),
        ("tensorflow-cudnn", {"tensorflow": dataclasses.replace(TF_CUDA, cudnn="9.11")}, "cuDNN 9.11"),
    ],
)
def test_a_cudnn_9_11_build_fails_on_pascal_though_it_has_sm_60_kernels(judge, check_id, packages, expected):
    status, message, _ = judge(check_id, gpu_machine(P100, **packages))
    assert status == "fail" and f"{expected} dropped GPUs below 7.5" in message


def test_arch_check_skips_without_a_gpu_or_an_arch_list(judge):
    assert judge("gpu-arch-in-torch", cpu_machine(torch=TORCH_CU126)).status == "skip"
    unread = dataclasses.replace(TORCH_CU126, arch_list=None)
    assert judge("gpu-arch-in-torch", gpu_machine(torch=unread)).message.endswith("arch list could not be read")


# --- driver-supports-tensorflow -------------------------------------------------------------------


def test_a_driver_new_enough_for_tensorflows_cuda_is_ok(judge):
    assert judge("driver-supports-tensorflow", gpu_machine(tensorflow=TF_CUDA)) == Verdict(
        "ok", "driver 560.35.03 runs TensorFlow 2.18.0, built for CUDA 12.5.1"
    )


def test_a_driver_older_than_tensorflows_cuda_warns_and_names_the_upgrade(judge):
    probe = gpu_machine(driver="550.54.15", cuda_driver="12.4", tensorflow=TF_CUDA)
    status, _, fix = judge("driver-supports-tensorflow", probe)
    assert status == "warn" and (fix or "").startswith("upgrade the NVIDIA driver to >= 555.42.02")


def test_a_cpu_tensorflow_on_a_gpu_machine_warns_with_the_and_cuda_extra(judge):
    status, _, fix = judge("driver-supports-tensorflow", gpu_machine(tensorflow=TF_CPU))
    assert status == "warn" and "tensorflow[and-cuda]==2.21.0" in (fix or "")


# --- tensorflow-cudnn -----------------------------------------------------------------------------


def test_tensorflow_2_18_has_kernels_for_a_t4(judge):
    assert judge("tensorflow-cudnn", gpu_machine(tensorflow=TF_CUDA)) == Verdict(
        "ok", "TensorFlow 2.18.0 (CUDA 12.5.1, cuDNN 9) has kernels for Tesla T4 (sm_75)"
    )


def test_maxwell_has_no_kernels_in_tensorflow_2_18(judge):
    status, message, fix = judge("tensorflow-cudnn", gpu_machine(M60, driver="550.54.15", tensorflow=TF_CUDA))
    assert status == "fail" and "TensorFlow 2.18.0 has no kernels for Tesla M60 (sm_52)" in message
    assert "--device cpu" in (fix or "")


def test_a_cpu_tensorflow_skips_the_cudnn_check(judge):
    assert judge("tensorflow-cudnn", gpu_machine(tensorflow=TF_CPU)).status == "skip"


# --- bitsandbytes-gpu -----------------------------------------------------------------------------


def test_without_bitsandbytes_its_check_skips(judge):
    assert judge("bitsandbytes-gpu", gpu_machine(torch=TORCH_CU126)).status == "skip"


def test_a_bitsandbytes_older_than_any_known_release_warns_with_the_upgrade(judge):
    status, _, fix = judge("bitsandbytes-gpu", cpu_machine(bitsandbytes=BitsandbytesInfo(version="0.41.1")))
    assert status == "warn" and fix == "pip install -U 'bitsandbytes>=0.48'"


def test_bitsandbytes_before_0_48_fails_on_the_cpu_and_0_50_runs_there(judge):
    old = judge("bitsandbytes-gpu", cpu_machine(torch=TORCH_CPU, bitsandbytes=BitsandbytesInfo(version="0.45.0")))
    new = judge("bitsandbytes-gpu", cpu_machine(torch=TORCH_CPU, bitsandbytes=BitsandbytesInfo(version="0.50.2")))
    assert old.status == "fail" and "no CPU backend" in old.message
    assert new == Verdict("ok", "bitsandbytes 0.50.2 runs 4-bit on the CPU backend")


def test_bitsandbytes_without_a_library_for_torchs_cuda_fails(judge):
    probe = gpu_machine(driver="575.64.03", torch=TORCH_CU128, bitsandbytes=BitsandbytesInfo(version="0.45.0"))
    status, message, fix = judge("bitsandbytes-gpu", probe)
    assert (
        status == "fail" and "ships no library for torch's CUDA 12.8" in message and "BNB_CUDA_VERSION" in (fix or "")
    )


def test_maxwell_cannot_run_4bit_from_bitsandbytes_0_48(judge):
    bnb = BitsandbytesInfo(version="0.48.0", cuda_library="124", libraries=("124",))
    torch = TorchInfo(version="2.5.1", cuda="12.4")
    status, message, fix = judge(
        "bitsandbytes-gpu", gpu_machine(M60, driver="550.54.15", torch=torch, bitsandbytes=bnb)
    )
    assert status == "fail" and "no kernels below compute capability 6.0: Tesla M60 (sm_52)" in message
    assert (fix or "").startswith("use row cu124")


def test_pascal_runs_4bit_but_warns_that_int8_needs_turing(judge):
    probe = gpu_machine(P100, torch=TORCH_CU126, bitsandbytes=BitsandbytesInfo(version="0.50.2"))
    status, message, _ = judge("bitsandbytes-gpu", probe)
    assert status == "warn" and "LLM.int8() needs compute capability 7.5+" in message


def test_t4_runs_4bit_and_8bit_from_the_library_of_torchs_cuda(judge):
    probe = gpu_machine(torch=TORCH_CU126, bitsandbytes=BitsandbytesInfo(version="0.50.2"))
    assert judge("bitsandbytes-gpu", probe) == Verdict(
        "ok", "bitsandbytes 0.50.2 loads libbitsandbytes_cuda126.so: 4-bit and 8-bit run on Tesla T4 (sm_75)"
    )


# --- python-supported -----------------------------------------------------------------------------


def test_a_python_in_the_rows_is_ok_and_names_them(judge):
    status, message, _ = judge("python-supported", cpu_machine())
    assert status == "ok" and message.startswith("Python 3.11.7 is in rows cpu, ")


def test_a_python_outside_every_row_fails_and_names_one_that_fits(judge, matrix):
    status, message, fix = judge("python-supported", Probe(python="3.9.18"))
    assert status == "fail" and "Python 3.9.18 is outside every matrix row (3.10 to 3.13)" in message
    suggested = (fix or "").split()[2].rstrip(",")
    assert any(suggested in row.python for row in matrix.rows.values())


def test_the_python_fix_is_the_newest_python_of_the_row_the_gpu_wants(judge, matrix):
    # a T4 on an R560 driver gets row cu126 whatever the Python: the fix is that row's newest Python
    probe = dataclasses.replace(gpu_machine(), python="3.9.18")
    assert recommend(dataclasses.replace(probe, python="3.12.1"), matrix).row == matrix.row("cu126")
    newest = max(matrix.row("cu126").python, key=version_tuple)
    _, _, fix = judge("python-supported", probe)
    assert fix == f"use Python {newest}, the newest of row cu126, which fits this machine"
    # no GPU: the cpu row's newest
    _, _, fix = judge("python-supported", Probe(python="3.14.0"))
    newest = max(matrix.row("cpu").python, key=version_tuple)
    assert fix == f"use Python {newest}, the newest of row cpu, which fits this machine"


def test_an_unknown_python_skips(judge):
    assert judge("python-supported", Probe()).status == "skip"


# --- torch-tf-coexist -----------------------------------------------------------------------------


def test_coexistence_skips_unless_both_frameworks_are_installed(judge):
    assert judge("torch-tf-coexist", gpu_machine(torch=TORCH_CU126)).status == "skip"


def test_torch_and_a_cpu_tensorflow_share_one_environment(judge):
    status, message, _ = judge("torch-tf-coexist", gpu_machine(torch=TORCH_CU126, tensorflow=TF_CPU))
    assert status == "ok" and "at most one uses CUDA" in message


def test_torch_and_tensorflow_needing_different_cudnn_majors_fail_and_name_the_split(judge):
    tf = TensorflowInfo(version="2.14.1", cuda="11.8", cudnn="8.7")
    status, message, fix = judge("torch-tf-coexist", gpu_machine(torch=TORCH_CU126, tensorflow=tf))
    assert status == "fail" and "cuDNN 9.5.1 and TensorFlow 2.14.1 needs cuDNN 8.7" in message
    assert "own environment" in (fix or "") and "cu126" in (fix or "")


def test_torch_and_tensorflow_on_different_cuda_majors_warn(judge):
    torch = TorchInfo(version="2.7.1+cu118", cuda="11.8", cudnn="90100")
    status, message, _ = judge("torch-tf-coexist", gpu_machine(torch=torch, tensorflow=TF_CUDA))
    assert status == "warn" and "two CUDA stacks in one environment" in message


def test_torch_and_tensorflow_on_one_cuda_and_cudnn_major_share(judge):
    assert judge("torch-tf-coexist", gpu_machine(torch=TORCH_CU126, tensorflow=TF_CUDA)).status == "ok"


def test_judging_a_row_that_keeps_tensorflow_apart_is_ok_whatever_is_installed(judge):
    tf = TensorflowInfo(version="2.14.1", cuda="11.8", cudnn="8.7")  # would clash with torch if judged
    status, message, _ = judge("torch-tf-coexist", gpu_machine(torch=TORCH_CU126, tensorflow=tf), row="cu124")
    assert status == "ok" and message.startswith("row cu124 keeps TensorFlow 2.17.1 in its own environment")


def test_judging_a_shared_row_reads_the_rows_torch_and_tensorflow(judge):
    status, message, _ = judge("torch-tf-coexist", gpu_machine(), row="cu126")
    assert status == "ok" and "can share one environment" in message and "cuDNN 9.5.1" in message


# --- matrix-row -----------------------------------------------------------------------------------


def test_the_newest_row_that_fits_is_recommended(judge):
    assert judge("matrix-row", gpu_machine()) == Verdict(
        "ok", "row cu126 fits this machine (torch 2.7.1, CUDA 12.6, driver >= 560.28.03)"
    )


def test_without_a_gpu_the_cpu_row_is_recommended(judge):
    assert judge("matrix-row", cpu_machine()) == Verdict("ok", "no GPU: row cpu (torch 2.13.0+cpu)")


def test_only_minor_version_compatibility_left_warns_with_the_driver_upgrade(judge):
    probe = dataclasses.replace(gpu_machine(GTX1080TI, driver="470.256.02", cuda_driver="11.4"), python="3.10.12")
    status, message, fix = judge("matrix-row", probe)
    assert status == "warn" and "row cu118 runs through CUDA 11 minor-version compatibility" in message
    assert fix == "upgrade the NVIDIA driver to >= 520.61.05 for every feature of row cu118"


def test_a_driver_too_old_for_every_row_fails_with_the_oldest_floor(judge, matrix):
    probe = dataclasses.replace(gpu_machine(GTX1080TI, driver="418.87.01", cuda_driver="10.1"), python=None)
    newest = max((r for r in matrix.rows.values() if r.cuda), key=lambda r: version_tuple(r.cuda or "0"))
    assert judge("matrix-row", probe) == Verdict(
        "fail",
        "no CUDA row runs on driver 418.87.01 (CUDA 10.1), which drives NVIDIA GeForce GTX 1080 Ti",
        f"upgrade the NVIDIA driver to at least 450.80.02 (row cu118; {newest.min_driver} runs every row, "
        f"row {newest.name} included), or use the cpu row",
    )


def test_an_r440_machine_names_both_gpus_and_recommends_no_row(matrix):
    # a real R440 capture with two RTX 2080 Ti: the driver predates compute_cap, the table supplies 7.5
    xml = (ROOT / "tests" / "fixtures" / "nvidia-smi" / "r440-2x-rtx2080ti.xml").read_text()
    probe = dataclasses.replace(parse_nvidia_smi(xml, None), python="3.11.7")
    report = diagnose(probe, matrix)
    assert report.recommended_row is None and not report.ok
    (row_check,) = [c for c in report.checks if c.id == "matrix-row"]
    assert row_check.status == "fail"
    assert "driver 440.82 (CUDA 10.2), which drives GeForce RTX 2080 Ti, GeForce RTX 2080 Ti" in row_check.message
    assert (row_check.fix or "").startswith("upgrade the NVIDIA driver to at least 450.80.02")
    (present,) = [c for c in report.checks if c.id == "driver-present"]
    assert present.status == "ok" and present.message.count("GeForce RTX 2080 Ti (7.5, 11019 MiB)") == 2


def test_a_python_no_cuda_row_lists_fails_the_recommendation(judge):
    status, message, _ = judge("matrix-row", dataclasses.replace(gpu_machine(), python="3.9.18"))
    assert status == "fail" and message == "no CUDA row supports Python 3.9 (the rows cover 3.10 to 3.13)"


def test_judging_a_row_without_kernels_for_the_gpu_fails_and_names_the_row_that_fits(judge):
    status, message, fix = judge("matrix-row", gpu_machine(P100, torch=TORCH_CU126), row="cu128")
    assert status == "fail" and message.startswith("row cu128 does not fit this machine: its torch has no kernels")
    assert (fix or "").startswith("use row cu126")


def test_judging_a_row_the_driver_runs_only_through_minor_version_compatibility_warns(judge):
    status, message, _ = judge("matrix-row", gpu_machine(driver="535.104.05", cuda_driver="12.2"), row="cu126")
    assert status == "warn" and message.startswith("row cu126 runs only through minor-version compatibility")


def test_judging_a_row_reads_its_torch_not_the_installed_one(judge):
    probe = gpu_machine(P100, torch=TORCH_CU126)
    assert judge("gpu-arch-in-torch", probe).status == "ok"
    status, message, _ = judge("gpu-arch-in-torch", probe, row="cu128")
    assert status == "fail" and "torch 2.10.0" in message


# --- torchvision-matches-torch -------------------------------------------------------------------


def vision(version: str, torch: str | None) -> CompanionInfo:
    return CompanionInfo(version=version, cuda=cuda_of_label(version), torch=torch)


@pytest.mark.parametrize(("torchvision", "status", "said"), [
    (vision("0.22.1+cu126", "2.7.1"), "ok", "torchvision 0.22.1+cu126 match torch 2.7.1+cu126"),
    (vision("0.21.0+cu126", "2.6.0"), "fail", "built for torch 2.6.0, not 2.7.1+cu126"),
    (vision("0.22.1+cu118", "2.7.1"), "fail", "a cu118 build and torch 2.7.1+cu126 a cu126 one"),
])  # fmt: skip
def test_torchvision_must_be_built_for_the_installed_torch_release_and_cuda(judge, torchvision, status, said):
    verdict = judge("torchvision-matches-torch", gpu_machine(torch=TORCH_CU126, torchvision=torchvision))
    assert verdict.status == status and said in verdict.message
    if status == "fail":  # the pair of torch 2.7.1, from torch's own index
        assert verdict.fix == "pip install 'torchvision==0.22.1' --index-url https://download.pytorch.org/whl/cu126"


def test_torchaudio_beside_a_torch_it_was_never_built_for_is_to_be_removed(judge):
    probe = cpu_machine(torch=TORCH_CPU, torchaudio=vision("2.11.0+cpu", "2.11.0"))
    verdict = judge("torchvision-matches-torch", probe)
    assert verdict.status == "fail"
    assert verdict.fix == "pip uninstall torchaudio (no torchaudio is built for torch 2.13.0: it stopped at 2.11)"


def test_no_torchvision_or_torchaudio_skips_the_check(judge):
    assert judge("torchvision-matches-torch", cpu_machine(torch=TORCH_CPU)).status == "skip"


def test_torchvision_without_torch_fails_naming_the_torch_it_needs(judge):
    verdict = judge("torchvision-matches-torch", cpu_machine(torchvision=vision("0.22.1", "2.7.1")))
    assert verdict.status == "fail" and verdict.fix == "pip install 'torch==2.7.1'"


@pytest.mark.parametrize(("torch", "torchvision", "torchaudio"), [
    ("2.4.1", "0.19.1", "2.4.1"), ("2.7.1+cu118", "0.22.1", "2.7.1"), ("2.14.1", "0.29.1", None),
    ("2.13.0+cpu", "0.28.0", None), ("2.11.0", "0.26.*", "2.11.0"),
])  # fmt: skip
def test_the_pairs_the_rows_need(torch, torchvision, torchaudio):
    assert (paired_torchvision(torch), paired_torchaudio(torch)) == (torchvision, torchaudio)


def test_the_cu118_image_on_an_r450_to_r515_driver_fails_with_the_reason(judge):
    # a pip install on the host runs cu118 from 450.80.02; its image's NVIDIA_REQUIRE_CUDA does not
    host = dataclasses.replace(gpu_machine(GTX1080TI, driver="510.108.03", cuda_driver="11.6"), python="3.10.12")
    assert judge("matrix-row", host, row="cu118").status == "warn"
    container = dataclasses.replace(host, in_container=True, nvidia_devices=True)
    status, message, _ = judge("matrix-row", container, row="cu118")
    assert status == "fail"
    assert "admits older drivers only on the R470 branch (NVIDIA_REQUIRE_CUDA)" in message
    # the R470 branch is admitted
    r470 = dataclasses.replace(container, driver_version="470.256.02", cuda_driver="11.4")
    assert judge("matrix-row", r470, row="cu118").status == "warn"


def test_bitsandbytes_before_048_on_volta_with_the_cuda_128_library_says_it_is_unverified(judge):
    v100 = Gpu(name="Tesla V100-SXM2-16GB", compute_capability="7.0", memory_mib=16384)
    probe = gpu_machine(v100, driver="570.86.15", cuda_driver="12.8", torch=TORCH_CU128,
                        bitsandbytes=BitsandbytesInfo(version="0.46.1"))  # fmt: skip
    status, message, fix = judge("bitsandbytes-gpu", probe)
    assert status == "warn" and "may carry no code for Tesla V100-SXM2-16GB (sm_70)" in message
    assert "0.46.1 is not verified" in message and fix == "pip install -U 'bitsandbytes>=0.48'"
    newer = dataclasses.replace(probe, packages=Packages(torch=TORCH_CU128, bitsandbytes=BitsandbytesInfo("0.50.2")))
    assert "not verified" not in judge("bitsandbytes-gpu", newer).message


def test_tensorflow_before_218_says_its_kernel_list_was_not_checked(judge):
    probe = gpu_machine(tensorflow=TensorflowInfo(version="2.17.1", cuda="12.3", cudnn="8"))
    status, message, _ = judge("tensorflow-cudnn", probe)
    assert status == "ok" and "its kernel list is not recorded before 2.18, so not checked" in message


# --- lessons-fit-gpu-memory -----------------------------------------------------------------------


def test_every_lesson_fits_the_4gb_gtx_1650_ti_at_its_defaults_and_smoke_settings(judge):
    from dlenv.doctor.probe import load_probe
    from dlenv.runner.memory import recorded_needs

    status, message, fix = judge(
        "lessons-fit-gpu-memory", load_probe(ROOT / "tests/fixtures/probes/wsl2-gtx1650ti.json")
    )
    largest = max(need["mib"] for by_setting in recorded_needs().values() for need in by_setting.values())
    assert (status, fix) == ("ok", None)
    assert "NVIDIA GeForce GTX 1650 Ti (4096 MiB)" in message and f"{largest} MiB)" in message


def test_a_gpu_smaller_than_a_lessons_need_lists_the_lesson_and_the_setting(judge):
    from dlenv.runner.memory import recorded_needs

    lora = recorded_needs()["lora"]
    small = Gpu("Small GPU", "7.5", memory_mib=lora["smoke"]["mib"] - 1)
    status, message, fix = judge("lessons-fit-gpu-memory", dataclasses.replace(gpu_machine(), gpus=(small,)))
    assert status == "warn"
    assert f"lora (smoke {lora['smoke']['mib']} MiB, estimated)" in message
    assert f"Small GPU ({small.memory_mib} MiB) is too small for" in message
    assert "--device cpu" in fix and "dlenv run LESSON" in fix


def test_no_gpu_or_no_known_memory_skips_the_fit(judge):
    assert judge("lessons-fit-gpu-memory", cpu_machine()).status == "skip"
    unknown = Gpu("Tesla T4", "7.5")
    assert judge("lessons-fit-gpu-memory", dataclasses.replace(gpu_machine(), gpus=(unknown,))).status == "skip"


def test_an_r375_machine_with_two_p100s_names_both_and_the_driver_to_install(matrix):
    # the shape of an R375 `nvidia-smi -q -x`: no <cuda_version>, and `--query-gpu=compute_cap` is refused
    gpu = "<gpu id='{}'><product_name>Tesla P100-PCIE-16GB</product_name>"
    gpu += "<fb_memory_usage><total>16280 MiB</total></fb_memory_usage></gpu>"
    xml = f"<nvidia_smi_log><driver_version>375.66</driver_version>{gpu.format(1)}{gpu.format(2)}</nvidia_smi_log>"
    probe = dataclasses.replace(
        parse_nvidia_smi(xml, 'Field "compute_cap" is not a valid field to query.'), python="3.10.12"
    )
    assert probe.cuda_driver == "8.0" and [g.compute_capability for g in probe.gpus] == ["6.0", "6.0"]
    report = diagnose(probe, matrix)
    assert report.recommended_row is None
    (row_check,) = [c for c in report.checks if c.id == "matrix-row"]
    assert row_check.status == "fail"
    assert "driver 375.66 (CUDA 8.0), which drives Tesla P100-PCIE-16GB, Tesla P100-PCIE-16GB" in row_check.message
    assert (row_check.fix or "").startswith("upgrade the NVIDIA driver to at least 450.80.02")
