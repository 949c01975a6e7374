"""The tf_gradients lesson's GPU memory: its networks side by side under SGD, at the larger of batch and probe."""

from __future__ import annotations

from dlenv.runner.memory import Need, count_keras
from dlenv_lessons.tf_dnn.memory import PIXELS
from dlenv_lessons.tf_gradients.config import Config
from dlenv_lessons.tf_gradients.model import KINDS, deep_network, side_by_side


def need(cfg: Config) -> Need:
    networks = {kind: deep_network(kind, cfg.depth, cfg.width, PIXELS) for kind in KINDS}
    # the gradient norms are measured on `probe` examples at once, a bigger batch than training's by default
    return count_keras(side_by_side(networks, PIXELS), max(cfg.batch_size, cfg.probe), "sgd")
