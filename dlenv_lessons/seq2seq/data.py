"""The default pairs: lists of one to `most` numbers, English number words into German ones, from the
transformer lesson's generator ("twelve , four hundred one" → "zwölf , vier hundert eins").

Each number in a list is drawn on its own, so a longer sentence holds more that cannot be guessed from the
rest: what the decoder must find in the source, once per number. On the transformer lesson's single numbers
(`--set dataset=numbers`) length does not make a sentence harder: "nine hundred ninety nine thousand …" is
as regular as it is long, and both models learn every length.
"""

from __future__ import annotations

import torch

from dlenv_lessons.transformer.data import Pairs, english, german

SEPARATOR = ","


def number_lists(count: int, held_out: int, most: int, largest: int, seed: int = 0) -> tuple[Pairs, Pairs]:
    """`count` lists (the first `held_out` for testing) of 1 … `most` numbers below `largest`."""
    generator = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, most + 1, (count,), generator=generator).tolist()
    source, target = [], []
    for length in lengths:
        numbers = torch.randint(0, largest, (length,), generator=generator).tolist()
        source.append(f" {SEPARATOR} ".join(english(n) for n in numbers).split())
        target.append(f" {SEPARATOR} ".join(german(n) for n in numbers).split())
    return Pairs(source[held_out:], target[held_out:]), Pairs(source[:held_out], target[:held_out])
