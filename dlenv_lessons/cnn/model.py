"""One small CNN family, four ways to build its blocks.

Every variant is three stages of two 3x3 convolutions (width, 2 width, 4 width channels), the first
two stages followed by 2x2 max pooling, then global average pooling and a linear classifier. Only the
block differs:

    plain       conv → ReLU                                  (the baseline)
    batchnorm   conv → BatchNorm → ReLU                      (Ioffe & Szegedy, 2015)
    selu        conv → SELU, LeCun-normal init, AlphaDropout (self-normalising: Klambauer et al., 2017)
    separable   depthwise 3x3 → pointwise 1x1 → BN → ReLU    (MobileNet: Howard et al., 2017)
"""

from __future__ import annotations

import torch
from torch import nn


def block(variant: str, cin: int, cout: int) -> list[nn.Module]:
    if variant == "plain":
        return [nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU()]
    if variant == "batchnorm":
        return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]
    if variant == "selu":
        return [nn.Conv2d(cin, cout, 3, padding=1), nn.SELU()]
    if variant == "separable":
        # the 3x3 filter sees one channel at a time; the 1x1 mixes channels: 9c + c·c' weights, not 9c·c'
        return [nn.Conv2d(cin, cin, 3, padding=1, groups=cin, bias=False), nn.Conv2d(cin, cout, 1, bias=False),
                nn.BatchNorm2d(cout), nn.ReLU()]  # fmt: skip
    raise ValueError(f"unknown variant {variant!r}")


class SmallCNN(nn.Module):
    def __init__(self, variant: str, channels: int, classes: int, width: int = 16, dropout: float = 0.1) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        cin = channels
        for stage, cout in enumerate((width, 2 * width, 4 * width)):
            # a separable first layer would see 1-3 channels: the stem stays a full convolution
            first = "batchnorm" if variant == "separable" and stage == 0 else variant
            layers += block(first, cin, cout) + block(variant, cout, cout)
            if stage < 2:
                layers.append(nn.MaxPool2d(2))
            cin = cout
        self.features = nn.Sequential(*layers)
        # AlphaDropout keeps SELU's mean and variance; plain dropout would break self-normalisation
        drop = nn.AlphaDropout(dropout) if variant == "selu" else nn.Dropout(dropout)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), drop, nn.Linear(cin, classes))
        # each activation's own initialisation: He for ReLU (variance 2/fan_in keeps the signal's scale
        # through six layers; PyTorch's default, 1/(3 fan_in), shrinks it and can stall the plain network)
        initialise(self, "linear" if variant == "selu" else "relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def initialise(model: nn.Module, nonlinearity: str) -> None:
    """Normal weights of variance gain²/fan_in: He (gain √2) for "relu"; LeCun (gain 1) for "linear", the
    fixed point SELU needs (mean 0, variance 1). The classifier is initialised as a linear layer."""
    for module in model.modules():
        if isinstance(module, nn.Conv2d | nn.Linear):
            gain = "linear" if isinstance(module, nn.Linear) else nonlinearity
            nn.init.kaiming_normal_(module.weight, nonlinearity=gain)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
