"""Four deep networks of the same shape (`depth` hidden Dense layers of `width` units, ten logits out)
that differ only in how a signal survives the trip through them.

- sigmoid: Keras's default Glorot initialisation. The sigmoid's slope is at most 1/4 and its output
  is not centred on 0, so each layer shrinks the gradient flowing back (Glorot & Bengio, 2010, §4.2).
- relu: ReLU with He initialisation, Var(w) = 2 / fan_in: the factor 2 makes up for ReLU zeroing
  half its inputs, so the variance of the signal, forward and backward, stays put (He et al., 2015, §2.2).
- bn: the same, with each layer's pre-activations normalised over the batch, which keeps
  every layer's input at zero mean and unit variance whatever the weights do (Ioffe & Szegedy, 2015, §3).
- exploding: ReLU initialised `gain` times wider than He: every layer multiplies the signal by about
  `gain`, so gradients grow geometrically with depth.
"""

from __future__ import annotations

import keras

KINDS = ("sigmoid", "relu", "bn")


def deep_network(kind: str, depth: int, width: int, inputs: int, classes: int = 10) -> keras.Sequential:
    layers: list[keras.layers.Layer] = [keras.Input((inputs,))]
    for _ in range(depth):
        if kind == "sigmoid":
            layers.append(keras.layers.Dense(width, activation="sigmoid"))  # glorot_uniform
        elif kind == "relu":
            layers.append(keras.layers.Dense(width, activation="relu", kernel_initializer="he_normal"))
        elif kind == "bn":
            # No bias: batch normalization's own shift (beta) takes its place.
            layers += [keras.layers.Dense(width, use_bias=False, kernel_initializer="he_normal"),
                       keras.layers.BatchNormalization(), keras.layers.Activation("relu")]  # fmt: skip
        else:
            raise ValueError(kind)
    layers.append(keras.layers.Dense(classes))
    return keras.Sequential(layers, name=kind)


def exploding_network(depth: int, width: int, inputs: int, gain: float, classes: int = 10) -> keras.Sequential:
    too_wide = keras.initializers.VarianceScaling(scale=2.0 * gain**2, mode="fan_in", distribution="untruncated_normal")
    layers: list[keras.layers.Layer] = [keras.Input((inputs,))]
    layers += [keras.layers.Dense(width, activation="relu", kernel_initializer=too_wide) for _ in range(depth)]
    layers.append(keras.layers.Dense(classes, kernel_initializer=too_wide))
    return keras.Sequential(layers, name="exploding")


def side_by_side(networks: dict[str, keras.Sequential], inputs: int) -> keras.Model:
    """One Keras model whose outputs are the networks' logits, so one fit() trains them all on the same
    batches. They share no weights: the gradient of the summed loss for a network's weights is the
    gradient of that network's own loss."""
    x = keras.Input((inputs,))
    return keras.Model(x, {name: network(x) for name, network in networks.items()}, name="side_by_side")
