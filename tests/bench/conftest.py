"""What a saved benchmark run records about the machine, beside pytest-benchmark's CPU and Python."""

from __future__ import annotations

import os

import pytest


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-benchmark, which nox -s tests does not install
def pytest_benchmark_update_machine_info(config, machine_info):
    """On a GPU run (DLENV_TEST_DEVICE=cuda, set by the bench and gpu_tests sessions): the GPU and torch's CUDA."""
    if os.environ.get("DLENV_TEST_DEVICE") != "cuda":
        return
    import torch

    major, minor = torch.cuda.get_device_capability(0)
    machine_info["gpu"] = {
        "name": torch.cuda.get_device_name(0),
        "compute_capability": f"{major}.{minor}",
        "memory_mib": torch.cuda.get_device_properties(0).total_memory // 2**20,
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
    }
