"""Two ways to cut text into tokens. Words (by hand): short sequences, but every word not seen in
training becomes <unk>. Byte-pair encoding (Sennrich et al., 2016) with Hugging Face `tokenizers`:
it starts from characters and merges the most frequent pairs, so a new word still splits into
known pieces."""

from __future__ import annotations

import re
from collections import Counter

UNK = "<unk>"
WORD = re.compile(r"[a-z]+|[^\sa-z]")


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


class WordTokenizer:
    def __init__(self, corpus: list[str], min_count: int = 1) -> None:
        counts = Counter(w for line in corpus for w in words(line))
        self.itos = [UNK, *sorted(w for w, c in counts.items() if c >= min_count)]
        self.stoi = {w: i for i, w in enumerate(self.itos)}

    def encode(self, text: str) -> list[int]:
        return [self.stoi.get(w, 0) for w in words(text)]


def train_bpe(corpus: list[str], vocab_size: int):
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE(unk_token=UNK))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=[UNK], show_progress=False)
    tokenizer.train_from_iterator([line.lower() for line in corpus], trainer)
    return tokenizer
