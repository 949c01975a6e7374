"""Probe this machine, as a typed Probe, without importing a framework into the doctor's own process.

- NVIDIA driver and GPUs: NVML (nvidia-ml-py), else `nvidia-smi` (argv lists, a timeout).
- torch, TensorFlow, bitsandbytes: package metadata and the plain-Python version files the wheels
  ship (torch/version.py, tensorflow/python/platform/build_info.py), read with `ast`. Only torch's
  arch list lives in its compiled library; it is read in a subprocess with a timeout, and only when
  there is a GPU to judge it against, so a broken torch cannot crash the doctor.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import importlib.machinery
import json
import os
import platform
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dlenv.doctor.companions import companion
from dlenv.doctor.probe import BitsandbytesInfo, Gpu, Packages, Probe, TensorflowInfo, TorchInfo
from dlenv.errors import DlenvError
from dlenv.facts import bitsandbytes_release, compute_capability_of, cuda_of_driver, encode_cudnn
from dlenv.paths import host_path

SUBPROCESS_TIMEOUT_S = 60
DRIVER_PROC = "/proc/driver/nvidia/version"  # what Kaggle's image tests use to tell a GPU machine (anchors.md)
# WSL2 has no /proc/driver/nvidia and no /dev/nvidia*: the Windows driver reaches Linux through the GPU
# paravirtualization device /dev/dxg, and its user-mode libraries (libcuda, libnvidia-ml) and nvidia-smi are
# mapped into /usr/lib/wsl/lib. Docker Desktop's GPU containers (--gpus all) see the same two.
# Source: NVIDIA, "CUDA on WSL User Guide" (docs.nvidia.com/cuda/wsl-user-guide), §4 "CUDA Support for WSL 2".
WSL_GPU_DEVICE = "/dev/dxg"
WSL_LIB = "/usr/lib/wsl/lib"
CONTAINER_MARKERS = ("/.dockerenv", "/run/.containerenv")  # Docker; Podman
# NVIDIA's container images set NVIDIA_VISIBLE_DEVICES=all; "void"/"none" mean no GPU on purpose.
# Source: NVIDIA Container Toolkit docs, "Specialized Configurations with Docker".
GPU_REQUEST_ENV = "NVIDIA_VISIBLE_DEVICES"
# bitsandbytes lets users pick a library by hand (bitsandbytes/cextension.py).
BNB_OVERRIDE_ENV = "BNB_CUDA_VERSION"
COMPUTE_CAPABILITY = re.compile(r"^\d{1,2}\.\d$")  # what `--query-gpu=compute_cap` prints per GPU: 7.5

TORCH_ARCH_SCRIPT = """
import json, torch
flags = getattr(torch._C, "_cuda_getArchFlags", lambda: "")() or ""
print(json.dumps({"arch_list": flags.split(), "cudnn": torch.backends.cudnn.version()}))
"""


def collect(installed: Mapping[str, str] | None = None) -> Probe:
    """A probe of this machine; what is not there is left None. Built without validation: dlenv read
    it itself. `installed` is installed_versions(), for a caller that has read it already."""
    installed = installed_versions() if installed is None else installed
    nvidia = _nvidia()
    torch = _torch(installed, with_arch=bool(nvidia.gpus))
    requested = os.environ.get(GPU_REQUEST_ENV)
    return dataclasses.replace(
        nvidia,
        python=platform.python_version(),
        platform=_platform_name(),
        os={"win32": "windows", "darwin": "macos"}.get(sys.platform, "linux"),
        in_container=any(host_path(marker).exists() for marker in CONTAINER_MARKERS),
        nvidia_devices=any(re.fullmatch(r"nvidia\d+", name) for name in _nvidia_device_names()),
        wsl_gpu=host_path(WSL_GPU_DEVICE).exists() or None,
        gpu_expected=requested is not None and requested not in ("", "void", "none"),
        packages=Packages(
            torch=torch,
            torchvision=companion("torchvision", installed),
            torchaudio=companion("torchaudio", installed),
            tensorflow=_tensorflow(installed),
            bitsandbytes=_bitsandbytes(installed, torch.cuda if torch else None),
        ),
    )


def _platform_name() -> str | None:
    """The platform dlenv.platforms detects (kaggle, colab, ...), so a saved probe says where it was taken."""
    from dlenv.platforms.detect import detect_name

    try:
        return detect_name()
    except DlenvError:  # a broken profile must not stop the doctor: the probe just does not say
        return None


# --- NVIDIA ---------------------------------------------------------------------------------------


def _nvidia() -> Probe:
    """The driver and GPUs, as a probe of nothing else."""
    if not nvidia_driver_loaded():
        return Probe()
    return _nvml() or _nvidia_smi() or Probe()


def nvidia_driver_loaded() -> bool:
    """The NVIDIA kernel module is loaded (it creates /proc/driver/nvidia), or its devices are there.

    Checked first so that a machine without NVIDIA hardware pays for neither NVML nor nvidia-smi.
    Containers see the host kernel's /proc/driver/nvidia once the GPU is passed in.
    """
    return host_path(DRIVER_PROC).exists() or bool(_nvidia_device_names()) or host_path(WSL_GPU_DEVICE).exists()


def _nvidia_device_names() -> list[str]:
    """/dev/nvidia0, /dev/nvidiactl, /dev/nvidia-uvm, …: what the driver (or --gpus) put in /dev."""
    dev = host_path("/dev")
    return [p.name for p in dev.iterdir() if p.name.startswith("nvidia")] if dev.is_dir() else []


def _nvml() -> Probe | None:
    try:
        import pynvml  # nvidia-ml-py
    except ImportError:
        return None
    _preload_wsl_nvml()
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError:  # no driver, no libnvidia-ml.so
        return None
    try:
        driver = _text(pynvml.nvmlSystemGetDriverVersion())
        gpus = []
        for index in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            name = _text(pynvml.nvmlDeviceGetName(handle))
            try:
                major, minor = pynvml.nvmlDeviceGetCudaComputeCapability(handle)
                capability: str | None = f"{major}.{minor}"
            except pynvml.NVMLError:  # an old driver's NVML lacks the call: the GPU stays, named
                capability = compute_capability_of(name)
            memory = pynvml.nvmlDeviceGetMemoryInfo(handle).total // 2**20
            gpus.append(Gpu(name=name, compute_capability=capability, memory_mib=memory))
        try:
            cuda = pynvml.nvmlSystemGetCudaDriverVersion_v2()  # 12040 -> 12.4
            cuda_driver: str | None = f"{cuda // 1000}.{cuda % 1000 // 10}"
        except pynvml.NVMLError:
            cuda_driver = cuda_of_driver(driver)
        return Probe(driver_version=driver, cuda_driver=cuda_driver, gpus=tuple(gpus))
    except pynvml.NVMLError:
        return None
    finally:
        pynvml.nvmlShutdown()


def _preload_wsl_nvml() -> None:
    """On WSL2, load /usr/lib/wsl/lib's libnvidia-ml.so.1 by its path: where that folder is not on the loader's
    search path (a container, a custom LD_LIBRARY_PATH), pynvml's dlopen by name then finds it loaded."""
    library = host_path(WSL_LIB) / "libnvidia-ml.so.1"
    if host_path(WSL_GPU_DEVICE).exists() and library.exists():
        import ctypes

        with contextlib.suppress(OSError):
            ctypes.CDLL(str(library), mode=ctypes.RTLD_GLOBAL)


