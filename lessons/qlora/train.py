"""`dlenv run qlora [--set model=Qwen/Qwen2.5-0.5B]`: the lora lesson's task, with the frozen base loaded
in 4-bit NF4 (bitsandbytes) and LoRA on every linear layer (Dettmers et al., 2023).

Where 4-bit cannot run (bitsandbytes missing or too old, a GPU its library has no kernels for) the run
stops with exit 2 and the doctor's fix: it never quietly trains in full precision instead.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

import torch

from dlenv.runner import Result
from dlenv.runner.context import Context
from dlenv.runner.torch_loop import fit, seed_everything
from lessons._llm import finetune, tasks
from lessons._llm.adapters import AdapterCheckpoint
from lessons._llm.model import TinyLlama, load_pretrained
from lessons.qlora import quant


@dataclass
class Config:
    model: str = ""  # a Hugging Face id or a folder; empty: the tiny Llama the lesson pretrains
    base_tasks: str = "copy,reverse,first"
    task: str = "last"
    base_steps: int = 600
    base_lr: float = 3e-3
    # The lora lesson's tiny Llama: 3 heads of 64 share one key/value head.
    hidden: int = 192
    layers: int = 2
    heads: int = 3
    kv_heads: int = 1
    intermediate: int = 768
    steps: int = 200
    batch_size: int = 32
    lr: float = 3e-3  # tiny base, adapters on every layer (1e-2 overshoots); pretrained LLMs want about 2e-4
    rank: int = 8
    alpha: float = 16.0
    dropout: float = 0.0
    targets: str = "all-linear"  # §4: adapters on every linear layer are what match full fine-tuning
    compute_dtype: Literal["auto", "float32", "bfloat16"] = "auto"  # auto: bf16 on a GPU, fp32 on the CPU
    double_quant: bool = True
    gradient_checkpointing: bool = True  # recompute activations in backward: the rest of QLoRA's memory saving
    eval_examples: int = 200


SMOKE = {"base_steps": 250, "steps": 60, "eval_examples": 100}


def train(ctx: Context, cfg: Config) -> Result:
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training

    problem = quant.four_bit_problem(ctx.device)  # before any work: never a silent full-precision run
    if problem:
        raise problem
    seed_everything(ctx.seed)
    base_tasks = finetune.task_list("base_tasks", cfg.base_tasks)
    task = finetune.new_task(cfg.task, base_tasks)
    shape = TinyLlama(cfg.hidden, cfg.layers, cfg.heads, cfg.kv_heads, cfg.intermediate)
    folder = finetune.base_model_folder(
        cfg.model, ctx.out, shape, base_tasks, steps=cfg.base_steps, lr=cfg.base_lr, seed=ctx.seed, device=ctx.device
    )
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

    train_set = finetune.examples(task, 20_000, ctx.seed + 1)
    test_set = finetune.examples(task, cfg.eval_examples, ctx.seed + 2)
    test_batch = finetune.on(tasks.lm_batch(tokenizer, test_set[:64]), ctx.device)
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
    ctx.divergence_hint = f"lower the learning rate, e.g. --set lr={cfg.lr / 10:g}"

    def loss_at(step: int) -> torch.Tensor:
        batch = random.Random(step).sample(train_set, cfg.batch_size)
        return model(**finetune.on(tasks.lm_batch(tokenizer, batch), ctx.device)).loss

    def evaluate() -> dict[str, object]:
        metrics = {
            "loss_start": loss_start,
            "loss_end": finetune.batch_loss(model, test_batch),
            "base_exact_match": base_exact,
            "exact_match": tasks.exact_match(model, tokenizer, test_set),
            "weight_bytes_4bit": weight_bytes_4bit,
            "weight_bytes_full": quant.full_precision_bytes(folder, torch.float32),
            "weight_bytes_bf16": quant.full_precision_bytes(folder, torch.bfloat16),
            "trainable_params": trainable,
            "compute_dtype": str(compute).removeprefix("torch."),
            "optimizer": type(optimizer).__name__,
        }
        if ctx.device == "cuda":
            metrics["cuda_peak_bytes"] = torch.cuda.max_memory_allocated()
        model.save_pretrained(ctx.out / "adapter")
        return metrics

    return fit(ctx, AdapterCheckpoint(model), optimizer, loss_at, evaluate, samples_per_step=cfg.batch_size)


def compute_dtype(name: str, device: str) -> torch.dtype:
    """The dtype 4-bit weights are de-quantised to for each matmul."""
    if name == "auto":
        bf16 = device == "cuda" and torch.cuda.is_bf16_supported()
        return torch.bfloat16 if bf16 else (torch.float16 if device == "cuda" else torch.float32)
    return getattr(torch, name)
