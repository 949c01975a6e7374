"""Facts about the CUDA stack, TensorFlow and bitsandbytes, kept as data with a source per table.

The TOML files beside this module are the facts; the functions here only look them up.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FACTS_DIR = Path(__file__).parent
CUDA_FACTS = FACTS_DIR / "cuda.toml"


def version_tuple(version: str) -> tuple[int, ...]:
    """'570.124.06' -> (570, 124, 6), for comparing driver, CUDA and Python versions."""
    return tuple(int(part) for part in version.split("."))


def release_tuple(version: str) -> tuple[int, ...]:
    """The release numbers of a package version: '2.20.0rc1' -> (2, 20, 0), '2.13.0+cpu' -> (2, 13, 0)."""
    match = re.match(r"\d+(\.\d+)*", version)
    return version_tuple(match[0]) if match else (0,)


def major_minor(version: str) -> str:
    """'12.5.1' -> '12.5'; '2.20.0rc1' -> '2.20'."""
    return ".".join(version.split(".")[:2])


def _load(name: str) -> dict[str, Any]:
    with (FACTS_DIR / name).open("rb") as f:
        return tomllib.load(f)


# --- CUDA, drivers, cuDNN -------------------------------------------------------------------------


@dataclass(frozen=True)
class CudaFacts:
    toolkit_driver: dict[str, str]
    minor_version_driver: dict[str, str]
    ubuntu_python: dict[str, str]
    cudnn_min_compute_capability: dict[str, str]
    image_driver_branches: dict[str, list[str]]


@cache
def cuda_facts() -> CudaFacts:
    return CudaFacts(**_load("cuda.toml"))


def toolkit_driver(cuda: str) -> str | None:
    """The driver CUDA `cuda` shipped with; for a minor missing from the table, the nearest older one's."""
    table = cuda_facts().toolkit_driver
    cuda = major_minor(cuda)
    if cuda in table:
        return table[cuda]
    older = [c for c in table if c.split(".")[0] == cuda.split(".")[0] and version_tuple(c) < version_tuple(cuda)]
    return table[max(older, key=version_tuple)] if older else None


def minor_version_driver(cuda: str) -> str | None:
    """The oldest driver that runs any toolkit of `cuda`'s major (minor-version compatibility)."""
    return cuda_facts().minor_version_driver.get(cuda.split(".")[0])


def cudnn_min_compute_capability(cudnn: str) -> str | None:
    """The oldest GPU a cuDNN release still supports, where the facts name one."""
    floors = [(v, cc) for v, cc in cuda_facts().cudnn_min_compute_capability.items()]
    applying = [cc for v, cc in floors if version_tuple(major_minor(cudnn)) >= version_tuple(v)]
    return max(applying, key=version_tuple) if applying else None


def encode_cudnn(version: str) -> str:
    """'9.5.1.17' as torch.backends.cudnn.version() reports it: '90501' (cuDNN 8: '8.9.2' -> '8902')."""
    major, minor, patch = (int(x) for x in [*version.split("."), "0", "0"][:3])
    return str(major * 10000 + minor * 100 + patch if major >= 9 else major * 1000 + minor * 100 + patch)


def decode_cudnn(encoded: str) -> str:
    """torch's encoding back to dotted: '90100' -> '9.1.0', '8902' -> '8.9.2'; '9' or '9.3' stay as they are."""
    if "." in encoded or len(encoded) < 4:
        return encoded
    n = int(encoded)
    if n >= 90000:
        return f"{n // 10000}.{n // 100 % 100}.{n % 100}"
    return f"{n // 1000}.{n // 100 % 10}.{n % 100}"


# --- TensorFlow -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TensorflowRelease:
    cuda: str
    cudnn: str
    arch: tuple[str, ...] | None  # SASS/PTX of the official wheels, where confirmed


def tensorflow_release(version: str) -> TensorflowRelease | None:
    facts = _tensorflow_facts()
    release = facts["releases"].get(major_minor(version))
    if release is None:
        return None
    arch_since = [(v, archs) for v, archs in facts["arch_since"].items() if release_tuple(version) >= version_tuple(v)]
    arch = tuple(max(arch_since, key=lambda item: version_tuple(item[0]))[1]) if arch_since else None
    return TensorflowRelease(release["cuda"], release["cudnn"], arch)


@cache
def _tensorflow_facts() -> dict[str, Any]:
    return _load("tensorflow.toml")


