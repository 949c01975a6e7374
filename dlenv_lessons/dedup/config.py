"""The dedup lesson's settings: defaults, the --smoke values, and the bounds a --set value must keep."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dlenv.runner.config import require


@dataclass
class Config:
    docs: int = 4000  # generated documents (ignored with data_path)
    family_size: int = 5  # a generated base document and its edited copies
    data_path: str = ""  # a text file (one document per line) or a folder (one document per file)
    shingle: Literal["word", "char"] = "word"
    shingle_size: int = 0  # tokens per shingle; 0: 3 words or 5 characters
    num_perm: int = 128  # MinHash permutations, the signature's length
    bands: int = 16  # LSH bands of num_perm / bands rows each; 16 × 8 puts the S-curve's threshold near 0.71
    threshold: float = 0.8  # pairs at or above this Jaccard similarity are the near-duplicates to find
    steps: int = 8  # the hand-built MinHash signs the corpus in this many chunks, one logged step each
    rounds: int = 3  # each pipeline is timed this often, turn about; the fastest counts (load only slows)

    def __post_init__(self) -> None:
        require(
            self,
            positive=("threshold", "steps", "rounds"),
            at_least={"shingle_size": 0, "num_perm": 2, "bands": 2},  # datasketch's LSH wants 2 bands or more
            at_most={"threshold": 1},
            divides={"bands": "num_perm"},  # the bands cut the signature into rows of num_perm / bands
        )
        if not self.data_path:
            require(self, at_least={"docs": 2, "family_size": 1}, at_most={"family_size": "docs"})


SMOKE = {"docs": 2000, "steps": 4}
