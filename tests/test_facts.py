"""Lookups over the facts tables (src/dlenv/facts/*.toml), checked against docs/research/compat.md."""

from dlenv.doctor.rules import driver_verdict
from dlenv.facts import (
    bitsandbytes_release,
    compute_capability_of,
    cuda_of_driver,
    cudnn_min_compute_capability,
    decode_cudnn,
    encode_cudnn,
    image_refuses,
    peak_half_tflops,
    tensorflow_release,
    toolkit_driver,
)


def test_driver_within_a_major_warns_and_across_a_major_fails():
    # compat.md §1b: 12.x runs from 525.60.13 with limited features; 13.x needs >= 580
    assert driver_verdict("570.124.06", "12.8") == ("ok", "570.26")
    assert driver_verdict("535.104.05", "12.8") == ("warn", "570.26")
    assert driver_verdict("570.124.06", "13.0") == ("fail", "580.65.06")
    assert driver_verdict("470.256.02", "11.8") == ("warn", "520.61.05")
    assert driver_verdict("418.87.01", "11.8") == ("fail", "520.61.05")


def test_toolkit_driver_of_an_unlisted_minor_is_the_nearest_older():
    assert toolkit_driver("12.8.90") == "570.26"
    assert toolkit_driver("12.7") == toolkit_driver("12.6")
    assert toolkit_driver("10.2") == "440.33"
    assert toolkit_driver("7.5") is None  # older than the table


def test_a_driver_runs_the_newest_cuda_whose_toolkit_driver_it_has():
    assert cuda_of_driver("390.94") == "9.1"  # past 9.1's 390.46, before 9.2's 396.26
    assert cuda_of_driver("470.256.02") == "11.4"
    assert cuda_of_driver("550.54.15") == "12.4"
    assert cuda_of_driver("580.65.06") == "13.0"
    assert cuda_of_driver("367.48") is None  # before CUDA 8.0 GA2


def test_gpu_names_map_to_their_compute_capability():
    names = {
        "Tesla P100-PCIE-16GB": "6.0",
        "NVIDIA GeForce GTX 1650 Ti": "7.5",
        "NVIDIA GeForce GTX 1080 Ti": "6.1",
        "Tesla T4": "7.5",
        "Tesla V100-SXM2-16GB": "7.0",
        "NVIDIA A100-SXM4-40GB": "8.0",
        "NVIDIA A10": "8.6",
        "NVIDIA A10G": "8.6",
        "NVIDIA L4": "8.9",
        "NVIDIA H100 80GB HBM3": "9.0",
        "NVIDIA GeForce RTX 3060 Laptop GPU": "8.6",
        "NVIDIA GeForce RTX 4090": "8.9",
        "NVIDIA GeForce RTX 5090": "12.0",
        "NVIDIA RTX PRO 6000 Blackwell Server Edition": "12.0",
        "NVIDIA RTX 6000 Ada Generation": "8.9",
        "Quadro RTX 6000": "7.5",
        "NVIDIA B200": "10.0",
        "Tesla K80": "3.7",
        "Tesla M10": "5.0",
        "GeForce GTX 980": "5.2",
    }
    assert {name: compute_capability_of(name) for name in names} == names
    assert compute_capability_of("NVIDIA Future GPU") is None


def test_cudnn_911_drops_gpus_below_turing():
    assert cudnn_min_compute_capability("9.11.0") == "7.5"
    assert cudnn_min_compute_capability(decode_cudnn("91002")) is None
    assert decode_cudnn("90100") == "9.1.0" and decode_cudnn("8902") == "8.9.2" and decode_cudnn("9") == "9"
    assert encode_cudnn("9.10.2.21") == "91002" and encode_cudnn("8.9.7.29") == "8907"


def test_tensorflow_tested_configurations():
    assert tensorflow_release("2.17.1").cudnn == "8.9"
    release = tensorflow_release("2.20.0")
    assert (release.cuda, release.cudnn) == ("12.5", "9.3") and "compute_90" in release.arch
    assert tensorflow_release("2.13.0") is None


def test_bitsandbytes_library_choice_and_floors():
    # compat.md §4a/§4c: 0.50 falls back within a major; 12.8 libs start at sm_70, 13.x at sm_75
    bnb = bitsandbytes_release("0.50.2")
    assert bnb.library_for("12.9") == "128" and bnb.library_for("12.6") == "126"
    assert bnb.library_for("11.7") is None
    assert (bnb.library_min_cc("126"), bnb.library_min_cc("128"), bnb.library_min_cc("130")) == ("6.0", "7.0", "7.5")
    assert bitsandbytes_release("0.48.2").library_for("12.7") is None  # no fallback before 0.50
    assert bitsandbytes_release("0.45.0").min_cc_4bit == "5.0" and not bitsandbytes_release("0.45.0").cpu_backend
    assert bitsandbytes_release("0.44.1") is None


def test_peaks_tell_the_nvl_and_pcie_variants_from_the_sxm():
    assert peak_half_tflops("NVIDIA H100 80GB HBM3") == 989.4
    assert peak_half_tflops("NVIDIA H100 NVL") == peak_half_tflops("NVIDIA H200 NVL") == 835.5
    assert peak_half_tflops("NVIDIA H100 PCIe") == 756.0
    assert peak_half_tflops("Tesla V100S-PCIE-32GB") == 130.0
    assert peak_half_tflops("Tesla V100-PCIE-16GB") == 112.0


def test_the_cu118_image_admits_r520_and_the_r470_branch_only():
    assert image_refuses("11.8", "510.108.03") and image_refuses("11.8", "450.80.02")
    assert not image_refuses("11.8", "470.256.02") and not image_refuses("11.8", "520.61.05")
    assert not image_refuses("12.4", "535.54.03")  # not recorded: not refused
