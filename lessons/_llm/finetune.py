"""What the fine-tuning lessons (lora, qlora) share: which base to start from, the task lists, batches on
the device, and the measurements a user checks an adapter by (loss on a fixed batch, greedy tokens/s)."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn

from dlenv.errors import DlenvError, unknown
from lessons._llm import tasks
from lessons._llm.base import pretrained_base
from lessons._llm.model import TinyLlama


def task_list(key: str, text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    for name in names:
        if name not in tasks.TASKS:
            raise unknown(f"task in --set {key}", name, tasks.TASKS)
    if not names:
        raise DlenvError(f"--set {key}={text}: name at least one task", hint=f"tasks: {', '.join(tasks.TASKS)}")
    return names


def new_task(task: str, base_tasks: Sequence[str]) -> str:
    (task,) = task_list("task", task)
    if task in base_tasks:
        raise DlenvError(
            f"--set task={task}: the base already learned it (base_tasks={','.join(base_tasks)})",
            hint=f"pick one of {', '.join(t for t in tasks.TASKS if t not in base_tasks)}",
        )
    return task


def base_model_folder(model: str, out: Path, shape: TinyLlama, base_tasks: Sequence[str], **pretraining) -> str:
    """`model` (a hub id or a folder) when given; else the tiny Llama pretrained on `base_tasks` into OUT/base."""
    if model:
        return model
    return str(pretrained_base(out / "base", shape, base_tasks, **pretraining))


def lora_targets(model: nn.Module, text: str) -> list[str] | str:
    """The module names LoRA wraps: a comma list checked against the model's linear layers, or all-linear."""
    if text == "all-linear":
        return text
    linear = {name.rsplit(".", 1)[-1] for name, m in model.named_modules() if isinstance(m, nn.Linear)}
    linear.discard("lm_head")
    targets = [t.strip() for t in text.split(",") if t.strip()]
    for target in targets or [text]:
        if target not in linear:
            raise unknown("LoRA target module", target, linear)
    return targets


def on(batch: dict[str, torch.Tensor], device: str) -> dict[str, torch.Tensor]:
    return {k: v.to(device) for k, v in batch.items()}


@torch.no_grad()
def batch_loss(model: nn.Module, batch: dict[str, torch.Tensor]) -> float:
    model.eval()
    return model(**batch).loss.item()


@torch.no_grad()
def logits(model: nn.Module, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    model.eval()
    return model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits.float()


def max_abs_diff(a: torch.Tensor, b: torch.Tensor, mask: torch.Tensor) -> float:
    """Largest difference over the real (unpadded) positions."""
    keep = mask.bool()
    return (a[keep] - b[keep]).abs().max().item()


@torch.no_grad()
def tokens_per_second(model: nn.Module, tokenizer, prompts: Sequence[str], new_tokens: int = 16) -> float:
    """Greedy generation of exactly `new_tokens` per prompt, best of three after a warm-up."""
    model.eval()
    device = next(model.parameters()).device
    inputs = tokenizer(list(prompts), return_tensors="pt", padding=True).to(device)
    best = math.inf
    for attempt in range(4):
        if device.type == "cuda":
            torch.cuda.synchronize()
        began = time.perf_counter()
        model.generate(
            **inputs,
            max_new_tokens=new_tokens,
            min_new_tokens=new_tokens,
            do_sample=False,
            pad_token_id=tokenizer.pad_token_id,
        )
        if device.type == "cuda":
            torch.cuda.synchronize()
        if attempt:  # the first call warms the allocator and the kernels
            best = min(best, time.perf_counter() - began)
    return len(prompts) * new_tokens / best


def examples(task: str, n: int, seed: int) -> list[tasks.Example]:
    return tasks.examples([task], n, seed)
