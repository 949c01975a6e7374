"""The lora lesson's GPU memory: its base (bf16 on a GPU when it is a hub model) with rank-r adapters."""

from __future__ import annotations

from dlenv.runner.memory import Need
from dlenv_lessons._llm.memory import adapter_need
from dlenv_lessons.lora.config import Config

# What a GPU too small for the settings may try, in this order.
FITTING_SETTINGS = ({"batch_size": 8}, {"batch_size": 4}, {"batch_size": 1})


def need(cfg: Config) -> Need | None:
    return adapter_need(cfg)
