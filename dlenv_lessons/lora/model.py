"""LoRA (Hu et al., 2021) in one screen: a frozen linear layer W plus a trainable low-rank update,

    h = W x + (α / r) · B A x,      A: r × d_in (random),  B: d_out × r (zeros)

§4.1: B starts at zero, so the adapted model starts exactly as the base; the update B A has rank ≤ r,
so a d_out × d_in matrix learns with r·(d_in + d_out) numbers; α / r keeps the update's scale from
depending on r, so a learning rate tuned at one rank works at another. After training, W + (α/r)·B A is
one ordinary matrix again (`merged`): no extra latency at inference (§4.1, "No Additional Inference
Latency"). PEFT's LoraConfig does the same; the tests check this file against it with copied weights.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class LoRALinear(nn.Module):
    def __init__(self, base: nn.Linear, rank: int, alpha: float, dropout: float = 0.0) -> None:
        super().__init__()
        self.base = base.requires_grad_(False)  # the pretrained weight never changes
        self.rank, self.scaling = rank, alpha / rank
        self.lora_A = nn.Parameter(torch.empty(rank, base.in_features, device=base.weight.device))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, rank, device=base.weight.device))
        # A as nn.Linear initialises its weight (what PEFT and the paper's loralib do); B stays zero.
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        update = self.dropout(x) @ self.lora_A.T @ self.lora_B.T  # two thin matmuls, never the d_out × d_in B A
        return self.base(x) + self.scaling * update

    @torch.no_grad()
    def merged(self) -> nn.Linear:
        """W + (α/r)·B A as a plain nn.Linear: the adapter folded into the weight."""
        layer = nn.Linear(self.base.in_features, self.base.out_features, bias=self.base.bias is not None)
        layer = layer.to(self.base.weight.device, self.base.weight.dtype)
        layer.weight.copy_(self.base.weight + self.scaling * self.lora_B @ self.lora_A)
        if self.base.bias is not None:
            layer.bias.copy_(self.base.bias)
        return layer.requires_grad_(False)


def add_lora(model: nn.Module, targets: list[str], rank: int, alpha: float, dropout: float = 0.0) -> nn.Module:
    """Freeze `model` and wrap every nn.Linear whose name ends in one of `targets` (q_proj, v_proj, ...)."""
    model.requires_grad_(False)
    for name, module in list(model.named_modules()):
        if isinstance(module, nn.Linear) and name.rsplit(".", 1)[-1] in targets:
            parent, _, child = name.rpartition(".")
            setattr(model.get_submodule(parent), child, LoRALinear(module, rank, alpha, dropout))
    return model


def merge_lora(model: nn.Module) -> nn.Module:
    """Replace every LoRALinear by its merged nn.Linear."""
    for name, module in list(model.named_modules()):
        if isinstance(module, LoRALinear):
            parent, _, child = name.rpartition(".")
            setattr(model.get_submodule(parent), child, module.merged())
    return model


@torch.no_grad()
def copy_from_peft(model: nn.Module, peft_model: nn.Module) -> int:
    """Copy PEFT's trained A and B into this file's LoRALinear layers of the same names; returns how many."""
    from peft.tuners.lora import LoraLayer

    copied = 0
    for name, module in peft_model.base_model.model.named_modules():
        if isinstance(module, LoraLayer) and "default" in module.lora_A:
            mine = model.get_submodule(name)
            mine.lora_A.copy_(module.lora_A["default"].weight)
            mine.lora_B.copy_(module.lora_B["default"].weight)
            copied += 1
    return copied


def parameter_counts(model: nn.Module) -> tuple[int, int]:
    """(trainable, total) parameters; a weight tied to another (Llama's embedding and output) counts once."""
    unique = {id(p): p for p in model.parameters()}.values()
    return sum(p.numel() for p in unique if p.requires_grad), sum(p.numel() for p in unique)
