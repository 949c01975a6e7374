"""`dlenv run qlora [--set model=Qwen/Qwen2.5-0.5B]`: the lora lesson's task, with the frozen base loaded
in 4-bit NF4 (bitsandbytes) and LoRA on every linear layer (Dettmers et al., 2023).

Where 4-bit cannot run (bitsandbytes missing or too old, a GPU its library has no kernels for) the run
stops with exit 2 and the doctor's fix: it never quietly trains in full precision instead.
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
from dlenv_lessons.qlora import quant
from dlenv_lessons.qlora.config import Config


def train(ctx: Context, cfg: Config) -> Result:
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training

    problem = quant.four_bit_problem(ctx.device)  # before any work: never a silent full-precision run
    if problem:
        raise problem
    seed_everything(ctx.seed)
    task, folder = finetune.new_task_and_base(cfg, ctx.out, ctx.seed, ctx.device)
    compute = compute_dtype(cfg.compute_dtype, ctx.device)
    placement = {"device_map": {"": 0}} if ctx.device == "cuda" else {}
    base, tokenizer = load_pretrained(
        folder, dtype=compute, quantization_config=quant.quantization_config(compute, cfg.double_quant), **placement
    )
    weight_bytes_4bit = quant.weight_bytes(base)
    quant.keep_backward_on_cpu(base)
    # Casts the norms to fp32 and makes the inputs require grad, so gradient checkpointing has a graph.
    base = prepare_model_for_kbit_training(base, use_gradient_checkpointing=cfg.gradient_checkpointing)
    lora = LoraConfig(
        r=cfg.rank,
        lora_alpha=cfg.alpha,
        lora_dropout=cfg.dropout,
        target_modules=finetune.lora_targets(base, cfg.targets),
        task_type="CAUSAL_LM",
    )
    model = get_peft_model(base, lora)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)

    new = finetune.task_examples(task, tokenizer, cfg, ctx.seed, ctx.device)
    test_set, test_batch = new.test, new.test_batch
    loss_start = finetune.batch_loss(model, test_batch)
    base_exact = tasks.exact_match(model, tokenizer, test_set)

    adapters = [p for p in model.parameters() if p.requires_grad]
    if ctx.device == "cuda":
        import bitsandbytes as bnb

        # §3 "Paged Optimizers": optimizer state in unified memory, paged to the CPU when a long batch
        # would otherwise run the GPU out of memory. CUDA only: on the CPU there is nothing to page to.
        optimizer = bnb.optim.PagedAdamW(adapters, lr=cfg.lr)
        torch.cuda.reset_peak_memory_stats()
    else:
        optimizer = torch.optim.AdamW(adapters, lr=cfg.lr)

    loss_at = new.loss_at(model, tokenizer, cfg.batch_size, ctx.device)
    trained = fit(ctx, AdapterCheckpoint(model), optimizer, loss_at, samples_per_step=cfg.batch_size)

    with torch.no_grad():
        learned = {
            "loss_start": loss_start,
            "loss_end": finetune.batch_loss(model, test_batch),
            "base_exact_match": base_exact,
            "exact_match": tasks.exact_match(model, tokenizer, test_set),
            "trainable_params": trainable,
            "compute_dtype": str(compute).removeprefix("torch."),
            "optimizer": type(optimizer).__name__,
        }
    memory = {
        "weight_bytes_4bit": weight_bytes_4bit,
        "weight_bytes_full": quant.full_precision_bytes(folder, torch.float32),
        "weight_bytes_bf16": quant.full_precision_bytes(folder, torch.bfloat16),
        **({"cuda_peak_bytes": torch.cuda.max_memory_allocated()} if ctx.device == "cuda" else {}),
    }
    saved = save_adapter(model, ctx.out / "adapter")
    return trained.result({**learned, **memory, **saved})


def save_adapter(model, folder: Path) -> dict[str, int]:
    """Only the adapters are saved (kilobytes): the 4-bit base is re-quantised from its full-precision
    weights whenever it is loaded, so a QLoRA result ships as the base's name plus this folder."""
    model.save_pretrained(folder)
    return {"adapter_bytes": sum(p.stat().st_size for p in folder.iterdir())}


def compute_dtype(name: str, device: str) -> torch.dtype:
    """The dtype 4-bit weights are de-quantised to for each matmul."""
    if name == "auto":
        bf16 = device == "cuda" and torch.cuda.is_bf16_supported()
        return torch.bfloat16 if bf16 else (torch.float16 if device == "cuda" else torch.float32)
    return getattr(torch, name)
