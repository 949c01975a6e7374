"""`dlenv run cnn [--set dataset=fashion_mnist] [--set variants=plain,selu]`: four CNNs side by side.

Each variant of dlenv_lessons.cnn.model trains on the same images with the same budget: validated
every `validate_every` steps, its best checkpoint kept (OUT/<variant>/checkpoints/best.pt), stopped
early after `patience` validations without progress, and tested with its best weights. Then the
batch-norm network trains on a small training set twice, with and without flip-and-crop
augmentation, to measure what augmentation is worth when data is scarce. OUT/curves.png plots every
validation curve.
"""

from __future__ import annotations

import copy
import time
from pathlib import Path

import torch
from torch import nn

from dlenv.errors import DlenvError
from dlenv.runner import Result, Trained
from dlenv.runner.config import listed
from dlenv.runner.context import Context
from dlenv.runner.torch_loop import seed_everything
from dlenv_lessons._shared.metrics import parameter_count
from dlenv_lessons._vision.images import Batches, Images, accuracy
from dlenv_lessons._vision.sources import Split, load
from dlenv_lessons._vision.training import train_classifier
from dlenv_lessons.cnn.config import VARIANTS, Config
from dlenv_lessons.cnn.model import SmallCNN

PLOT = "curves.png"


def train(ctx: Context, cfg: Config) -> Result:
    split = load(cfg.dataset, cfg.data_dir, ctx.out, train=cfg.train_images, val=cfg.val_images,
                 test=cfg.test_images, size=cfg.image_size)  # fmt: skip
    batches = Batches.of(split.train)
    metrics: dict[str, float] = {"classes": len(split.train.classes)}
    curves: dict[str, list[tuple[int, float]]] = {}
    parts = []
    for variant in listed(cfg, "variants", VARIANTS):
        model, trained = train_variant(ctx.part(variant), cfg, variant, batches, split.val)
        metrics[f"accuracy_{variant}"] = accuracy(model, batches, split.test, ctx.device)
        metrics[f"params_{variant}"] = parameter_count(model)
        metrics[f"step_ms_{variant}"] = step_milliseconds(model, batches, cfg.batch_size, ctx.device)
        metrics[f"best_step_{variant}"] = trained.best["step"] if trained.best else trained.steps
        metrics[f"steps_to_95pct_{variant}"] = first_step_reaching(0.95, trained.validations)
        curves[variant] = list(trained.validations)
        parts.append(trained)
    metrics["accuracy"] = max(v for k, v in metrics.items() if k.startswith("accuracy_"))
    if cfg.augment_images:
        metrics |= augmentation_effect(ctx, cfg, split, curves)
    plot(curves, 1 / len(split.train.classes), ctx.out / PLOT)
    return Result.of_parts(metrics, parts, ctx.steps)


def train_variant(ctx: Context, cfg: Config, variant: str, batches: Batches, val: Images,
                  ) -> tuple[nn.Module, Trained]:  # fmt: skip
    seed_everything(ctx.seed)  # every variant starts from the same random state
    channels, classes = batches.images.x.shape[1], len(batches.images.classes)
    model = SmallCNN(variant, channels, classes, cfg.width, cfg.dropout).to(ctx.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    trained = train_classifier(ctx, model, optimizer, batches, val, batch_size=cfg.batch_size,
                               validate_every=cfg.validate_every, patience=cfg.patience)  # fmt: skip
    return model, trained


def first_step_reaching(level: float, validations: tuple[tuple[int, float], ...]) -> int:
    """The first validated step whose accuracy reached `level`: how fast a variant learns (0: never)."""
    return next((step for step, value in validations if value >= level), 0)


def step_milliseconds(model: nn.Module, batches: Batches, batch_size: int, device: str, repeats: int = 5) -> float:
    """The median time of one training step (forward, backward, update) at `batch_size`, on a copy of the
    model: what each variant costs per step, measured the same way for all."""
    model = copy.deepcopy(model).train()
    optimizer = torch.optim.Adam(model.parameters())
    x, y = batches.batch(torch.arange(batch_size) % len(batches.images))
    x, y = x.to(device), y.to(device)
    times = []
    for _ in range(repeats + 1):  # the first step warms up the kernels
        began = time.perf_counter()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if device == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - began)
    return round(sorted(times[1:])[repeats // 2] * 1000, 3)


def augmentation_effect(ctx: Context, cfg: Config, split: Split, curves: dict) -> dict[str, float]:
    """The augment_variant network on augment_images training images, without and with augmentation."""
    if cfg.augment_images >= len(split.train):
        have = len(split.train)
        raise DlenvError(f"--set augment_images={cfg.augment_images}: the training set has only {have} images")
    small = split.train.split(len(split.train) - cfg.augment_images, seed=3)[0]
    found = {}
    for augment in ("", cfg.augment):
        name = f"small_{'augmented' if augment else 'plain'}"
        batches = Batches.of(small, augment=augment)
        model, trained = train_variant(ctx.part(name), cfg, cfg.augment_variant, batches, split.val)
        found[f"accuracy_{name}"] = accuracy(model, batches, split.test, ctx.device)
        curves[f"{cfg.augment_variant}, {len(small)} images{', ' + augment if augment else ''}"] = list(
            trained.validations
        )
    found["augmentation_gain"] = found["accuracy_small_augmented"] - found["accuracy_small_plain"]
    return found


def plot(curves: dict[str, list[tuple[int, float]]], chance: float, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 4.5))
    for name, points in curves.items():
        if points:
            steps, values = zip(*points, strict=True)
            axes.plot(steps, values, "o-" if "images" not in name else "s--", label=name)
    axes.axhline(chance, color="grey", linestyle=":", label="chance")
    axes.set(xlabel="training step", ylabel="validation accuracy", ylim=(0, 1.02),
             title="Validation accuracy while training")  # fmt: skip
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
