"""The qlora lesson's GPU memory: its base in NF4 with adapters on every layer, checkpointed."""

from __future__ import annotations

from dlenv.runner.memory import Need
from dlenv_lessons._llm.memory import adapter_need
from dlenv_lessons.qlora.config import Config

# What a GPU too small for the settings may try, in this order: recompute activations, then smaller batches.
FITTING_SETTINGS = ({"gradient_checkpointing": True}, {"batch_size": 8}, {"batch_size": 1})


def need(cfg: Config) -> Need | None:
    return adapter_need(
        cfg,
        four_bit=True,
        double_quant=cfg.double_quant,
        gradient_checkpointing=cfg.gradient_checkpointing,
        compute_dtype=cfg.compute_dtype,
    )
