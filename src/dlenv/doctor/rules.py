"""The doctor's checks: one function per stable check id (docs/DESIGN.md), registered with `@rule(ID)` in
the order the checks print.

Each reads the RuleContext (the probe, the matrix, the facts tables and, with `--row ROW`, the row judged
instead of what is installed) and returns a Verdict; warn and fail always carry a concrete fix: a
driver to install, a matrix row, a pip command.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from dlenv.doctor import arch
from dlenv.doctor.companions import COMPANIONS, build_label
from dlenv.doctor.probe import CompanionInfo, Gpu, Packages, Probe
from dlenv.doctor.report import Check, Status, Verdict, fail, ok, skip, warn
from dlenv.doctor.rows import Recommendation, install_fix, python_for, row_packages, row_verdict
from dlenv.facts import (
    bitsandbytes_min_cc_int8,
    bitsandbytes_release,
    cudnn_min_compute_capability,
    decode_cudnn,
    major_minor,
    minor_version_driver,
    paired_torchaudio,
    paired_torchvision,
    release_tuple,
    tensorflow_release,
    toolkit_driver,
    version_tuple,
)
from dlenv.matrix import Matrix, Row
from dlenv.requirements import tensorflow_requirement

CONTAINER_GPU_FIX = (
    "install the NVIDIA Container Toolkit on the host and start the container with `docker run --gpus all`; "
    "with compose, give the service deploy.resources.reservations.devices: "
    "[{driver: nvidia, count: all, capabilities: [gpu]}] (dlenv's `docker compose run lesson` does)"
)


@dataclass(frozen=True)
class RuleContext:
    """What a rule reads. `row` is the matrix row judged (`dlenv doctor --row ROW`) instead of what is
    installed: the package rules then see the row's frameworks, as it would install them."""

    probe: Probe
    matrix: Matrix
    recommended: Recommendation
    row: Row | None = None

    @cached_property
    def packages(self) -> Packages:
        return self.probe.packages if self.row is None else row_packages(self.row)


Rule = Callable[[RuleContext], Verdict]
RULES: dict[str, Rule] = {}  # check id -> rule, in the order the checks print; filled by @rule only


def rule(check_id: str) -> Callable[[Rule], Rule]:
    """Register the decorated function as the rule behind `check_id`, after those registered before it."""

    def register(judge: Rule) -> Rule:
        if check_id in RULES:
            raise ValueError(f"check id '{check_id}' has a rule already: {RULES[check_id].__name__}")
        RULES[check_id] = judge
        return judge

    return register


def run_rules(ctx: RuleContext) -> tuple[Check, ...]:
    return tuple(Check(check_id, *judge(ctx)) for check_id, judge in RULES.items())


# --- helpers --------------------------------------------------------------------------------------


def release_of(version: str) -> str:
    """'2.7.1+cu126' -> '2.7.1'."""
    return ".".join(map(str, release_tuple(version)))


def companion_mismatch(name: str, info: CompanionInfo, torch_version: str) -> str | None:
    """Why `name` (torchvision or torchaudio) cannot load beside torch `torch_version`, or None."""
    built_for = info.torch
    if built_for is None:  # metadata unreadable: the facts table says which torch it pairs with
        paired = paired_torchvision(torch_version) if name == "torchvision" else paired_torchaudio(torch_version)
        built_for = torch_version if paired == release_of(info.version) else None
    if built_for is None or release_of(built_for) != release_of(torch_version):
        return f"{name} {info.version} is built for torch {built_for or 'another release'}, not {torch_version}"
    torch_label, label = build_label(torch_version), build_label(info.version)
    if torch_label and label and torch_label != label:
        return f"{name} {info.version} is a {label} build and torch {torch_version} a {torch_label} one"
    if torch_label == "cpu" and label is None:  # PyPI's Linux wheels of torchvision are CUDA builds
        return f"{name} {info.version} is PyPI's CUDA build beside the CPU torch {torch_version}"
    return None


