"""Generated instruction data: list tasks over letters that a tiny model learns in seconds.

    reverse : c a d =>   d a c
    sort : c a d =>      a c d

The answer is a function of the prompt, so exact match is a fair score, and tasks differ only in
the instruction word, so a model must read the instruction (or, left without one, the examples).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from transformers import PreTrainedTokenizerBase

from dlenv_lessons._llm.config import LETTERS

TASKS: dict[str, Callable[[list[str]], list[str]]] = {
    "copy": lambda xs: xs,
    "reverse": lambda xs: xs[::-1],
    "sort": sorted,
    "first": lambda xs: xs[:1],
    "last": lambda xs: xs[-1:],
    "drop_first": lambda xs: xs[1:],
}


@dataclass(frozen=True)
class Example:
    prompt: str
    answer: str
    task: str


def example(task: str, rng: random.Random, min_len: int = 3, max_len: int = 6) -> Example:
    letters = rng.sample(LETTERS, rng.randint(min_len, max_len))
    return Example(f"{task} : {' '.join(letters)} =>", " ".join(TASKS[task](letters)), task)


def examples(tasks: Sequence[str], n: int, seed: int) -> list[Example]:
    rng = random.Random(seed)
    return [example(rng.choice(list(tasks)), rng) for _ in range(n)]


def vocabulary() -> list[str]:
    """Every word the tasks can produce, for training the word-level tokenizer."""
    return [*TASKS, *LETTERS, ":", "=>", "|"]


def lm_batch(tokenizer: PreTrainedTokenizerBase, batch: Sequence[Example]) -> dict[str, torch.Tensor]:
    """<s> prompt answer </s>, right-padded; labels are -100 on the prompt and the padding, so the loss
    counts only the answer (instruction tuning's usual masking: Ouyang et al., 2022, §3.5)."""
    rows, labels = [], []
    for item in batch:
        prompt = tokenizer(item.prompt).input_ids
        answer = [*tokenizer(item.answer, add_special_tokens=False).input_ids, tokenizer.eos_token_id]
        rows.append(prompt + answer)
        labels.append([-100] * len(prompt) + answer)
    width = max(map(len, rows))
    pad = tokenizer.pad_token_id
    return {
        "input_ids": torch.tensor([r + [pad] * (width - len(r)) for r in rows]),
        "attention_mask": torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows]),
        "labels": torch.tensor([r + [-100] * (width - len(r)) for r in labels]),
    }


@torch.no_grad()
def generate_answers(
    model, tokenizer: PreTrainedTokenizerBase, prompts: Sequence[str], max_new_tokens: int = 8
) -> list[str]:
    """Greedy answers, left-padded so every prompt ends where generation starts."""
    model.eval()
    device = next(model.parameters()).device
    answers = []
    for start in range(0, len(prompts), 256):
        inputs = tokenizer(list(prompts[start : start + 256]), return_tensors="pt", padding=True).to(device)
        out = model.generate(
            **inputs,
            max_new_tokens=max_new_tokens,
            do_sample=False,
            pad_token_id=tokenizer.pad_token_id,
            eos_token_id=tokenizer.eos_token_id,
        )
        answers += tokenizer.batch_decode(out[:, inputs.input_ids.shape[1] :], skip_special_tokens=True)
    model.train()
    return [a.strip() for a in answers]


def exact_match(model, tokenizer: PreTrainedTokenizerBase, batch: Sequence[Example]) -> float:
    answers = generate_answers(model, tokenizer, [e.prompt for e in batch])
    return sum(a == e.answer for a, e in zip(answers, batch, strict=True)) / len(batch)
