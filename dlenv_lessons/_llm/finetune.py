"""What the fine-tuning lessons (lora, qlora) share: which base to start from, the task lists, batches on
the device, and the measurements a user checks an adapter by (loss on a fixed batch, greedy tokens/s)."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from dlenv.errors import unknown
from dlenv.runner.config import listed
from dlenv_lessons._llm import tasks
from dlenv_lessons._llm.base import pretrained_base
from dlenv_lessons._llm.config import SHIPPED_BASE, TASK_NAMES, AdapterConfig
from dlenv_lessons._llm.model import TinyLlama


@dataclass(frozen=True)
class NewTask:
    """The task the adapters learn: training examples, held-out ones, and a fixed batch of those to
    measure the loss and compare logits on."""

    name: str
    train: list[tasks.Example]
    test: list[tasks.Example]
    test_batch: dict[str, torch.Tensor]

    def loss_at(self, model: nn.Module, tokenizer, batch_size: int, device: str) -> Callable[[int], torch.Tensor]:
        """The loss of step `step` on its own sample of the training examples (the same on a resume)."""

        def loss(step: int) -> torch.Tensor:
            batch = random.Random(step).sample(self.train, batch_size)
            return model(**on(tasks.lm_batch(tokenizer, batch), device)).loss

        return loss


def new_task_and_base(cfg: AdapterConfig, out: Path, seed: int, device: str) -> tuple[str, str]:
    """The new task's name and the base model's id or folder (the tiny Llama pretrained on base_tasks)."""
    base_tasks = listed(cfg, "base_tasks", TASK_NAMES)
    shape = TinyLlama(cfg.hidden, cfg.layers, cfg.heads, cfg.kv_heads, cfg.intermediate)
    pretraining = {"steps": cfg.base_steps, "lr": cfg.base_lr, "seed": seed, "device": device}
    return cfg.task, base_model_folder(cfg.model, out, shape, base_tasks, **pretraining)


def task_examples(task: str, tokenizer, cfg: AdapterConfig, seed: int, device: str) -> NewTask:
    test = examples(task, cfg.eval_examples, seed + 2)
    return NewTask(task, examples(task, 20_000, seed + 1), test, on(tasks.lm_batch(tokenizer, test[:64]), device))


def base_model_folder(model: str, out: Path, shape: TinyLlama, base_tasks: Sequence[str], **pretraining) -> str:
    """`model` (a hub id or a folder) when given; else the shipped tiny Llama (base_steps 0), or one pretrained
    on `base_tasks` into OUT/base."""
    if model:
        return model
    if pretraining["steps"] == 0:
        return str(SHIPPED_BASE)
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