def companion_fix(name: str, torch_version: str) -> str:
    """The exact pin of `name` for the installed torch, from torch's own index when it has a build label."""
    paired = paired_torchvision(torch_version) if name == "torchvision" else paired_torchaudio(torch_version)
    if paired is None:
        return f"pip uninstall {name} (no {name} is built for torch {release_of(torch_version)}: it stopped at 2.11)"
    label = build_label(torch_version)
    index = f" --index-url https://download.pytorch.org/whl/{label}" if label else ""
    return f"pip install '{name}=={paired}'{index}"


def _recommended_fix(ctx: RuleContext, fallback: str) -> str:
    row = ctx.recommended.row
    return install_fix(row, ctx.probe.os == "windows") if row is not None and row.cuda else fallback


def _gpu_label(gpu: Gpu) -> str:
    if gpu.compute_capability is None:
        return f"{gpu.name} (compute capability unknown)"
    return f"{gpu.name} (sm_{gpu.compute_capability.replace('.', '')})"


def _unknown_capability(gpus: list[Gpu]) -> str:
    """What a check says of GPUs whose compute capability neither the driver nor dlenv's table knows."""
    names = ", ".join(g.name for g in gpus)
    return f"not checked for {names}: the driver does not report its compute capability and dlenv's GPU table lacks it"


def _distinct_gpus(probe: Probe) -> list[Gpu]:
    seen, out = set(), []
    for gpu in probe.gpus:
        if (gpu.name, gpu.compute_capability) not in seen:
            seen.add((gpu.name, gpu.compute_capability))
            out.append(gpu)
    return out


def _below(cc: str | None, floor: str) -> bool:
    """Below `floor`; an unknown capability is not known to be below (the check says it was not checked)."""
    return cc is not None and version_tuple(cc) < version_tuple(floor)


def driver_verdict(driver: str, cuda: str) -> tuple[Status, str | None]:
    """ok when the driver is at least the toolkit's own; warn within the major (minor-version
    compatibility); fail across a major. Also returns the driver that would make it ok."""
    full = toolkit_driver(cuda)
    if full is None or version_tuple(driver) >= version_tuple(full):
        return "ok", full
    floor = minor_version_driver(cuda)
    if floor is not None and version_tuple(driver) >= version_tuple(floor):
        return "warn", full
    return "fail", full


def _driver_supports(ctx: RuleContext, label: str, cuda: str | None, gpu_fix: str, alternative: str) -> Verdict:
    """The driver against a framework's CUDA; `alternative` is the build that would run instead."""
    probe = ctx.probe
    if cuda is None:
        if probe.gpus:
            return warn(f"{label} is a CPU build: the GPU sits idle", gpu_fix)
        return ok(f"{label} is a CPU build, and there is no GPU")
    if not probe.driver_version:
        return skip(f"{label} is built for CUDA {cuda}; without an NVIDIA driver it runs on the CPU")
    status, full = driver_verdict(probe.driver_version, cuda)
    if status == "ok":
        return ok(f"driver {probe.driver_version} runs {label}, built for CUDA {cuda}")
    upgrade = f"upgrade the NVIDIA driver to >= {full}"
    if status == "warn":
        return warn(
            f"driver {probe.driver_version} is older than CUDA {major_minor(cuda)}'s {full}: {label} runs "
            "through minor-version compatibility, without PTX JIT of newer code and without the APIs "
            "that need a newer driver (cudaErrorCallRequiresNewerDriver)",
            f"{upgrade}, or {alternative}",
        )
    found = probe.cuda_driver or "an older CUDA major"
    return fail(
        f"driver {probe.driver_version} runs CUDA up to {found}; {label} needs CUDA {major_minor(cuda)} and "
        "stops with 'The NVIDIA driver on your system is too old'",
        f"{upgrade}, or {alternative}",
    )


# --- the checks, in the order they print ----------------------------------------------------------


