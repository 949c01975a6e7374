"""`dlenv doctor`: does this machine's driver, GPU, CUDA, cuDNN and framework builds fit together?

`diagnose(probe, matrix)` runs every rule (rules.py) over a probe (probe.py, collected live by
collect.py or replayed from a file) and recommends the newest matrix row that fits the machine.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from dlenv.doctor import arch
from dlenv.doctor.probe import BitsandbytesInfo, Packages, Probe, TensorflowInfo, TorchInfo
from dlenv.doctor.rules import RULES, Check, Context, Recommendation, install_fix
from dlenv.facts import (
    cudnn_min_compute_capability,
    encode_cudnn,
    major_minor,
    minor_version_driver,
    tensorflow_release,
    version_tuple,
)
from dlenv.matrix import Matrix, Row


@dataclass(frozen=True)
class Report:
    checks: tuple[Check, ...]
    recommended_env: str | None

    @property
    def ok(self) -> bool:
        return not any(check.status == "fail" for check in self.checks)

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "recommended_env": self.recommended_env,
            "checks": [{"id": c.id, "status": c.status, "message": c.message, "fix": c.fix} for c in self.checks],
        }


def diagnose(probe: Probe, matrix: Matrix, env: str | None = None) -> Report:
    """Judge what is installed, or with `env` the matrix row of that name, against the machine."""
    recommended = recommend(probe, matrix)
    if env is None:
        ctx = Context(probe, matrix, recommended)
        return Report(tuple(rule(ctx) for rule in RULES), recommended.row.name if recommended.row else None)
    row = matrix.row(env)
    judged = dataclasses.replace(probe, packages=row_packages(row))
    verdict = _row_verdict(row, probe, matrix)
    ctx = Context(judged, matrix, recommended)
    checks = [rule(ctx) for rule in RULES[:-1]]
    if row.tensorflow_env == "separate":
        checks = [_separate_tf(row) if c.id == "torch-tf-coexist" else c for c in checks]
    return Report((*checks, verdict), recommended.row.name if recommended.row else None)


# --- which row fits -------------------------------------------------------------------------------


def misfit(row: Row, probe: Probe, lenient: bool = False) -> str | None:
    """Why `row` does not run on this machine, or None when it does. `lenient` accepts a driver that
    runs the row's CUDA only through minor-version compatibility."""
    if probe.python and major_minor(probe.python) not in row.python:
        return f"Python {major_minor(probe.python)} is not one of row {row.name}'s ({', '.join(row.python)})"
    if row.cuda is None:
        return None
    if not probe.driver_version or not probe.gpus:
        return "there is no NVIDIA GPU"
    assert row.min_driver is not None
    floor = (minor_version_driver(row.cuda) or row.min_driver) if lenient else row.min_driver
    if version_tuple(probe.driver_version) < version_tuple(floor):
        return f"driver {probe.driver_version} is older than {floor}"
    arch_list = arch.from_matrix(row.torch_arch)
    cudnn_floor = cudnn_min_compute_capability(row.cudnn) if row.cudnn else None
    for gpu in probe.gpus:
        if arch.runs_on(arch_list, gpu.compute_capability) is None:
            return f"its torch has no kernels for {gpu.name} (sm_{gpu.compute_capability.replace('.', '')})"
        if cudnn_floor and version_tuple(gpu.compute_capability) < version_tuple(cudnn_floor):
            return f"its cuDNN {row.cudnn} dropped {gpu.name} (compute capability {gpu.compute_capability})"
    return None


def _newest_first(matrix: Matrix) -> list[Row]:
    return sorted((r for r in matrix.rows.values() if r.cuda), key=lambda r: version_tuple(r.cuda or "0"), reverse=True)


