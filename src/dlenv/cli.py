"""The `dlenv` command. Library modules return values; only this module prints.

Exit codes (DESIGN.md): 0 success, 1 the work failed, 2 bad usage or input — always one line on
stderr that names the bad value, and no traceback unless --debug.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

try:  # newer typer carries its own copy of click
    from typer._click.exceptions import UsageError
except ImportError:  # pragma: no cover
    from click.exceptions import UsageError

from dlenv import __version__
from dlenv.errors import BAD_INPUT, FAILED, DlenvError
from dlenv.matrix import Matrix, load_matrix
from dlenv.paths import checkout_root, default_matrix_path

app = typer.Typer(
    help="dlenv: deep-learning lessons that run the same on a laptop, in Docker and on cloud notebooks.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
matrix_app = typer.Typer(help="The version matrix (envs/matrix.toml).", rich_markup_mode=None)
app.add_typer(matrix_app, name="matrix")

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table


# rich loads only when a human is shown something: `--json` and the doctor's fast path skip it.
@cache
def out() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


@cache
def progress() -> Console:
    from rich.console import Console

    return Console(stderr=True)  # spinners never mix with --json on stdout


_state: dict[str, Any] = {"matrix_path": None}

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _matrix() -> Matrix:
    return load_matrix(_state["matrix_path"] or default_matrix_path())


def _table(*headers: str, show_header: bool = True) -> Table:
    """A table that folds long cells instead of cutting them off (URLs, resolver messages)."""
    from rich.table import Column, Table

    return Table(*(Column(h, overflow="fold") for h in headers), show_header=show_header)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"dlenv {__version__}\n")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
    matrix: Annotated[
        Path | None, typer.Option("--matrix", help="Read this matrix file instead of envs/matrix.toml.")
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of expected errors.")] = False,
) -> None:
    _state["matrix_path"] = matrix


# --- dlenv matrix ---------------------------------------------------------------------------------


@matrix_app.callback(invoke_without_command=True)
def matrix_list(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """List the matrix rows (`dlenv matrix show ROW` for one, `dlenv matrix check ROW` to prove one)."""
    if ctx.invoked_subcommand is not None:
        return
    matrix = _matrix()
    if as_json:
        _print_json(matrix.as_json())
        return
    table = _table("row", "CUDA", "min driver", "cuDNN", "Python", "torch", "TensorFlow", "GPU archs")
    for row in matrix.rows.values():
        tf = f"{row.tensorflow} ({row.tensorflow_env})" if row.tensorflow else "—"
        archs = " ".join(row.torch_arch) or "—"
        table.add_row(
            row.name,
            row.cuda or "—",
            row.min_driver or "—",
            row.cudnn or "—",
            " ".join(row.python),
            row.torch,
            tf,
            archs,
        )
    out().print(table)


@matrix_app.command("show")
def matrix_show(row: Annotated[str, typer.Argument(help="A row name, e.g. cu126.")], as_json: JsonFlag = False) -> None:
    """Show every field of one row."""
    from dlenv.matrix import row_json

    data = row_json(_matrix().row(row))
    if as_json:
        _print_json(data)
        return
    table = _table("field", "value", show_header=False)
    for key, value in data.items():
        shown = ", ".join(value) if isinstance(value, list) else value
        table.add_row(key, "—" if shown in (None, "") else str(shown))
    out().print(table)


@matrix_app.command("check")
def matrix_check(
    rows: Annotated[list[str] | None, typer.Argument(help="Rows to check.", show_default=False)] = None,
    all_rows: Annotated[bool, typer.Option("--all", help="Check every row.")] = False,
    python: Annotated[str | None, typer.Option("--python", help="Only this Python (X.Y) of the row.")] = None,
    index_url: Annotated[str | None, typer.Option("--index-url", help="A PyPI mirror to resolve against.")] = None,
    torch_index: Annotated[str | None, typer.Option("--torch-index", help="A mirror of the row's torch index.")] = None,
    find_links: Annotated[
        list[str] | None, typer.Option("--find-links", help="A folder of wheels (repeatable).")
    ] = None,
    no_index: Annotated[bool, typer.Option("--no-index", help="Use only --find-links folders.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Prove with the uv resolver that each row's pins install together, per Python version (needs the network)."""
    from dlenv.resolve import Indexes, check_row, uv_binary

    matrix = _matrix()
    if all_rows == bool(rows):
        raise DlenvError("name one or more rows, or pass --all", hint=f"rows: {', '.join(matrix.rows)}")
    selected = [matrix.row(name) for name in (rows or matrix.rows)]
    if python is not None:
        for row in selected:
            if python not in row.python:
                raise DlenvError(f"python '{python}' is not one of row {row.name}'s versions ({', '.join(row.python)})")
    indexes = Indexes(index_url, torch_index, tuple(find_links or ()), no_index)
    uv = uv_binary()
    outcomes = []
    for row in selected:
        pythons = [python] if python else list(row.python)
        with progress().status(f"resolving {row.name} for Python {', '.join(pythons)}"):
            outcomes += check_row(row, pythons, indexes, uv)
    ok = all(o.ok for o in outcomes)
    if as_json:
        _print_json(
            {
                "ok": ok,
                "results": [
                    {"row": o.row, "env": o.env, "python": o.python, "status": o.status, "detail": o.detail}
                    for o in outcomes
                ],
            }
        )
    else:
        table = _table("row", "environment", "Python", "result", "detail")
        for o in outcomes:
            table.add_row(o.row, o.env, o.python, "[green]ok[/]" if o.ok else f"[red]{o.status}[/]", o.detail)
        out().print(table)
    if not ok:
        raise typer.Exit(FAILED)


