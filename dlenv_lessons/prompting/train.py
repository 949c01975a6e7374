"""`dlenv run prompting [--set model=ORG/NAME]`: zero-shot, few-shot and chain-of-thought prompts, scored.

Offline, the lesson trains a tiny Llama on episodes of a hidden task (data.py) and then measures how
much its demonstrations help. With a model id or folder it scores natural-language templates
(natural.py) with that model instead, training nothing.
"""

from __future__ import annotations

import random
import time

import torch

from dlenv.runner import Result
from dlenv.runner.config import listed
from dlenv.runner.context import Context
from dlenv.runner.torch_loop import fit, seed_everything
from dlenv_lessons._llm.model import TinyLlama, load_pretrained
from dlenv_lessons._llm.tokenizer import word_tokenizer
from dlenv_lessons.prompting import data, natural
from dlenv_lessons.prompting.config import STYLES, Config
from dlenv_lessons.prompting.harness import classification_accuracy, exact_match_accuracy


def train(ctx: Context, cfg: Config) -> Result:
    styles = listed(cfg, "styles", STYLES)
    seed_everything(ctx.seed)
    if cfg.model:
        return score_pretrained(ctx, cfg, styles)
    tokenizer = word_tokenizer(data.vocabulary())
    model = TinyLlama(hidden=cfg.hidden, layers=cfg.layers, intermediate=cfg.hidden * 8 // 3).build(tokenizer)

    def training_episode(rng: random.Random) -> data.Episode:
        if rng.random() >= cfg.composed:
            return data.episode(rng, rng.randint(0, cfg.max_shots), max_len=cfg.max_len)
        return data.episode(
            rng, rng.randint(1, cfg.max_shots), composed=True, cot=rng.random() < 0.5, max_len=cfg.max_len
        )

    def loss_at(step: int) -> torch.Tensor:
        rng = random.Random(int(torch.randint(0, 2**31, ()).item()))  # torch's generator is seeded per step
        rows = [data.tokens(training_episode(rng), tokenizer) for _ in range(cfg.batch_size)]
        width = max(len(ids) for ids, _ in rows)
        pad = [tokenizer.pad_token_id]
        ids = torch.tensor([i + pad * (width - len(i)) for i, _ in rows], device=ctx.device)
        labels = torch.tensor([y + [-100] * (width - len(y)) for _, y in rows], device=ctx.device)
        return model(input_ids=ids, attention_mask=ids != pad[0], labels=labels).loss

    def evaluate() -> dict[str, object]:
        return score_toy(model, tokenizer, cfg, styles, seed=10**6 + ctx.seed)

    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr)
    trained = fit(ctx, model, optimizer, loss_at, samples_per_step=cfg.batch_size, unit="episodes/s")
    with torch.no_grad():
        return trained.result(evaluate())


def score_toy(model, tokenizer, cfg: Config, styles: list[str], seed: int) -> dict[str, object]:
    """Held-out episodes, scored both ways; chance for the log-likelihood pick is 1/3 (three hidden tasks)."""
    rng = random.Random(seed)
    metrics: dict[str, object] = {}

    def scored(episodes: list[data.Episode], name: str, classify: bool = True) -> None:
        prompts = [data.prompt(e) for e in episodes]
        if classify:
            candidates = [e.candidates for e in episodes]
            correct = [e.candidates.index(e.answer) for e in episodes]
            metrics[f"{name}_accuracy"] = classification_accuracy(model, tokenizer, prompts, candidates, correct)
        finals = [e.final for e in episodes]
        metrics[f"{name}_exact_match"] = exact_match_accuracy(
            model, tokenizer, prompts, finals, data.completion_answer, max_new_tokens=16
        )

    if "zero_shot" in styles:
        scored([data.episode(rng, 0, max_len=cfg.max_len) for _ in range(cfg.eval_size)], "zero_shot")
    if "few_shot" in styles:
        scored([data.episode(rng, cfg.shots, max_len=cfg.max_len) for _ in range(cfg.eval_size)], "few_shot")
        by_shots = {}
        for k in range(cfg.max_shots + 1):
            episodes = [data.episode(rng, k, max_len=cfg.max_len) for _ in range(cfg.eval_size)]
            prompts = [data.prompt(e) for e in episodes]
            correct = [e.candidates.index(e.answer) for e in episodes]
            by_shots[str(k)] = classification_accuracy(
                model, tokenizer, prompts, [e.candidates for e in episodes], correct
            )
        metrics["accuracy_by_shots"] = by_shots
    if "cot" in styles:
        # The composed task (hidden task, then drop the first letter) answered directly or with the
        # intermediate result written first; the same queries both ways.
        seed_of_batch = rng.randrange(2**31)
        direct = [
            data.episode(random.Random(seed_of_batch + i), cfg.shots, composed=True, max_len=cfg.max_len)
            for i in range(cfg.eval_size)
        ]
        cot = [
            data.episode(random.Random(seed_of_batch + i), cfg.shots, composed=True, cot=True, max_len=cfg.max_len)
            for i in range(cfg.eval_size)
        ]
        scored(direct, "composed_direct", classify=False)
        scored(cot, "cot", classify=False)
    return metrics


def score_pretrained(ctx: Context, cfg: Config, styles: list[str]) -> Result:
    """The same templates in natural language, for a pretrained model: sentiment by log-likelihood,
    arithmetic by generation. Every item's demonstrations are the items next to it, never itself."""
    model, tokenizer = load_pretrained(cfg.model)
    model.to(ctx.device)
    reviews, problems = natural.REVIEWS, natural.PROBLEMS

    def neighbours(items: tuple, i: int) -> tuple:
        return tuple(items[(i + j) % len(items)] for j in range(1, cfg.shots + 1))

    labels = [f" {label}" for label in natural.LABELS]
    correct = [natural.LABELS.index(label) for _, label in reviews]
    questions = [q for q, _, _ in problems]
    answers = [a for _, _, a in problems]
    metrics: dict[str, object] = {"model": cfg.model}
    began, scored = time.perf_counter(), 0

    def sentiment(shots: bool) -> float:
        nonlocal scored
        scored += len(reviews)
        prompts = [natural.sentiment_prompt(text, neighbours(reviews, i) if shots else ()) for i, (text, _) in
                   enumerate(reviews)]  # fmt: skip
        return classification_accuracy(model, tokenizer, prompts, [labels] * len(prompts), correct)

    def arithmetic(shots: bool, cot: bool) -> float:
        nonlocal scored
        scored += len(problems)
        prompts = [natural.arithmetic_prompt(q, neighbours(problems, i) if shots else (), cot) for i, q in
                   enumerate(questions)]  # fmt: skip
        return exact_match_accuracy(model, tokenizer, prompts, answers, natural.final_number, max_new_tokens=32)

    if "zero_shot" in styles:
        metrics["zero_shot_accuracy"] = sentiment(shots=False)
        metrics["zero_shot_exact_match"] = arithmetic(shots=False, cot=False)
    if "few_shot" in styles:
        metrics["few_shot_accuracy"] = sentiment(shots=True)
        metrics["few_shot_exact_match"] = arithmetic(shots=True, cot=False)
    if "cot" in styles:
        metrics["cot_exact_match"] = arithmetic(shots=True, cot=True)
    ctx.log(0, **{k: v for k, v in metrics.items() if isinstance(v, float)})
    return Result(metrics, "prompts/s", scored / (time.perf_counter() - began), steps=0)
