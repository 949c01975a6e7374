"""Measuring gradients with tf.GradientTape, and clipping them (Pascanu et al., 2013, §3.2)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

cross_entropy = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def kernels(network: keras.Sequential) -> list[keras.Variable]:
    """The weight matrix of every Dense layer, input side first."""
    return [layer.kernel for layer in network.layers if isinstance(layer, keras.layers.Dense)]


def layer_gradient_norms(network: keras.Sequential, x: np.ndarray, y: np.ndarray) -> list[float]:
    """‖∂loss/∂W‖ for each Dense layer's weights W, on one batch, in training mode (batch statistics)."""
    running = [v.numpy() for v in network.non_trainable_variables]  # batch norm's running averages
    with tf.GradientTape() as tape:  # records the forward pass so it can be replayed backwards
        loss = cross_entropy(y, network(x, training=True))
    gradients = tape.gradient(loss, kernels(network))
    for variable, value in zip(network.non_trainable_variables, running, strict=True):
        variable.assign(value)  # measuring must not move the averages that inference uses
    return [float(tf.norm(g)) for g in gradients]


def vanishing_ratio(norms: list[float]) -> float:
    """First layer's gradient norm over the last layer's: near 1 when the gradient reaches the input
    side intact, orders of magnitude below 1 when it vanishes on the way."""
    return norms[0] / norms[-1]


@dataclass(frozen=True)
class Trajectory:
    losses: list[float]  # per step; stops at the first non-finite one
    gradient_norms: list[float]  # the global norm before clipping, per step
    diverged_at: int | None  # the step whose loss was not finite, if any


def train_with_sgd(
    network: keras.Sequential, x: np.ndarray, y: np.ndarray, *, steps: int, batch_size: int, lr: float,
    clip_norm: float | None, seed: int,
) -> Trajectory:  # fmt: skip
    """Plain SGD written out with GradientTape; with `clip_norm`, the gradient is rescaled whenever its
    global norm exceeds it: the direction is kept, the step length bounded."""
    optimizer = keras.optimizers.SGD(lr)
    weights = network.trainable_variables

    @tf.function
    def step(xb: tf.Tensor, yb: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        with tf.GradientTape() as tape:
            loss = cross_entropy(yb, network(xb, training=True))
        gradients = tape.gradient(loss, weights)
        norm = tf.linalg.global_norm(gradients)
        if clip_norm is not None:
            gradients, _ = tf.clip_by_global_norm(gradients, clip_norm, use_norm=norm)
        optimizer.apply_gradients(zip(gradients, weights, strict=True))
        return loss, norm

    rng = np.random.default_rng(seed)
    losses, norms = [], []
    for number in range(1, steps + 1):
        rows = rng.integers(0, len(x), batch_size)
        loss, norm = (float(t) for t in step(tf.constant(x[rows]), tf.constant(y[rows])))
        if not (math.isfinite(loss) and math.isfinite(norm)):
            return Trajectory(losses, norms, diverged_at=number)
        losses.append(loss)
        norms.append(norm)
    return Trajectory(losses, norms, diverged_at=None)
