"""torchvision and torchaudio as a probe sees them: which torch release and which CUDA build each was
compiled for, read from its wheel's metadata and local version label, never by importing it (an import
of a mismatched pair is exactly what fails: "operator torchvision::nms does not exist")."""

from __future__ import annotations

import re
from collections.abc import Mapping

from dlenv.doctor.probe import CompanionInfo

COMPANIONS = ("torchvision", "torchaudio")
_EXACT_TORCH = re.compile(r"^torch\s*\(?==\s*([0-9][^;,)\s]*)")  # "torch==2.7.1" or "torch (==2.7.1)"


def build_label(version: str) -> str | None:
    """A wheel's local build label: '2.7.1+cu126' -> 'cu126'; None for PyPI's unlabelled wheels."""
    return version.partition("+")[2] or None


def cuda_of_label(version: str) -> str | None:
    """'0.22.1+cu126' -> '12.6'; '+cpu', '+rocm6.2' or no label -> None."""
    match = re.fullmatch(r"cu(\d+)(\d)", build_label(version) or "")
    return f"{match[1]}.{match[2]}" if match else None


def companion(name: str, installed: Mapping[str, str]) -> CompanionInfo | None:
    """`name`'s build as installed, or None when it is not."""
    version = installed.get(name)
    if version is None:
        return None
    from importlib import metadata

    try:
        requires = metadata.distribution(name).requires or []
    except metadata.PackageNotFoundError:
        requires = []
    torch = next((m[1] for r in requires if (m := _EXACT_TORCH.match(r))), None)
    return CompanionInfo(version=version, cuda=cuda_of_label(version), torch=torch)
