"""Checkpoints of a PEFT model that hold only its adapters: the frozen base reloads from its folder.

fit() checkpoints `model.state_dict()`. For a 0.5B base that is a gigabyte per checkpoint, and a 4-bit
base's quantisation state does not load back through nn.Module.load_state_dict at all, so the
fine-tuning lessons hand fit() this wrapper: its state is PEFT's adapter state dict (what
save_pretrained writes), a few hundred kilobytes.
"""

from __future__ import annotations

from typing import Any

from torch import nn


class AdapterCheckpoint(nn.Module):
    def __init__(self, peft_model: nn.Module) -> None:
        super().__init__()
        self.peft_model = peft_model

    def state_dict(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from peft import get_peft_model_state_dict

        return {k: v.detach().clone() for k, v in get_peft_model_state_dict(self.peft_model).items()}

    def load_state_dict(self, state: dict[str, Any], strict: bool = True, assign: bool = False) -> Any:
        from peft import set_peft_model_state_dict

        result = set_peft_model_state_dict(self.peft_model, state)
        if strict and result.unexpected_keys:
            raise RuntimeError(f"unexpected adapter keys: {result.unexpected_keys[:3]}")
        return result
