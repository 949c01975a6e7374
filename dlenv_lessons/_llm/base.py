"""A base model that already knows something: the tiny Llama, pretrained from scratch on some of the
generated tasks and saved with save_pretrained, so the fine-tuning lessons load it exactly as they
load a hub model (`load_pretrained(folder)`), quantised or not.

dlenv ships one (dlenv_lessons/_llm/tiny_base, 4.4 MB): 3,000 steps on copy, reverse and first, after which
it does all three perfectly. A few hundred steps are not enough: the copying skills appear late and
on some seeds only, and an adapter cannot build on a skill the base lacks. Rebuild it with

    python -m dlenv_lessons._llm.base dlenv_lessons/_llm/tiny_base [--steps 3000] [--seed 0]

A folder is reused while its recipe (`dlenv-base.json`) matches, so a resumed or repeated run with
`--set base_steps=N` does not pretrain again.
"""

from __future__ import annotations

import json
import math
import random
import shutil
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import torch

from dlenv_lessons._llm import tasks
from dlenv_lessons._llm.model import TinyLlama
from dlenv_lessons._llm.tokenizer import word_tokenizer

RECIPE = "dlenv-base.json"
SCHEDULE = "linear warm-up over 5 %, cosine decay to 10 %"


def warmup_cosine(step: int, steps: int) -> float:
    """The learning-rate factor at `step`: Llama's schedule (Touvron et al., 2023, §2.2) at toy scale."""
    warmup = max(1, steps // 20)
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, steps - warmup)
    return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))


def pretrained_base(
    folder: Path,
    shape: TinyLlama,
    base_tasks: Sequence[str],
    *,
    steps: int,
    batch_size: int = 32,
    lr: float = 3e-3,
    seed: int = 0,
    device: str = "cpu",
) -> Path:
    """`folder` holding a TinyLlama of `shape` trained for `steps` on `base_tasks` (trained now unless a
    matching one is there); its tokenizer knows every task's words, so later tasks need no new tokens."""
    recipe = {"shape": asdict(shape), "tasks": list(base_tasks), "steps": steps, "batch": batch_size, "lr": lr}
    recipe.update(seed=seed, schedule=SCHEDULE)
    if (folder / RECIPE).is_file() and json.loads((folder / RECIPE).read_text(encoding="utf-8")) == recipe:
        return folder
    torch.manual_seed(seed)
    tokenizer = word_tokenizer(tasks.vocabulary())
    model = shape.build(tokenizer).to(device)
    train_set = tasks.examples(base_tasks, 20_000, seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: warmup_cosine(step, steps))
    sampler = random.Random(seed)
    model.train()
    for _ in range(steps):
        batch = tasks.lm_batch(tokenizer, sampler.sample(train_set, batch_size))
        loss = model(**{k: v.to(device) for k, v in batch.items()}).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
    # Written beside the final folder, then renamed: a killed run never leaves half a model behind.
    partial = folder.with_name(f".{folder.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    (partial / RECIPE).write_text(json.dumps(recipe, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    return folder


def main(argv: Sequence[str] | None = None) -> None:
    import argparse

    from dlenv_lessons._llm.config import AdapterConfig

    parser = argparse.ArgumentParser(description="Pretrain the tiny Llama base the fine-tuning lessons start from.")
    parser.add_argument("out", type=Path, help="the folder to write (dlenv_lessons/_llm/tiny_base for the shipped one)")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    cfg = AdapterConfig(model="-")  # the lessons' defaults: shape, base tasks, learning rate
    shape = TinyLlama(cfg.hidden, cfg.layers, cfg.heads, cfg.kv_heads, cfg.intermediate)
    base_tasks = [name.strip() for name in cfg.base_tasks.split(",")]
    folder = pretrained_base(args.out, shape, base_tasks, steps=args.steps, lr=cfg.base_lr, seed=args.seed)
    print(f"wrote {folder}")


if __name__ == "__main__":
    main()
