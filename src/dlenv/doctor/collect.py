"""Probe this machine without importing a framework into the doctor's own process.

- NVIDIA driver and GPUs: NVML (nvidia-ml-py), else `nvidia-smi` (argv lists, a timeout).
- torch, TensorFlow, bitsandbytes: package metadata and the plain-Python version files the wheels
  ship (torch/version.py, tensorflow/python/platform/build_info.py), read with `ast`. Only torch's
  arch list lives in its compiled library; it is read in a subprocess with a timeout, and only when
  there is a GPU to judge it against, so a broken torch cannot crash the doctor.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.machinery
import json
import os
import platform
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from dlenv.facts import bitsandbytes_release, encode_cudnn
from dlenv.paths import host_path

SUBPROCESS_TIMEOUT_S = 60
DRIVER_PROC = "/proc/driver/nvidia/version"  # what Kaggle's image tests use to tell a GPU machine (anchors.md)
CONTAINER_MARKERS = ("/.dockerenv", "/run/.containerenv")  # Docker; Podman
# NVIDIA's container images set NVIDIA_VISIBLE_DEVICES=all; "void"/"none" mean no GPU on purpose.
# Source: NVIDIA Container Toolkit docs, "Specialized Configurations with Docker".
GPU_REQUEST_ENV = "NVIDIA_VISIBLE_DEVICES"
# bitsandbytes lets users pick a library by hand (bitsandbytes/cextension.py).
BNB_OVERRIDE_ENV = "BNB_CUDA_VERSION"

TORCH_ARCH_SCRIPT = """
import json, torch
flags = getattr(torch._C, "_cuda_getArchFlags", lambda: "")() or ""
print(json.dumps({"arch_list": flags.split(), "cudnn": torch.backends.cudnn.version()}))
"""


def collect() -> dict[str, Any]:
    """A probe of this machine as a dict (validated by the caller): absent keys for what is not there."""
    probe: dict[str, Any] = {"python": platform.python_version()}
    probe.update(_nvidia())
    probe["in_container"] = any(host_path(marker).exists() for marker in CONTAINER_MARKERS)
    probe["nvidia_devices"] = any(re.fullmatch(r"nvidia\d+", name) for name in _nvidia_device_names())
    requested = os.environ.get(GPU_REQUEST_ENV)
    probe["gpu_expected"] = requested is not None and requested not in ("", "void", "none")
    packages: dict[str, Any] = {}
    installed = installed_versions()
    torch = _torch(installed, with_arch=bool(probe.get("gpus")))
    if torch:
        packages["torch"] = torch
    tensorflow = _tensorflow(installed)
    if tensorflow:
        packages["tensorflow"] = tensorflow
    bnb = _bitsandbytes(installed, torch.get("cuda") if torch else None)
    if bnb:
        packages["bitsandbytes"] = bnb
    probe["packages"] = packages
    return probe


# --- NVIDIA ---------------------------------------------------------------------------------------


def _nvidia() -> dict[str, Any]:
    if not nvidia_driver_loaded():
        return {}
    return _nvml() or _nvidia_smi() or {}


def nvidia_driver_loaded() -> bool:
    """The NVIDIA kernel module is loaded (it creates /proc/driver/nvidia), or its devices are there.

    Checked first so that a machine without NVIDIA hardware pays for neither NVML nor nvidia-smi.
    Containers see the host kernel's /proc/driver/nvidia once the GPU is passed in.
    """
    return host_path(DRIVER_PROC).exists() or bool(_nvidia_device_names())


def _nvidia_device_names() -> list[str]:
    """/dev/nvidia0, /dev/nvidiactl, /dev/nvidia-uvm, …: what the driver (or --gpus) put in /dev."""
    dev = host_path("/dev")
    return [p.name for p in dev.iterdir() if p.name.startswith("nvidia")] if dev.is_dir() else []


def _nvml() -> dict[str, Any] | None:
    try:
        import pynvml  # nvidia-ml-py
    except ImportError:
        return None
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError:  # no driver, no libnvidia-ml.so
        return None
    try:
        cuda = pynvml.nvmlSystemGetCudaDriverVersion_v2()  # 12040 -> 12.4
        gpus = []
        for index in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            major, minor = pynvml.nvmlDeviceGetCudaComputeCapability(handle)
            name = pynvml.nvmlDeviceGetName(handle)
            gpus.append(
                {
                    "name": name.decode() if isinstance(name, bytes) else name,
                    "compute_capability": f"{major}.{minor}",
                    "memory_mib": pynvml.nvmlDeviceGetMemoryInfo(handle).total // 2**20,
                }
            )
        driver = pynvml.nvmlSystemGetDriverVersion()
        return {
            "driver_version": driver.decode() if isinstance(driver, bytes) else driver,
            "cuda_driver": f"{cuda // 1000}.{cuda % 1000 // 10}",
            "gpus": gpus,
        }
    except pynvml.NVMLError:
        return None
    finally:
        pynvml.nvmlShutdown()


def _run(argv: list[str]) -> str | None:
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout if proc.returncode == 0 else None


def _nvidia_smi() -> dict[str, Any] | None:
    import shutil

    smi = shutil.which("nvidia-smi")
    if smi is None:
        return None
    xml = _run([smi, "-q", "-x"])
    if xml is None:
        return None
    return parse_nvidia_smi(xml, _run([smi, "--query-gpu=compute_cap", "--format=csv,noheader"]))


def parse_nvidia_smi(xml: str, compute_caps: str | None) -> dict[str, Any]:
    """`nvidia-smi -q -x` (older drivers' XML has no compute capability: `--query-gpu=compute_cap` adds it)."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(xml)
    caps = (compute_caps or "").split()
    gpus = []
    for index, gpu in enumerate(root.findall("gpu")):
        memory = gpu.findtext("fb_memory_usage/total", "").split()
        entry: dict[str, Any] = {"name": gpu.findtext("product_name", "").strip()}
        if index < len(caps):
            entry["compute_capability"] = caps[index].strip()
        if memory and memory[0].isdigit():
            entry["memory_mib"] = int(memory[0])
        gpus.append(entry)
    result: dict[str, Any] = {"gpus": [g for g in gpus if "compute_capability" in g]}
    if root.findtext("driver_version"):
        result["driver_version"] = root.findtext("driver_version", "").strip()
    cuda = root.findtext("cuda_version")
    if cuda and cuda.strip() != "Not Found":
        result["cuda_driver"] = cuda.strip()
    return result


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


def _version_of(installed: dict[str, str], *names: str) -> str | None:
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


def _cudnn_wheel(installed: dict[str, str], cuda: str) -> str | None:
    """The cuDNN a CUDA wheel of torch loads: the nvidia-cudnn-cuNN wheel of its CUDA major, as torch encodes it."""
    version = _version_of(installed, f"nvidia-cudnn-cu{cuda.split('.')[0]}")
    return encode_cudnn(version) if version else None


def _torch(installed: dict[str, str], with_arch: bool) -> dict[str, Any] | None:
    version = _version_of(installed, "torch")
    package = _package_dir("torch") if version else None
    if version is None or package is None:
        return None
    info: dict[str, Any] = {"version": version}
    cuda = read_constants(package / "version.py").get("cuda")
    if cuda:
        info["cuda"] = cuda
        cudnn = _cudnn_wheel(installed, cuda)
        if cudnn:
            info["cudnn"] = cudnn
    if with_arch and cuda:
        info.update(_torch_arch())
    return info


def _torch_arch() -> dict[str, Any]:
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
    result: dict[str, Any] = {"arch_list": data["arch_list"]}
    if data.get("cudnn"):
        result["cudnn"] = str(data["cudnn"])
    return result


def installed_torch() -> dict[str, Any] | None:
    """torch's version and CUDA (None for a CPU build) as installed, without importing it."""
    return _torch(installed_versions(), with_arch=False)


def _tensorflow(installed: dict[str, str]) -> dict[str, Any] | None:
    version = _version_of(installed, "tensorflow", "tensorflow-cpu", "tf-nightly")
    package = _package_dir("tensorflow") if version else None
    if version is None or package is None:
        return None
    info: dict[str, Any] = {"version": version}
    build = read_constants(package / "python" / "platform" / "build_info.py").get("build_info", {})
    if build.get("is_cuda_build") and build.get("cuda_version"):
        info["cuda"] = str(build["cuda_version"])
        if build.get("cudnn_version"):
            info["cudnn"] = str(build["cudnn_version"])
    return info


def _bitsandbytes(installed: dict[str, str], torch_cuda: str | None) -> dict[str, Any] | None:
    version = _version_of(installed, "bitsandbytes")
    package = _package_dir("bitsandbytes") if version else None
    if version is None or package is None:
        return None
    libraries = sorted(
        {m[1] for p in package.glob("libbitsandbytes_cuda*") if (m := re.search(r"cuda(\d{3})", p.name))}
    )
    info: dict[str, Any] = {"version": version, "libraries": libraries}
    override = os.environ.get(BNB_OVERRIDE_ENV)
    if override and re.fullmatch(r"\d{3}", override):
        info["cuda_library"] = override
    elif torch_cuda:
        release = bitsandbytes_release(version)
        library = release.library_for(torch_cuda) if release else None
        if library and (not libraries or library in libraries):
            info["cuda_library"] = library
    return info
