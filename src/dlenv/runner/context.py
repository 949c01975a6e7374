"""What the runner hands a lesson: where to write, which device, and the shared chores of a training
loop — scalars, atomic checkpoints, resume, stopping on SIGTERM/SIGINT, catching divergence."""

from __future__ import annotations

import dataclasses
import math
import re
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from dlenv.errors import FAILED, DlenvError
from dlenv.runner.ranks import this_process
from dlenv.runner.tb import Scalars

CHECKPOINT = re.compile(r"^step-(\d+)\.ckpt$")
KEEP_CHECKPOINTS = 2
BEST = "best.pt"  # beside the resumable checkpoints: the weights at the best validation so far


class Stopped(Exception):
    """SIGTERM or SIGINT arrived; the newest checkpoint is on disk."""

    def __init__(self, step: int, signum: int) -> None:
        super().__init__(f"stopped by {signal.Signals(signum).name} at step {step}")
        self.step, self.signum = step, signum


class Diverged(DlenvError):
    def __init__(self, step: int, name: str, value: float, hint: str) -> None:
        super().__init__(f"training diverged at step {step}: {name} is {value}", hint=hint, exit_code=FAILED)
        self.step = step


@dataclass
class Context:
    lesson: str
    out: Path
    device: str  # "cpu" or "cuda"
    seed: int
    steps: int  # the total the loop runs to
    checkpoint_every: int  # 0: never (a stop signal, or a validated run stopping early, still saves)
    resume: bool
    smoke: bool
    divergence_hint: str = "lower the learning rate, e.g. --set lr=..."
    progress: Callable[[int, int, dict[str, float]], None] | None = None
    scalars_dir: Path | None = None  # where TensorBoard's files go: OUT/tb, or OUT/tb/<part> for a part
    parent: Context | None = field(default=None, repr=False)  # the run a part belongs to
    _scalars: Scalars | None = field(default=None, repr=False)
    _stop_signal: int | None = field(default=None, repr=False)
    started: float = field(default_factory=time.perf_counter)

    # --- scalars --------------------------------------------------------------------------------

    def log(self, step: int, **values: float) -> None:
        """Scalars for TensorBoard (OUT/tb) and the progress bar; a non-finite loss stops the run."""
        for name, value in values.items():
            if not math.isfinite(value):
                raise Diverged(step, name, value, self.divergence_hint)
        if not this_process().main:  # under torchrun, rank 0 writes the scalars
            return
        if self._scalars is None:
            self._scalars = Scalars(self.scalars_dir or self.out / "tb")
        self._scalars.add(step, values)
        if self.progress:
            self.progress(step, self.steps, values)

    # --- checkpoints ----------------------------------------------------------------------------

    @property
    def checkpoint_dir(self) -> Path:
        return self.out / "checkpoints"

    def checkpoints(self) -> list[tuple[int, Path]]:
        found = [(int(m[1]), p) for p in self.checkpoint_dir.glob("step-*.ckpt") if (m := CHECKPOINT.match(p.name))]
        return sorted(found)

    def save(self, step: int, write: Callable[[Path], None]) -> Path:
        """Checkpoint `step` with `write(path)` (the framework's save), atomically: a temporary file in the
        same folder, renamed into place, so a kill mid-write never leaves a half checkpoint."""
        self.checkpoint_dir.mkdir(parents=True, exist_ok=True)
        final = self.checkpoint_dir / f"step-{step:08d}.ckpt"
        partial = final.with_name(f".{final.name}.partial")
        write(partial)
        partial.replace(final)
        for _, old in self.checkpoints()[:-KEEP_CHECKPOINTS]:
            old.unlink(missing_ok=True)
        return final

    @property
    def best_checkpoint(self) -> Path:
        """OUT/checkpoints/best.pt: where a loop that validates keeps the best weights so far."""
        return self.checkpoint_dir / BEST

    def save_best(self, write: Callable[[Path], None]) -> Path:
        """Replace the best checkpoint with `write(path)`, atomically as `save` does; the resumable
        checkpoints are left alone."""
        self.checkpoint_dir.mkdir(parents=True, exist_ok=True)
        final = self.best_checkpoint
        partial = final.with_name(f".{final.name}.partial")
        write(partial)
        partial.replace(final)
        return final

    def latest(self) -> Path | None:
        """The newest checkpoint when resuming, else None."""
        found = self.checkpoints()
        return found[-1][1] if self.resume and found else None

    def due(self, step: int) -> bool:
        """Whether the loop checkpoints after `step`: every checkpoint_every steps, never when it is 0."""
        return self.checkpoint_every > 0 and step % self.checkpoint_every == 0

    # --- stopping -------------------------------------------------------------------------------

    def install_signal_handlers(self) -> None:
        def request_stop(signum: int, frame: FrameType | None) -> None:
            self._stop_signal = signum

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)

    def stop_requested(self) -> int | None:
        return self.parent.stop_requested() if self.parent else self._stop_signal

    # --- parts ----------------------------------------------------------------------------------

    def part(self, name: str, steps: int | None = None) -> Context:
        """A Context for one of several trainings in a run (the variants of a comparison, the phases of
        transfer learning): its checkpoints, the latest and best.pt, in OUT/<name>/checkpoints; its
        scalars in OUT/tb/<name>, so `tensorboard --logdir OUT/tb` draws the parts side by side; the
        run's seed, device and stop signal. --resume resumes each part where it was; without it, each
        starts from nothing. `steps`: its own length (default: the run's)."""
        child = dataclasses.replace(
            self,
            out=self.out / name,
            steps=steps or self.steps,
            scalars_dir=(self.scalars_dir or self.out / "tb") / name,
            parent=self,
            _scalars=None,
        )
        if not self.resume:
            fresh_start(child)
        return child

    def close(self) -> None:
        if self._scalars is not None:
            self._scalars.close()

    def elapsed(self) -> float:
        return time.perf_counter() - self.started


def fresh_start(ctx: Context) -> None:
    """A run without --resume starts from nothing: old checkpoints (the best one too) would mislead a
    later --resume, or pass for this run's best."""
    for _, path in ctx.checkpoints():
        path.unlink()
    ctx.best_checkpoint.unlink(missing_ok=True)
