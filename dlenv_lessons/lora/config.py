"""The lora lesson's settings: defaults, the --smoke values, and the bounds a --set value must keep."""

from __future__ import annotations

from dataclasses import dataclass

from dlenv_lessons._llm.config import SMOKE, AdapterConfig

__all__ = ["SMOKE", "Config"]  # the fine-tuning lessons share their --smoke values


@dataclass
class Config(AdapterConfig):
    """AdapterConfig as it is: rank-8 adapters on q_proj and v_proj of the tiny Llama."""