@rule("driver-present")
def driver_present(ctx: RuleContext) -> Verdict:
    probe = ctx.probe
    if probe.driver_version and probe.gpus:
        gpus = ", ".join(
            f"{g.name} ({g.compute_capability or 'compute capability unknown'}"
            f"{f', {g.memory_mib} MiB' if g.memory_mib else ''})"
            for g in probe.gpus
        )
        cuda = f", runs CUDA up to {probe.cuda_driver}" if probe.cuda_driver else ""
        return ok(f"NVIDIA driver {probe.driver_version}{cuda}; {gpus}")
    if probe.driver_version:
        return warn(
            f"NVIDIA driver {probe.driver_version} is loaded but no GPU is visible",
            "check `nvidia-smi` and CUDA_VISIBLE_DEVICES; on a cloud notebook, switch the runtime to a GPU",
        )
    if probe.in_container and probe.gpu_expected and not (probe.nvidia_devices or probe.wsl_gpu):
        return fail(
            "this container was started for a GPU (NVIDIA_VISIBLE_DEVICES is set) but has no /dev/nvidia*: "
            "the GPU was not passed in",
            CONTAINER_GPU_FIX,
        )
    return skip("no NVIDIA GPU or driver on this machine: lessons run on the CPU")


@rule("driver-supports-torch")
def driver_supports_torch(ctx: RuleContext) -> Verdict:
    torch = ctx.packages.torch
    if torch is None:
        return skip("torch is not installed")
    if torch.error:
        return fail(
            f"torch {torch.version} does not import: {torch.error}",
            _recommended_fix(ctx, "reinstall torch: pip install --force-reinstall torch"),
        )
    return _driver_supports(
        ctx,
        f"torch {torch.version}",
        torch.cuda,
        _recommended_fix(ctx, "install a CUDA build of torch"),
        _recommended_fix(ctx, "use the cpu row"),
    )


@rule("gpu-arch-in-torch")
def gpu_arch_in_torch(ctx: RuleContext) -> Verdict:
    probe, torch = ctx.probe, ctx.packages.torch
    if not probe.gpus:
        return skip("no GPU to check torch's kernels against")
    if torch is None or torch.cuda is None:
        return skip("no CUDA build of torch installed")
    if not torch.arch_list:
        return skip(f"torch {torch.version}'s arch list could not be read")
    problems, notes = [], []
    unknown = [gpu for gpu in _distinct_gpus(probe) if gpu.compute_capability is None]
    for gpu in _distinct_gpus(probe):
        if gpu.compute_capability is None:
            continue
        how = arch.runs_on(torch.arch_list, gpu.compute_capability)
        if how is None:
            problems.append(
                f"{_gpu_label(gpu)} has no kernels in torch {torch.version} ({arch.span(torch.arch_list)}): "
                "CUDA calls stop with 'no kernel image is available for execution on the device'"
            )
        elif how == "ptx":
            status, full = driver_verdict(probe.driver_version or "0.0", torch.cuda)
            if status != "ok":
                problems.append(
                    f"{_gpu_label(gpu)} runs torch {torch.version} only through PTX JIT, which needs a "
                    f"driver >= {full} (CUDA {torch.cuda})"
                )
            else:
                notes.append(f"{_gpu_label(gpu)} through PTX JIT (slow first start)")
        else:
            notes.append(f"{_gpu_label(gpu)} natively")
        floor = cudnn_min_compute_capability(decode_cudnn(torch.cudnn)) if torch.cudnn else None
        if floor and _below(gpu.compute_capability, floor):
            problems.append(
                f"torch's cuDNN {decode_cudnn(torch.cudnn or '')} dropped GPUs below {floor}: "
                f"convolutions and RNNs on {_gpu_label(gpu)} fail"
            )
    if problems:
        fix = _recommended_fix(ctx, "no matrix row has kernels for this GPU: use the cpu row")
        return fail("; ".join(problems), fix)
    if unknown:
        ran = f"torch {torch.version} runs " + ", ".join(notes) + "; " if notes else ""
        return warn(
            ran + _unknown_capability(unknown),
            "see the GPU's compute capability on https://developer.nvidia.com/cuda-gpus and compare it "
            f"with torch's kernels ({arch.span(torch.arch_list)})",
        )
    return ok(f"torch {torch.version} runs " + ", ".join(notes))


