"""The real thing (nox -s bundle; needs PyPI): a bundle for platform local built by dlenv running in a venv
whose "image" is torch 2.13.0, then a fresh venv with only that torch installs dlenv from the bundle,
bootstraps with no index at all (as Kaggle's first cell sets pip up) and trains the transformer lesson."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import ROOT

pytestmark = pytest.mark.bundle

TORCH = "torch==2.13.0"  # the cpu row's torch; pip finds the CPU build on this machine's disk, CI's on PyPI


def run(*command: str | Path, env: dict[str, str] | None = None, timeout: int = 900) -> str:
    proc = subprocess.run([str(c) for c in command], capture_output=True, text=True, env=env, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(map(str, command))}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


def new_venv(path: Path, *packages: str) -> Path:
    run(sys.executable, "-m", "venv", path)
    run(path / "bin" / "python", "-m", "pip", "install", "-q", *packages)
    return path / "bin"


def test_a_bundle_for_local_installs_and_bootstraps_with_no_index_and_runs_a_lesson(tmp_path):
    started = time.monotonic()
    home = {"HOME": str(tmp_path / "home"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    machine_env = {**{k: v for k, v in os.environ.items() if k != "PIP_CONSTRAINT"}, **home}
    image = new_venv(tmp_path / "image", TORCH, "-e", str(ROOT))
    bundle = tmp_path / "bundle"
    run(image / "dlenv", "bundle", "--platform", "local", "--out", bundle, env=machine_env)
    built = time.monotonic()
    manifest = json.loads((bundle / "dlenv-bundle.json").read_text())
    wheels = sorted(p.name for p in bundle.glob("*.whl"))
    (kept,) = manifest["kept"]  # the image's torch (+cpu here, PyPI's CUDA build in CI); it has no numpy
    assert kept.startswith("torch==2.13.0")
    assert not [name for name in wheels if name.startswith("torch-")], wheels
    assert any(name.startswith("transformers-") for name in wheels)

    kernel = new_venv(tmp_path / "kernel", TORCH)  # the notebook's image: its torch and nothing of dlenv's
    # as the first cell sets pip up: the bundle and nothing else (no index, no configuration of this machine)
    offline = {**machine_env, "PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(bundle)}
    run(kernel / "python", "-m", "pip", "install", "-q", "--no-index", "--find-links", bundle, "dlenv", env=offline)
    summary = run(kernel / "dlenv", "bootstrap", env=offline)
    assert f"installed (row {manifest['row']}): " in summary  # what the bundle was made for, and from it
    out = tmp_path / "run"
    run(kernel / "dlenv", "run", "transformer", "--smoke", "--device", "cpu", "--out", out, env=offline)
    assert json.loads((out / "metrics.json").read_text())["lesson"] == "transformer"
    size = sum(p.stat().st_size for p in bundle.iterdir())
    print(
        f"\nbundle: {len(wheels)} wheels, {size / 1e6:.0f} MB, built in {built - started:.0f} s; "
        f"installed, bootstrapped and trained in {time.monotonic() - built:.0f} s more"
    )
