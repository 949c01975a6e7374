"""The live probe, against a fake machine: a folder tree under DLENV_FS_ROOT, an nvidia-smi on PATH,
and installed-package layouts (dist-info metadata and the plain version files the wheels ship)."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest
from support import NO_SHELL_SCRIPTS, ON_WINDOWS

from dlenv.doctor import collect as collect_module
from dlenv.doctor.collect import collect, parse_nvidia_smi, read_constants
from dlenv.doctor.probe import BitsandbytesInfo, Gpu, TensorflowInfo, TorchInfo

SMI_XML = """<?xml version="1.0" ?>
<nvidia_smi_log>
  <driver_version>560.35.03</driver_version>
  <cuda_version>12.6</cuda_version>
  <gpu id="00000000:00:04.0">
    <product_name>Tesla P100-PCIE-16GB</product_name>
    <fb_memory_usage><total>16384 MiB</total></fb_memory_usage>
  </gpu>
</nvidia_smi_log>
"""


def write(path: Path, text: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))


def dist_info(site: Path, name: str, version: str) -> None:
    write(
        site / f"{name.replace('-', '_')}-{version}.dist-info" / "METADATA",
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
    )


@pytest.fixture
def machine(tmp_path, monkeypatch):
    """A Kaggle-like container with a P100, torch 2.7.1 (CUDA 12.6), TensorFlow 2.20 and bitsandbytes 0.50.2."""
    if ON_WINDOWS:
        pytest.skip(NO_SHELL_SCRIPTS)
    root, site, bin_dir = tmp_path / "root", tmp_path / "site", tmp_path / "bin"
    write(root / ".dockerenv")
    write(root / "dev" / "nvidia0")
    write(root / "dev" / "nvidiactl")
    smi = bin_dir / "nvidia-smi"
    smi.parent.mkdir(parents=True)
    smi.write_text(f"#!/bin/sh\ncase \"$*\" in\n  *compute_cap*) echo 6.0 ;;\n  *) cat <<'XML'\n{SMI_XML}XML\nesac\n")
    smi.chmod(0o755)
    write(
        site / "torch" / "__init__.py",
        """\
        class _C:
            @staticmethod
            def _cuda_getArchFlags():
                return "sm_50 sm_60 sm_70 sm_75 sm_80 sm_86 sm_90"
        class backends:
            class cudnn:
                @staticmethod
                def version():
                    return 90501
        """,
    )
    write(
        site / "torch" / "version.py",
        "from typing import Optional\n__version__ = '2.7.1'\ncuda: Optional[str] = '12.6'\n",
    )
    dist_info(site, "torch", "2.7.1")
    dist_info(site, "nvidia-cudnn-cu12", "9.5.1.17")
    # importing these would fail: the probe must read them without importing
    write(site / "tensorflow" / "__init__.py", "raise ImportError('the doctor imported TensorFlow')\n")
    write(
        site / "tensorflow" / "python" / "platform" / "build_info.py",
        "build_info = {'cuda_version': '12.5.1', 'cudnn_version': '9', 'is_cuda_build': True}\n",
    )
    dist_info(site, "tensorflow", "2.20.0")
    write(site / "bitsandbytes" / "__init__.py", "raise ImportError('the doctor imported bitsandbytes')\n")
    write(site / "bitsandbytes" / "libbitsandbytes_cuda126.so")
    write(site / "bitsandbytes" / "libbitsandbytes_cuda128.so")
    dist_info(site, "bitsandbytes", "0.50.2")

    monkeypatch.setenv("DLENV_FS_ROOT", str(root))
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setenv("PYTHONPATH", str(site))  # the torch subprocess finds the same torch
    monkeypatch.setenv("NVIDIA_VISIBLE_DEVICES", "all")
    monkeypatch.delenv("BNB_CUDA_VERSION", raising=False)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setattr(collect_module, "_nvml", lambda: None)  # no NVML library: nvidia-smi answers
    return site


def test_probe_reads_driver_gpu_and_frameworks_without_importing_them(machine):
    before = set(sys.modules)
    probe = collect()
    assert probe.driver_version == "560.35.03" and probe.cuda_driver == "12.6"
    assert probe.gpus == (Gpu(name="Tesla P100-PCIE-16GB", compute_capability="6.0", memory_mib=16384),)
    assert probe.in_container and probe.nvidia_devices and probe.gpu_expected
    assert probe.packages.torch == TorchInfo(
        version="2.7.1",
        cuda="12.6",
        cudnn="90501",
        arch_list=("sm_50", "sm_60", "sm_70", "sm_75", "sm_80", "sm_86", "sm_90"),
    )
    assert probe.packages.tensorflow == TensorflowInfo(version="2.20.0", cuda="12.5.1", cudnn="9")
    assert probe.packages.bitsandbytes == BitsandbytesInfo(
        version="0.50.2", cuda_library="126", libraries=("126", "128")
    )
    imported = {name.partition(".")[0] for name in set(sys.modules) - before}
    assert not imported & {"tensorflow", "bitsandbytes", "torch"}, imported


def test_bitsandbytes_override_is_honoured(machine, monkeypatch):
    monkeypatch.setenv("BNB_CUDA_VERSION", "128")
    bnb = collect().packages.bitsandbytes
    assert bnb is not None and bnb.cuda_library == "128"


def test_a_broken_torch_is_reported_not_fatal(machine, cli):
    write(machine / "torch" / "__init__.py", "raise RuntimeError('libcudart.so.12: cannot open shared object file')\n")
    torch = collect().packages.torch
    assert torch is not None and "libcudart.so.12" in (torch.error or "")
    result = cli("doctor", "--json")
    assert result.code == 1
    assert "does not import: RuntimeError: libcudart.so.12" in result.stdout


def test_no_gpu_means_no_torch_subprocess(machine, monkeypatch):
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # no nvidia-smi
    write(machine / "torch" / "__init__.py", "raise RuntimeError('the doctor imported torch')\n")
    probe = collect()
    assert probe.gpus == () and probe.driver_version is None
    assert probe.packages.torch == TorchInfo(version="2.7.1", cuda="12.6", cudnn="90501")


def test_container_without_devices(tmp_path, monkeypatch):
    write(tmp_path / ".dockerenv")
    (tmp_path / "dev").mkdir()
    monkeypatch.setenv("DLENV_FS_ROOT", str(tmp_path))
    monkeypatch.setenv("NVIDIA_VISIBLE_DEVICES", "all")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setattr(collect_module, "_nvml", lambda: None)
    probe = collect()
    assert probe.in_container and probe.gpu_expected and not probe.nvidia_devices


SMI_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "nvidia-smi"
# What drivers before R510 answer `nvidia-smi --query-gpu=compute_cap --format=csv,noheader`
NO_COMPUTE_CAP = 'Field "compute_cap" is not a valid field to query.\n'


def test_a_gpu_the_driver_gives_no_capability_gets_it_from_the_gpu_table():
    probe = parse_nvidia_smi(SMI_XML, None)
    assert probe.gpus == (Gpu(name="Tesla P100-PCIE-16GB", compute_capability="6.0", memory_mib=16384),)
    assert parse_nvidia_smi(SMI_XML, NO_COMPUTE_CAP).gpus == probe.gpus  # the error text is no capability


def test_the_driver_reported_capability_wins_over_the_table():
    assert parse_nvidia_smi(SMI_XML, "6.1\n").gpus[0].compute_capability == "6.1"


def test_a_gpu_nobody_knows_stays_listed_with_an_unknown_capability():
    xml = SMI_XML.replace("Tesla P100-PCIE-16GB", "NVIDIA Future GPU")
    (gpu,) = parse_nvidia_smi(xml, NO_COMPUTE_CAP).gpus
    assert gpu == Gpu(name="NVIDIA Future GPU", compute_capability=None, memory_mib=16384)


def test_an_r440_capture_keeps_both_gpus():
    probe = parse_nvidia_smi((SMI_FIXTURES / "r440-2x-rtx2080ti.xml").read_text(), NO_COMPUTE_CAP)
    assert probe.driver_version == "440.82" and probe.cuda_driver == "10.2"
    assert [(g.name, g.compute_capability, g.memory_mib) for g in probe.gpus] == [
        ("GeForce RTX 2080 Ti", "7.5", 11019),
        ("GeForce RTX 2080 Ti", "7.5", 11019),
    ]


def test_an_r390_capture_without_cuda_version_gets_its_cuda_from_the_driver():
    probe = parse_nvidia_smi((SMI_FIXTURES / "r390-tesla-m10.xml").read_text(), None)
    # 390.94 is past CUDA 9.1's 390.46 and before 9.2's 396.26 (facts/cuda.toml)
    assert probe.driver_version == "390.94" and probe.cuda_driver == "9.1"
    assert probe.gpus == (Gpu(name="Tesla M10", compute_capability="5.0", memory_mib=8191),)


def test_read_constants_reads_literals_only(tmp_path):
    path = tmp_path / "version.py"
    path.write_text("import os\n__version__ = '1.0'\ncuda: str = '12.6'\ngit = os.getenv('X')\n")
    assert read_constants(path) == {"__version__": "1.0", "cuda": "12.6"}


# An nvidia-smi of WSL2 with a GTX 1650 Ti: the Windows driver, seen from Linux through /usr/lib/wsl/lib
WSL_SMI_XML = """<?xml version="1.0" ?>
<nvidia_smi_log>
  <driver_version>566.36</driver_version>
  <cuda_version>12.7</cuda_version>
  <gpu id="00000000:01:00.0">
    <product_name>NVIDIA GeForce GTX 1650 Ti</product_name>
    <fb_memory_usage><total>4096 MiB</total></fb_memory_usage>
  </gpu>