@rule("torchvision-matches-torch")
def torchvision_matches_torch(ctx: RuleContext) -> Verdict:
    torch = ctx.packages.torch
    installed = {name: getattr(ctx.packages, name) for name in COMPANIONS if getattr(ctx.packages, name)}
    if not installed:
        return skip("neither torchvision nor torchaudio is installed")
    if torch is None:
        name, info = next(iter(installed.items()))
        return fail(f"{name} {info.version} is installed without torch", f"pip install 'torch=={info.torch or '...'}'")
    problems = {name: why for name, info in installed.items() if (why := companion_mismatch(name, info, torch.version))}
    if problems:
        message = "; ".join(problems.values())
        message += ': importing it fails with "operator torchvision::nms does not exist" or an undefined symbol'
        return fail(message, "; ".join(companion_fix(name, torch.version) for name in problems))
    return ok(", ".join(f"{name} {info.version}" for name, info in installed.items()) + f" match torch {torch.version}")


@rule("driver-supports-tensorflow")
def driver_supports_tensorflow(ctx: RuleContext) -> Verdict:
    tf = ctx.packages.tensorflow
    if tf is None:
        return skip("TensorFlow is not installed")
    gpu_fix = f"pip install 'tensorflow[and-cuda]=={tf.version}' (Linux; the CPU-only wheel is tensorflow-cpu)"
    row = ctx.recommended.row
    if row is not None and row.cuda and row.tensorflow:
        alternative = f"use row {row.name}'s TensorFlow: pip install '{tensorflow_requirement(row)}'"
    else:
        alternative = "run the Keras lessons on the CPU (--device cpu)"
    return _driver_supports(ctx, f"TensorFlow {tf.version}", tf.cuda, gpu_fix, alternative)


@rule("tensorflow-cudnn")
def tensorflow_cudnn(ctx: RuleContext) -> Verdict:
    probe, tf = ctx.probe, ctx.packages.tensorflow
    if tf is None or tf.cuda is None or not probe.gpus:
        return skip("no CUDA build of TensorFlow with a GPU to check")
    release = tensorflow_release(tf.version)
    cudnn = tf.cudnn or (release.cudnn if release else None)
    problems = []
    for gpu in _distinct_gpus(probe):
        if gpu.compute_capability is None:
            continue  # not known to lack kernels: gpu-arch-in-torch says it was not checked
        if release and release.arch and arch.runs_on(list(release.arch), gpu.compute_capability) is None:
            problems.append(
                f"TensorFlow {tf.version} has no kernels for {_gpu_label(gpu)} "
                f"({arch.span(list(release.arch))} + PTX compute_90)"
            )
        floor = cudnn_min_compute_capability(cudnn) if cudnn and "." in cudnn else None
        if floor and _below(gpu.compute_capability, floor):
            problems.append(f"cuDNN {cudnn} dropped GPUs below {floor}: TensorFlow on {_gpu_label(gpu)} fails")
    if problems:
        return fail(
            "; ".join(problems),
            "run the Keras lessons with --device cpu: no TensorFlow release has kernels for this GPU yet "
            "(tensorflow/tensorflow#97387)",
        )
    gpus = ", ".join(_gpu_label(g) for g in _distinct_gpus(probe))
    if not (release and release.arch):  # facts/tensorflow.toml records the kernel list from 2.18 on only
        return ok(
            f"TensorFlow {tf.version} (CUDA {tf.cuda}, cuDNN {cudnn or '?'}) supports {gpus} by its cuDNN; "
            "its kernel list is not recorded before 2.18, so not checked"
        )
    return ok(f"TensorFlow {tf.version} (CUDA {tf.cuda}, cuDNN {cudnn or '?'}) has kernels for {gpus}")


