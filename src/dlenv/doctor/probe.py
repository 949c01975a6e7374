"""What the doctor knows about a machine: a typed probe, read live (collect.py) or from a JSON file.

Any key may be missing: no GPU, no driver, a framework not installed. A probe file with wrong types
or nonsense versions is bad input: one line naming the field.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from dlenv.errors import DlenvError
from dlenv.fileio import read_input
from dlenv.schema import FORBID_EXTRA, Pattern, Strict, first_problem, validate, validation_error
from dlenv.versions import (
    ArchFlag,
    ComputeCapability,
    CudaVersion,
    Digits,
    DriverVersion,
    PackageVersion,
    PythonVersion,
)

Library = Annotated[str, Pattern(r"^\d{3}$")]
Flag = Annotated[bool, Strict()]
PlatformName = Literal["kaggle", "colab", "aistudio", "dsw", "docker", "wsl", "local"]


@dataclass(frozen=True)
class Gpu:
    __pydantic_config__ = FORBID_EXTRA
    name: str
    # None: neither the driver (before R510) nor dlenv's GPU table (facts/compute_capability.toml) knows it
    compute_capability: ComputeCapability | None
    memory_mib: Annotated[int, Strict()] | None = None


@dataclass(frozen=True)
class TorchInfo:
    __pydantic_config__ = FORBID_EXTRA
    version: PackageVersion
    cuda: CudaVersion | None = None  # torch.version.cuda; None for a CPU build
    cudnn: Digits | None = None  # torch.backends.cudnn.version(): 90100 is cuDNN 9.1.0
    arch_list: tuple[ArchFlag, ...] | None = None  # torch.cuda.get_arch_list()
    error: str | None = None  # what importing it said, when it failed


@dataclass(frozen=True)
class TensorflowInfo:
    __pydantic_config__ = FORBID_EXTRA
    version: PackageVersion
    cuda: CudaVersion | None = None  # tf.sysconfig.get_build_info()["cuda_version"]; None: CPU build
    cudnn: Digits | None = None  # ["cudnn_version"], e.g. "9"


@dataclass(frozen=True)
class BitsandbytesInfo:
    __pydantic_config__ = FORBID_EXTRA
    version: PackageVersion
    cuda_library: Library | None = None  # "126": the library it loads
    libraries: tuple[Library, ...] | None = None  # the ones it ships


@dataclass(frozen=True)
class CompanionInfo:
    """torchvision or torchaudio: compiled against one torch release and one CUDA build."""

    __pydantic_config__ = FORBID_EXTRA
    version: PackageVersion  # with its local build label when it has one: 0.22.1+cu126, 0.28.0+cpu
    cuda: CudaVersion | None = None  # from that label; None for +cpu or an unlabelled (PyPI) wheel
    torch: PackageVersion | None = None  # the torch its metadata requires (Requires-Dist: torch==X)


@dataclass(frozen=True)
class Packages:
    __pydantic_config__ = FORBID_EXTRA
    torch: TorchInfo | None = None
    torchvision: CompanionInfo | None = None
    torchaudio: CompanionInfo | None = None
    tensorflow: TensorflowInfo | None = None
    bitsandbytes: BitsandbytesInfo | None = None


@dataclass(frozen=True)
class Probe:
    __pydantic_config__ = FORBID_EXTRA
    driver_version: DriverVersion | None = None
    cuda_driver: CudaVersion | None = None  # the newest CUDA the driver runs (nvidia-smi's "CUDA Version")
    gpus: tuple[Gpu, ...] = ()
    python: PythonVersion | None = None
    platform: PlatformName | None = None
    os: Literal["linux", "windows", "macos"] | None = None  # the operating system Python runs on
    in_container: Flag | None = None
    nvidia_devices: Flag | None = None  # /dev/nvidia* present
    wsl_gpu: Flag | None = None  # /dev/dxg present: WSL2's GPU, also in Docker Desktop's GPU containers
    gpu_expected: Flag | None = None  # the container was started to use a GPU (NVIDIA_VISIBLE_DEVICES)
    packages: Packages = Packages()

    def to_json(self) -> str:
        return json.dumps(_without_none(dataclasses.asdict(self)), indent=2) + "\n"


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_without_none(v) for v in value]
    return value


# Windows' Device Manager shows an NVIDIA driver as 31.0.15.5222; NVML and nvidia-smi call it 552.22: the
# last five digits of the last two fields. Source: NVIDIA's display driver release notes, which name each
# driver both ways (552.22, "Windows Driver Store Version 31.0.15.5222").
WINDOWS_DRIVER = re.compile(r"^\d+\.\d+\.(\d+)\.(\d{4})$")


def nvidia_driver_version(version: str) -> str:
    """The driver version as NVIDIA prints it (552.22), also from Windows' form (31.0.15.5222)."""
    match = WINDOWS_DRIVER.match(version)
    if match is None:
        return version
    digits = (match[1] + match[2])[-5:]
    return f"{digits[:3]}.{digits[3:]}"


def parse_probe(data: object, source: str = "probe") -> Probe:
    """A probe from a file or a bug report: validated, every problem one line naming the field. A driver
    version in Windows' form (Device Manager's 31.0.15.5222) is read as NVIDIA's (552.22)."""
    if isinstance(data, dict) and isinstance(data.get("driver_version"), str):
        data = {**data, "driver_version": nvidia_driver_version(data["driver_version"])}
    try:
        return validate(Probe, data)
    except validation_error() as error:
        problem = first_problem(error)
        field = problem["field"]
        if problem["type"] == "unknown":
            raise DlenvError(f"{source}: unknown field '{field}'") from None
        got = problem["input"]
        shown = f" (got {got!r})" if got is not None and not isinstance(got, dict) else ""
        message = problem["msg"]
        if problem["type"] == "string_pattern_mismatch":
            message = "is not a valid version" if "version" in field or "cuda" in field else "has a bad format"
        raise DlenvError(f"{source}: field '{field}' {message}{shown}") from None


def load_probe(path: Path) -> Probe:
    text = read_input(path, "probe")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise DlenvError(f"{path}: not JSON: {error.msg} (line {error.lineno}, column {error.colno})") from None
    return parse_probe(data, source=str(path))
