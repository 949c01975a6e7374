"""A base model that already knows something: the tiny Llama, pretrained from scratch on some of the
generated tasks and saved with save_pretrained, so the fine-tuning lessons load it exactly as they
load a hub model (`load_pretrained(folder)`), quantised or not.

The folder is reused while its recipe (`dlenv-base.json`) matches, so a resumed or repeated run in the
same output folder does not pretrain again.
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import torch

from lessons._llm import tasks
from lessons._llm.model import TinyLlama
from lessons._llm.tokenizer import word_tokenizer

RECIPE = "dlenv-base.json"


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
    recipe["seed"] = seed
    if (folder / RECIPE).is_file() and json.loads((folder / RECIPE).read_text()) == recipe:
        return folder
    torch.manual_seed(seed)
    tokenizer = word_tokenizer(tasks.vocabulary())
    model = shape.build(tokenizer).to(device)
    train_set = tasks.examples(base_tasks, 20_000, seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    sampler = random.Random(seed)
    model.train()
    for _ in range(steps):
        batch = tasks.lm_batch(tokenizer, sampler.sample(train_set, batch_size))
        loss = model(**{k: v.to(device) for k, v in batch.items()}).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    # Written beside the final folder, then renamed: a killed run never leaves half a model behind.
    partial = folder.with_name(f".{folder.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    (partial / RECIPE).write_text(json.dumps(recipe, indent=2) + "\n")
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    return folder
