"""The prompting lesson's settings: defaults, the --smoke values, and the bounds a --set value must keep."""

from __future__ import annotations

from dataclasses import dataclass

from dlenv.runner.config import require
from dlenv_lessons._llm.config import LETTERS
from dlenv_lessons.prompting.natural import PROBLEMS, REVIEWS

STYLES = ("zero_shot", "few_shot", "cot")  # the prompt templates the lesson scores


@dataclass
class Config:
    model: str = ""  # Qwen/Qwen2.5-0.5B, modelscope:Qwen/Qwen2.5-0.5B or a folder: score natural.py's prompts
    styles: str = "zero_shot,few_shot,cot"  # the templates to score
    shots: int = 3  # demonstrations in a few-shot or chain-of-thought prompt
    max_shots: int = 3  # training episodes hold 0 … max_shots demonstrations
    composed: float = 0.5  # the share of training episodes whose task is composed (half of them with rationales)
    steps: int = 1500
    batch_size: int = 32
    lr: float = 3e-3
    hidden: int = 128
    layers: int = 2
    max_len: int = 5  # letters in a list: 3 … max_len
    eval_size: int = 300

    def __post_init__(self) -> None:
        require(
            self,
            positive=("shots", "steps", "batch_size", "lr", "hidden", "layers", "eval_size"),
            at_least={"max_len": 3},
            at_most={"max_len": len(LETTERS)},  # a list holds each letter at most once
            fractions=("composed",),
            lists_of={"styles": STYLES},
        )
        if self.model:  # a demonstration is another shipped prompt, never the one asked
            require(self, at_most={"shots": min(len(REVIEWS), len(PROBLEMS)) - 1})
        else:  # the toy model answers with as many demonstrations as it saw in training
            require(self, at_most={"shots": "max_shots"})


SMOKE = {"steps": 400, "eval_size": 200}
