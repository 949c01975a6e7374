"""Shared test helpers (a plain module: conftest.py files are fixtures only, and share one module name)."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# The device the lessons run on: cpu unless a session says otherwise (nox -s gpu_tests sets cuda).
TEST_DEVICE = os.environ.get("DLENV_TEST_DEVICE", "cpu")


def threads_per_run() -> int:
    """Two threads a run, as on a learner's two cores, or fewer where pytest-xdist runs tests side by side
    (`-n 2`): no two runs may share a core, where OpenMP threads slow down many times over."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    return max(1, min(2, cores // workers))


def dlenv_run(
    *args: str, out: Path, check: bool = True, threads: int | None = None
) -> subprocess.CompletedProcess[str]:
    """`dlenv run ARGS --out OUT` in its own process, as a learner runs it, on TEST_DEVICE unless ARGS name one."""
    env = {**os.environ, "OMP_NUM_THREADS": str(threads or threads_per_run())}
    device = [] if any(a == "--device" or a.startswith("--device=") for a in args) else ["--device", TEST_DEVICE]
    proc = subprocess.run([sys.executable, "-m", "dlenv", "run", *args, *device, "--out", str(out)],
                          capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
    if check:
        assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def metrics(out: Path) -> dict:
    return json.loads((out / "metrics.json").read_text())


def training_step(loss: Callable[[], Any], optimizer: Any, device: str) -> Callable[[], None]:
    """One training step as dlenv's runner takes it (dlenv.runner.torch_loop.fit): `loss()` under the runner's
    autocast (bf16 on a GPU), backward, the optimizer's step; on a GPU it waits for the work to finish, so a
    benchmark times the work, not its launch."""
    import torch

    from dlenv.runner.torch_loop import autocast

    def step() -> None:
        with autocast(device):
            value = loss()
        optimizer.zero_grad(set_to_none=True)
        value.backward()
        optimizer.step()
        if device == "cuda":
            torch.cuda.synchronize()

    return step


def alternating_medians(benchmark, measured: Callable[[], object], reference: Callable[[], object], rounds: int,
                        warmup: int = 0):  # fmt: skip
    """Median seconds of `measured` (recorded by pytest-benchmark) and of `reference`, the two taking turns
    round by round: the reference runs, timed, in each round's untimed setup, so a busy machine slows
    both alike and their ratio stays fair. Before that, each runs `warmup` times in turn, untimed (a
    training step's first calls pay for the allocator, kernel loading and autotuning)."""
    for _ in range(warmup):
        measured(), reference()
    reference_times: list[float] = []

    def time_reference() -> None:
        began = time.perf_counter()
        reference()
        reference_times.append(time.perf_counter() - began)

    benchmark.pedantic(measured, setup=time_reference, rounds=rounds, iterations=1)
    return benchmark.stats.stats.median, statistics.median(reference_times)


def imports_pydantic(*args: str, cache: Path) -> bool:
    """Whether `dlenv ARGS` imports pydantic, in a fresh process whose cache folder (XDG_CACHE_HOME) is
    `cache`: run it twice on one cache to see that what was validated once is not validated again."""
    code = (
        "import sys, contextlib, io\nfrom dlenv.cli import main\n"
        f"with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n    main({list(args)!r})\n"
        "print('pydantic' in sys.modules)"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return run.stdout.strip() == "True"


# What the Windows CI job (tests-windows in .github/workflows/ci.yml) cannot do, each with its reason: a test
# that needs it is skipped there, by name, never silently passed.
ON_WINDOWS = sys.platform == "win32"
NO_POSIX_SIGNALS = "Windows has no SIGKILL, and its SIGTERM ends a process without running Python's handler"
NO_SHELL_SCRIPTS = "the stand-in is a #!/bin/sh script: Windows runs .exe and .bat files, not shebang lines"
NO_POSIX_MODES = "Windows has no POSIX file modes (0600): access to a file is by its ACL"


def posix_only(reason: str):  # a pytest mark
    """Mark a test that needs a POSIX machine; skipped on Windows with `reason`."""
    import pytest

    return pytest.mark.skipif(ON_WINDOWS, reason=reason)


def write_notebook(path: Path, *cells: str | tuple[str, list[dict]], markdown: tuple[str, ...] = ()) -> Path:
    """An nbformat 4 notebook at `path`: markdown cells first, then a code cell per item (its source, or its
    source and saved outputs), as Jupyter writes one (source as a list of lines)."""
    import json

    def lines(text: str) -> list[str]:
        return text.splitlines(keepends=True)

    notebook_cells = [{"cell_type": "markdown", "metadata": {}, "source": lines(text)} for text in markdown]
    for cell in cells:
        source, outputs = (cell, []) if isinstance(cell, str) else cell
        notebook_cells.append({"cell_type": "code", "execution_count": None, "metadata": {},
                               "outputs": outputs, "source": lines(source)})  # fmt: skip
    for number, cell in enumerate(notebook_cells):
        cell["id"] = f"cell-{number}"
    notebook = {"cells": notebook_cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                "language": "python"}}, "nbformat": 4, "nbformat_minor": 5}  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return path


def stdout_output(text: str) -> dict:
    """A saved `print` output, as nbformat keeps it."""
    return {"output_type": "stream", "name": "stdout", "text": text.splitlines(keepends=True)}
