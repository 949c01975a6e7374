"""LoRA against full fine-tuning of the same Llama, in one run: peak training memory (goal: LoRA at most
0.5× of full, since gradients and AdamW's two moments exist only for the adapters) and step time.

What "memory" is differs by device, and says so in extra_info:
- CUDA: torch.cuda.max_memory_allocated() over a training step, each variant alone on the GPU
  (weights, activations, gradients, optimizer state: everything the step holds).
- CPU: the bytes of the tensors a step leaves alive, summed from the tensors themselves: parameters,
  their .grad, and the optimizer's state. Activations are not counted (the CPU allocator keeps no
  peak); they are alike for both variants, so with them the ratio would be somewhat closer to 1.

Step time: the two steps alternate round by round (full runs in each round's untimed setup), so a busy
machine slows both alike. LoRA still back-propagates through every frozen layer and saves only
the weight gradients and the optimizer update, so on a CPU the ratio depends on the shapes (0.6 for
this model on 8 × 64 tokens, one or two cores; near 1 with short 17-token batches at hidden 128-512).
It is reported there, and asserted below 1 on CUDA, where the model is large enough for a clear saving.
"""

from __future__ import annotations

import gc
from collections.abc import Callable

import pytest
from support import alternating_medians, training_step

torch = pytest.importorskip("torch")
peft = pytest.importorskip("peft")
pytest.importorskip("pytest_benchmark")
from transformers import LlamaConfig, LlamaForCausalLM  # noqa: E402

from dlenv_lessons.lora.model import parameter_counts  # noqa: E402

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
# CUDA: TinyLlama-1.1B's width with 8 of its 22 layers (0.43B parameters); CPU: a model a step of which
# takes a fraction of a second.
SHAPE = (
    {"hidden_size": 2048, "intermediate_size": 5632, "num_hidden_layers": 8, "num_attention_heads": 32,
     "num_key_value_heads": 4, "vocab_size": 32000}
    if DEVICE == "cuda"
    else {"hidden_size": 512, "intermediate_size": 1376, "num_hidden_layers": 2, "num_attention_heads": 8,
          "num_key_value_heads": 2, "vocab_size": 1000}
)  # fmt: skip
BATCH, SEQUENCE = (4, 512) if DEVICE == "cuda" else (8, 64)
ROUNDS = 20 if DEVICE == "cuda" else 10


def build(kind: str) -> tuple[torch.nn.Module, torch.optim.Optimizer]:
    torch.manual_seed(0)
    model: torch.nn.Module = LlamaForCausalLM(LlamaConfig(**SHAPE, tie_word_embeddings=True))
    if kind == "lora":
        config = peft.LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"])
        model = peft.get_peft_model(model, config)
    model.to(DEVICE).train()
    return model, torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)


def step_function(model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> Callable[[], None]:
    """One training step as the lessons take it (bf16 autocast on a GPU, as the runner does)."""
    generator = torch.Generator().manual_seed(1)
    tokens = torch.randint(4, SHAPE["vocab_size"], (BATCH, SEQUENCE), generator=generator).to(DEVICE)

    return training_step(lambda: model(input_ids=tokens, labels=tokens).loss, optimizer, DEVICE)


def live_training_bytes(model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> int:
    """Parameters, gradients and optimizer state as they exist now, each storage counted once."""
    tensors = [*model.parameters(), *(p.grad for p in model.parameters() if p.grad is not None)]
    tensors += [v for state in optimizer.state.values() for v in state.values() if torch.is_tensor(v)]
    storages = {t.untyped_storage().data_ptr(): t.untyped_storage().nbytes() for t in tensors}
    return sum(storages.values())


def peak_training_bytes(kind: str) -> int:
    """The memory one training step of `kind` holds at its peak, with nothing else on the device."""
    gc.collect()
    if DEVICE == "cuda":
        torch.cuda.empty_cache()
        before = torch.cuda.memory_allocated()
    model, optimizer = build(kind)
    step = step_function(model, optimizer)
    step(), step()  # the optimizer state exists from the first step on
    if DEVICE == "cuda":
        torch.cuda.reset_peak_memory_stats()
        step()
        peak = torch.cuda.max_memory_allocated() - before
    else:
        peak = live_training_bytes(model, optimizer)
    del model, optimizer, step
    return peak


@pytest.mark.bench
def test_lora_step_holds_at_most_half_the_memory_of_full_fine_tuning(benchmark):
    memory = {kind: peak_training_bytes(kind) for kind in ("full", "lora")}
    lora, lora_optimizer = build("lora")
    full, full_optimizer = build("full")
    trainable, total = parameter_counts(lora)
    lora_step, full_step = step_function(lora, lora_optimizer), step_function(full, full_optimizer)
    lora_s, full_s = alternating_medians(benchmark, lora_step, full_step, ROUNDS, warmup=3)
    ratio = memory["lora"] / memory["full"]
    benchmark.extra_info.update(
        {
            "device": torch.cuda.get_device_name() if DEVICE == "cuda" else "cpu",
            "parameters": total,
            "lora_trainable_fraction": trainable / total,
            "memory_measure": "cuda max_memory_allocated per step"
            if DEVICE == "cuda"
            else "parameters + gradients + optimizer state (activations not counted)",
            "full_memory_bytes": memory["full"],
            "lora_memory_bytes": memory["lora"],
            "memory_ratio": ratio,
            "full_step_median_s": full_s,
            "lora_step_median_s": lora_s,
            "step_time_ratio": lora_s / full_s,
            "tokens_per_s_lora": BATCH * SEQUENCE / lora_s,
            "tokens_per_s_full": BATCH * SEQUENCE / full_s,
        }
    )
    assert ratio <= 0.5, f"LoRA holds {memory['lora'] / 2**20:.0f} MiB, full {memory['full'] / 2**20:.0f} MiB"
    if DEVICE == "cuda":
        assert lora_s < full_s, f"LoRA step {lora_s * 1e3:.1f} ms vs full {full_s * 1e3:.1f} ms"
