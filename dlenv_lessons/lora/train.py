"""`dlenv run lora [--set model=Qwen/Qwen2.5-0.5B]`: LoRA-tune a base model on a task it has never seen.

Offline, the base is a tiny Llama this lesson first pretrains on `base_tasks` (saved in OUT/base); with
`--set model=ORG/NAME` (or a folder) it is any causal LM from the hub. Then: rank-8 adapters on the
attention projections learn `task` while every base weight stays frozen. Then, in this order: the
hand-written LoRALinear (model.py) gets PEFT's trained A and B and must give the same outputs; the
adapter is saved alone (OUT/adapter) and reloaded onto a fresh base; it is merged into the weights and
must still give the same outputs, faster.
"""

from __future__ import annotations

from pathlib import Path

import torch

from dlenv.runner import Result
from dlenv.runner.context import Context
from dlenv.runner.torch_loop import fit, seed_everything
from dlenv_lessons._llm import finetune, tasks
from dlenv_lessons._llm.adapters import AdapterCheckpoint
from dlenv_lessons._llm.model import load_pretrained
from dlenv_lessons.lora.config import Config
from dlenv_lessons.lora.model import add_lora, copy_from_peft, parameter_counts


def train(ctx: Context, cfg: Config) -> Result:
    from peft import LoraConfig, get_peft_model

    seed_everything(ctx.seed)
    task, folder = finetune.new_task_and_base(cfg, ctx.out, ctx.seed, ctx.device)
    dtype = torch.bfloat16 if cfg.model and ctx.device == "cuda" else torch.float32
    base, tokenizer = load_pretrained(folder, dtype=dtype)
    targets = finetune.lora_targets(base, cfg.targets)
    lora = LoraConfig(
        r=cfg.rank, lora_alpha=cfg.alpha, lora_dropout=cfg.dropout, target_modules=targets, task_type="CAUSAL_LM"
    )
    model = get_peft_model(base, lora).to(ctx.device)
    trainable, total = parameter_counts(model)

    new = finetune.task_examples(task, tokenizer, cfg, ctx.seed, ctx.device)
    # B = 0: the adapted model is still the base, so these are the base's scores on the new task.
    loss_start = finetune.batch_loss(model, new.test_batch)
    base_exact = tasks.exact_match(model, tokenizer, new.test)

    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=cfg.lr)
    loss_at = new.loss_at(model, tokenizer, cfg.batch_size, ctx.device)
    trained = fit(ctx, AdapterCheckpoint(model), optimizer, loss_at, samples_per_step=cfg.batch_size)

    def fresh_base() -> torch.nn.Module:
        return load_pretrained(folder, dtype=dtype)[0]

    with torch.no_grad():
        learned = {
            "trainable_params": trainable,
            "total_params": total,
            "trainable_fraction": trainable / total,
            "loss_start": loss_start,
            "loss_end": finetune.batch_loss(model, new.test_batch),
            "base_exact_match": base_exact,
            "exact_match": tasks.exact_match(model, tokenizer, new.test),
        }
        by_hand = against_hand_written(model, fresh_base(), cfg, new.test_batch, ctx.device)
        saved = save_and_reload(model, fresh_base(), ctx.out / "adapter", new.test_batch, ctx.device)
        merged = merge(model, tokenizer, new, ctx.device)  # last: merging changes the model in place
    return trained.result({**learned, **by_hand, **saved, **merged})


def against_hand_written(model, base: torch.nn.Module, cfg: Config, batch: dict, device: str) -> dict[str, object]:
    """The hand-written LoRALinear (model.py), given PEFT's trained A and B, is the same function."""
    hand = add_lora(base, targets_of(model), cfg.rank, cfg.alpha).to(device)
    copy_from_peft(hand, model)
    return {"hand_trainable_params": parameter_counts(hand)[0], "hand_vs_peft_max_abs_diff": gap(hand, model, batch)}


def save_and_reload(model, base: torch.nn.Module, folder: Path, batch: dict, device: str) -> dict[str, object]:
    """The adapter alone (PEFT's adapter_model.safetensors, kilobytes), loaded onto a fresh base."""
    from peft import PeftModel

    model.save_pretrained(folder)
    reloaded = PeftModel.from_pretrained(base, folder).to(device)
    return {
        "adapter_bytes": sum(p.stat().st_size for p in folder.iterdir()),
        "reload_max_abs_diff": gap(reloaded, model, batch),
    }


def merge(model, tokenizer, new: finetune.NewTask, device: str) -> dict[str, object]:
    """W + (α/r)·B A: the adapter folded into the weights, gone from the forward pass (Hu et al., 2021,
    §4.1): the same outputs, generated faster."""
    prompts = [e.prompt for e in new.test[:32]]
    with_adapter = finetune.logits(model, new.test_batch)
    speed = finetune.tokens_per_second(model, tokenizer, prompts)
    merged = model.merge_and_unload()
    mask = new.test_batch["attention_mask"]
    return {
        "tokens_per_s_adapter": speed,
        "merge_max_abs_diff": finetune.max_abs_diff(finetune.logits(merged, new.test_batch), with_adapter, mask),
        "tokens_per_s_merged": finetune.tokens_per_second(merged, tokenizer, prompts),
    }


def gap(other: torch.nn.Module, model, batch: dict) -> float:
    """The largest logit difference between `other` and the trained adapter `model` on a fixed batch."""
    return finetune.max_abs_diff(finetune.logits(other, batch), finetune.logits(model, batch), batch["attention_mask"])


def targets_of(peft_model) -> list[str]:
    """The module names PEFT wrapped (all-linear resolved to names)."""
    return sorted(peft_model.peft_config["default"].target_modules)
