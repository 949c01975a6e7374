"""`dlenv run LESSON`: the same loop chores for every lesson, whatever its framework.

The runner imports no framework. It builds the lesson's config (defaults, smoke values, --set),
hands the lesson a Context (output folder, device, seed, steps, checkpointing, scalars, stop and
divergence handling) and writes OUT/metrics.json:

    {"lesson", "env", "device", "steps", "seconds", "metrics": {...}, "throughput": {"unit", "value"}}

where "env" is the matrix row installed here (the key keeps the name it was published with).

A lesson is a package under dlenv_lessons/ whose `config` module defines `Config` (a dataclass that checks
its bounds) and `SMOKE` (the values of a one-minute run), and whose `train` module defines
`train(ctx, cfg) -> Result`. The config module imports no framework: bad settings are refused first.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from dlenv.errors import DlenvError, unknown
from dlenv.fileio import atomic_write
from dlenv.runner import config as config_builder
from dlenv.runner.context import Context, Diverged, Stopped, fresh_start
from dlenv.runner.frameworks import (
    TENSORFLOW,
    TORCH,
    gpu_available,
    lesson_framework,
    require_companions,
    require_tensorflow,
)
from dlenv.runner.ranks import this_process

# The matrix row: set in dlenv's images (templates/Dockerfile.j2), and what picks the image in compose.yaml.
# The variable keeps the name it was published with.
ROW_VARIABLE = "DLENV_ENV"

__all__ = ["Context", "Diverged", "Result", "RunOptions", "Stopped", "Trained", "run"]


@dataclass(frozen=True)
class Result:
    """What a lesson's train() returns: its headline metrics and how fast it went."""

    metrics: dict[str, Any]
    throughput_unit: str
    throughput: float
    steps: int

    @classmethod
    def of_parts(cls, metrics: dict[str, Any], parts: Sequence[Trained], steps: int) -> Result:
        """A run of several trainings (ctx.part: a comparison's variants, transfer's phases): the mean
        throughput of the parts that trained now, in their unit. A part resumed after its last step trained
        nothing now and has no speed to report."""
        speeds = [part.throughput for part in parts if part.throughput > 0]
        unit = parts[0].unit if parts else "samples/s"
        return cls(metrics, unit, sum(speeds) / len(speeds) if speeds else 0.0, steps)


@dataclass(frozen=True)
class Trained:
    """What a training loop hands back once it has trained: how far it went and how fast. The lesson
    measures what it shows next (accuracy, a merge, a plot) and makes its Result with `result()`.

    A loop that validated during training also says how that went: `best` is {"metric", "value",
    "step"} of the best validation (the weights the model holds when the loop restored them),
    `validations` every (step, value), and `stopped_early` whether patience ran out, at `steps`."""

    steps: int  # the step training ended at: the run's last, or the one it stopped early at
    throughput: float
    unit: str
    final_loss: float | None = None  # the last step's training loss, where the loop computes one
    best: dict[str, Any] | None = None
    stopped_early: bool = False
    validations: tuple[tuple[int, float], ...] = ()

    def result(self, metrics: dict[str, Any]) -> Result:
        """The lesson's metrics plus what the loop knows: the final loss, and after validation the
        best value (as best_<metric>), its step (best_step) and stopped_early_at when patience ran out."""
        loss = {} if self.final_loss is None else {"final_loss": self.final_loss}
        best = {}
        if self.best is not None:
            best = {f"best_{self.best['metric']}": self.best["value"], "best_step": self.best["step"]}
        early = {"stopped_early_at": self.steps} if self.stopped_early else {}
        return Result({**metrics, **best, **early, **loss}, self.unit, self.throughput, self.steps)


DEVICES = ("auto", "cpu", "cuda")


@dataclass(frozen=True)
class RunOptions:
    smoke: bool = False
    device: Literal["auto", "cpu", "cuda"] = "auto"
    out: Path | None = None
    steps: int | None = None
    checkpoint_every: int | None = None
    resume: bool = False
    seed: int = 0
    sets: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        check_device(self.device)


def check_device(device: str) -> None:
    if device not in DEVICES:
        raise DlenvError(f"--device {device}: expected auto, cpu or cuda")


def lesson_config(name: str, options: RunOptions) -> Any:
    """The lesson's config for this run, built and bounds-checked before its framework is imported."""
    from dlenv.lessons_catalog import lesson_names

    names = lesson_names()
    if name not in names:
        raise unknown("lesson", name, names)
    module = importlib.import_module(f"dlenv_lessons.{name}.config")
    return config_builder.build(module.Config, module.SMOKE if options.smoke else None, list(options.sets))


