"""`dlenv run LESSON`: a lesson in this process, or in N processes through torchrun, with a progress bar
on a terminal and one summary line at the end."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from dlenv.cli.present import out, progress
from dlenv.errors import DlenvError


def run_command(
    lesson: Annotated[str, typer.Argument(help="A lesson name (dlenv lessons).")],
    smoke: Annotated[bool, typer.Option("--smoke", help="A run of under a minute that still shows learning.")] = False,
    device: Annotated[str, typer.Option("--device", help="auto, cpu or cuda.")] = "auto",
    out_dir: Annotated[Path | None, typer.Option("--out", help="Output folder (default runs/LESSON).")] = None,
    steps: Annotated[int | None, typer.Option("--steps", help="Train this many steps.")] = None,
    checkpoint_every: Annotated[
        int | None, typer.Option("--checkpoint-every", help="Checkpoint every N steps.")
    ] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue from the newest checkpoint in --out.")] = False,
    seed: Annotated[int, typer.Option("--seed", help="Seed of every random choice.")] = 0,
    sets: Annotated[list[str] | None, typer.Option("--set", help="Override a config value: KEY=VALUE.")] = None,
    nproc: Annotated[int, typer.Option("--nproc", help="Processes (data parallel), launched through torchrun.")] = 1,
    torchrun_args: Annotated[
        list[str] | None, typer.Option("--torchrun", help="A torchrun flag, e.g. --torchrun=--nnodes=2 (repeatable).")
    ] = None,
) -> None:
    """Run a lesson: its embedded default data unless told otherwise; writes OUT/metrics.json."""
    from dlenv.runner import RunOptions, Stopped, run

    if nproc < 1:
        raise DlenvError(f"--nproc {nproc}: must be at least 1")
    if (nproc > 1 or torchrun_args) and "LOCAL_RANK" not in os.environ:
        # torchrun starts the processes and their rendezvous; each runs this same command as one rank
        rendezvous = torchrun_args or ["--standalone"]
        again = [
            lesson,
            *(["--smoke"] if smoke else []),
            "--device",
            device,
            "--seed",
            str(seed),
            *(["--out", str(out_dir)] if out_dir else []),
            *(["--steps", str(steps)] if steps else []),
            *(["--checkpoint-every", str(checkpoint_every)] if checkpoint_every else []),
            *(["--resume"] if resume else []),
            *[arg for item in sets or () for arg in ("--set", item)],
        ]
        command = [sys.executable, "-m", "torch.distributed.run", *rendezvous, f"--nproc-per-node={nproc}",
                   "-m", "dlenv", "run", *again]  # fmt: skip
        raise typer.Exit(subprocess.call(command))

    if device not in ("auto", "cpu", "cuda"):
        raise DlenvError(f"--device {device}: expected auto, cpu or cuda")
    options = RunOptions(
        smoke=smoke,
        device=device,
        out=out_dir,
        steps=steps,
        checkpoint_every=checkpoint_every,
        resume=resume,
        seed=seed,
        sets=tuple(sets or ()),
    )  # type: ignore[arg-type]
    bar = _progress_bar(lesson) if os.environ.get("RANK", "0") == "0" else None
    try:
        path, metrics = run(lesson, options, progress=bar.update if bar else None)
    except Stopped as stopped:
        sys.stderr.write(f"{stopped}; checkpoint saved: rerun with --resume to continue\n")
        raise typer.Exit(128 + stopped.signum) from None
    finally:
        if bar:
            bar.stop()
    if os.environ.get("RANK", "0") != "0":
        return
    shown = ", ".join(
        f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
        for k, v in metrics["metrics"].items()
        if not isinstance(v, list | dict)
    )
    out().print(
        f"{lesson}: {shown} ({metrics['steps']} steps, {metrics['seconds']:.1f} s on {metrics['device']}) → {path}",
        markup=False,
    )


class _ProgressBar:
    """A rich progress bar on a terminal (steps, rate, time left, the latest scalars)."""

    def __init__(self, lesson: str) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._progress = Progress(
            TextColumn(lesson),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[scalars]}"),
            console=progress(),
            transient=True,
        )
        self._task = self._progress.add_task(lesson, total=None, scalars="")
        self._progress.start()

    def update(self, step: int, total: int, values: dict[str, float]) -> None:
        scalars = " ".join(f"{k} {v:.4g}" for k, v in values.items())
        self._progress.update(self._task, completed=step, total=total, scalars=scalars)

    def stop(self) -> None:
        self._progress.stop()


def _progress_bar(lesson: str) -> _ProgressBar | None:
    """Only on a terminal: piped output and CI logs get the one summary line (metrics.json has the rest)."""
    return _ProgressBar(lesson) if sys.stderr.isatty() else None


def register(app: typer.Typer) -> None:
    app.command("run")(run_command)
