"""The hand-written pieces, each small enough to read in one go and checked against PyTorch's own."""

from __future__ import annotations

import math

import torch
from torch import nn


def focal_loss(logits: torch.Tensor, target: torch.Tensor, gamma: float = 2.0) -> torch.Tensor:
    """Focal loss (Lin et al., 2017, eq. 5): cross-entropy scaled by (1 − p_t)^γ, so examples the model
    already gets right weigh less. γ = 0 is exactly cross-entropy."""
    log_p = torch.log_softmax(logits, dim=1).gather(1, target[:, None]).squeeze(1)
    return (-((1 - log_p.exp()) ** gamma) * log_p).mean()


def huber_loss(prediction: torch.Tensor, target: torch.Tensor, delta: float = 1.0) -> torch.Tensor:
    """Quadratic near zero, linear beyond δ: squared error's smoothness, absolute error's calm about outliers."""
    error = (prediction - target).abs()
    return torch.where(error < delta, 0.5 * error**2, delta * (error - 0.5 * delta)).mean()


class Swish(torch.autograd.Function):
    """x·σ(x) (Ramachandran et al., 2017) with its derivative written out: σ(x)·(1 + x·(1 − σ(x)))."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        sigmoid = torch.sigmoid(x)
        ctx.save_for_backward(x, sigmoid)
        return x * sigmoid

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        x, sigmoid = ctx.saved_tensors
        return grad * sigmoid * (1 + x * (1 - sigmoid))


class Dense(nn.Module):
    """A linear layer from parameters up: y = x Wᵀ + b, initialised like nn.Linear (Kaiming-uniform)."""

    def __init__(self, fan_in: int, fan_out: int) -> None:
        super().__init__()
        bound = 1 / math.sqrt(fan_in)
        self.weight = nn.Parameter(torch.empty(fan_out, fan_in).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(fan_out).uniform_(-bound, bound))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.weight.T + self.bias


class SwishMLP(nn.Module):
    def __init__(self, fan_in: int, hidden: int, classes: int) -> None:
        super().__init__()
        self.hidden, self.out = Dense(fan_in, hidden), Dense(hidden, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(Swish.apply(self.hidden(x.flatten(1))))


def checks() -> dict[str, float | bool]:
    """Each hand-written piece against PyTorch's, in double precision."""
    gen = torch.Generator().manual_seed(0)
    logits, target = torch.randn(64, 10, generator=gen, dtype=torch.float64), torch.randint(0, 10, (64,), generator=gen)
    prediction, goal = (
        torch.randn(64, generator=gen, dtype=torch.float64) * 3,
        torch.randn(64, generator=gen, dtype=torch.float64),
    )
    x = torch.randn(16, 8, generator=gen, dtype=torch.float64, requires_grad=True)
    dense, linear = Dense(8, 4).double(), nn.Linear(8, 4).double()
    linear.load_state_dict({"weight": dense.weight.detach(), "bias": dense.bias.detach()})
    return {
        "focal_gamma0_vs_cross_entropy": (focal_loss(logits, target, 0.0) - nn.functional.cross_entropy(logits, target))
        .abs()
        .item(),
        "huber_vs_torch": (huber_loss(prediction, goal) - nn.functional.huber_loss(prediction, goal)).abs().item(),
        "swish_vs_silu": (Swish.apply(x) - nn.functional.silu(x)).abs().max().item(),
        "swish_gradcheck": torch.autograd.gradcheck(Swish.apply, (x,)),
        "dense_vs_linear": (dense(x) - linear(x)).abs().max().item(),
    }