# --- dlenv render ---------------------------------------------------------------------------------


@app.command()
def render(
    check: Annotated[
        bool, typer.Option("--check", help="Fail (exit 1) if a derived file differs; write nothing.")
    ] = False,
    root_dir: Annotated[Path | None, typer.Option("--root", help="The dlenv checkout to render into.")] = None,
) -> None:
    """Render requirements, conda specs, Dockerfiles, compose.yaml and the README tables from the matrix."""
    from dlenv import render as renderer

    root_dir = root_dir or checkout_root()
    if root_dir is None:
        raise DlenvError("dlenv render writes into a dlenv checkout, and this dlenv is not one", hint="pass --root DIR")
    matrix = load_matrix(_state["matrix_path"] or root_dir / "envs" / "matrix.toml")
    if check:
        differ = renderer.stale(matrix, root_dir)
        for rel in differ:
            sys.stderr.write(f"differs from envs/matrix.toml: {rel}\n")
        if differ:
            sys.stderr.write("hint: run `dlenv render` and commit the result\n")
            raise typer.Exit(FAILED)
        out().print(f"all derived files match envs/matrix.toml ({len(renderer.render_all(matrix, root_dir))} files)")
        return
    touched = renderer.write(matrix, root_dir)
    for rel in touched:
        out().print(f"wrote {rel}")
    if not touched:
        out().print("nothing to do: every derived file is up to date")


# --- dlenv doctor ---------------------------------------------------------------------------------

STATUS_STYLE = {"ok": "[green]ok[/]", "warn": "[yellow]warn[/]", "fail": "[red]fail[/]", "skip": "[dim]skip[/]"}


@app.command()
def doctor(
    as_json: JsonFlag = False,
    probe_file: Annotated[
        Path | None, typer.Option("--probe", help="Judge a recorded probe instead of this machine.")
    ] = None,
    env: Annotated[str | None, typer.Option("--env", help="Judge this matrix row against the machine.")] = None,
    save_probe: Annotated[Path | None, typer.Option("--save-probe", help="Write this machine's probe to FILE.")] = None,
) -> None:
    """Check that the driver, GPU, CUDA, cuDNN and framework builds fit together, and say how to fix what doesn't."""
    from dlenv.doctor import diagnose
    from dlenv.doctor.collect import collect
    from dlenv.doctor.probe import from_collected, load_probe
    from dlenv.fileio import atomic_write

    matrix = _matrix()
    if env is not None:
        matrix.row(env)  # an unknown row is bad input before any probing
    probe = load_probe(probe_file) if probe_file else from_collected(collect())
    if save_probe is not None:
        atomic_write(save_probe, probe.to_json())
    report = diagnose(probe, matrix, env)
    if as_json:
        _print_json(report.as_json())
    else:
        from rich.markup import escape  # a fix quotes YAML and shell: "[gpu]" is text, not a style

        table = _table("status", "check", "message", "fix")
        for check in report.checks:
            table.add_row(STATUS_STYLE[check.status], check.id, escape(check.message), escape(check.fix or ""))
        out().print(table)
        verdict = "[green]ok[/]" if report.ok else "[red]not ok[/]"
        out().print(f"{verdict}; recommended row: {report.recommended_env or 'none'}")
    if not report.ok:
        raise typer.Exit(FAILED)