# --- bitsandbytes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BitsandbytesRelease:
    since: str
    cuda_libraries: tuple[str, ...]
    cpu_backend: bool
    min_cc_4bit: str
    same_major_fallback: bool

    def library_for(self, torch_cuda: str) -> str | None:
        """The library (e.g. '126') bitsandbytes loads for torch's CUDA, as bitsandbytes/cextension.py picks it."""
        wanted = major_minor(torch_cuda).replace(".", "")
        if wanted in self.cuda_libraries:
            return wanted
        if not self.same_major_fallback:
            return None
        major = torch_cuda.split(".")[0]
        older = [lib for lib in self.cuda_libraries if lib[:-1] == major and int(lib) < int(wanted)]
        return max(older, key=int) if older else None

    def library_min_cc(self, library: str) -> str:
        """The oldest GPU that library `library` ('128') carries code for."""
        cuda = f"{library[:-1]}.{library[-1]}"
        floors = [
            cc for since, cc in _bnb_facts()["library_min_cc"].items() if version_tuple(cuda) >= version_tuple(since)
        ]
        return max([self.min_cc_4bit, *floors], key=version_tuple)


def bitsandbytes_release(version: str) -> BitsandbytesRelease | None:
    releases = [r for r in _bnb_facts()["releases"] if release_tuple(version) >= version_tuple(r["since"])]
    if not releases:
        return None
    newest = max(releases, key=lambda r: version_tuple(r["since"]))
    return BitsandbytesRelease(**{**newest, "cuda_libraries": tuple(newest["cuda_libraries"])})


def bitsandbytes_min_cc_int8() -> str:
    return _bnb_facts()["features"]["min_cc_int8"]


@cache
def _bnb_facts() -> dict[str, Any]:
    return _load("bitsandbytes.toml")


def image_refuses(cuda: str, driver: str) -> bool:
    """The nvidia/cuda image of `cuda` will not start on `driver` (its NVIDIA_REQUIRE_CUDA): older than the
    toolkit's driver and on none of the branches the image admits. Unknown images refuse nothing."""
    branches = cuda_facts().image_driver_branches.get(major_minor(cuda))
    full = toolkit_driver(cuda)
    if branches is None or full is None or version_tuple(driver) >= version_tuple(full):
        return False
    return driver.split(".")[0] not in branches


def cuda_of_driver(driver: str) -> str | None:
    """The newest CUDA a Linux driver runs (what nvidia-smi prints as "CUDA Version"), from the toolkit
    table: for drivers that do not say it themselves. None below CUDA 8.0's driver."""
    table = cuda_facts().toolkit_driver
    fits = [cuda for cuda, floor in table.items() if version_tuple(floor) <= version_tuple(driver)]
    return max(fits, key=version_tuple, default=None)


# --- GPU compute capability -----------------------------------------------------------------------


def compute_capability_of(device_name: str) -> str | None:
    """The compute capability of a GPU by its name (compute_capability.toml), for drivers that do not
    report it (before R510 nvidia-smi has no compute_cap field); None for a GPU not in the table."""
    for gpu in _load("compute_capability.toml")["gpus"]:
        if re.search(gpu["match"], device_name, re.IGNORECASE):
            return str(gpu["compute_capability"])
    return None


# --- GPU peak throughput ----------------------------------------------------------------------------


def peak_half_tflops(device_name: str) -> float | None:
    """The dense BF16/FP16 tensor-core peak of the GPU torch calls `device_name`, or None if not in gpus.toml."""
    for gpu in _load("gpus.toml")["gpus"]:
        if re.search(gpu["match"], device_name, re.IGNORECASE):
            return float(gpu["half_tflops"])
    return None


# --- torchvision and torchaudio -------------------------------------------------------------------


@cache
def _companions() -> dict[str, Any]:
    return _load("torchvision.toml")


def paired_torchvision(torch_version: str) -> str:
    """The torchvision release built for torch `torch_version` ('2.7.1+cu126' -> '0.22.1'); for a torch
    the table does not list, the same series (torch 2.N pairs with torchvision 0.(N+15)) as '0.26.*'."""
    release = ".".join(map(str, release_tuple(torch_version)))
    known = _companions()["torchvision"].get(release)
    if known:
        return known
    major, minor = release_tuple(torch_version)[:2]
    return f"0.{minor + 15}.*" if major == 2 else "?"


def paired_torchaudio(torch_version: str) -> str | None:
    """torchaudio shares torch's version number; None where no torchaudio is built for that torch."""
    release = release_tuple(torch_version)
    if release[:2] > version_tuple(_companions()["torchaudio_last"]):
        return None
    return ".".join(map(str, release))
