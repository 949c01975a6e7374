"""torchvision's ResNets with a new head: frozen, then fine-tuned, or trained from scratch.

resnet10 is torchvision's own ResNet class with one BasicBlock per stage (resnet18 has two): the
same stem, stages and head at half the depth, quick enough to pretrain on a CPU inside the lesson.
The others are torchvision's resnet18/34/50, whose ImageNet weights the lesson can load.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import torch
from torch import nn
from torchvision import models
from torchvision.models.resnet import BasicBlock, ResNet

from dlenv.errors import DlenvError


def resnet(arch: str) -> ResNet:
    """An untrained ResNet (ImageNet's 1,000-class head; `with_head` replaces it)."""
    if arch == "resnet10":
        return ResNet(BasicBlock, [1, 1, 1, 1])
    return models.get_model(arch, weights=None)


def with_head(net: ResNet, classes: int) -> ResNet:
    net.fc = nn.Linear(net.fc.in_features, classes)
    return net


class FineTuned(nn.Module):
    """A ResNet whose backbone (everything but `fc`) can be frozen: no gradients, and its batch-norm
    layers kept in eval mode — a frozen backbone must not drift its running statistics towards a
    few hundred new images either."""

    def __init__(self, net: ResNet) -> None:
        super().__init__()
        self.net, self.frozen = net, False

    def freeze_backbone(self, frozen: bool) -> None:
        self.frozen = frozen
        for name, parameter in self.net.named_parameters():
            parameter.requires_grad = not frozen or name.startswith("fc.")

    def train(self, mode: bool = True) -> FineTuned:
        super().train(mode)
        if self.frozen:
            for module in self.net.modules():
                if isinstance(module, nn.BatchNorm2d):
                    module.eval()
        return self

    def backbone_parameters(self) -> list[nn.Parameter]:
        return [p for name, p in self.net.named_parameters() if not name.startswith("fc.")]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def imagenet_weights(arch: str, name: str) -> tuple[dict[str, torch.Tensor], tuple[float, ...], tuple[float, ...]]:
    """torchvision's `name` weights of `arch` (IMAGENET1K_V1, IMAGENET1K_V2, DEFAULT) and the mean and std
    they were trained with. Read from the torch hub cache (TORCH_HOME/hub/checkpoints), downloaded
    there once where the internet is reachable; offline without the file, one line names it."""
    enum = models.get_model_weights(arch)
    try:
        weights = enum.DEFAULT if name == "DEFAULT" else enum[name]
    except KeyError:
        raise DlenvError(
            f"--set weights={name}: {arch} has no such weights", hint=f"one of: DEFAULT, {', '.join(enum.__members__)}"
        ) from None
    cached = Path(torch.hub.get_dir()) / "checkpoints" / Path(urlsplit(weights.url).path).name
    try:
        state = weights.get_state_dict(progress=True)  # the cached file when there, else a download
    except OSError as error:  # URLError is one: offline, or the host is unreachable
        raise DlenvError(
            f"{arch} {weights.name} is not in {cached.parent} and cannot be downloaded ({error})",
            hint=f"bring {cached.name} ({weights.url}) into {cached.parent}",
        ) from None
    transforms = weights.transforms()
    return state, tuple(transforms.mean), tuple(transforms.std)