# --- dlenv platform, dlenv login ----------------------------------------------------------------------


@app.command()
def platform(as_json: JsonFlag = False) -> None:
    """Say which platform this is (Kaggle, Colab, AI Studio, DSW, Docker, local) and where things go."""
    from dlenv.platforms import detect

    found = detect()
    if as_json:
        _print_json(found.as_json())
        return
    table = _table("", "", show_header=False)
    for key, value in found.as_json().items():
        shown = ", ".join(value) if isinstance(value, list) else value
        table.add_row(key, "—" if shown in (None, "") else str(shown))
    out().print(table)


login_app = typer.Typer(help="Store credentials where their tools look for them (mode 0600).", rich_markup_mode=None)
app.add_typer(login_app, name="login")


def _read_secret(label: str) -> str:
    """A secret from the terminal without echo, or the first line of a pipe (echo $KEY | dlenv login ...)."""
    if sys.stdin.isatty():
        import getpass

        value = getpass.getpass(f"{label}: ")
    else:
        value = sys.stdin.readline()
    value = value.strip()
    if not value:
        raise DlenvError(f"no {label} given", hint="type it at the prompt, or pipe it in on standard input")
    return value


@login_app.command("kaggle")
def login_kaggle(
    username: Annotated[str | None, typer.Option("--username", help="Your Kaggle user name (legacy API key).")] = None,
    token: Annotated[bool, typer.Option("--token", help="Store a new-style API token instead of a key.")] = False,
) -> None:
    """Write ~/.kaggle/kaggle.json (or access_token with --token), readable by you only. The key is read
    without echo, or from standard input."""
    from dlenv.platforms.secrets import write_kaggle_access_token, write_kaggle_json

    if token == bool(username):
        raise DlenvError("pass --username NAME (API key) or --token (API token), not both or neither")
    if token:
        path = write_kaggle_access_token(_read_secret("Kaggle API token"))
    else:
        path = write_kaggle_json(username or "", _read_secret("Kaggle API key"))
    out().print(f"wrote {path} (mode 0600)")


@app.command("bootstrap")
def bootstrap_command(
    mirror: Annotated[str | None, typer.Option("--mirror", help="cn or none; default: the platform's own.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be installed; install nothing.")] = False,
) -> None:
    """Point caches and mirrors, load credentials, install what the lessons miss, ask the doctor.

    In a notebook, call dlenv.bootstrap() instead: only then do the variables reach the notebook's process.
    """
    from dlenv.bootstrap import run, summary

    report = run(_matrix(), mirror=mirror, install=not dry_run)
    out().print(summary(report), markup=False)
    for name, value in report.environment.items():
        out().print(f"export {name}={value}", markup=False)


# --- dlenv data ---------------------------------------------------------------------------------------

data_app = typer.Typer(help="Datasets: attached, cached or downloaded.", rich_markup_mode=None)
app.add_typer(data_app, name="data")


@data_app.command("fetch")
def data_fetch(
    spec: Annotated[
        str, typer.Argument(help="kaggle:owner/slug, hf:org/name, url:https://...#sha256=HEX, aistudio:ID")
    ],
    as_json: JsonFlag = False,
) -> None:
    """Find or download a dataset and print where it is."""
    from dlenv.datasets import fetch, parse_spec

    parsed = parse_spec(spec)  # bad input fails before any network
    if as_json or not sys.stderr.isatty():
        fetched = fetch(parsed)
    else:
        from rich.progress import DownloadColumn, Progress, TransferSpeedColumn

        with Progress(
            *Progress.get_default_columns(), DownloadColumn(), TransferSpeedColumn(), console=progress(), transient=True
        ) as bar:
            task = bar.add_task(str(parsed.slug), total=None)
            fetched = fetch(parsed, progress=lambda done, total: bar.update(task, completed=done, total=total))
    if as_json:
        _print_json({"spec": str(fetched.spec), "path": str(fetched.path), "via": fetched.via})
    else:
        out().print(f"{fetched.path}  ({fetched.via})")


