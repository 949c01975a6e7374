"""The prompting lesson's GPU memory: the toy Llama trained on its longest episode, or a hub model only scored."""

from __future__ import annotations

import random

import torch

from dlenv.runner.memory import Need, count_inference, count_torch
from dlenv_lessons._llm.memory import base_config
from dlenv_lessons._llm.model import TinyLlama
from dlenv_lessons._llm.tokenizer import word_tokenizer
from dlenv_lessons.prompting import data, natural
from dlenv_lessons.prompting.config import Config

FITTING_SETTINGS = ({"batch_size": 8},)
SCORED_ROWS, GENERATED_TOKENS = 64, 32  # _llm/scoring.py's batch of prompts; the longest answer generated


class Longest(random.Random):
    """Draws the longest episode of one hidden task: every list max_len letters long."""

    def __init__(self, task: str) -> None:
        super().__init__(0)
        self.task = task

    def randint(self, a: int, b: int) -> int:
        return b

    def choice(self, items):
        return self.task if self.task in items else super().choice(items)


def need(cfg: Config) -> Need | None:
    if cfg.model:
        return scored(cfg)
    tokenizer = word_tokenizer(data.vocabulary())
    episodes = [data.episode(Longest(t), cfg.max_shots, True, True, cfg.max_len) for t in data.HIDDEN_TASKS]
    width = max(len(data.tokens(e, tokenizer)[0]) for e in episodes)

    def loss_of(model) -> torch.Tensor:
        ids = torch.zeros(cfg.batch_size, width, dtype=torch.long)
        return model(input_ids=ids, labels=ids).loss

    build = lambda: TinyLlama(hidden=cfg.hidden, layers=cfg.layers, intermediate=cfg.hidden * 8 // 3).build(tokenizer)  # noqa: E731
    return count_torch(build, loss_of, "adamw")


def scored(cfg: Config) -> Need | None:
    """A pretrained model in float32, only prompted: its weights and the logits of a scoring batch of its longest
    prompt, in its own tokens; None where its config or tokenizer is not on this machine."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    config = base_config(cfg.model)
    try:
        tokenizer = AutoTokenizer.from_pretrained(cfg.model, local_files_only=True)
    except (OSError, ValueError):
        return None
    prompts = [natural.arithmetic_prompt(q, natural.PROBLEMS[: cfg.shots], True) for q, _, _ in natural.PROBLEMS]
    prompts += [natural.sentiment_prompt(text, natural.REVIEWS[: cfg.shots]) for text, _ in natural.REVIEWS]
    tokens = max(len(tokenizer(p).input_ids) for p in prompts) + GENERATED_TOKENS
    ids = lambda: torch.zeros(SCORED_ROWS, tokens, dtype=torch.long)  # noqa: E731
    if config is None:
        return None
    return count_inference(lambda: AutoModelForCausalLM.from_config(config), lambda m: m(input_ids=ids()).logits)
