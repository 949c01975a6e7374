"""The vision lessons' training steps, measured against a reference in the same run.

- transfer: a step of the new head on a frozen ResNet-18 backbone against a full fine-tuning step.
  No gradient flows into a frozen backbone, so the head-only step skips the whole backward pass
  through it (goal: at most 0.6x the full step's time).
- cnn: the depthwise-separable network's step against the plain one's, with each one's forward FLOPs
  (MobileNet's mult-adds; goal: at most a quarter of the plain network's). Its time is recorded, not
  held to a goal: depthwise convolutions do little work per memory access, so fewer FLOPs need not
  mean a faster step.

The two steps alternate round by round (support.alternating_medians), so a busy machine slows both alike.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from support import alternating_medians, training_step

torch = pytest.importorskip("torch")
pytest.importorskip("pytest_benchmark")
from torch import nn  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from dlenv_lessons.cnn.model import SmallCNN  # noqa: E402

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
ROUNDS = 15


def train_step(model: nn.Module, x: torch.Tensor, y: torch.Tensor, parameters: list) -> Callable[[], None]:
    """One step as the lessons take it (Adam over `parameters`), on DEVICE."""
    optimizer = torch.optim.Adam(parameters, lr=1e-3)
    return training_step(lambda: nn.functional.cross_entropy(model(x), y), optimizer, DEVICE)


@torch.no_grad()
def forward_flops(model: nn.Module, x: torch.Tensor) -> int:
    """Floating-point operations of one forward pass over `x`, counted by PyTorch per operator."""
    with FlopCounterMode(display=False) as counter:
        model(x)
    return counter.get_total_flops()


def batch(size: int, side: int, classes: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(size, 3, side, side, generator=generator)
    return x.to(DEVICE), torch.randint(0, classes, (size,), generator=generator).to(DEVICE)


@pytest.mark.bench
def test_a_frozen_backbone_step_costs_a_fraction_of_fine_tuning(benchmark):
    from dlenv_lessons.transfer.model import FineTuned, resnet, with_head  # torchvision: every row pins it

    torch.manual_seed(0)
    x, y = batch(32, 64, 10)
    frozen, full = (FineTuned(with_head(resnet("resnet18"), 10)).to(DEVICE) for _ in range(2))
    frozen.freeze_backbone(True)
    head_only = train_step(frozen.train(), x, y, list(frozen.net.fc.parameters()))
    everything = train_step(full.train(), x, y, list(full.parameters()))
    ours, reference = alternating_medians(benchmark, head_only, everything, ROUNDS, warmup=3)
    benchmark.extra_info.update({
        "device": torch.cuda.get_device_name() if DEVICE == "cuda" else "cpu",
        "fine_tune_median_s": reference,
        "ratio": ours / reference,
        "head_only_images_per_s": len(x) / ours,
        "fine_tune_images_per_s": len(x) / reference,
    })  # fmt: skip
    assert ours / reference <= 0.6, f"head-only step {ours * 1e3:.1f} ms vs fine-tuning {reference * 1e3:.1f} ms"


@pytest.mark.bench
def test_separable_cnn_step_against_the_plain_one(benchmark):
    torch.manual_seed(0)
    x, y = batch(64, 32, 10)
    plain, separable = (SmallCNN(variant, 3, 10).to(DEVICE) for variant in ("plain", "separable"))
    plain_step = train_step(plain.train(), x, y, list(plain.parameters()))
    separable_step = train_step(separable.train(), x, y, list(separable.parameters()))
    flops = {"plain": forward_flops(plain, x), "separable": forward_flops(separable, x)}
    ours, reference = alternating_medians(benchmark, separable_step, plain_step, ROUNDS, warmup=3)
    benchmark.extra_info.update({
        "device": torch.cuda.get_device_name() if DEVICE == "cuda" else "cpu",
        "plain_median_s": reference,
        "time_ratio": ours / reference,
        "flops_ratio": flops["separable"] / flops["plain"],
        "separable_images_per_s": len(x) / ours,
    })  # fmt: skip
    assert flops["separable"] <= 0.25 * flops["plain"], flops
