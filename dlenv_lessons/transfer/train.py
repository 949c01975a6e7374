"""`dlenv run transfer [--set arch=resnet18 --set weights=IMAGENET1K_V1] [--set data_dir=DIR]`.

Transfer learning in three phases, each validated, with its best checkpoint (OUT/<phase>/checkpoints/
best.pt) and its curve:

1. a backbone that learned from other images: torchvision's ImageNet weights, or (offline, the default)
   one pretrained here on the generated source task, ten shapes (OUT/pretrain);
2. head: a new classifier for the target task trained alone, the backbone frozen (OUT/head);
3. fine-tune: everything trained, the backbone at a tenth of the learning rate, so a few labelled
   images refine its features without wiping them out (OUT/finetune).

The same network trained from scratch on the same labelled images, for as many steps as head and
fine-tune together (OUT/scratch), is the reference: `transfer_gain` is how much the transfer wins.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from dlenv.runner import Result, Trained
from dlenv.runner.context import Context
from dlenv.runner.torch_loop import seed_everything
from dlenv_lessons._vision.images import Batches, Images, accuracy, image_folder
from dlenv_lessons._vision.sources import Split, generated, local_or_fetched, train_and_test_folders
from dlenv_lessons._vision.training import train_classifier
from dlenv_lessons.transfer.config import Config
from dlenv_lessons.transfer.model import FineTuned, imagenet_weights, resnet, with_head

PLOT = "curves.png"
SOURCE_VAL = 300  # held out of the source task: when its pretraining is best


def train(ctx: Context, cfg: Config) -> Result:
    target = target_task(cfg, ctx.out)
    classes = len(target.train.classes)
    metrics: dict[str, float] = {"classes": classes, "labelled_images": len(target.train)}
    runs: dict[str, Trained] = {}
    if cfg.weights:
        backbone = resnet(cfg.arch)
        state, mean, std = imagenet_weights(cfg.arch, cfg.weights)
        backbone.load_state_dict(state)
        stats: tuple | None = (mean, std)
    else:
        backbone, runs["pretrain"] = pretrain(ctx.part("pretrain", cfg.pretrain_steps), cfg)
        metrics["source_val_accuracy"] = runs["pretrain"].best["value"] if runs["pretrain"].best else 0.0
        stats = None
    batches = Batches.of(target.train, augment="" if cfg.augment == "none" else cfg.augment, stats=stats)

    seed_everything(ctx.seed)
    model = FineTuned(with_head(backbone, classes))
    model.freeze_backbone(True)
    head = torch.optim.Adam(model.net.fc.parameters(), lr=cfg.lr)
    runs["head"] = phase(ctx.part("head", cfg.head_steps), cfg, model, head, batches, target.val)
    metrics["accuracy_head"] = accuracy(model, batches, target.test, ctx.device)

    model.freeze_backbone(False)
    everything = torch.optim.Adam([
        {"params": model.backbone_parameters(), "lr": cfg.lr * cfg.backbone_lr_scale},
        {"params": model.net.fc.parameters(), "lr": cfg.lr},
    ])  # fmt: skip
    runs["finetune"] = phase(ctx.part("finetune"), cfg, model, everything, batches, target.val)
    metrics["accuracy_finetuned"] = accuracy(model, batches, target.test, ctx.device)

    seed_everything(ctx.seed)
    scratch = FineTuned(with_head(resnet(cfg.arch), classes))
    optimizer = torch.optim.Adam(scratch.parameters(), lr=cfg.lr)
    runs["scratch"] = phase(ctx.part("scratch", cfg.head_steps + ctx.steps), cfg, scratch, optimizer, batches,
                            target.val)  # fmt: skip
    metrics["accuracy_scratch"] = accuracy(scratch, batches, target.test, ctx.device)

    metrics["accuracy"] = metrics["accuracy_finetuned"]
    metrics["transfer_gain"] = metrics["accuracy_finetuned"] - metrics["accuracy_scratch"]
    plot(runs, cfg.head_steps, 1 / classes, ctx.out / PLOT)
    return Result.of_parts(metrics, list(runs.values()), ctx.steps)


def phase(ctx: Context, cfg: Config, model: nn.Module, optimizer: torch.optim.Optimizer, batches: Batches,
          val: Images) -> Trained:  # fmt: skip
    """One training of `model` on `batches`, validated on `val`; ends with its best weights."""
    return train_classifier(ctx, model, optimizer, batches, val, batch_size=cfg.batch_size,
                            validate_every=cfg.validate_every, patience=cfg.patience)  # fmt: skip


def pretrain(ctx: Context, cfg: Config) -> tuple[nn.Module, Trained]:
    """The backbone's first task: ten generated shapes, plenty of them (dlenv_lessons._vision.shapes)."""
    train_images, _ = generated(ctx.out.parent, "source", cfg.source_images + SOURCE_VAL, 10, cfg.image_size)
    rest, val = train_images.split(SOURCE_VAL)
    batches = Batches.of(rest, augment="flip_crop")
    seed_everything(ctx.seed)
    model = FineTuned(with_head(resnet(cfg.arch), len(rest.classes)))
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    trained = phase(ctx, cfg, model, optimizer, batches, val)
    return model.net, trained


def target_task(cfg: Config, out: Path) -> Split:
    """The task to transfer to, with `labelled_per_class` labelled images per class: the generated target
    shapes (five classes the source task does not have), or an ImageFolder tree such as 10 Monkey Species."""
    if cfg.data_dir:
        train_root, test_root = train_and_test_folders(local_or_fetched(cfg.data_dir))
        pool, test = image_folder(train_root, cfg.image_size), image_folder(test_root, cfg.image_size)
    else:
        per_class = cfg.labelled_per_class or 200
        # twice the labelled images asked for: every class keeps enough once validation is held out
        pool, test = generated(out, "target", 2 * per_class * 5 + cfg.val_images, cfg.test_images, cfg.image_size)
    rest, val = pool.split(cfg.val_images)
    labelled = rest.per_class(cfg.labelled_per_class) if cfg.labelled_per_class else rest
    if cfg.test_images and len(test) > cfg.test_images:
        test = test.split(len(test) - cfg.test_images, seed=2)[0]
    return Split(labelled, val, test)


def plot(runs: dict[str, Trained], head_steps: int, chance: float, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 4.5))
    offsets = {"head": 0, "finetune": head_steps, "scratch": 0}
    for name, offset in offsets.items():
        points = runs[name].validations
        if points:
            steps, values = zip(*points, strict=True)
            axes.plot([s + offset for s in steps], values, "o-", label=name)
    axes.axvline(head_steps, color="grey", linestyle="--", label="backbone unfrozen")
    axes.axhline(chance, color="grey", linestyle=":", label="chance")
    axes.set(xlabel="training step on the target task", ylabel="validation accuracy", ylim=(0, 1.02),
             title="Transfer (frozen head, then fine-tuned) against training from scratch")  # fmt: skip
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