def recommend(probe: Probe, matrix: Matrix) -> Recommendation:
    """The newest row whose driver floor, arch list and Python fit this machine."""
    cpu = next((r for r in matrix.rows.values() if r.cuda is None), None)
    if not probe.gpus:
        if cpu is None:
            return Recommendation(None, "fail", "no GPU and the matrix has no cpu row", None)
        why = misfit(cpu, probe)
        if why:
            return Recommendation(
                cpu, "warn", f"no GPU: row {cpu.name}, but {why}", f"use Python {cpu.python[-1]} for row {cpu.name}"
            )
        return Recommendation(cpu, "ok", f"no GPU: row {cpu.name} ({summary_of(cpu)})")
    rows = _newest_first(matrix)
    for row in rows:
        if misfit(row, probe) is None:
            return Recommendation(row, "ok", f"row {row.name} fits this machine ({summary_of(row)})")
    for row in rows:
        if misfit(row, probe, lenient=True) is None:
            return Recommendation(
                row,
                "warn",
                f"no row's full driver floor is met by driver {probe.driver_version}; row {row.name} "
                f"runs through CUDA {(row.cuda or '').split('.')[0]} minor-version compatibility",
                f"upgrade the NVIDIA driver to >= {row.min_driver} for every feature of row {row.name}",
            )
    reasons = {row.name: misfit(row, probe, lenient=True) or "" for row in rows}
    if all("driver" in why for why in reasons.values()):
        oldest = min(rows, key=lambda r: version_tuple(minor_version_driver(r.cuda or "") or r.min_driver or "0"))
        floor = minor_version_driver(oldest.cuda or "") or oldest.min_driver
        return Recommendation(
            None,
            "fail",
            f"no CUDA row runs on driver {probe.driver_version}",
            f"upgrade the NVIDIA driver to >= {floor} ({oldest.name}) or use the cpu row",
        )
    python = major_minor(probe.python) if probe.python else None
    if python and all(why.startswith("Python") for why in reasons.values()):
        every = sorted({v for r in matrix.rows.values() for v in r.python}, key=version_tuple)
        return Recommendation(
            None,
            "fail",
            f"no CUDA row supports Python {python} (the rows cover {every[0]} to {every[-1]})",
            f"use Python {every[-1]} or another version the rows list (dlenv matrix)",
        )
    detail = "; ".join(f"{name}: {why}" for name, why in reasons.items())
    return Recommendation(
        None,
        "fail",
        f"no CUDA row fits this machine ({detail})",
        "use the cpu row, or a Python and driver that a row lists (dlenv matrix)",
    )


def summary_of(row: Row) -> str:
    if row.cuda is None:
        return f"torch {row.torch}"
    return f"torch {row.torch}, CUDA {row.cuda}, driver >= {row.min_driver}"


def _row_verdict(row: Row, probe: Probe, matrix: Matrix) -> Check:
    why = misfit(row, probe)
    if why is None:
        return Check("matrix-row", "ok", f"row {row.name} fits this machine ({summary_of(row)})")
    blocker = misfit(row, probe, lenient=True)  # what even minor-version compatibility cannot get past
    if blocker is None:
        return Check(
            "matrix-row",
            "warn",
            f"row {row.name} runs only through minor-version compatibility: {why}",
            f"upgrade the NVIDIA driver to >= {row.min_driver}",
        )
    best = recommend(probe, matrix).row
    fix = install_fix(best) if best is not None and best.cuda else "use the cpu row"
    return Check("matrix-row", "fail", f"row {row.name} does not fit this machine: {blocker}", fix)


def _separate_tf(row: Row) -> Check:
    return Check(
        "torch-tf-coexist",
        "ok",
        f"row {row.name} keeps TensorFlow {row.tensorflow} in its own environment "
        f"(envs/requirements/{row.name}-tf.txt)",
    )


def row_packages(row: Row) -> Packages:
    """What a row installs, as a probe would see it."""
    cudnn = encode_cudnn(row.cudnn) if row.cudnn else None
    torch = TorchInfo(version=row.torch, cuda=row.cuda, cudnn=cudnn, arch_list=tuple(arch.from_matrix(row.torch_arch)))
    tensorflow = None
    if row.tensorflow:
        release = tensorflow_release(row.tensorflow)
        cuda = release.cuda if release and row.cuda else None
        tensorflow = TensorflowInfo(
            version=row.tensorflow, cuda=cuda, cudnn=release.cudnn if cuda and release else None
        )
    return Packages(torch=torch, tensorflow=tensorflow, bitsandbytes=BitsandbytesInfo(version=row.bitsandbytes))
