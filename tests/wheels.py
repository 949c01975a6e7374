"""Tiny wheels for a local package index: enough metadata for a resolver, no code."""

from __future__ import annotations

from pathlib import Path

from dlenv.bundle.wheelhouse import stand_in_wheel


def make_wheel(
    folder: Path, name: str, version: str, requires: list[str] = (), extras: dict[str, list[str]] | None = None
) -> Path:
    metadata = ["Requires-Python: >=3.9", *(f"Requires-Dist: {r}" for r in requires)]
    for extra, reqs in (extras or {}).items():
        metadata.append(f"Provides-Extra: {extra}")
        metadata += [f'Requires-Dist: {r}; extra == "{extra}"' for r in reqs]
    return stand_in_wheel(folder, name, version, metadata)
