"""The LLM lessons' models: a tiny Llama built from a config (offline default), or any causal LM by id."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerBase


@dataclass(frozen=True)
class TinyLlama:
    """The Llama architecture (RMSNorm, rotary positions, SwiGLU, grouped-query attention) at toy size:
    the same module names (q_proj, k_proj, v_proj, o_proj, gate_proj, ...) as Llama 3, Qwen2 and
    TinyLlama, so a LoRA config written for the toy applies to the real models unchanged."""

    hidden: int = 128
    layers: int = 2
    heads: int = 4
    kv_heads: int = 2
    intermediate: int = 344  # ≈ 8/3 · hidden, as in Llama (Touvron et al., 2023, §2.2)
    max_positions: int = 256

    def build(self, tokenizer: PreTrainedTokenizerBase) -> LlamaForCausalLM:
        config = LlamaConfig(
            vocab_size=len(tokenizer),
            hidden_size=self.hidden,
            intermediate_size=self.intermediate,
            num_hidden_layers=self.layers,
            num_attention_heads=self.heads,
            num_key_value_heads=self.kv_heads,
            max_position_embeddings=self.max_positions,
            pad_token_id=tokenizer.pad_token_id,
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            tie_word_embeddings=True,
        )
        return LlamaForCausalLM(config)


def load_pretrained(model: str, dtype: torch.dtype = torch.float32, **kwargs):
    """A hub id or a folder → (model, tokenizer), weights fetched into the platform's cache."""
    from dlenv.pretrained import model_path

    folder = model_path(model)
    tokenizer = AutoTokenizer.from_pretrained(folder, padding_side="left")
    if tokenizer.pad_token is None:  # Llama's tokenizers have none; padding with EOS is the usual answer
        tokenizer.pad_token = tokenizer.eos_token
    return AutoModelForCausalLM.from_pretrained(folder, dtype=dtype, **kwargs), tokenizer
