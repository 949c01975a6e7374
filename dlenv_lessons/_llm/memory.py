"""The GPU memory of the LLM lessons, counted from the base model's config on the meta device.

The base is the config the lesson would load (the shipped tiny Llama, the one it pretrains, or the hub
model `--set model=` names, whose config.json is read from the hub cache or fetched alone, a few KB);
its weights are never loaded. A hub model whose config cannot be read here has no estimate (None).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from dlenv.runner.memory import Need, Optimizer, count_torch
from dlenv_lessons._llm.config import LETTERS, SHIPPED_BASE, AdapterConfig

# QLoRA §3: NF4 stores 4 bits a weight plus one absmax per block of 64; "Double Quantization" stores those
# absmax as 8-bit with one fp32 constant per 256 of them (32/64 = 0.5 bits a weight, or 8/64 + 32/(64·256)
# = 0.127). transformers keeps lm_head out of the quantisation (get_keys_to_not_convert).
NF4_BLOCK, DOUBLE_QUANT_BLOCK = 64, 256
LONGEST_LIST = 6  # dlenv_lessons/_llm/tasks.py's example(): lists of 3 … 6 letters


@dataclass(frozen=True)
class Batch:
    rows: int
    tokens: int


def base_config(model: str, shape: AdapterConfig | None = None):
    """The config of the base the lesson loads: `model` (a hub id or a folder), the shipped tiny Llama, or
    the one it pretrains in `shape`'s size (base_steps > 0). None when a hub model's config is unreachable."""
    from transformers import AutoConfig, LlamaConfig

    if model:
        try:
            return AutoConfig.from_pretrained(model)
        except (OSError, ValueError):
            return None
    shipped = AutoConfig.from_pretrained(SHIPPED_BASE)
    if shape is None or shape.base_steps == 0:
        return shipped
    sizes = {"hidden_size": shape.hidden, "num_hidden_layers": shape.layers, "num_attention_heads": shape.heads,
             "num_key_value_heads": shape.kv_heads, "intermediate_size": shape.intermediate,
             "head_dim": shape.hidden // shape.heads}  # fmt: skip
    return LlamaConfig(**{**shipped.to_dict(), **sizes})


def longest_example_tokens(model: str) -> int:
    """Tokens of the longest training row (<s> prompt answer </s>): counted with the model's tokenizer
    where it is on this machine, else one token a character (a byte-level tokenizer never needs more)."""
    from dlenv_lessons._llm.tasks import TASKS

    letters = LETTERS[:LONGEST_LIST]
    texts = [f"{task} : {' '.join(letters)} => {' '.join(answer(letters))}" for task, answer in TASKS.items()]
    try:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(model or SHIPPED_BASE, local_files_only=True)
    except (OSError, ValueError):
        tokenizer = None
    if tokenizer is None or len(tokenizer) <= len(LETTERS):  # a folder with a config but no vocabulary
        return max(map(len, texts)) + 2
    return max(len(tokenizer(text).input_ids) for text in texts) + 1  # the tokenizer adds <s>; then </s>


def causal_lm_need(
    config,
    batch: Batch,
    dtype: torch.dtype,
    *,
    optimizer: Optimizer = "adamw",
    lora_targets: Sequence[str] | str | None = None,
    rank: int = 8,
    four_bit: bool = False,
    double_quant: bool = True,
    gradient_checkpointing: bool = False,
) -> Need:
    """One training step of a causal LM built from `config`: every weight trained, or (lora_targets) rank-r
    adapters on those modules with the base frozen, its linear layers in NF4 with `four_bit`."""
    from transformers import AutoModelForCausalLM

    def build():
        model = AutoModelForCausalLM.from_config(config, dtype=dtype)
        if lora_targets is None:
            return model
        from peft import LoraConfig, get_peft_model

        targets = lora_targets if isinstance(lora_targets, str) else list(lora_targets)
        return get_peft_model(model, LoraConfig(r=rank, target_modules=targets, task_type="CAUSAL_LM"))

    def loss_of(model):
        ids = torch.zeros(batch.rows, batch.tokens, dtype=torch.long)
        return model(input_ids=ids, labels=ids).loss

    quantised = frozen_4bit_bytes(double_quant) if four_bit else None
    need = count_torch(build, loss_of, optimizer, frozen_dtype_bytes=quantised)
    if not gradient_checkpointing:
        return need
    # Checkpointing keeps each layer's input and recomputes one layer at a time in backward
    # (Chen et al., 2016, "Training Deep Nets with Sublinear Memory Cost", §3).
    layers = config.num_hidden_layers
    inputs = layers * batch.rows * batch.tokens * config.hidden_size * torch.finfo(dtype).bits // 8
    return Need(need.parameters, need.gradients, need.optimizer, need.activations // layers + inputs)


def frozen_4bit_bytes(double_quant: bool):
    """Bytes of a frozen parameter once bitsandbytes has loaded the model in 4 bits: the decoder's linear
    weights in NF4 with their constants; the rest in fp32, where peft's prepare_model_for_kbit_training
    casts them."""
    absmax = 1 + 4 / DOUBLE_QUANT_BLOCK if double_quant else 4

    def size(name: str, parameter: torch.Tensor) -> int:
        if ".layers." in name and name.endswith(("_proj.weight", "_proj.base_layer.weight")):
            return math.ceil(parameter.numel() / 2 + parameter.numel() / NF4_BLOCK * absmax)
        return parameter.numel() * 4

    return size


def adapter_need(cfg: AdapterConfig, *, four_bit: bool = False, double_quant: bool = True,
                 gradient_checkpointing: bool = False, compute_dtype: str = "auto") -> Need | None:  # fmt: skip
    """lora and qlora on a GPU: the base in bf16 (lora with a hub model, qlora's auto compute dtype) or fp32."""
    config = base_config(cfg.model, cfg)
    if config is None:
        return None
    if four_bit:
        dtype = torch.float32 if compute_dtype == "float32" else torch.bfloat16
    else:
        dtype = torch.bfloat16 if cfg.model else torch.float32
    targets = cfg.targets if cfg.targets == "all-linear" else [t.strip() for t in cfg.targets.split(",")]
    return causal_lm_need(
        config,
        Batch(cfg.batch_size, longest_example_tokens(cfg.model)),
        dtype,
        lora_targets=targets,
        rank=cfg.rank,
        four_bit=four_bit,
        double_quant=double_quant,
        gradient_checkpointing=gradient_checkpointing,
    )
