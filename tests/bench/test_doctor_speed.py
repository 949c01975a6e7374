"""The doctor against `python -m torch.utils.collect_env`, measured in the same run.

Goal: on a machine without a GPU, with torch and TensorFlow installed, `dlenv doctor` takes at most a
tenth of collect_env's wall time (collect_env imports torch; the doctor reads metadata instead).
Run with `nox -s bench` (it installs the cpu row); skipped where torch is not installed.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

import pytest

pytest.importorskip("pytest_benchmark")
ROUNDS = 5


def run(argv: list[str]) -> None:
    subprocess.run(argv, check=False, capture_output=True, timeout=300)


def wall_times(argv: list[str], rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run(argv)
        times.append(time.perf_counter() - start)
    return times


@pytest.mark.bench
def test_doctor_takes_at_most_a_tenth_of_collect_env(benchmark):
    from importlib.util import find_spec

    if find_spec("torch") is None or find_spec("tensorflow") is None:
        pytest.skip("needs torch and TensorFlow installed (nox -s bench installs the cpu row)")
    doctor = [sys.executable, "-m", "dlenv", "doctor", "--json"]
    collect_env = [sys.executable, "-m", "torch.utils.collect_env"]
    run(doctor), run(collect_env)  # warm the page cache for both before measuring
    reference = statistics.median(wall_times(collect_env, ROUNDS))
    benchmark.pedantic(run, args=(doctor,), rounds=ROUNDS, iterations=1)
    ratio = benchmark.stats.stats.median / reference
    benchmark.extra_info.update({"collect_env_median_s": reference, "ratio_to_collect_env": ratio})
    assert ratio <= 0.1, f"doctor {benchmark.stats.stats.median:.2f}s vs collect_env {reference:.2f}s"
