"""`dlenv run deep_networks [--set depth=30] [--set train_size=1079] [--set input_dropout=0.3]`: five
networks twenty layers deep, the same but for what keeps a signal alive through them (model.py): sigmoid,
ReLU with He initialisation (plain), batch norm, SELU with alpha dropout, and ReLU with dropout. The last
two drop a fifth of the pixels at each training step (`input_dropout`); `--set dropout=0.05` and
`--set alpha_dropout=0.05` add dropout at every hidden layer too.

At initialisation, hooks measure on one batch each hidden layer's activations (mean, standard deviation)
and each layer's weight gradient ‖∂loss/∂W‖ (statistics.py). The five then train one after another, from
the same seed on the same batches, on a few hundred digits, and are measured again; the test accuracy and
the gap between validation and training loss say which learned, and how much of it they memorised.
OUT/layer_statistics.png draws the per-layer statistics, before and after training.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from dlenv.runner import Result
from dlenv.runner.context import Context
from dlenv.runner.torch_loop import batch_indices, fit, seed_everything
from dlenv_lessons.deep_networks.config import Config
from dlenv_lessons.deep_networks.model import KINDS, deep_network
from dlenv_lessons.deep_networks.statistics import LayerStatistics, layer_statistics
from dlenv_lessons.tf_dnn import data

PLOT = "layer_statistics.png"
Tensors = tuple[torch.Tensor, torch.Tensor]


def train(ctx: Context, cfg: Config) -> Result:
    splits = standardised(data.digits(train=cfg.train_size), ctx.device)
    x_train, y_train = splits["train"]
    probe = x_train[: cfg.probe], y_train[: cfg.probe]
    at_start, trained, scores, parts = {}, {}, {}, []
    for kind in KINDS:
        seed_everything(ctx.seed)  # each variant's first weights from the same seed, a resumed run's too
        model = network(kind, cfg, x_train.shape[1]).to(ctx.device)
        at_start[kind] = layer_statistics(model, *probe, seed=ctx.seed)
        # Adam, as tf_regularization: every variant gets the optimiser it would get in practice. It does not
        # hide the vanishing gradient: it divides each step by the gradient's running size plus ε = 1e-8, and
        # the sigmoid network's first-layer gradients are some 1e-13, so those weights still barely move.
        optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)

        def loss_at(step: int, model: nn.Module = model) -> torch.Tensor:
            rows = batch_indices(len(x_train), cfg.batch_size).to(ctx.device)  # the same rows for every kind
            return nn.functional.cross_entropy(model(x_train[rows]), y_train[rows])

        done = fit(ctx.part(kind), model, optimizer, loss_at, samples_per_step=cfg.batch_size)
        parts.append(done)
        trained[kind] = layer_statistics(model, *probe, seed=ctx.seed)
        scores[kind] = evaluate(model, splits)
    plot(at_start, trained, ctx.out / PLOT)
    return Result.of_parts(report(at_start, trained, scores), parts, ctx.steps)


def network(kind: str, cfg: Config, inputs: int) -> nn.Sequential:
    """The `kind` network at the config's depth, width and dropout rates (alpha dropout's for SELU)."""
    rate = cfg.alpha_dropout if kind == "selu" else cfg.dropout
    return deep_network(kind, cfg.depth, cfg.width, inputs, dropout=rate, input_dropout=cfg.input_dropout)


def standardised(split: data.Split, device: str) -> dict[str, Tensors]:
    """Each pixel shifted and scaled to mean 0, standard deviation 1 over the training examples (a pixel
    that is blank in all of them stays 0). SELU's fixed point assumes such inputs (Klambauer et al., 2017,
    §3); every variant gets the same ones, so the comparison is about the networks alone."""
    mean, std = split.x_train.mean(0), split.x_train.std(0)
    std[std < 1e-6] = 1.0

    def tensors(x: np.ndarray, y: np.ndarray) -> Tensors:
        return torch.from_numpy((x - mean) / std).float().to(device), torch.from_numpy(y).to(device)

    return {"train": tensors(split.x_train, split.y_train), "val": tensors(split.x_val, split.y_val),
            "test": tensors(split.x_test, split.y_test)}  # fmt: skip


@torch.no_grad()
def evaluate(model: nn.Module, splits: dict[str, Tensors]) -> dict[str, float]:
    """Loss and accuracy of each split in inference mode: no dropout, batch norm's running averages, so the
    training examples are measured exactly as the unseen ones are."""
    model.eval()
    scores = {}
    for name, (x, y) in splits.items():
        logits = model(x)
        scores[f"{name}_loss"] = float(nn.functional.cross_entropy(logits, y))
        scores[f"{name}_accuracy"] = float((logits.argmax(1) == y).float().mean())
    return scores


def report(
    at_start: dict[str, LayerStatistics], trained: dict[str, LayerStatistics], scores: dict[str, dict[str, float]]
) -> dict[str, object]:
    metrics: dict[str, object] = {}
    for kind in KINDS:
        s, start = scores[kind], at_start[kind]
        metrics |= {
            f"accuracy_{kind}": s["test_accuracy"],
            f"train_accuracy_{kind}": s["train_accuracy"],
            f"val_accuracy_{kind}": s["val_accuracy"],
            # How much more the network is surprised by digits it never saw than by those it trained on:
            # the memorisation regularisation should shrink. Accuracy hides most of it.
            f"gap_{kind}": s["val_loss"] - s["train_loss"],
            f"accuracy_gap_{kind}": s["train_accuracy"] - s["val_accuracy"],
            f"vanishing_ratio_{kind}": start.vanishing_ratio,
            f"activation_std_last_{kind}": start.activation_std[-1],
            f"activation_mean_last_{kind}": start.activation_mean[-1],
        }
    # The headline: the variant that validation (not the test set) picks, and its test accuracy.
    best = max(KINDS, key=lambda kind: scores[kind]["val_accuracy"])
    metrics |= {"accuracy": scores[best]["test_accuracy"], "best_variant": best}
    metrics["layer_statistics"] = {
        "initial": {kind: stats.as_json() for kind, stats in at_start.items()},
        "trained": {kind: stats.as_json() for kind, stats in trained.items()},
    }
    return metrics


def plot(at_start: dict[str, LayerStatistics], trained: dict[str, LayerStatistics], path: Path) -> None:
    """Activation standard deviation per hidden layer and gradient norm per layer, a colour per variant:
    solid at initialisation, dashed after training."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    colours = dict(zip(KINDS, ("tab:red", "tab:blue", "tab:green", "tab:purple", "tab:orange"), strict=True))
    figure, (forward, backward) = plt.subplots(1, 2, figsize=(13, 4.8))
    for kind, start in at_start.items():
        for stats, style, when in ((start, "-", "initialisation"), (trained[kind], "--", "trained")):
            layers = np.arange(1, len(stats.activation_std) + 1)
            forward.plot(layers, stats.activation_std, style, color=colours[kind], label=f"{kind}, {when}")
            layers = np.arange(1, len(stats.gradient_norm) + 1)
            backward.plot(layers, stats.gradient_norm, style, color=colours[kind], label=f"{kind}, {when}")
    forward.set(yscale="log", xlabel="hidden layer (1 = input side)", ylabel="standard deviation",
                title="Activations, forward (training mode)")  # fmt: skip
    backward.set(yscale="log", xlabel="Linear layer (1 = input side, last = read-out)", ylabel="‖∂loss/∂W‖",
                 title="Weight gradients, backward")  # fmt: skip
    for ax in (forward, backward):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    backward.legend(fontsize=7, ncol=2)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
