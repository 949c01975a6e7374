"""The tf_dnn lesson's GPU memory: its Keras network on one batch of the digits."""

from __future__ import annotations

from dlenv.runner.memory import Need, count_keras
from dlenv_lessons.tf_dnn.config import Config
from dlenv_lessons.tf_dnn.model import dnn

PIXELS = 8 * 8  # scikit-learn's load_digits: 8×8 images, the network's inputs


def need(cfg: Config) -> Need:
    return count_keras(dnn(PIXELS, cfg.width, cfg.depth, cfg.dropout), cfg.batch_size)