UNVERIFIED_CUDA128_BELOW = "7.5"  # bitsandbytes < 0.48: its 12.8 library's lowest GPU is not verified below this


@rule("bitsandbytes-gpu")
def bitsandbytes_gpu(ctx: RuleContext) -> Verdict:
    probe, bnb, torch = ctx.probe, ctx.packages.bitsandbytes, ctx.packages.torch
    if bnb is None:
        return skip("bitsandbytes is not installed")
    release = bitsandbytes_release(bnb.version)
    upgrade = "pip install -U 'bitsandbytes>=0.48'"
    if release is None:
        return warn(f"bitsandbytes {bnb.version} is older than any release dlenv knows", upgrade)
    if not probe.gpus or torch is None or torch.cuda is None:
        if release.cpu_backend:
            return ok(f"bitsandbytes {bnb.version} runs 4-bit on the CPU backend")
        return fail(f"bitsandbytes {bnb.version} has no CPU backend (0.48 added it)", upgrade)
    library = bnb.cuda_library or release.library_for(torch.cuda)
    if library is None or (bnb.libraries and library not in bnb.libraries):
        return fail(
            f"bitsandbytes {bnb.version} ships no library for torch's CUDA {torch.cuda}",
            "pip install -U bitsandbytes (0.50 falls back to the nearest library of the same CUDA major), "
            "or pick one by hand: BNB_CUDA_VERSION=126",
        )
    floor, int8 = release.library_min_cc(library), bitsandbytes_min_cc_int8()
    too_old = [g for g in _distinct_gpus(probe) if _below(g.compute_capability, floor)]
    if too_old:
        return fail(
            f"libbitsandbytes_cuda{library}.so has no kernels below compute capability {floor}: "
            f"{', '.join(map(_gpu_label, too_old))} cannot run 4-bit (QLoRA)",
            _recommended_fix(ctx, "run QLoRA on the CPU backend (bitsandbytes >= 0.48)"),
        )
    unverified = [g for g in _distinct_gpus(probe) if _below(g.compute_capability, UNVERIFIED_CUDA128_BELOW)]
    if library == "128" and version_tuple(release.since) < version_tuple("0.48.0") and unverified:
        # facts/bitsandbytes.toml: from 0.48 the 12.8 library starts at sm_70; 0.46.x's started at sm_75, and
        # the releases around it are not verified
        return warn(
            f"bitsandbytes {bnb.version}'s libbitsandbytes_cuda128.so may carry no code for "
            f"{', '.join(map(_gpu_label, unverified))}: 0.46.x's began at sm_75, and {bnb.version} is not verified",
            upgrade,
        )
    no_int8 = [g for g in _distinct_gpus(probe) if _below(g.compute_capability, int8)]
    if no_int8:
        return warn(
            f"4-bit (QLoRA) runs on {', '.join(map(_gpu_label, no_int8))}; LLM.int8() needs compute capability {int8}+",
            "use 4-bit (load_in_4bit) rather than load_in_8bit on this GPU",
        )
    return ok(
        f"bitsandbytes {bnb.version} loads libbitsandbytes_cuda{library}.so: "
        "4-bit and 8-bit run on " + ", ".join(map(_gpu_label, _distinct_gpus(probe)))
    )


@rule("python-supported")
def python_supported(ctx: RuleContext) -> Verdict:
    python = ctx.probe.python
    if python is None:
        return skip("the Python version is unknown")
    version = major_minor(python)
    rows = [r.name for r in ctx.matrix.rows.values() if version in r.python]
    if rows:
        return ok(f"Python {python} is in rows {', '.join(rows)}")
    every = sorted({v for r in ctx.matrix.rows.values() for v in r.python}, key=version_tuple)
    best, row = python_for(ctx.probe, ctx.matrix)  # the newest Python of the row this machine's GPUs want
    return fail(
        f"Python {python} is outside every matrix row ({every[0]} to {every[-1]})",
        f"use Python {best}" + (f", the newest of row {row.name}, which fits this machine" if row else ""),
    )


