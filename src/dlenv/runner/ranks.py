"""Which process of a torchrun launch this one is, read here and nowhere else.

torchrun sets these variables in every process it starts (pytorch.org/docs/stable/elastic/run.html,
"Environment Variables"); a process started any other way is rank 0 of a world of one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

RANK = "RANK"  # this process among all of the run's
WORLD_SIZE = "WORLD_SIZE"  # how many processes train together
LOCAL_RANK = "LOCAL_RANK"  # this process among those on its machine: which GPU it takes


@dataclass(frozen=True)
class Process:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    under_torchrun: bool = False

    @property
    def main(self) -> bool:
        """Rank 0 speaks for the run: metrics.json, TensorBoard scalars, the progress bar, checkpoints."""
        return self.rank == 0


def this_process() -> Process:
    env = os.environ
    return Process(int(env.get(RANK, 0)), int(env.get(WORLD_SIZE, 1)), int(env.get(LOCAL_RANK, 0)), LOCAL_RANK in env)
