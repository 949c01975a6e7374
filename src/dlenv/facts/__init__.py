"""Facts about the CUDA stack, kept as data (cuda.toml) with a source per table."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CUDA_FACTS = Path(__file__).with_name("cuda.toml")


def version_tuple(version: str) -> tuple[int, ...]:
    """'570.124.06' -> (570, 124, 6), for comparing driver, CUDA and Python versions."""
    return tuple(int(part) for part in version.split("."))


@dataclass(frozen=True)
class CudaFacts:
    toolkit_driver: dict[str, str]
    minor_version_driver: dict[str, str]
    ubuntu_python: dict[str, str]


@cache
def cuda_facts() -> CudaFacts:
    with CUDA_FACTS.open("rb") as f:
        return CudaFacts(**tomllib.load(f))
