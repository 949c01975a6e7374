"""The scoring harness: a prompt's templates scored two ways, as evaluation suites such as
lm-evaluation-harness do.

- Log-likelihood classification: append each candidate label to the prompt, add up the log-probabilities
  of the label's tokens, pick the likeliest (Brown et al., 2020, §2.4). Nothing is generated, so a
  model cannot fail by formatting its answer badly.
- Exact-match generation: decode greedily and compare the extracted answer with the reference.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from transformers import PreTrainedTokenizerBase

from dlenv_lessons._llm.scoring import completion_logprobs
from dlenv_lessons._llm.tasks import generate_answers


def classify(
    model, tokenizer: PreTrainedTokenizerBase, prompts: Sequence[str], candidates: Sequence[Sequence[str]]
) -> list[int]:
    """The index of the likeliest candidate label after each prompt."""
    pairs = [(p, label) for p, labels in zip(prompts, candidates, strict=True) for label in labels]
    scores = iter(completion_logprobs(model, tokenizer, pairs))
    picks = []
    for labels in candidates:
        row = [next(scores) for _ in labels]
        picks.append(max(range(len(row)), key=row.__getitem__))
    return picks


def classification_accuracy(
    model, tokenizer, prompts: Sequence[str], candidates: Sequence[Sequence[str]], correct: Sequence[int]
) -> float:
    picks = classify(model, tokenizer, prompts, candidates)
    return sum(p == c for p, c in zip(picks, correct, strict=True)) / len(picks)


def exact_match_accuracy(
    model,
    tokenizer,
    prompts: Sequence[str],
    references: Sequence[str],
    extract: Callable[[str], str],
    max_new_tokens: int = 16,
) -> float:
    """Greedy generation; `extract` pulls the answer out of the completion (after a rationale, say)."""
    completions = generate_answers(model, tokenizer, prompts, max_new_tokens=max_new_tokens)
    return sum(extract(c) == r for c, r in zip(completions, references, strict=True)) / len(prompts)
