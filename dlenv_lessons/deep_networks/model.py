"""Five fully connected networks of the same shape (`depth` hidden layers of `width` units, ten logits out)
that differ only in what keeps a signal alive on its way through twenty layers, forward and back.

- sigmoid: Glorot's uniform initialisation, as Keras does by default. The sigmoid's slope is at most 1/4
  and its output is not centred on 0, so each layer shrinks the gradient flowing back (Glorot & Bengio,
  2010, §4.2): the first layers get almost none of it.
- plain: ReLU with He initialisation, Var(w) = 2 / fan_in. The factor 2 makes up for ReLU zeroing half
  its inputs, so the variance of the signal, forward and backward, stays put (He et al., 2015, §2.2).
- bn: the same, each layer's pre-activations normalised over the batch before the ReLU, which brings every
  layer's input back to zero mean and unit variance whatever the weights do (Ioffe & Szegedy, 2015, §3).
  The Linear layers have no bias: batch normalization's shift (beta) takes its place.
- selu: the scaled exponential linear unit with LeCun's normal initialisation, Var(w) = 1 / fan_in, on
  standardised inputs. Its two constants make (mean 0, variance 1) a stable fixed point of the map from
  one layer's activations to the next, so a deep network normalises itself without batch statistics
  (Klambauer et al., 2017, §3 and Theorem 1). Its dropout is alpha dropout, which sets dropped units to
  SELU's negative saturation value and then rescales and shifts, so the mean and variance the fixed point
  needs survive dropout (§"New Dropout Technique"). Standardised pixels have that mean and variance too,
  so the SELU network's input dropout is alpha dropout as well.
- dropout: plain, with input units (probability `input_dropout`) and, if asked, hidden units (probability
  `dropout`) silenced at random at every training step, so no unit can count on another (Srivastava et
  al., 2014, §2 and §7.3; their MNIST networks keep each pixel with probability 0.8, §6.1.1). Torch
  scales the survivors by 1/(1 - p), which keeps the mean but raises the variance at every layer that has
  it: at depth 20 the training-mode activations grow layer by layer, the variance shift alpha dropout was
  designed to avoid.

`input_dropout` goes at the head of the first block (dropout and selu only), so block i stays layer i.
"""

from __future__ import annotations

import torch
from torch import nn

KINDS = ("sigmoid", "plain", "bn", "selu", "dropout")


def deep_network(
    kind: str,
    depth: int = 20,
    width: int = 128,
    inputs: int = 64,
    classes: int = 10,
    dropout: float = 0.0,
    input_dropout: float = 0.0,
) -> nn.Sequential:
    """`depth` hidden blocks (each a Sequential: Linear, [BatchNorm1d], activation, [dropout]) and a Linear
    read-out, as one Sequential: block i is `network[i]`, the read-out `network[-1]`."""
    blocks = []
    for i in range(depth):
        fan_in = inputs if i == 0 else width
        if kind == "sigmoid":
            linear = nn.Linear(fan_in, width)
            nn.init.xavier_uniform_(linear.weight)
            blocks.append(nn.Sequential(linear, nn.Sigmoid()))
        elif kind in ("plain", "dropout"):
            linear = nn.Linear(fan_in, width)
            nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")  # He: std sqrt(2 / fan_in)
            layers = [linear, nn.ReLU()] + ([nn.Dropout(dropout)] if kind == "dropout" and dropout else [])
            blocks.append(nn.Sequential(*layers))
        elif kind == "bn":
            linear = nn.Linear(fan_in, width, bias=False)
            nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
            blocks.append(nn.Sequential(linear, nn.BatchNorm1d(width), nn.ReLU()))
        elif kind == "selu":
            linear = nn.Linear(fan_in, width)
            nn.init.kaiming_normal_(linear.weight, nonlinearity="linear")  # LeCun: std 1 / sqrt(fan_in)
            blocks.append(nn.Sequential(linear, nn.SELU(), *([nn.AlphaDropout(dropout)] if dropout else [])))
        else:
            raise ValueError(f"unknown kind {kind!r}: expected one of {', '.join(KINDS)}")
        if linear.bias is not None:
            nn.init.zeros_(linear.bias)
        if i == 0 and input_dropout and kind in ("dropout", "selu"):
            # the pixels themselves, before the first layer: alpha dropout for SELU, whose inputs are standardised
            pixels = nn.AlphaDropout(input_dropout) if kind == "selu" else nn.Dropout(input_dropout)
            blocks[0] = nn.Sequential(pixels, *blocks[0])
    readout = nn.Linear(width, classes)
    nn.init.kaiming_normal_(readout.weight, nonlinearity="linear")  # logits of about unit variance
    nn.init.zeros_(readout.bias)
    return nn.Sequential(*blocks, readout)


def linear_layers(network: nn.Sequential) -> list[nn.Linear]:
    """Every Linear layer, input side first: the hidden blocks' and the read-out."""
    return [module for module in network.modules() if isinstance(module, nn.Linear)]


class SideBySide(nn.Module):
    """The variants as one module (for counting their memory together): logits of each, by kind."""

    def __init__(self, networks: dict[str, nn.Sequential]) -> None:
        super().__init__()
        self.networks = nn.ModuleDict(networks)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        return {kind: network(x) for kind, network in self.networks.items()}
