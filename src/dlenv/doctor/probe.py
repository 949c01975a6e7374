"""What the doctor knows about a machine: a typed probe, read live (collect.py) or from a JSON file.

Any key may be missing: no GPU, no driver, a framework not installed. A probe file with wrong types
or nonsense versions is bad input: one line naming the field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from dlenv.errors import DlenvError
from dlenv.fileio import read_input

DriverVersion = Annotated[str, StringConstraints(pattern=r"^\d{3,4}(\.\d+){1,2}$")]
CudaVersion = Annotated[str, StringConstraints(pattern=r"^\d{1,2}\.\d+(\.\d+)?$")]
ComputeCapability = Annotated[str, StringConstraints(pattern=r"^\d{1,2}\.\d$")]
PackageVersion = Annotated[str, StringConstraints(pattern=r"^\d+(\.\d+)*([a-z0-9.+_-]*)?$")]
PythonVersion = Annotated[str, StringConstraints(pattern=r"^3\.\d+(\.\d+)?([a-z0-9+]*)?$")]
Arch = Annotated[str, StringConstraints(pattern=r"^(sm|compute)_\d{2,3}[a-z]?$")]
Digits = Annotated[str, StringConstraints(pattern=r"^\d+(\.\d+)*$")]
Platform = Literal["kaggle", "colab", "aistudio", "dsw", "docker", "local"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Gpu(_Strict):
    name: str
    compute_capability: ComputeCapability
    memory_mib: Annotated[int, Field(ge=0)] | None = None


class TorchInfo(_Strict):
    version: PackageVersion
    cuda: CudaVersion | None = None  # torch.version.cuda; None for a CPU build
    cudnn: Digits | None = None  # torch.backends.cudnn.version(): 90100 is cuDNN 9.1.0
    arch_list: list[Arch] | None = None  # torch.cuda.get_arch_list()
    error: str | None = None  # what importing it said, when it failed


class TensorflowInfo(_Strict):
    version: PackageVersion
    cuda: CudaVersion | None = None  # tf.sysconfig.get_build_info()["cuda_version"]; None: CPU build
    cudnn: Digits | None = None  # ["cudnn_version"], e.g. "9"


class BitsandbytesInfo(_Strict):
    version: PackageVersion
    cuda_library: Annotated[str, StringConstraints(pattern=r"^\d{3}$")] | None = None  # "126": the one it loads
    libraries: list[Annotated[str, StringConstraints(pattern=r"^\d{3}$")]] | None = None  # the ones it ships


class Packages(_Strict):
    torch: TorchInfo | None = None
    tensorflow: TensorflowInfo | None = None
    bitsandbytes: BitsandbytesInfo | None = None


class Probe(_Strict):
    driver_version: DriverVersion | None = None
    cuda_driver: CudaVersion | None = None  # the newest CUDA the driver runs (nvidia-smi's "CUDA Version")
    gpus: list[Gpu] = Field(default_factory=list)
    python: PythonVersion | None = None
    platform: Platform | None = None
    in_container: bool | None = None
    nvidia_devices: bool | None = None  # /dev/nvidia* present
    gpu_expected: bool | None = None  # the container was started to use a GPU (NVIDIA_VISIBLE_DEVICES)
    packages: Packages = Field(default_factory=Packages)

    def to_json(self) -> str:
        return self.model_dump_json(indent=2, exclude_none=True, exclude_defaults=False) + "\n"


def _field_error(source: str, error: ValidationError) -> DlenvError:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"])
    if first["type"] == "extra_forbidden":
        return DlenvError(f"{source}: unknown field '{field}'")
    got = f" (got {first['input']!r})" if "input" in first and not isinstance(first["input"], dict) else ""
    message = first["msg"]
    if first["type"] == "string_pattern_mismatch":
        message = "is not a valid version" if "version" in field or "cuda" in field else "has a bad format"
    return DlenvError(f"{source}: field '{field}' {message}{got}")


def parse_probe(data: object, source: str = "probe") -> Probe:
    try:
        return Probe.model_validate(data)
    except ValidationError as error:
        raise _field_error(source, error) from None


def load_probe(path: Path) -> Probe:
    text = read_input(path, "probe")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise DlenvError(f"{path}: not JSON: {error.msg} (line {error.lineno}, column {error.colno})") from None
    return parse_probe(data, source=str(path))
