"""The settings the fine-tuning lessons (lora, qlora) share, and the names of the generated tasks.

Importable without torch or transformers, so a bad `--set` value is refused before they load."""

from __future__ import annotations

from dataclasses import dataclass

from dlenv.errors import DlenvError
from dlenv.runner.config import listed, require

LETTERS = list("abcdefghijklmnop")  # what the generated lists are made of
# The list tasks of lessons/_llm/tasks.py (TASKS), by name; a test holds the two together.
TASK_NAMES = ("copy", "reverse", "sort", "first", "last", "drop_first")


@dataclass
class AdapterConfig:
    """The settings lora and qlora share; each lesson's Config extends it."""

    model: str = ""  # a Hugging Face id or a folder; empty: the tiny Llama pretrained on base_tasks
    base_tasks: str = "copy,reverse,first"
    task: str = "last"  # the new task the adapters learn
    base_steps: int = 600
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
        require(
            self,
            positive=(
                "base_steps",
                "base_lr",
                "hidden",
                "layers",
                "heads",
                "kv_heads",
                "intermediate",
                "steps",
                "batch_size",
                "lr",
                "rank",
                "alpha",
                "eval_examples",
            ),
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


SMOKE = {"base_steps": 250, "steps": 60, "eval_examples": 100}
