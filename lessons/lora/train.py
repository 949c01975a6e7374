"""`dlenv run lora [--set model=Qwen/Qwen2.5-0.5B]`: LoRA-tune a base model on a task it has never seen.

Offline, the base is a tiny Llama this lesson first pretrains on `base_tasks` (saved in OUT/base); with
`--set model=ORG/NAME` (or a folder) it is any causal LM from the hub. Then: rank-8 adapters on the
attention projections learn `task` while every base weight stays frozen; the hand-written LoRALinear
(model.py) gets PEFT's trained A and B and must give the same outputs; the adapter is merged into the
weights and must still give the same outputs, faster; the adapter is saved (OUT/adapter) and reloaded.
"""

from __future__ import annotations

import torch

from dlenv.runner import Result
from dlenv.runner.context import Context
from dlenv.runner.torch_loop import fit, seed_everything
from lessons._llm import finetune, tasks
from lessons._llm.adapters import AdapterCheckpoint
from lessons._llm.model import load_pretrained
from lessons.lora.config import Config
from lessons.lora.model import add_lora, copy_from_peft, parameter_counts


def train(ctx: Context, cfg: Config) -> Result:
    from peft import LoraConfig, PeftModel, get_peft_model

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
    test_set, test_batch = new.test, new.test_batch
    # B = 0: the adapted model is still the base, so these are the base's scores on the new task.
    loss_start = finetune.batch_loss(model, test_batch)
    base_exact = tasks.exact_match(model, tokenizer, test_set)

    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=cfg.lr)

    loss_at = new.loss_at(model, tokenizer, cfg.batch_size, ctx.device)

    def evaluate() -> dict[str, object]:
        adapter_logits = finetune.logits(model, test_batch)

        def gap(other: torch.nn.Module) -> float:  # largest logit difference from the trained adapter's
            mask = test_batch["attention_mask"]
            return finetune.max_abs_diff(finetune.logits(other, test_batch), adapter_logits, mask)

        def fresh_base() -> torch.nn.Module:
            return load_pretrained(folder, dtype=dtype)[0]

        metrics = {
            "trainable_params": trainable,
            "total_params": total,
            "trainable_fraction": trainable / total,
            "loss_start": loss_start,
            "loss_end": finetune.batch_loss(model, test_batch),
            "base_exact_match": base_exact,
            "exact_match": tasks.exact_match(model, tokenizer, test_set),
        }
        # The hand-written layer, given PEFT's trained A and B, is the same function.
        hand = add_lora(fresh_base(), targets_of(model), cfg.rank, cfg.alpha).to(ctx.device)
        copy_from_peft(hand, model)
        metrics["hand_trainable_params"] = parameter_counts(hand)[0]
        metrics["hand_vs_peft_max_abs_diff"] = gap(hand)
        del hand
        # Save the adapter alone (PEFT's adapter_model.safetensors) and load it onto a fresh base.
        model.save_pretrained(ctx.out / "adapter")
        metrics["adapter_bytes"] = sum(p.stat().st_size for p in (ctx.out / "adapter").iterdir())
        reloaded = PeftModel.from_pretrained(fresh_base(), ctx.out / "adapter").to(ctx.device)
        metrics["reload_max_abs_diff"] = gap(reloaded)
        del reloaded
        # Merge: W + (α/r)·B A, the adapter gone from the forward pass (Hu et al., 2021, §4.1).
        prompts = [e.prompt for e in test_set[:32]]
        metrics["tokens_per_s_adapter"] = finetune.tokens_per_second(model, tokenizer, prompts)
        merged = model.merge_and_unload()
        metrics["merge_max_abs_diff"] = gap(merged)
        metrics["tokens_per_s_merged"] = finetune.tokens_per_second(merged, tokenizer, prompts)
        return metrics

    return fit(ctx, AdapterCheckpoint(model), optimizer, loss_at, evaluate, samples_per_step=cfg.batch_size)


def targets_of(peft_model) -> list[str]:
    """The module names PEFT wrapped (all-linear resolved to names)."""
    return sorted(peft_model.peft_config["default"].target_modules)
