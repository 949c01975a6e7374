"""The rlhf lesson's settings: defaults, the --smoke values, and the bounds a --set value must keep."""

from __future__ import annotations

from dataclasses import dataclass

from dlenv.runner.config import require


@dataclass
class Config:
    steps: int = 200  # DPO updates
    sft_steps: int = 300
    reward_steps: int = 200
    batch_size: int = 32
    sft_lr: float = 3e-3
    reward_lr: float = 1e-3
    lr: float = 5e-4  # DPO
    beta: float = 0.1  # DPO's KL strength: how far the policy may move from the reference
    pairs: int = 2000
    eval_pairs: int = 200

    def __post_init__(self) -> None:
        require(
            self,
            positive=("steps", "sft_steps", "reward_steps", "batch_size", "sft_lr", "reward_lr", "lr", "eval_pairs"),
            at_least={"pairs": "batch_size"},
        )  # fmt: skip
        require(self, positive=("beta",))  # DPO's β: how far the policy may move from the reference (0.1 is usual)


SMOKE = {"steps": 60, "sft_steps": 150, "reward_steps": 200, "pairs": 1000}
