"""Three networks of the same size, too big for the few examples they learn from:

- plain: Dense + ReLU layers. With far more weights than examples it can memorise the training set,
  labels and noise alike, and what it memorised does not carry over to new digits.
- dropout: each hidden unit is silenced at random (probability `dropout`) at every training step, so
  no unit can count on another; the network behaves like an average of many thinned networks
  (Srivastava et al., 2014, §2 and §7.3). Keras switches it off for inference.
- bn: batch normalization after each Dense layer. Each example is normalised with statistics of the
  random batch it happens to be in, a noise that also regularises (Ioffe & Szegedy, 2015, §3.4).
"""

from __future__ import annotations

import keras

KINDS = ("plain", "dropout", "bn")


def network(
    kind: str, depth: int, width: int, inputs: int, dropout: float, input_dropout: float, classes: int = 10
) -> keras.Sequential:
    layers: list[keras.layers.Layer] = [keras.Input((inputs,))]
    if kind == "dropout":
        layers.append(keras.layers.Dropout(input_dropout))  # pixels too, more gently (Srivastava et al., §6.1.1)
    for _ in range(depth):
        if kind == "bn":
            layers += [keras.layers.Dense(width, use_bias=False, kernel_initializer="he_normal"),
                       keras.layers.BatchNormalization(), keras.layers.Activation("relu")]  # fmt: skip
        else:
            layers.append(keras.layers.Dense(width, activation="relu", kernel_initializer="he_normal"))
            if kind == "dropout":
                layers.append(keras.layers.Dropout(dropout))
    layers.append(keras.layers.Dense(classes))
    return keras.Sequential(layers, name=kind)


def side_by_side(networks: dict[str, keras.Sequential], inputs: int) -> keras.Model:
    """One model whose outputs are the networks' logits: one fit() trains them on the same batches,
    each by the gradient of its own loss (they share no weights)."""
    x = keras.Input((inputs,))
    return keras.Model(x, {name: net(x) for name, net in networks.items()}, name="side_by_side")
