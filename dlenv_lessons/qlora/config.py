"""The qlora lesson's settings: defaults, the --smoke values, and the bounds a --set value must keep."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dlenv_lessons._llm.config import SMOKE, AdapterConfig

__all__ = ["SMOKE", "Config"]  # the fine-tuning lessons share their --smoke values


@dataclass
class Config(AdapterConfig):
    """AdapterConfig (the lora lesson's base, task and shape), with adapters on every layer."""

    lr: float = 3e-3  # tiny base, adapters on every layer (1e-2 overshoots); pretrained LLMs want about 2e-4
    targets: str = "all-linear"  # §4: adapters on every linear layer are what match full fine-tuning
    compute_dtype: Literal["auto", "float32", "bfloat16"] = "auto"  # auto: bf16 on a GPU, fp32 on the CPU
    double_quant: bool = True
    gradient_checkpointing: bool = True  # recompute activations in backward: the rest of QLoRA's memory saving
