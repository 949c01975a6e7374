"""Preference pairs from the generated list tasks: the correct answer is chosen, a plausible wrong one
rejected — the answer another task would give, or the right letters with two of them swapped, the
mistakes a half-trained model makes.

    prompt: sort : c a d =>     chosen: a c d     rejected: d a c
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from dlenv_lessons._llm.tasks import TASKS, example

PREFERENCE_TASKS = ("copy", "reverse", "sort")


@dataclass(frozen=True)
class Pair:
    prompt: str
    chosen: str
    rejected: str


def wrong_answer(prompt: str, answer: str, rng: random.Random) -> str:
    letters = prompt.split(":")[1].replace("=>", "").split()
    others = {" ".join(TASKS[t](letters)) for t in PREFERENCE_TASKS} - {answer}
    if others and rng.random() < 0.5:
        return rng.choice(sorted(others))
    words = answer.split()
    i, j = rng.sample(range(len(words)), 2)
    words[i], words[j] = words[j], words[i]
    return " ".join(words)


def pairs(n: int, seed: int) -> list[Pair]:
    rng = random.Random(seed)
    found = []
    while len(found) < n:
        item = example(rng.choice(PREFERENCE_TASKS), rng)
        found.append(Pair(item.prompt, item.answer, wrong_answer(item.prompt, item.answer, rng)))
    return found
