"""Whether a lesson fits the GPU it is about to run on: refused before training, not out of memory mid-run.

The need is the lesson's estimate at the run's settings (memory.py); the GPU's memory is its total as
CUDA reports it, or DLENV_GPU_MEMORY_MIB: the share to plan for on a GPU other processes use too, or the
size of a smaller GPU to plan for. A lesson too big names the `--set` that makes it fit, re-estimated at
that setting, else `--device cpu`.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Mapping, Sequence
from typing import Any

from dlenv.errors import DlenvError
from dlenv.runner.memory import MIB, Need, lesson_need, with_settings

GPU_MEMORY_VARIABLE = "DLENV_GPU_MEMORY_MIB"


def planned_gpu_memory_mib() -> int | None:
    """DLENV_GPU_MEMORY_MIB when set: a whole number of MiB, above 0."""
    text = os.environ.get(GPU_MEMORY_VARIABLE, "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise DlenvError(f"{GPU_MEMORY_VARIABLE}={text!r}: expected the GPU memory in MiB, a whole number above 0")
    return int(text)


def live_gpu_memory_mib() -> int | None:
    """The first CUDA GPU's total memory, as torch's CUDA runtime reports it; None without torch or a GPU."""
    try:
        import torch
    except ImportError:
        return None
    if not torch.cuda.is_available():
        return None
    return torch.cuda.mem_get_info(0)[1] // MIB


def fitting_settings(name: str) -> Sequence[Mapping[str, Any]]:
    """The lesson's FITTING_SETTINGS (dlenv_lessons/NAME/memory.py): the --set values that shrink it, in the
    order to try them."""
    if importlib.util.find_spec(f"dlenv_lessons.{name}.memory") is None:
        return ()
    return getattr(importlib.import_module(f"dlenv_lessons.{name}.memory"), "FITTING_SETTINGS", ())


def smallest_fitting(name: str, cfg: Any, gpu_mib: int) -> tuple[dict[str, Any], Need] | None:
    """The first of the lesson's fitting settings, alone and then together with the ones before it, whose
    re-estimated need fits `gpu_mib`."""
    together: dict[str, Any] = {}
    for setting in fitting_settings(name):
        together = {**together, **setting}
        for changes in (dict(setting), together):
            changed = {k: v for k, v in changes.items() if getattr(cfg, k) != v}
            if not changed:
                continue
            need = lesson_need(name, with_settings(cfg, **changed))
            if need is not None and need.mib <= gpu_mib:
                return changed, need
    return None


def require_fit(name: str, cfg: Any, gpu_mib: int) -> Need | None:
    """Refuse (exit 2) a lesson whose need at `cfg` is above `gpu_mib`; its need, or None when unknown."""
    need = lesson_need(name, cfg)
    if need is None or need.mib <= gpu_mib:
        return need
    found = smallest_fitting(name, cfg, gpu_mib)
    if found is None:
        fix = "run it on the CPU: --device cpu"
    else:
        changes, smaller = found
        sets = " ".join(f"--set {k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in changes.items())
        fix = f"{sets} needs {smaller.mib} MiB; or run it on the CPU: --device cpu"
    raise DlenvError(
        f"lesson {name} needs {need.mib} MiB of GPU memory ({need.basis}) at these settings and this GPU has "
        f"{gpu_mib} MiB: {fix}"
    )