@app.command("notebook")
def notebook_command(
    lesson: Annotated[str, typer.Argument(help="A lesson name (dlenv lessons).")],
    platform_name: Annotated[str, typer.Option("--platform", help="kaggle, colab, aistudio, dsw, docker or local.")],
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Where to write it (.ipynb, or .py for py:percent).")
    ] = None,
) -> None:
    """Write a runnable notebook of a lesson whose first cell is the platform's bootstrap."""
    from dlenv import notebook
    from dlenv.errors import unknown
    from dlenv.lessons_catalog import discover

    found = {x.name: x for x in discover(_matrix())}
    if lesson not in found:
        raise unknown("lesson", lesson, found)
    path = notebook.write(
        notebook.build(found[lesson], platform_name), out_path or Path(f"{lesson}-{platform_name}.ipynb")
    )
    out().print(f"wrote {path}")


# --- dlenv run -------------------------------------------------------------------------------------


@app.command("run")
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


# --- dlenv bench ----------------------------------------------------------------------------------

bench_app = typer.Typer(help="Benchmark results saved by the bench and gpu_tests nox sessions.", rich_markup_mode=None)
app.add_typer(bench_app, name="bench")


@bench_app.command("report")
def bench_report(
    results_dir: Annotated[
        Path, typer.Option("--dir", help="The saved results: DIR/<row>/<device>/ (pytest-benchmark JSON).")
    ] = Path("benchmarks"),
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Where report.md and charts/ go (default DIR/report).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """The newest result of each benchmark on each row and device: a Markdown table and PNG charts."""
    from dlenv.bench import report, results

    entries = results.latest(results.load(results_dir))
    written = report.write(entries, out_dir or results_dir / "report")
    if as_json:
        _print_json(
            {
                "report": str(written.report),
                "charts": [str(path) for path in written.charts],
                "results": [
                    {
                        "benchmark": e.latest.name,
                        "fullname": e.latest.fullname,
                        "row": e.latest.row,
                        "device": e.latest.device,
                        "median_s": e.latest.median_s,
                        "rounds": e.latest.rounds,
                        "previous_median_s": e.previous.median_s if e.previous else None,
                        "change": e.change,
                        "extra_info": e.latest.extra,
                        "datetime": e.latest.when,
                        "commit": e.latest.commit,
                        "machine": e.latest.machine,
                        "file": str(e.latest.file),
                    }
                    for e in entries
                ],
            }
        )
        return
    sys.stdout.write(written.markdown)
    sys.stderr.write(f"wrote {written.report} and {len(written.charts)} charts in {written.report.parent / 'charts'}\n")


# --- dlenv lessons --------------------------------------------------------------------------------


@app.command()
def lessons(as_json: JsonFlag = False) -> None:
    """List the lessons and the matrix rows that can run each."""
    from dlenv.lessons_catalog import discover

    found = discover(_matrix())
    if as_json:
        _print_json({"lessons": [{"name": x.name, "title": x.title, "rows": list(x.rows)} for x in found]})
        return
    if not found:
        out().print("no lessons installed")
        return
    table = _table("lesson", "what it teaches", "rows")
    for lesson in found:
        table.add_row(lesson.name, lesson.title, " ".join(lesson.rows) or "—")
    out().print(table)


# --- entry point ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    try:
        code = app(args=argv, prog_name="dlenv", standalone_mode=False)
    except DlenvError as error:
        if "--debug" in argv:
            raise
        sys.stderr.write(f"error: {error.message}\n")
        if error.hint:
            sys.stderr.write(f"hint: {error.hint}\n")
        sys.exit(error.exit_code)
    except UsageError as error:
        sys.stderr.write(f"error: {error.format_message()}\n")
        sys.exit(BAD_INPUT)
    except typer.Abort:
        sys.stderr.write("aborted\n")
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
