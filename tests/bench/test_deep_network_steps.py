"""The deep_networks lesson's 20-layer networks, one training step each, against the ReLU network it varies.

- bn against plain: batch norm adds a normalisation of every hidden layer's activations, forward and backward,
  and two parameters per unit for Adam. At the lesson's width (64) and batch (32) each layer's matrix product is
  small, so that pass is not free. Goal: at most twice the plain step (on two CPU cores, about 1.5×).
- selu against dropout: SELU with alpha dropout on the pixels against ReLU with ordinary dropout there, the
  same network otherwise. Swapping the activation should cost next to nothing. Goal: at most 1.25× (on two CPU
  cores, about 1.05×).

The steps alternate round by round (support.alternating_medians), so a busy machine slows both alike.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from support import alternating_medians, training_step

torch = pytest.importorskip("torch")
pytest.importorskip("pytest_benchmark")
from torch import nn  # noqa: E402

from dlenv_lessons.deep_networks.config import Config  # noqa: E402
from dlenv_lessons.deep_networks.train import network  # noqa: E402

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
ROUNDS = 25
PIXELS = 64  # the digits are 8 × 8
# kind → (the network it is measured against, the most its step may cost against that one's)
AGAINST = {"bn": ("plain", 2.0), "selu": ("dropout", 1.25)}


def train_step(kind: str, cfg: Config, x: torch.Tensor, y: torch.Tensor) -> Callable[[], None]:
    """One step as the lesson takes it: the `kind` network at the lesson's defaults, cross-entropy, Adam."""
    torch.manual_seed(0)
    model = network(kind, cfg, PIXELS).to(DEVICE).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    return training_step(lambda: nn.functional.cross_entropy(model(x), y), optimizer, DEVICE)


@pytest.mark.bench
@pytest.mark.parametrize("kind", list(AGAINST))
def test_a_deep_network_step_against_the_relu_network_it_varies(benchmark, kind):
    cfg = Config()
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(cfg.batch_size, PIXELS, generator=generator).to(DEVICE)  # standardised pixels
    y = torch.randint(0, 10, (cfg.batch_size,), generator=generator).to(DEVICE)
    reference_kind, goal = AGAINST[kind]
    ours_step, reference_step = train_step(kind, cfg, x, y), train_step(reference_kind, cfg, x, y)
    ours, reference = alternating_medians(benchmark, ours_step, reference_step, ROUNDS, warmup=3)
    benchmark.extra_info.update({
        "device": torch.cuda.get_device_name() if DEVICE == "cuda" else "cpu",
        "against": reference_kind,
        f"{reference_kind}_median_s": reference,
        "ratio": ours / reference,
        "examples_per_s": len(x) / ours,
    })  # fmt: skip
    assert ours / reference <= goal, f"{kind} step {ours * 1e3:.2f} ms vs {reference_kind} {reference * 1e3:.2f} ms"