def _run(argv: list[str]) -> str | None:
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout if proc.returncode == 0 else None


def _nvidia_smi() -> Probe | None:
    import shutil

    wsl_smi = host_path(WSL_LIB) / "nvidia-smi"
    smi = shutil.which("nvidia-smi") or (str(wsl_smi) if wsl_smi.exists() else None)
    if smi is None:
        return None
    xml = _run([smi, "-q", "-x"])
    if xml is None:
        return None
    return parse_nvidia_smi(xml, _run([smi, "--query-gpu=compute_cap", "--format=csv,noheader"]))


def parse_nvidia_smi(xml: str, compute_caps: str | None) -> Probe:
    """`nvidia-smi -q -x`, with `--query-gpu=compute_cap`'s answer (None where the driver, before R510,
    has no such field). Every GPU is kept: one whose capability the driver cannot say gets it from dlenv's
    GPU table, or stays unknown; a driver before R410 prints no <cuda_version>: its CUDA comes from the
    driver's version."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(xml)
    caps = [cap.strip() for cap in (compute_caps or "").split()]
    gpus = []
    for index, gpu in enumerate(root.findall("gpu")):
        name = gpu.findtext("product_name", "").strip()
        reported = caps[index] if index < len(caps) and COMPUTE_CAPABILITY.match(caps[index]) else None
        memory = gpu.findtext("fb_memory_usage/total", "").split()
        gpus.append(
            Gpu(
                name=name,
                compute_capability=reported or compute_capability_of(name),
                memory_mib=int(memory[0]) if memory and memory[0].isdigit() else None,
            )
        )
    driver = (root.findtext("driver_version") or "").strip() or None
    cuda = (root.findtext("cuda_version") or "").strip()
    if not cuda or cuda == "Not Found":
        cuda = (cuda_of_driver(driver) if driver else None) or ""
    return Probe(driver_version=driver, cuda_driver=cuda or None, gpus=tuple(gpus))


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


# --- frameworks -----------------------------------------------------------------------------------


def installed_versions() -> dict[str, str]:
    """{normalised name: version} of the distributions on sys.path, first one wins as for imports.

    Read from the `NAME-VERSION.dist-info` folder names that every wheel install leaves (the wheel
    spec escapes '-' in NAME): the same answer as importlib.metadata.version() for what the doctor
    asks about, without its import and one scan of sys.path per question.
    """
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")  # noqa: PTH208 - plain names are all we need, and fast
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info"):
                dist, _, version = name[: -len(".dist-info")].partition("-")
                found.setdefault(_normalise(dist), version)
    return found


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _version_of(installed: Mapping[str, str], *names: str) -> str | None:
    return next((installed[_normalise(n)] for n in names if _normalise(n) in installed), None)


def _package_dir(name: str) -> Path | None:
    # Located on sys.path, never imported, and not taken from sys.modules: what is installed, even in
    # a process that imported another copy earlier.
    spec = importlib.machinery.PathFinder.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def read_constants(path: Path) -> dict[str, Any]:
    """Module-level `NAME = literal` assignments of a Python file, without running it."""
    found: dict[str, Any] = {}
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return found
    for node in tree.body:
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        )
        for target in targets:
            if isinstance(target, ast.Name) and node.value is not None:
                with contextlib.suppress(ValueError):  # not a literal: not a constant we read
                    found[target.id] = ast.literal_eval(node.value)
    return found


def _cudnn_wheel(installed: Mapping[str, str], cuda: str) -> str | None:
    """The cuDNN a CUDA wheel of torch loads: the nvidia-cudnn-cuNN wheel of its CUDA major, as torch encodes it."""
    version = _version_of(installed, f"nvidia-cudnn-cu{cuda.split('.')[0]}")
    return encode_cudnn(version) if version else None


def _torch(installed: Mapping[str, str], with_arch: bool) -> TorchInfo | None:
    version = _version_of(installed, "torch")
    package = _package_dir("torch") if version else None
    if version is None or package is None:
        return None
    cuda = read_constants(package / "version.py").get("cuda") or None
    info = TorchInfo(version=version, cuda=cuda, cudnn=_cudnn_wheel(installed, cuda) if cuda else None)
    if with_arch and cuda:
        info = dataclasses.replace(info, **_torch_arch())
    return info


def _torch_arch() -> dict[str, Any]:
    """TorchInfo's fields that only the compiled library knows: arch_list and cudnn, or the error."""
    try:
        proc = subprocess.run(
            [sys.executable, "-c", TORCH_ARCH_SCRIPT], capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        return {"error": f"importing torch took more than {SUBPROCESS_TIMEOUT_S} s"}
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
        return {"error": last[:300]}
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    result: dict[str, Any] = {"arch_list": tuple(data["arch_list"])}
    if data.get("cudnn"):
        result["cudnn"] = str(data["cudnn"])
    return result


def installed_torch() -> TorchInfo | None:
    """torch's version and CUDA (None for a CPU build) as installed, without importing it."""
    return _torch(installed_versions(), with_arch=False)


def _tensorflow(installed: Mapping[str, str]) -> TensorflowInfo | None:
    version = _version_of(installed, "tensorflow", "tensorflow-cpu", "tf-nightly")
    package = _package_dir("tensorflow") if version else None
    if version is None or package is None:
        return None
    build = read_constants(package / "python" / "platform" / "build_info.py").get("build_info", {})
    if not (build.get("is_cuda_build") and build.get("cuda_version")):
        return TensorflowInfo(version=version)
    cudnn = str(build["cudnn_version"]) if build.get("cudnn_version") else None
    return TensorflowInfo(version=version, cuda=str(build["cuda_version"]), cudnn=cudnn)


def _bitsandbytes(installed: Mapping[str, str], torch_cuda: str | None) -> BitsandbytesInfo | None:
    version = _version_of(installed, "bitsandbytes")
    package = _package_dir("bitsandbytes") if version else None
    if version is None or package is None:
        return None
    libraries = tuple(
        sorted({m[1] for p in package.glob("libbitsandbytes_cuda*") if (m := re.search(r"cuda(\d{3})", p.name))})
    )
    override = os.environ.get(BNB_OVERRIDE_ENV)
    library = None
    if override and re.fullmatch(r"\d{3}", override):
        library = override
    elif torch_cuda:
        release = bitsandbytes_release(version)
        library = release.library_for(torch_cuda) if release else None
        if library and libraries and library not in libraries:
            library = None
    return BitsandbytesInfo(version=version, cuda_library=library, libraries=libraries)
