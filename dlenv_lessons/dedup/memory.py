"""The dedup lesson needs no GPU: MinHash and LSH run in NumPy and Python, on the CPU, whatever the device."""

from __future__ import annotations

from typing import Any

NO_GPU = "MinHash and LSH in NumPy and Python: nothing on a GPU"


def need(cfg: Any) -> None:
    return None  # nothing to count: `dlenv run` and the doctor treat the lesson as needing no GPU (NO_GPU)
