"""Translation pairs. The default is generated: English number words → German number words for
0–9999, the German split into its parts ("drei hundert ein und zwanzig") so that the model must
learn to swap ones and tens. The real data is Multi30k (de → en) through dlenv's fetcher."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import torch

MULTI30K = "hf:bentrevett/multi30k"  # train.jsonl / val.jsonl / test.jsonl with "en" and "de"
PAD, BOS, EOS = "<pad>", "<bos>", "<eos>"

EN_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
EN_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
DE_ONES = ["null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn", "elf", "zwölf"]
DE_TEENS = {13: "drei zehn", 14: "vier zehn", 15: "fünf zehn", 16: "sech zehn", 17: "sieb zehn", 18: "acht zehn",
            19: "neun zehn"}  # fmt: skip
DE_TENS = ["_", "_", "zwanzig", "dreißig", "vierzig", "fünfzig", "sechzig", "siebzig", "achtzig", "neunzig"]


def english(n: int) -> str:
    if n < 20:
        return EN_ONES[n]
    if n < 100:
        return EN_TENS[n // 10] + ("" if n % 10 == 0 else " " + EN_ONES[n % 10])
    if n < 1000:
        return EN_ONES[n // 100] + " hundred" + ("" if n % 100 == 0 else " " + english(n % 100))
    return english(n // 1000) + " thousand" + ("" if n % 1000 == 0 else " " + english(n % 1000))


def german(n: int, standalone: bool = True) -> str:
    """German number words in parts: 21 is "ein und zwanzig" — the ones come first, unlike English."""
    if n == 1:
        return "eins" if standalone else "ein"
    if n < 13:
        return DE_ONES[n]
    if n < 20:
        return DE_TEENS[n]
    if n < 100:
        ones = n % 10
        return DE_TENS[n // 10] if ones == 0 else f"{german(ones, standalone=False)} und {DE_TENS[n // 10]}"
    if n < 1000:
        rest = n % 100
        return f"{german(n // 100, standalone=False)} hundert" + ("" if rest == 0 else " " + german(rest))
    rest = n % 1000
    return f"{german(n // 1000, standalone=False)} tausend" + ("" if rest == 0 else " " + german(rest))


class Vocab:
    def __init__(self, sentences: list[list[str]]) -> None:
        words = sorted({w for s in sentences for w in s})
        self.itos = [PAD, BOS, EOS, *words]
        self.stoi = {w: i for i, w in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, words: list[str]) -> list[int]:
        return [self.stoi[w] for w in words if w in self.stoi]

    def decode(self, ids: list[int]) -> list[str]:
        out = []
        for i in ids:
            if i == self.stoi[EOS]:
                break
            if i not in (self.stoi[PAD], self.stoi[BOS]):
                out.append(self.itos[i])
        return out


@dataclass(frozen=True)
class Pairs:
    source: list[list[str]]
    target: list[list[str]]


def numbers(
    held_out: int = 2000, seed: int = 0, largest: int = 10_000, count: int | None = None
) -> tuple[Pairs, Pairs]:
    """`count` numbers below `largest` (all of them by default) in a random order: the first `held_out` for
    testing. The seq2seq lesson draws from below a million, whose sources run to nine words."""
    order = torch.randperm(largest, generator=torch.Generator().manual_seed(seed))[:count].tolist()
    make = lambda ns: Pairs([english(n).split() for n in ns], [german(n).split() for n in ns])  # noqa: E731
    return make(order[held_out:]), make(order[:held_out])


def tokenize(sentence: str) -> list[str]:
    return re.findall(r"\w+|[^\w\s]", sentence.lower())


def multi30k(folder: str | None = None, limit: int | None = None) -> tuple[Pairs, Pairs]:
    """German → English image captions (Elliott et al., 2016): train and test splits."""
    if not folder:
        from dlenv.datasets import fetch

        folder = str(fetch(MULTI30K).path)

    def read(name: str) -> Pairs:
        lines = (Path(folder) / name).read_text(encoding="utf-8").splitlines()[:limit]
        rows = [json.loads(line) for line in lines if line.strip()]
        return Pairs([tokenize(r["de"]) for r in rows], [tokenize(r["en"]) for r in rows])

    return read("train.jsonl"), read("test.jsonl")


def to_tensor(sentences: list[list[str]], vocab: Vocab, bos: bool) -> torch.Tensor:
    """Padded ids, one row per sentence: [BOS] w1 … wn EOS PAD …"""
    ids = [([vocab.stoi[BOS]] if bos else []) + vocab.encode(s) + [vocab.stoi[EOS]] for s in sentences]
    out = torch.zeros(len(ids), max(map(len, ids)), dtype=torch.long)  # PAD is 0
    for row, sentence in enumerate(ids):
        out[row, : len(sentence)] = torch.tensor(sentence)
    return out
