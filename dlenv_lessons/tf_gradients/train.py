"""`dlenv run tf_gradients [--set depth=20] [--set gain=2]`: where gradients vanish, and where they explode.

At initialisation, the gradient of the loss for each layer's weights is measured with GradientTape in
three deep networks (sigmoid; ReLU with He initialisation; the same with batch normalization); the
vanishing ratio, first layer's norm over the last one's, says how much of the gradient reaches the
input side. The three then train side by side with plain SGD, which shows what a vanished gradient
costs: the sigmoid network's first layers barely move. Last, a network initialised too wide, whose
gradients explode, trains with and without gradient clipping. OUT/gradient_norms.png plots it all.

A step is an epoch of the side-by-side training (see dlenv.runner.keras_loop).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dlenv.runner import Result
from dlenv.runner.context import Context
from dlenv.runner.keras_loop import fit, keras, setup  # keras with its backend set to TF
from dlenv_lessons.tf_dnn import data
from dlenv_lessons.tf_gradients.config import Config
from dlenv_lessons.tf_gradients.gradients import Trajectory, layer_gradient_norms, train_with_sgd, vanishing_ratio
from dlenv_lessons.tf_gradients.model import KINDS, deep_network, exploding_network, side_by_side

PLOT = "gradient_norms.png"


def train(ctx: Context, cfg: Config) -> Result:
    setup(ctx)
    split = data.digits()
    inputs = split.x_train.shape[1]
    probe_x, probe_y = split.x_train[: cfg.probe], split.y_train[: cfg.probe]
    networks = {kind: deep_network(kind, cfg.depth, cfg.width, inputs) for kind in KINDS}
    at_start = {kind: layer_gradient_norms(net, probe_x, probe_y) for kind, net in networks.items()}

    model = side_by_side(networks, inputs)
    model.compile(
        optimizer=keras.optimizers.SGD(cfg.lr),
        loss={kind: keras.losses.SparseCategoricalCrossentropy(from_logits=True) for kind in KINDS},
        metrics={kind: ["accuracy"] for kind in KINDS},
    )
    labels = lambda y: {kind: y for kind in KINDS}  # noqa: E731
    trained = fit(
        ctx, model, split.x_train, labels(split.y_train), batch_size=cfg.batch_size,
        validation_data=(split.x_val, labels(split.y_val)),
    )  # fmt: skip

    # After training: how well each network learned, and how its gradients reach its first layers now.
    scores = model.evaluate(split.x_test, labels(split.y_test), verbose=0, return_dict=True)
    after = {kind: layer_gradient_norms(net, probe_x, probe_y) for kind, net in networks.items()}
    # The opposite failure: a network whose gradients grow layer by layer, with and without clipping.
    unclipped, clipped, clipped_accuracy = explode(cfg, split, ctx.seed)
    plot(at_start, after, unclipped, clipped, cfg, ctx.out / PLOT)
    return trained.result({
        **{f"vanishing_ratio_{kind}": vanishing_ratio(at_start[kind]) for kind in KINDS},
        **{f"accuracy_{kind}": scores[f"{kind}_accuracy"] for kind in KINDS},
        "exploding_gradient_norm": (unclipped.gradient_norms or [float("inf")])[0],
        "exploding_unclipped_diverged_at": unclipped.diverged_at,
        "exploding_clipped_diverged_at": clipped.diverged_at,
        "exploding_clipped_final_loss": clipped.losses[-1] if clipped.losses else None,
        "exploding_clipped_accuracy": clipped_accuracy,
        "layer_gradient_norms": {"initial": at_start, "trained": after},
    })  # fmt: skip


def explode(cfg: Config, split: data.Split, seed: int) -> tuple[Trajectory, Trajectory, float]:
    """The too-wide ReLU network, trained twice from the same weights: without clipping, then with it.
    Returns both trajectories and the clipped network's test accuracy."""
    runs = []
    for clip in (None, cfg.clip_norm):
        keras.utils.set_random_seed(seed)  # the same starting weights, in a fresh or a resumed run alike
        network = exploding_network(cfg.depth, cfg.width, split.x_train.shape[1], cfg.gain)
        settings = {"steps": cfg.explode_steps, "batch_size": cfg.batch_size, "lr": cfg.explode_lr, "seed": seed}
        runs.append(train_with_sgd(network, split.x_train, split.y_train, clip_norm=clip, **settings))
    accuracy = float(np.mean(network.predict(split.x_test, verbose=0).argmax(1) == split.y_test))
    return runs[0], runs[1], accuracy


def plot(at_start: dict[str, list[float]], trained: dict[str, list[float]], unclipped: Trajectory,
         clipped: Trajectory, cfg: Config, path: Path) -> None:  # fmt: skip
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    figure, (layers, explode) = plt.subplots(1, 2, figsize=(12, 4.5))
    for (kind, norms), colour in zip(at_start.items(), ("tab:red", "tab:blue", "tab:green"), strict=False):
        depth = np.arange(1, len(norms) + 1)
        layers.plot(depth, norms, "o-", color=colour, label=f"{kind}, at initialisation")
        layers.plot(depth, trained[kind], "o--", color=colour, alpha=0.5, label=f"{kind}, after training")
    layers.set(yscale="log", xlabel="layer (1 = input side)", ylabel="‖∂loss/∂W‖",
               title="Gradient norm per layer")  # fmt: skip
    layers.legend(fontsize=8)
    explode.plot(unclipped.gradient_norms, color="tab:red", label="no clipping" + (
        f" (loss not finite at step {unclipped.diverged_at})" if unclipped.diverged_at else ""))  # fmt: skip
    explode.plot(clipped.gradient_norms, color="tab:blue", label="clipped: each step's gradient rescaled to")
    explode.axhline(cfg.clip_norm, color="grey", linestyle=":", label=f"norm {cfg.clip_norm:g} when above it")
    explode.set(yscale="log", xlabel="SGD step", ylabel="global gradient norm (before clipping)",
                title=f"A ReLU network {cfg.gain:g}× too wide at initialisation")  # fmt: skip
    explode.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
