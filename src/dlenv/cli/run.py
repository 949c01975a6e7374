"""`dlenv run LESSON`: a lesson in this process, or in N processes through torchrun, with a progress bar
on a terminal and one summary line at the end."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperCommand

from dlenv.cli.options import Options
from dlenv.cli.present import out, progress
from dlenv.errors import DlenvError

ARGUMENTS = "dlenv.run.arguments"  # ctx.meta: the arguments after `run`, as the user gave them
LAUNCH_OPTIONS = ("--nproc", "--torchrun")  # read by the launching process; each rank runs the rest


class _KeepsArguments(TyperCommand):
    """`dlenv run`, keeping its arguments as given: a torchrun launch hands them on to every rank."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        ctx.meta[ARGUMENTS] = tuple(args)  # before parsing, which consumes the list
        return super().parse_args(ctx, args)


def rank_arguments(arguments: Sequence[str], takes_value: Collection[str]) -> list[str]:
    """The arguments of `dlenv run` less --nproc and --torchrun (`--nproc 2`, `--nproc=2`, ...): what each
    rank runs. `takes_value` names the options whose next argument is their value, not an option."""
    kept, rest = [], list(arguments)
    while rest:
        argument = rest.pop(0)
        if argument == "--":  # the rest are arguments, whatever they look like
            return [*kept, argument, *rest]
        if argument.split("=", 1)[0] in LAUNCH_OPTIONS:
            if "=" not in argument and rest:
                rest.pop(0)
            continue
        kept.append(argument)
        if argument in takes_value and rest:
            kept.append(rest.pop(0))
    return kept


def relaunch(ctx: typer.Context, nproc: int, torchrun_args: list[str]) -> int:
    """This command again under torchrun, as N processes that each run it as one rank; torchrun's exit code."""
    takes_value = {o for p in ctx.command.params if p.param_type_name == "option" and not p.is_flag for o in p.opts}
    again = rank_arguments(ctx.meta[ARGUMENTS], takes_value)
    debug = ["--debug"] if Options.of(ctx).debug else []
    rendezvous = torchrun_args or ["--standalone"]
    return subprocess.call([sys.executable, "-m", "torch.distributed.run", *rendezvous, f"--nproc-per-node={nproc}",
                            "-m", "dlenv", *debug, "run", *again])  # fmt: skip


def run_command(
    ctx: typer.Context,
    lesson: Annotated[str, typer.Argument(help="A lesson name (dlenv lessons).")],
    smoke: Annotated[bool, typer.Option("--smoke", help="A run of under a minute that still shows learning.")] = False,
    device: Annotated[str, typer.Option("--device", help="auto, cpu or cuda.")] = "auto",
    out_dir: Annotated[Path | None, typer.Option("--out", help="Output folder (default runs/LESSON).")] = None,
    steps: Annotated[int | None, typer.Option("--steps", help="Train this many steps.")] = None,
    checkpoint_every: Annotated[
        int | None, typer.Option("--checkpoint-every", help="Checkpoint every N steps (0: never).")
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
    from dlenv.runner import RunOptions, Stopped, check_device, run
    from dlenv.runner.ranks import this_process

    if nproc < 1:
        raise DlenvError(f"--nproc {nproc}: must be at least 1")
    check_device(device)  # before torchrun starts N processes that would each refuse it
    process = this_process()
    if (nproc > 1 or torchrun_args) and not process.under_torchrun:
        # torchrun starts the processes and their rendezvous; each runs this same command as one rank
        raise typer.Exit(relaunch(ctx, nproc, torchrun_args or []))

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
    bar = _progress_bar(lesson) if process.main else None
    try:
        path, metrics = run(lesson, options, progress=bar.update if bar else None)
    except Stopped as stopped:
        sys.stderr.write(f"{stopped}; checkpoint saved: rerun with --resume to continue\n")
        raise typer.Exit(128 + stopped.signum) from None
    finally:
        if bar:
            bar.stop()
    if not process.main:
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
    app.command("run", cls=_KeepsArguments)(run_command)