def load_lesson(name: str) -> Any:
    """The lesson's train module, once its framework is known to be there."""
    if lesson_framework(name) == TENSORFLOW:
        require_tensorflow(name, current_row())  # before the import that would fail without it
    require_companions(name, current_row)  # asks which row only when something is missing
    return importlib.import_module(f"dlenv_lessons.{name}.train")


def resolve_device(wanted: str, framework: str = TORCH) -> str:
    if wanted == "cpu":
        return "cpu"
    if gpu_available(framework):
        return "cuda"
    if wanted == "cuda":
        raise DlenvError("--device cuda: no CUDA GPU is usable here", hint="run `dlenv doctor` to see why")
    return "cpu"


def require_gpu_fit(name: str, cfg: Any, wanted: str, device: str) -> None:
    """Refuse a lesson bigger than the GPU it would run on; DLENV_GPU_MEMORY_MIB plans for a GPU of that
    size (a share of one, or one this machine lacks). `--device cpu` never asks."""
    from dlenv.runner import fit

    if wanted == "cpu":
        return
    gpu_mib = fit.planned_gpu_memory_mib() or (fit.live_gpu_memory_mib() if device == "cuda" else None)
    if gpu_mib is not None:
        fit.require_fit(name, cfg, gpu_mib)


def current_row() -> str | None:
    """The matrix row installed here: DLENV_ENV in dlenv's images, else the row whose torch is installed."""
    if os.environ.get(ROW_VARIABLE):
        return os.environ[ROW_VARIABLE]
    from dlenv.doctor.collect import installed_torch
    from dlenv.matrix import load_matrix
    from dlenv.paths import default_matrix_path

    torch = installed_torch()
    row = load_matrix(default_matrix_path()).row_of_torch(torch.version, torch.cuda) if torch else None
    return row.name if row else None


def default_out(name: str) -> Path:
    """Where a run writes without --out: runs/LESSON under the current folder, or under the platform's
    persistent storage where its profile says so (runs_on_persistent): Colab's mounted Drive, since
    /content goes with the VM; Kaggle's /kaggle/working, DSW's /mnt/workspace, AI Studio's home."""
    from dlenv.platforms import detect
    from dlenv.platforms.profiles import profiles

    platform = detect()
    if platform.persistent_dir and profiles()[platform.name].paths.runs_on_persistent:
        return Path(platform.persistent_dir) / "runs" / name
    return Path("runs") / name


def checkpoint_interval(given: int | None, steps: int) -> int:
    """--checkpoint-every as given, 0 meaning never; by default every tenth of the run (of at least one step)."""
    if given is None:
        return max(1, steps // 10)
    if given < 0:
        raise DlenvError(f"--checkpoint-every {given}: must be 0 (never) or more")
    return given


def run(name: str, options: RunOptions, progress: Any = None) -> tuple[Path, dict[str, Any]]:
    """Run lesson `name`; returns OUT/metrics.json's path and content."""
    cfg = lesson_config(name, options)
    # A lesson counts in steps (optimizer updates) or in its own unit (hparam: trials), as its Config says.
    steps = options.steps if options.steps is not None else getattr(cfg, "steps", None) or cfg.trials
    if steps < 1:
        raise DlenvError(f"--steps {steps}: must be at least 1")
    out = options.out or default_out(name)
    every = checkpoint_interval(options.checkpoint_every, steps)
    module = load_lesson(name)  # every setting checked: only now the framework loads
    device = resolve_device(options.device, lesson_framework(name))
    require_gpu_fit(name, cfg, options.device, device)
    ctx = Context(
        lesson=name,
        out=out,
        device=device,
        seed=options.seed,
        steps=steps,
        checkpoint_every=every,
        resume=options.resume,
        smoke=options.smoke,
        divergence_hint=config_builder.divergence_hint(cfg),
        progress=progress,
    )
    out.mkdir(parents=True, exist_ok=True)
    if not options.resume:
        fresh_start(ctx)
    ctx.install_signal_handlers()
    try:
        result: Result = module.train(ctx, cfg)
    finally:
        ctx.close()
    metrics = {
        "lesson": name,
        "env": current_row(),
        "device": ctx.device,
        "steps": result.steps,
        "seconds": round(ctx.elapsed(), 3),
        "metrics": result.metrics,
        "throughput": {"unit": result.throughput_unit, "value": round(result.throughput, 3)},
        "config": asdict(cfg),
        "seed": options.seed,
        "smoke": options.smoke,  # a --smoke run's numbers are the smoke record's, a full run's the full record's
    }
    process = this_process()
    metrics["processes"] = process.world_size
    path = out / "metrics.json"
    if process.main:  # under torchrun, rank 0 speaks for the run
        atomic_write(path, json.dumps(metrics, indent=2) + "\n")
    return path, metrics
