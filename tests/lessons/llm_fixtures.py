"""A tiny Llama saved with save_pretrained, standing in for a hub model in the LLM lessons' tests."""

from __future__ import annotations

from pathlib import Path

import torch


def save_tiny_llama(folder: Path) -> Path:
    from dlenv_lessons._llm import tasks
    from dlenv_lessons._llm.model import TinyLlama
    from dlenv_lessons._llm.tokenizer import word_tokenizer

    torch.manual_seed(0)
    tokenizer = word_tokenizer(tasks.vocabulary())
    # Output sizes multiples of 32 (heads of 32, one key/value head): what bitsandbytes' CPU kernel takes.
    model = TinyLlama(hidden=64, layers=1, heads=2, kv_heads=1, intermediate=128).build(tokenizer)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
