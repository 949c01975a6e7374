"""The version strings dlenv reads, as annotated types: pydantic checks the pattern at the edges (dlenv.schema).

Two families, kept apart on purpose: the matrix *pins* exact releases (`12.6`, `3.11`, `7.5+PTX`);
a probe *reports* what a machine has, as its tools print it (`12.5.1`, `3.11.7`, `sm_75`).
"""

from __future__ import annotations

from typing import Annotated

from dlenv.schema import Pattern

# --- pinned in envs/matrix.toml -------------------------------------------------------------------
Pin = Annotated[str, Pattern(r"^\d+(\.\d+)+$")]  # 2.7.1, 9.5.1.17, 560.28.03
TorchPin = Annotated[str, Pattern(r"^\d+(\.\d+)+(\+[a-z0-9]+)?$")]  # 2.7.1+cu118: a local build label
PythonRelease = Annotated[str, Pattern(r"^3\.\d+$")]  # 3.11
CudaRelease = Annotated[str, Pattern(r"^\d+\.\d+$")]  # 12.6
ArchSpec = Annotated[str, Pattern(r"^\d+\.\d+(\+PTX)?$")]  # 7.5, 12.0+PTX: TORCH_CUDA_ARCH_LIST's spelling

# --- reported by a probe --------------------------------------------------------------------------
DriverVersion = Annotated[str, Pattern(r"^\d{3,4}(\.\d+){1,2}$")]  # 550.54.15
CudaVersion = Annotated[str, Pattern(r"^\d{1,2}\.\d+(\.\d+)?$")]  # 12.4, 12.5.1
ComputeCapability = Annotated[str, Pattern(r"^\d{1,2}\.\d$")]  # 7.5
PackageVersion = Annotated[str, Pattern(r"^\d+(\.\d+)*([a-z0-9.+_-]*)?$")]  # 2.5.1+cu124, 2.19.0rc0
PythonVersion = Annotated[str, Pattern(r"^3\.\d+(\.\d+)?([a-z0-9+]*)?$")]  # 3.11.7
ArchFlag = Annotated[str, Pattern(r"^(sm|compute)_\d{2,3}[a-z]?$")]  # sm_75, compute_120: get_arch_list()'s spelling
Digits = Annotated[str, Pattern(r"^\d+(\.\d+)*$")]  # cuDNN as torch (90100) or TensorFlow (9) reports it
