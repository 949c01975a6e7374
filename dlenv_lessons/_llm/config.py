"""The settings the fine-tuning lessons (lora, qlora) share, and the names of the generated tasks.

Importable without torch or transformers, so a bad `--set` value is refused before they load."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from dlenv.errors import DlenvError
from dlenv.runner.config import listed, require

LETTERS = list("abcdefghijklmnop")  # what the generated lists are made of
# The list tasks of dlenv_lessons/_llm/tasks.py (TASKS), by name; a test holds the two together.
TASK_NAMES = ("copy", "reverse", "sort", "first", "last", "drop_first")
# The base dlenv ships: the tiny Llama below, pretrained on copy, reverse and first until it does them
# perfectly (its recipe: tiny_base/dlenv-base.json; rebuilt by `python -m dlenv_lessons._llm.base DIR`).
SHIPPED_BASE = Path(__file__).with_name("tiny_base")


@dataclass
class AdapterConfig:
    """The settings lora and qlora share; each lesson's Config extends it."""

    model: str = ""  # a Hugging Face id, modelscope:ORG/NAME or a folder; empty: the tiny Llama that knows base_tasks
    base_tasks: str = "copy,reverse,first"
    task: str = "last"  # the new task the adapters learn
    base_steps: int = 0  # 0: the shipped base (SHIPPED_BASE); N: pretrain one for N steps into OUT/base
    base_lr: float = 3e-3
    # Tiny Llama's shape: rank-8 adapters on q_proj and v_proj are 0.93 % of its weights; the MLP is 4×
    # hidden (Qwen2.5-0.5B's is 5.4×) and 3 query heads of 64 share one key/value head (Qwen2.5: 14 share 2).
    hidden: int = 192
    layers: int = 2
    heads: int = 3
    kv_heads: int = 1
    intermediate: int = 768
    steps: int = 200
    batch_size: int = 32
    lr: float = 1e-2  # tiny base; pretrained LLMs want about 2e-4
    rank: int = 8
    alpha: float = 16.0
    dropout: float = 0.0
    targets: str = "q_proj,v_proj"  # Hu et al. §7.1: adapting W_q and W_v together is the best use of a small budget
    eval_examples: int = 200

    def __post_init__(self) -> None:
        sizes = ("hidden", "layers", "heads", "kv_heads", "intermediate", "steps", "batch_size", "rank")
        require(
            self,
            positive=(*sizes, "base_lr", "lr", "alpha", "eval_examples"),
            at_least={"base_steps": 0},
            fractions=("dropout",),
            divides={"heads": "hidden", "kv_heads": "heads"},  # grouped-query attention: kv heads share query heads
            lists_of={"base_tasks": TASK_NAMES},
            choices={"task": TASK_NAMES},
        )
        base_tasks = listed(self, "base_tasks", TASK_NAMES)
        if self.task in base_tasks:
            raise DlenvError(
                f"--set task={self.task}: the base already learned it (base_tasks={','.join(base_tasks)})",
                hint=f"pick one of {', '.join(t for t in TASK_NAMES if t not in base_tasks)}",
            )
        if not self.model and self.base_steps == 0:
            self._require_shipped_base(base_tasks)

    def _require_shipped_base(self, base_tasks: list[str]) -> None:
        """The shipped base knows its own tasks in its own shape; other ones need pretraining."""
        recipe = shipped_recipe()
        shipped = {"base_tasks": ",".join(recipe["tasks"]), **recipe["shape"]}
        wanted = {
            "base_tasks": ",".join(base_tasks),
            **{k: getattr(self, k) for k in recipe["shape"] if hasattr(self, k)},
        }
        for key, value in wanted.items():
            if value != shipped[key]:
                raise DlenvError(
                    f"--set {key}={value}: the shipped base has {key}={shipped[key]}",
                    hint="add --set base_steps=3000 to pretrain a base of your own into OUT/base",
                )


SMOKE = {"steps": 60, "eval_examples": 100}


@cache
def shipped_recipe() -> dict:
    """How the shipped base was made: its shape, tasks, steps and learning rate (tiny_base/dlenv-base.json)."""
    return json.loads((SHIPPED_BASE / "dlenv-base.json").read_text(encoding="utf-8"))
