"""Which matrix row fits a machine: why a row does not (`misfit`), the newest one that does
(`recommend`), the verdict on a row the user names (`--row`), and what a row installs, as a probe
would see it (`row_packages`)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from dlenv.doctor import arch
from dlenv.doctor.probe import BitsandbytesInfo, Packages, Probe, TensorflowInfo, TorchInfo
from dlenv.doctor.report import Verdict, fail, ok, warn
from dlenv.facts import (
    cuda_facts,
    cudnn_min_compute_capability,
    encode_cudnn,
    image_refuses,
    major_minor,
    minor_version_driver,
    tensorflow_release,
    version_tuple,
)
from dlenv.matrix import Matrix, Row


@dataclass(frozen=True)
class Recommendation:
    row: Row | None  # None: no row fits
    verdict: Verdict  # what the matrix-row check says about it


def install_fix(row: Row, windows: bool = False) -> str:
    """How to get a row: pip in any environment, or the row's Docker image. On native Windows PyPI's torch
    wheels are CPU builds: the row's CUDA build comes from PyTorch's own index."""
    index = f" --extra-index-url {row.torch_index}" if row.torch_index else ""
    if windows and row.cuda and not row.torch_index:
        cuda = "cu" + row.cuda.replace(".", "")
        return (
            f"use row {row.name}: pip install 'torch=={row.torch}' --index-url https://download.pytorch.org/whl/{cuda} "
            "(on Windows, PyPI's torch is a CPU build)"
        )
    return (
        f"use row {row.name}: pip install 'torch=={row.torch}'{index} "
        f"(or envs/requirements/{row.name}.txt; Docker: DLENV_ENV={row.name} docker compose run lesson ...)"
    )


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
    if probe.in_container and image_refuses(row.cuda, probe.driver_version):
        return (
            f"driver {probe.driver_version} is older than {row.min_driver}, and the row's image "
            f"({row.base_image}) admits older drivers only on the R"
            + ", R".join(cuda_facts().image_driver_branches[row.cuda])
            + " branch (NVIDIA_REQUIRE_CUDA): the container runtime refuses it"
        )
    arch_list = arch.from_matrix(row.torch_arch)
    cudnn_floor = cudnn_min_compute_capability(row.cudnn) if row.cudnn else None
    for gpu in probe.gpus:
        if gpu.compute_capability is None:
            continue  # unknown: no row can be ruled out for it (gpu-arch-in-torch says so)
        if arch.runs_on(arch_list, gpu.compute_capability) is None:
            return f"its torch has no kernels for {gpu.name} (sm_{gpu.compute_capability.replace('.', '')})"
        if cudnn_floor and version_tuple(gpu.compute_capability) < version_tuple(cudnn_floor):
            return f"its cuDNN {row.cudnn} dropped {gpu.name} (compute capability {gpu.compute_capability})"
    return None


def _fits(row: Row) -> Verdict:
    return ok(f"row {row.name} fits this machine ({row.summary(torch=True)})")


def recommend(probe: Probe, matrix: Matrix) -> Recommendation:
    """The newest row whose driver floor, arch list and Python fit this machine."""
    if not probe.gpus:
        return _recommend_cpu(matrix, probe)
    rows = sorted((r for r in matrix.rows.values() if r.cuda), key=lambda r: version_tuple(r.cuda or "0"), reverse=True)
    for row in rows:
        if misfit(row, probe) is None:
            return Recommendation(row, _fits(row))
    for row in rows:
        if misfit(row, probe, lenient=True) is None:
            return Recommendation(
                row,
                warn(
                    f"no row's full driver floor is met by driver {probe.driver_version}; row {row.name} "
                    f"runs through CUDA {(row.cuda or '').split('.')[0]} minor-version compatibility",
                    f"upgrade the NVIDIA driver to >= {row.min_driver} for every feature of row {row.name}",
                ),
            )
    return Recommendation(None, _no_row_fits(rows, probe, matrix))


def python_for(probe: Probe, matrix: Matrix) -> tuple[str, Row | None]:
    """The Python to use on this machine: the newest of the row that fits its driver and GPUs whatever the
    Python (the row the doctor would recommend), or the newest of any row when none fits."""
    row = recommend(replace(probe, python=None), matrix).row
    if row is not None:
        return max(row.python, key=version_tuple), row
    return max((v for r in matrix.rows.values() for v in r.python), key=version_tuple), None


def _recommend_cpu(matrix: Matrix, probe: Probe) -> Recommendation:
    cpu = next((r for r in matrix.rows.values() if r.cuda is None), None)
    if cpu is None:
        return Recommendation(None, Verdict("fail", "no GPU and the matrix has no cpu row"))
    why = misfit(cpu, probe)
    if why:
        return Recommendation(
            cpu,
            warn(
                f"no GPU: row {cpu.name}, but {why}",
                f"use Python {max(cpu.python, key=version_tuple)} for row {cpu.name}",
            ),
        )
    return Recommendation(cpu, ok(f"no GPU: row {cpu.name} ({cpu.summary(torch=True)})"))


def _no_row_fits(rows: list[Row], probe: Probe, matrix: Matrix) -> Verdict:
    """Why no CUDA row runs here, said by what blocks them all: the driver, the Python, or each its own."""
    reasons = {row.name: misfit(row, probe, lenient=True) or "" for row in rows}
    # the driver first: whatever the Python, no row runs until it is upgraded (python-supported names the Python)
    any_python = replace(probe, python=None)
    if all("driver" in (misfit(row, any_python, lenient=True) or "") for row in rows):
        oldest = min(rows, key=lambda r: version_tuple(minor_version_driver(r.cuda or "") or r.min_driver or "0"))
        floor = minor_version_driver(oldest.cuda or "") or oldest.min_driver
        newest = rows[0]  # the newest CUDA: its driver runs every row
        runs = f" (CUDA {probe.cuda_driver})" if probe.cuda_driver else ""
        return fail(
            f"no CUDA row runs on driver {probe.driver_version}{runs}, which drives "
            + ", ".join(gpu.name for gpu in probe.gpus),
            f"upgrade the NVIDIA driver to at least {floor} (row {oldest.name}; {newest.min_driver} runs every row, "
            f"row {newest.name} included), or use the cpu row",
        )
    python = major_minor(probe.python) if probe.python else None
    if python and all(why.startswith("Python") for why in reasons.values()):
        every = sorted({v for r in matrix.rows.values() for v in r.python}, key=version_tuple)
        best, row = python_for(probe, matrix)
        return fail(
            f"no CUDA row supports Python {python} (the rows cover {every[0]} to {every[-1]})",
            f"use Python {best}" + (f", the newest of row {row.name}, which fits this machine" if row else ""),
        )
    detail = "; ".join(f"{name}: {why}" for name, why in reasons.items())
    return fail(
        f"no CUDA row fits this machine ({detail})",
        "use the cpu row, or a Python and driver that a row lists (dlenv matrix)",
    )


def row_verdict(row: Row, probe: Probe, recommended: Row | None) -> Verdict:
    """Does the row the user named fit this machine? On a fail, the fix is the `recommended` row."""
    why = misfit(row, probe)
    if why is None:
        return _fits(row)
    blocker = misfit(row, probe, lenient=True)  # what even minor-version compatibility cannot get past
    if blocker is None:
        return warn(
            f"row {row.name} runs only through minor-version compatibility: {why}",
            f"upgrade the NVIDIA driver to >= {row.min_driver}",
        )
    windows = probe.os == "windows"
    fix = install_fix(recommended, windows) if recommended is not None and recommended.cuda else "use the cpu row"
    return fail(f"row {row.name} does not fit this machine: {blocker}", fix)


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
