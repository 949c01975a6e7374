"""Text to learn from: by default a corpus the lesson generates (so it works offline and carries no
licence question); any UTF-8 text through `--set text_file=PATH` or a dlenv dataset spec
(`--set text_spec=url:https://…#sha256=…`, fetched, checked and cached)."""

from __future__ import annotations

import random
from pathlib import Path

import torch

SUBJECTS = ["the old sailor", "a quiet girl", "my brother", "the gardener", "our neighbour", "the tired cat",
            "a young poet", "the baker"]  # fmt: skip
VERBS = ["watched", "painted", "remembered", "followed", "carried", "found", "forgot", "loved"]
OBJECTS = ["the grey sea", "a broken lantern", "the morning light", "an empty boat", "the winter garden",
           "a letter from home", "the silver moon", "the narrow road"]  # fmt: skip
ENDINGS = ["before the rain came", "until the night was over", "and said nothing", "without a word",
           "while the bells were ringing", "as the wind grew cold"]  # fmt: skip


def generated(sentences: int = 3000, seed: int = 0) -> str:
    """Sentences from a small grammar: spelling, word order and punctuation for the model to learn."""
    rng = random.Random(seed)
    lines = []
    for _ in range(sentences):
        sentence = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(ENDINGS)}."
        lines.append(sentence[0].upper() + sentence[1:])
    return "\n".join(lines) + "\n"


def load(text_file: str = "", text_spec: str = "") -> str:
    if text_spec:
        from dlenv.datasets import fetch

        return fetch(text_spec).path.read_text(encoding="utf-8")
    if text_file:
        return Path(text_file).read_text(encoding="utf-8")
    return generated()


class Characters:
    def __init__(self, text: str) -> None:
        self.itos = sorted(set(text))
        self.stoi = {c: i for i, c in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, text: str) -> torch.Tensor:
        return torch.tensor([self.stoi[c] for c in text], dtype=torch.long)

    def decode(self, ids: list[int]) -> str:
        return "".join(self.itos[i] for i in ids)
