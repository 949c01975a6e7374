"""Does a build's GPU code run on a GPU? CUDA's binary compatibility rules, in one place.

SASS for sm_XY runs on compute capability X.Z with Z >= Y (same major, CUDA C Programming Guide,
"Binary Compatibility"); PTX for compute_XY is compiled by the driver for any GPU of X.Y or newer,
provided the driver is at least as new as the toolkit that wrote the PTX.
"""

from __future__ import annotations

import re
from typing import Literal

ARCH = re.compile(r"^(sm|compute)_(\d+)(\d)[a-z]?$")


def parse(entry: str) -> tuple[str, tuple[int, int]]:
    """'sm_86' -> ('sm', (8, 6)); 'compute_120' -> ('compute', (12, 0))."""
    match = ARCH.match(entry)
    if match is None:
        raise ValueError(f"not a GPU architecture: {entry!r}")
    return match[1], (int(match[2]), int(match[3]))


def cc_tuple(compute_capability: str) -> tuple[int, int]:
    major, minor = compute_capability.split(".")
    return int(major), int(minor)


def runs_on(arch_list: list[str], compute_capability: str) -> Literal["sass", "ptx"] | None:
    """How a build with `arch_list` runs on a GPU: native code, PTX JIT, or not at all."""
    cc = cc_tuple(compute_capability)
    parsed = [parse(entry) for entry in arch_list]
    if any(kind == "sm" and arch[0] == cc[0] and arch[1] <= cc[1] for kind, arch in parsed):
        return "sass"
    if any(kind == "compute" and arch <= cc for kind, arch in parsed):
        return "ptx"
    return None


def from_matrix(torch_arch: list[str]) -> list[str]:
    """The matrix's ['7.5', '12.0+PTX'] as torch.cuda.get_arch_list() spells it: ['sm_75', 'sm_120', 'compute_120']."""
    out = []
    for entry in torch_arch:
        number = entry.removesuffix("+PTX").replace(".", "")
        out.append(f"sm_{number}")
        if entry.endswith("+PTX"):
            out.append(f"compute_{number}")
    return out


def span(arch_list: list[str]) -> str:
    """'sm_75 … sm_120' for messages."""
    sass = sorted((arch for kind, arch in map(parse, arch_list) if kind == "sm"))
    if not sass:
        return "no native GPU code"
    first, last = sass[0], sass[-1]
    return f"sm_{first[0]}{first[1]}" if first == last else f"sm_{first[0]}{first[1]} … sm_{last[0]}{last[1]}"