</nvidia_smi_log>
"""


@pytest.fixture
def wsl(tmp_path, monkeypatch):
    """WSL2 (or a Docker Desktop GPU container): /dev/dxg, nvidia-smi only in /usr/lib/wsl/lib, and no
    /proc/driver/nvidia."""
    if ON_WINDOWS:
        pytest.skip(NO_SHELL_SCRIPTS)
    root = tmp_path / "root"
    write(root / "dev" / "dxg")
    write(root / "proc" / "version", "Linux version 5.15.167.4-microsoft-standard-WSL2 (root@f9c826d3017f) #1 SMP\n")
    smi = root / "usr" / "lib" / "wsl" / "lib" / "nvidia-smi"
    smi.parent.mkdir(parents=True)
    smi.write_text(
        f"#!/bin/sh\ncase \"$*\" in\n  *compute_cap*) echo 7.5 ;;\n  *) cat <<'XML'\n{WSL_SMI_XML}XML\nesac\n"
    )
    smi.chmod(0o755)
    monkeypatch.setenv("DLENV_FS_ROOT", str(root))
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # nvidia-smi is not on PATH, as in a fresh WSL shell
    monkeypatch.setattr(collect_module, "_nvml", lambda: None)
    return root


def test_wsl2_finds_the_gpu_through_dxg_and_the_wsl_nvidia_smi(wsl):
    probe = collect({})
    assert probe.wsl_gpu and not probe.nvidia_devices and probe.platform == "wsl"
    assert probe.driver_version == "566.36" and probe.cuda_driver == "12.7"
    assert probe.gpus == (Gpu(name="NVIDIA GeForce GTX 1650 Ti", compute_capability="7.5", memory_mib=4096),)


def test_a_docker_desktop_gpu_container_is_not_told_the_gpu_was_not_passed_in(wsl, monkeypatch, cli):
    write(wsl / ".dockerenv")
    monkeypatch.setenv("NVIDIA_VISIBLE_DEVICES", "all")
    probe = collect({})
    assert probe.in_container and probe.gpu_expected and probe.wsl_gpu and probe.platform == "docker"
    result = cli("doctor", "--json")
    checks = {c["id"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["driver-present"]["status"] == "ok", checks["driver-present"]
    assert "NVIDIA GeForce GTX 1650 Ti" in checks["driver-present"]["message"]


def test_the_live_probe_records_the_platform(machine, monkeypatch):
    monkeypatch.setenv("KAGGLE_KERNEL_RUN_TYPE", "Interactive")
    monkeypatch.setenv("KAGGLE_DATA_PROXY_URL", "https://dp.kaggle.net")
    assert collect().platform == "kaggle"
    monkeypatch.delenv("KAGGLE_KERNEL_RUN_TYPE")
    assert collect().platform == "docker"  # the fixture's machine is a container (/.dockerenv)
