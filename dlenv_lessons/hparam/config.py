"""The hparam lesson's settings: defaults, the --smoke values, and the bounds a --set value must keep."""

from __future__ import annotations

from dataclasses import dataclass

from dlenv.runner.config import require


@dataclass
class Config:
    trials: int = 24
    trial_steps: int = 300
    report_every: int = 25
    storage: str = ""  # an RDB URL; empty: sqlite in the output folder
    study: str = "hparam"

    def __post_init__(self) -> None:
        require(self, positive=("trials", "trial_steps", "report_every"), at_most={"report_every": "trial_steps"})


SMOKE = {"trials": 8, "trial_steps": 150}