@rule("torch-tf-coexist")
def torch_tf_coexist(ctx: RuleContext) -> Verdict:
    if ctx.row is not None and ctx.row.tensorflow_env == "separate":
        return ok(
            f"row {ctx.row.name} keeps TensorFlow {ctx.row.tensorflow} in its own environment "
            f"(envs/requirements/{ctx.row.name}-tf.txt)"
        )
    torch, tf = ctx.packages.torch, ctx.packages.tensorflow
    if torch is None or tf is None:
        return skip("torch and TensorFlow are not both installed")
    if torch.cuda is None or tf.cuda is None:
        return ok("torch and TensorFlow share one environment (at most one uses CUDA)")
    release = tensorflow_release(tf.version)
    tf_cudnn = tf.cudnn or (release.cudnn if release else None)
    torch_cudnn = decode_cudnn(torch.cudnn) if torch.cudnn else None
    split = (
        "keep TensorFlow in its own environment (a row's envs/requirements/<row>-tf.txt), "
        "or use a row where they share: "
        + ", ".join(r.name for r in ctx.matrix.rows.values() if r.cuda and r.tensorflow_env == "shared")
    )
    if tf_cudnn and torch_cudnn and tf_cudnn.split(".")[0] != torch_cudnn.split(".")[0]:
        return fail(
            f"torch {torch.version} loads cuDNN {torch_cudnn} and TensorFlow {tf.version} needs cuDNN "
            f"{tf_cudnn}: one environment holds one nvidia-cudnn wheel, so one of them loses the GPU",
            split,
        )
    if torch.cuda.split(".")[0] != tf.cuda.split(".")[0]:
        return warn(
            f"torch uses CUDA {torch.cuda} and TensorFlow CUDA {tf.cuda}: two CUDA stacks in one environment, "
            "each needing its own libraries and the newer driver",
            split,
        )
    return ok(
        f"torch (CUDA {torch.cuda}, cuDNN {torch_cudnn or '?'}) and TensorFlow (CUDA {tf.cuda}, cuDNN "
        f"{tf_cudnn or '?'}) can share one environment"
    )


@rule("matrix-row")
def matrix_row(ctx: RuleContext) -> Verdict:
    if ctx.row is not None:
        return row_verdict(ctx.row, ctx.probe, ctx.recommended.row)
    return ctx.recommended.verdict


@rule("lessons-fit-gpu-memory")
def lessons_fit_gpu_memory(ctx: RuleContext) -> Verdict:
    """Each GPU's memory against every lesson's need at its defaults and at --smoke (dlenv_lessons/memory.toml)."""
    from dlenv.runner.memory import recorded_gpu_free, recorded_needs

    gpus = [g for g in _distinct_gpus(ctx.probe) if g.memory_mib]
    if not gpus:
        return skip("no GPU whose memory is known: lessons run on the CPU")
    needs = recorded_needs()
    problems = []
    for gpu in gpus:
        too_big = [
            f"{lesson} ({label} {need['mib']} MiB, {need['basis']})"
            for lesson, by_setting in needs.items()
            for label, need in by_setting.items()
            if need["mib"] > gpu.memory_mib
        ]
        if too_big:
            problems.append(f"{gpu.name} ({gpu.memory_mib} MiB) is too small for " + ", ".join(too_big))
    if problems:
        return warn(
            "; ".join(problems),
            "run those lessons with --device cpu, or with smaller settings: `dlenv run LESSON` names the --set "
            "that fits this GPU",
        )
    largest, by_setting = max(needs.items(), key=lambda item: max(n["mib"] for n in item[1].values()))
    top = max(n["mib"] for n in by_setting.values())
    return ok(
        f"all {len(needs)} lessons with an estimate fit "
        + ", ".join(f"{g.name} ({g.memory_mib} MiB)" for g in gpus)
        + f" at their defaults and at --smoke (the largest: {largest}, {top} MiB)"
        + "".join(f"; {name} needs no GPU" for name in recorded_gpu_free())
    )
