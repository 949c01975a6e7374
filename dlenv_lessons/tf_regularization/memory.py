"""The tf_regularization lesson's GPU memory: its plain, dropout and batch-norm networks side by side."""

from __future__ import annotations

from dlenv.runner.memory import Need, count_keras
from dlenv_lessons.tf_dnn.memory import PIXELS
from dlenv_lessons.tf_regularization.config import Config
from dlenv_lessons.tf_regularization.model import KINDS, network, side_by_side

FITTING_SETTINGS = ({"batch_size": 8},)


def need(cfg: Config) -> Need:
    networks = {k: network(k, cfg.depth, cfg.width, PIXELS, cfg.dropout, cfg.input_dropout) for k in KINDS}
    return count_keras(side_by_side(networks, PIXELS), cfg.batch_size, "adam")
