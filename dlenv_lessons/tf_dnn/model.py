"""A deep neural network (a multi-layer perceptron) in Keras: Dense layers with ReLU, dropout between
them, and a linear read-out of ten logits (softmax lives in the loss, where it is numerically stable)."""

from __future__ import annotations

import keras


def dnn(inputs: int, width: int, depth: int, dropout: float, classes: int = 10) -> keras.Sequential:
    layers: list[keras.layers.Layer] = [keras.Input((inputs,))]
    for _ in range(depth):
        # He initialisation keeps the signal's variance through ReLU layers (He et al., 2015, §2.2).
        layers.append(keras.layers.Dense(width, activation="relu", kernel_initializer="he_normal"))
        # Dropout: each unit is silenced with probability `dropout` while training, so no unit can
        # rely on another being there (Srivastava et al., 2014, §2); Keras turns it off for inference.
        layers.append(keras.layers.Dropout(dropout))
    layers.append(keras.layers.Dense(classes))
    return keras.Sequential(layers, name="dnn")
