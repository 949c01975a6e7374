"""What a signal looks like on its way through the network: each hidden layer's activations, forward, and
each Linear layer's weight gradient, backward, measured with hooks on one fixed batch."""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass

import torch
from torch import nn

from dlenv_lessons.deep_networks.model import linear_layers


@dataclass(frozen=True)
class LayerStatistics:
    activation_mean: list[float]  # each hidden block's output, input side first
    activation_std: list[float]
    gradient_norm: list[float]  # ‖∂loss/∂W‖ of each Linear layer, the read-out last

    def as_json(self) -> dict[str, list[float]]:
        return asdict(self)

    @property
    def vanishing_ratio(self) -> float:
        """First layer's gradient norm over the read-out's: near 1 when the gradient reaches the input side
        intact, orders of magnitude below 1 when it vanishes on the way, above 1 when it grows."""
        return self.gradient_norm[0] / self.gradient_norm[-1]


def layer_statistics(network: nn.Sequential, x: torch.Tensor, y: torch.Tensor, seed: int = 0) -> LayerStatistics:
    """The statistics of one forward and backward pass on (x, y) in training mode, as a training step sees
    them: batch norm normalises with the batch's statistics, dropout drops (its masks drawn from `seed`).

    It runs on a copy of the network, so measuring changes nothing a training step or inference reads:
    not the weights, not their .grad, not batch norm's running averages (a training-mode forward pass
    updates those), not torch's random generator."""
    probe = copy.deepcopy(network).train()
    outputs: list[torch.Tensor] = []
    hooks = [block.register_forward_hook(lambda _m, _i, out: outputs.append(out.detach())) for block in probe[:-1]]
    devices = [x.device.index or 0] if x.device.type == "cuda" else []
    try:
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            nn.functional.cross_entropy(probe(x), y).backward()
    finally:
        for hook in hooks:
            hook.remove()
    return LayerStatistics(
        activation_mean=[float(out.mean()) for out in outputs],
        activation_std=[float(out.std()) for out in outputs],
        gradient_norm=[float(layer.weight.grad.norm()) for layer in linear_layers(probe)],
    )
