"""Turning the model's next-word distributions into sentences: greedy, and beam search (§6.1)."""

from __future__ import annotations

import torch

from dlenv_lessons.transformer.model import Transformer


@torch.no_grad()
def greedy(model: Transformer, source: torch.Tensor, bos: int, eos: int, max_length: int) -> torch.Tensor:
    """The most likely next word, each step, for a whole batch at once."""
    memory = model.encode(source)
    out = torch.full((len(source), 1), bos, dtype=torch.long, device=source.device)
    done = torch.zeros(len(source), dtype=torch.bool, device=source.device)
    for _ in range(max_length):
        next_word = model.decode(out, memory, source)[:, -1].argmax(-1)
        next_word = next_word.masked_fill(done, 0)  # finished sentences take padding
        out = torch.cat([out, next_word[:, None]], 1)
        done |= next_word == eos
        if done.all():
            break
    return out[:, 1:]


@torch.no_grad()
def beam(
    model: Transformer,
    source: torch.Tensor,
    bos: int,
    eos: int,
    max_length: int,
    width: int = 4,
    length_penalty: float = 0.6,
) -> list[int]:
    """Keep the `width` best partial translations of one sentence; score = log p / length^α (Wu et al., 2016)."""
    memory = model.encode(source[None])
    beams: list[tuple[float, list[int]]] = [(0.0, [bos])]
    finished: list[tuple[float, list[int]]] = []
    for _ in range(max_length):
        candidates = []
        for score, words in beams:
            prefix = torch.tensor([words], device=source.device)
            log_p = model.decode(prefix, memory, source[None])[0, -1].log_softmax(-1)
            top = log_p.topk(width)
            candidates += [(score + p.item(), [*words, w.item()]) for p, w in zip(top.values, top.indices, strict=True)]
        candidates.sort(key=lambda c: c[0], reverse=True)
        beams = []
        for score, words in candidates[: 2 * width]:
            if words[-1] == eos:
                finished.append((score / (len(words) - 1) ** length_penalty, words))
            elif len(beams) < width:
                beams.append((score, words))
        if len(finished) >= width or not beams:
            break
    finished += [(s / (len(w) - 1) ** length_penalty, w) for s, w in beams]
    return max(finished, key=lambda c: c[0])[1][1:]
