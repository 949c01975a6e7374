"""Hugging Face trainers (transformers' Trainer, TRL's DPOTrainer, RewardTrainer, ...) through the runner.

The Trainer owns its loop, so the runner's chores arrive as a TrainerCallback:

- every log line goes to ctx.log: TensorBoard scalars in OUT/tb, the progress bar, and Diverged
  (exit 1, naming the step) when the loss is NaN or infinite;
- SIGTERM/SIGINT: the callback asks the Trainer to save and stop at the end of the step, then
  `train()` raises the runner's Stopped;
- checkpoints are the Trainer's own (model, optimizer, scheduler, RNG and data position), written every
  ctx.checkpoint_every steps (never when it is 0) to OUT/checkpoints/STAGE/checkpoint-N; `--resume` continues from the
  newest complete one. The Trainer's state is what makes its resume exact, so dlenv does not repack it
  into its own step-N.ckpt files.

    from dlenv.runner import hf_callback
    args = DPOConfig(**hf_callback.arguments(ctx, "dpo", max_steps=cfg.steps, learning_rate=cfg.lr))
    trainer = DPOTrainer(model, ref_model, args=args, ...)
    hf_callback.train(trainer, ctx, "dpo")

Import this module only from a lesson: it imports transformers, which `import dlenv` must not.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments
from transformers.trainer_callback import PrinterCallback, ProgressCallback
from transformers.utils import logging as transformers_logging

from dlenv.runner.context import Context, Stopped

CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")
TRAINER_STATE = "trainer_state.json"  # the Trainer writes it last: a checkpoint without it is half written
NOT_SCALARS = {"epoch", "total_flos"}  # bookkeeping, not a curve anyone reads


class HfTrainerCallback(TrainerCallback):
    """Forwards the Trainer's logs to ctx.log (prefixed with the stage) and turns a stop signal into a
    save-and-stop at the end of the current step."""

    def __init__(self, ctx: Context, stage: str) -> None:
        self.ctx, self.prefix = ctx, f"{stage}/" if stage else ""
        self.stopped: tuple[int, int] | None = None  # (step, signal) once a signal arrived

    def on_log(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, logs: dict | None = None, **kw
    ) -> None:
        # The loss first, so a NaN run is reported by its loss rather than by the gradient norm it poisoned.
        items = sorted((logs or {}).items(), key=lambda item: item[0] != "loss")
        values = {
            f"{self.prefix}{key}": float(value)
            for key, value in items
            if isinstance(value, (int, float)) and not isinstance(value, bool) and key not in NOT_SCALARS
        }
        if values:
            self.ctx.log(state.global_step, **values)  # raises Diverged on a NaN or infinite value

    def on_step_end(self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kw) -> None:
        signum = self.ctx.stop_requested()
        if signum is not None:
            self.stopped = (state.global_step, signum)
            control.should_save = True
            control.should_training_stop = True


def checkpoint_dir(ctx: Context, stage: str) -> Path:
    return ctx.checkpoint_dir / stage


def arguments(ctx: Context, stage: str, **overrides: Any) -> dict[str, Any]:
    """Keyword arguments for TrainingArguments (or TRL's configs, its subclasses) that fit the runner:
    the runner's seed and device, checkpoints every ctx.checkpoint_every steps, no tqdm bars, no
    reporting integrations (ctx.log writes TensorBoard), and unfiltered logs every 10 steps like the
    PyTorch loop."""
    return {
        "output_dir": str(checkpoint_dir(ctx, stage)),
        "seed": ctx.seed,
        "data_seed": ctx.seed,
        "use_cpu": ctx.device == "cpu",
        # "no" also skips the save the Trainer makes at the end; a stop signal's save (on_step_end) still comes.
        **(
            {"save_strategy": "steps", "save_steps": ctx.checkpoint_every}
            if ctx.checkpoint_every > 0
            else {"save_strategy": "no"}
        ),
        "save_total_limit": 2,
        "logging_steps": 10,
        "logging_nan_inf_filter": False,  # the Trainer would hide a NaN loss from the logs, and so from Diverged
        "report_to": "none",
        "disable_tqdm": True,
        "log_level": "error",
        "dataloader_num_workers": 0,
        **overrides,
    }


def latest_checkpoint(folder: Path) -> Path | None:
    """The newest complete checkpoint-N folder in `folder`, or None."""
    found = [
        (int(m[1]), p)
        for p in folder.glob("checkpoint-*")
        if (m := CHECKPOINT.match(p.name)) and (p / TRAINER_STATE).is_file()
    ]
    return max(found)[1] if found else None


def train(trainer: Any, ctx: Context, stage: str) -> Any:
    """trainer.train() under the runner: resumed from the stage's newest checkpoint with --resume,
    started afresh otherwise (old checkpoints removed, so a later --resume cannot pick them up)."""
    folder = checkpoint_dir(ctx, stage)
    callback = HfTrainerCallback(ctx, stage)
    trainer.add_callback(callback)
    # ctx.log draws the progress bar; the Trainer's own printer, bars and "Writing model shards" would repeat it.
    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)
    transformers_logging.disable_progress_bar()
    if ctx.resume:
        resume = latest_checkpoint(folder)
    else:
        for old in folder.glob("checkpoint-*"):
            shutil.rmtree(old)
        resume = None
    output = trainer.train(resume_from_checkpoint=str(resume) if resume else None)
    if callback.stopped is not None:
        raise Stopped(*callback.stopped)
    return output
