"""Episodes for in-context learning: k demonstrations of one task, then a query whose instruction is
withheld (`?`).

    sort : b d a => a b d | sort : f c e => c e f | ? : d b c =>      answer: b c d |

With no demonstrations the model can only guess the task; with them it can read the task off the
context and carry it over to the query — the induction-head copying (Olsson et al., 2022) that
in-context learning in large models builds on. Composed episodes apply the task and then drop the
first letter; their chain-of-thought form writes the intermediate result first (Wei et al., 2022):

    sort drop_first : b d a => a b d => b d | ? : d b c =>           answer: b c d => c d |
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from transformers import PreTrainedTokenizerBase

from dlenv_lessons._llm.tasks import LETTERS, TASKS

HIDDEN_TASKS = ("copy", "reverse", "sort")  # answers of equal length: only the demonstrations tell them apart
SEPARATOR, ARROW, WITHHELD = "|", "=>", "?"


@dataclass(frozen=True)
class Episode:
    instruction: str  # what the demonstrations are labelled with: "sort", or "sort drop_first" when composed
    demos: tuple[tuple[str, str], ...]  # (input, output) pairs of the hidden task
    query: str
    answer: str  # what the template's completion should be (with the rationale for chain of thought)
    final: str  # the answer itself, compared by exact match
    candidates: tuple[str, ...]  # the completion each hidden task would give, for log-likelihood scoring
    task: str


def words(letters: list[str]) -> str:
    return " ".join(letters)


def episode(rng: random.Random, shots: int, composed: bool = False, cot: bool = False, max_len: int = 5) -> Episode:
    """`shots` demonstrations of a random hidden task; composed: then drop the first letter; cot: write
    the hidden task's result before the composed answer."""
    task = rng.choice(HIDDEN_TASKS)

    def completion(letters: list[str], name: str) -> tuple[str, str]:
        done = TASKS[name](letters)
        if not composed:
            return words(done), words(done)
        final = words(done[1:])
        return (f"{words(done)} {ARROW} {final}" if cot else final), final

    pairs = []
    for _ in range(shots + 1):
        letters = rng.sample(LETTERS, rng.randint(3, max_len))
        pairs.append((words(letters), letters))
    demos = tuple((text, completion(letters, task)[0]) for text, letters in pairs[:-1])
    query, letters = pairs[-1]
    answer, final = completion(letters, task)
    candidates = tuple(completion(letters, name)[0] for name in HIDDEN_TASKS)
    instruction = f"{task} drop_first" if composed else task
    return Episode(instruction, demos, query, answer, final, candidates, task)


def prompt(item: Episode) -> str:
    """The template: demonstrations joined by |, then the query; zero-shot is the query alone."""
    shown = [f"{item.instruction} : {x} {ARROW} {y} {SEPARATOR}" for x, y in item.demos]
    return " ".join([*shown, f"{WITHHELD} : {item.query} {ARROW}"])


def tokens(item: Episode, tokenizer: PreTrainedTokenizerBase) -> tuple[list[int], list[int]]:
    """<s> task : x => y | ... ? : query => answer |, with labels on every output and its separator: a
    completion ends where the next one would begin."""
    ids, labels = [tokenizer.bos_token_id], [-100]
    shown_demos = [(f"{item.instruction} : {x}", y) for x, y in item.demos]
    for x, y in [*shown_demos, (f"{WITHHELD} : {item.query}", item.answer)]:
        shown = tokenizer(f"{x} {ARROW}", add_special_tokens=False).input_ids
        target = tokenizer(f"{y} {SEPARATOR}", add_special_tokens=False).input_ids
        ids += shown + target
        labels += [-100] * len(shown) + target
    return ids, labels


def completion_answer(completion: str) -> str:
    """What a completion answers: up to the separator, after the rationale's last arrow."""
    return completion.split(SEPARATOR)[0].split(ARROW)[-1].strip()


def vocabulary() -> list[str]:
    return [*LETTERS, *HIDDEN_TASKS, "drop_first", ":", ARROW, SEPARATOR, WITHHELD]
