"""What a lesson's notebook calls in its kernel: `%%module NAME` cells that are the lesson's files, training
through the runner with a progress line, and the results shown inline.

A lesson's files import each other (`from dlenv_lessons.transformer.model import Transformer`). A `%%module`
cell runs its code as that module and puts it in `sys.modules`, so the other cells and the runner use what the
cell says: a learner edits the model cell, runs it again, and the next training uses the edit.
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import json
import linecache
import re
import signal
import sys
import time
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MODULE_NAME = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


def run_module_cell(name: str, source: str, namespace: dict[str, Any] | None = None) -> types.ModuleType:
    """Run `source` as module `name` (in sys.modules, and an attribute of its package, as an import leaves it);
    its public names go into `namespace` (the notebook's) too. A cell that fails leaves the module it replaced."""
    if not MODULE_NAME.match(name):
        raise ValueError(f"%%module {name!r}: not a dotted module name (dlenv_lessons.transformer.model)")
    package_name, _, leaf = name.rpartition(".")
    package = importlib.import_module(package_name) if package_name else None
    before = sys.modules.get(name)
    module = types.ModuleType(name)
    # The installed file's path, for code that finds files beside its module; the code is the cell's.
    module.__file__ = getattr(before, "__file__", None) or installed_file(name)
    module.__package__ = package_name
    filename = f"<cell: {name}>"
    # in linecache, so tracebacks, inspect.getsource and tf.function's autograph read the cell's lines
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    code = compile(source, filename, "exec", dont_inherit=True)
    sys.modules[name] = module  # during the run as during an import: dataclasses look their module up
    try:
        exec(code, module.__dict__)
    except BaseException:
        if before is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = before
        raise
    if package is not None:
        setattr(package, leaf, module)
    if namespace is not None:
        namespace.update(public_names(module))
    return module


def installed_file(name: str) -> str | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    return spec.origin if spec and spec.origin != "built-in" else None


def public_names(module: types.ModuleType) -> dict[str, Any]:
    """What `from module import *` would give, without `from __future__` features."""
    import __future__

    return {
        key: value
        for key, value in vars(module).items()
        if not key.startswith("_") and not isinstance(value, __future__._Feature)
    }


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext dlenv.notebook`: registers the `%%module NAME` cell magic."""

    def module(line: str, cell: str) -> None:
        """%%module NAME: run this cell as module NAME, so imports of NAME (the runner's too) get this code."""
        run_module_cell(line.strip(), cell, ipython.user_ns)

    ipython.register_magic_function(module, magic_kind="cell", magic_name="module")


# --- training ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LessonRun:
    """A finished run: its folder and what it wrote in OUT/metrics.json."""

    out: Path
    report: dict[str, Any]

    @property
    def metrics(self) -> dict[str, Any]:
        return self.report["metrics"]


def run_lesson(
    lesson: str,
    *,
    smoke: bool = False,
    sets: list[str] | tuple[str, ...] = (),
    resume: bool = False,
    seed: int = 0,
    device: str = "auto",
    steps: int | None = None,
    out: str | Path | None = None,
) -> LessonRun:
    """`dlenv run LESSON` in this kernel, with a progress line: the same config (defaults, smoke values,
    `sets` as --set key=value), checkpoints and OUT/metrics.json. Interrupting the kernel stops at a
    checkpoint; `resume=True` continues from it. A bad setting raises the runner's one-line error, its hint
    printed on stderr."""
    from dlenv.errors import DlenvError
    from dlenv.runner import RunOptions, Stopped, default_out, run

    folder = Path(out) if out is not None else default_out(lesson)
    options = RunOptions(
        smoke=smoke,
        device=device,
        out=folder,
        steps=steps,
        resume=resume,
        seed=seed,
        sets=tuple(sets),  # type: ignore[arg-type]
    )
    line = ProgressLine(lesson)
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        _, report = run(lesson, options, progress=line.update)
    except Stopped as stopped:
        raise KeyboardInterrupt(f"{stopped}; checkpoint saved in {folder}: run again with resume=True") from None
    except DlenvError as error:
        if error.hint:  # under the traceback's last line, as the CLI prints it
            print(f"hint: {error.hint}", file=sys.stderr)
        raise
    finally:
        line.close()
        for signum, handler in handlers.items():  # the kernel's own: its interrupt button works again
            signal.signal(signum, handler)
    print(f"{lesson}: {report['steps']} steps in {report['seconds']:.1f} s on {report['device']} → {folder}")
    return LessonRun(folder, report)


class ProgressLine:
    """One line that updates in place (a display with an id in Jupyter, Colab and Kaggle; stderr elsewhere):
    step, total, steps per second, the latest scalars. A saved notebook keeps the last one."""

    EVERY_S = 0.5
    SCALARS = 4  # a Trainer logs a dozen at a time; the line shows the first few, TensorBoard has them all

    def __init__(self, lesson: str) -> None:
        self.lesson = lesson
        self.first: tuple[int, float] | None = None  # (step, time) of the part's first report: the rate's origin
        self.step = 0
        self.shown_at = 0.0
        self.text = ""
        self.handle = None
        try:
            from IPython import get_ipython
            from IPython.display import display

            if get_ipython() is not None:
                self.handle = display({"text/plain": f"{lesson}: starting"}, raw=True, display_id=True)
        except ImportError:
            pass

    def update(self, step: int, total: int, values: dict[str, float]) -> None:
        now = time.perf_counter()
        if self.first is None or step < self.step:  # a run resumed mid-way, or its next part, counts from here
            self.first = (step, now)
        self.step = step
        scalars = " ".join(f"{name} {value:.4g}" for name, value in list(values.items())[: self.SCALARS])
        since, at = self.first
        rate = f" · {(step - since) / (now - at):.3g} steps/s" if step > since and now > at else ""
        self.text = f"{self.lesson}: step {step}/{total}{rate} · {scalars}"
        if now - self.shown_at >= self.EVERY_S or step == total:
            self.shown_at = now
            self.show()

    def show(self) -> None:
        if self.handle is not None:
            self.handle.update({"text/plain": self.text}, raw=True)
        elif self.text:
            print(self.text, end="\r", file=sys.stderr, flush=True)

    def close(self) -> None:
        self.show()
        if self.handle is None and self.text:
            print(file=sys.stderr)


# --- results -----------------------------------------------------------------------------------------


def show(run: LessonRun) -> None:
    """The run's metrics as a table, its training curves (the scalars TensorBoard would draw, one line per
    part of the run) and the plots the lesson wrote into OUT."""
    from IPython.display import Image, Markdown, display

    display(Markdown(metrics_markdown(run.metrics)))
    curves = curves_png(run.out / "tb")
    if curves is not None:
        display(Image(data=curves))
    for plot in sorted(run.out.glob("*.png")):
        display(Markdown(f"`{plot.name}`"), Image(filename=str(plot)))


def metrics_markdown(metrics: dict[str, Any]) -> str:
    """Numbers and words in a table; lists and tables (a few translations, per-variant results) as JSON."""
    rows = ["| metric | value |", "|---|---|"]
    nested = {}
    for name, value in metrics.items():
        if isinstance(value, list | dict):
            nested[name] = value
        else:
            shown = f"{value:.4g}" if isinstance(value, float) else str(value)
            rows.append(f"| {name} | {shown.replace('|', '/')} |")
    text = "\n".join(rows)
    for name, value in nested.items():
        text += f"\n\n**{name}**\n\n```json\n{json.dumps(value, indent=2, ensure_ascii=False)}\n```"
    return text


PANELS = 9


def curves_png(logdir: Path) -> bytes | None:
    """Each scalar logged more than once against the step (losses and accuracies first, PANELS at most), one
    panel per scalar and one line per part, as PNG bytes; None without such scalars or matplotlib. Drawn on a
    Figure of its own: no pyplot state, whatever the backend."""
    from dlenv.runner.tb import read_scalars

    scalars = read_scalars(logdir)
    # a curve needs two points: a run's one-off totals (a Trainer's train_runtime) are not drawn
    tags = {tag for series in scalars.values() for tag, points in series.items() if len(points) > 1}
    # losses and accuracies first; a Trainer's dozen others stay in TensorBoard beyond the first few panels
    tags = sorted(tags, key=lambda tag: (not any(word in tag for word in ("loss", "accuracy")), tag))[:PANELS]
    if not tags:
        return None
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return None
    columns = min(3, len(tags))
    rows = -(-len(tags) // columns)
    figure = Figure(figsize=(4.5 * columns, 3.2 * rows), layout="constrained")
    for index, tag in enumerate(tags):
        axes = figure.add_subplot(rows, columns, index + 1)
        for part, series in sorted(scalars.items()):
            if tag in series:
                steps, values = zip(*series[tag], strict=True)
                axes.plot(steps, values, label=part or "run")
        axes.set_title(tag)
        axes.set_xlabel("step")
        if len(scalars) > 1:
            axes.legend(fontsize="small")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()
