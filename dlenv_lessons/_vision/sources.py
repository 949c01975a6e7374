"""Where a vision lesson's images come from, by name: `--set dataset=... [--set data_dir=...]`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dlenv.errors import DlenvError
from dlenv_lessons._vision import shapes
from dlenv_lessons._vision.images import (
    Images,
    cifar10_kaggle,
    image_folder,
    torchvision_digits,
    train_and_test_folders,
)

CIFAR10 = "kaggle:competitions/cifar-10"  # trainLabels.csv, train.7z (dlenv_lessons._vision.images.cifar10_kaggle)


@dataclass(frozen=True)
class Split:
    train: Images
    val: Images  # held out of training: picks the best checkpoint and stops early
    test: Images  # what the reported accuracy is measured on

    def describe(self) -> str:
        c, h, w = self.train.x.shape[1:]
        return f"{len(self.train)} training, {len(self.val)} validation, {len(self.test)} test images, {c}x{h}x{w}"


def generated(out: Path, task: str, train: int, test: int, size: int) -> tuple[Images, Images]:
    """Shapes of `task` drawn into OUT/data as two ImageFolder trees (reused by a rerun), read back by
    torchvision's ImageFolder: the same path a folder of real photos takes."""
    classes = len(shapes.TASKS[task])
    folders = []
    for part, count, seed in (("train", train, 0), ("test", test, 1)):
        per_class = max(1, -(-count // classes))
        name = f"{task}-{size}px-{per_class}-{part}"
        folders.append(shapes.write_image_folder(out / "data" / name, task, per_class, size, seed + len(task)))
    return image_folder(folders[0]), image_folder(folders[1])


def cached_root(kind: str) -> Path:
    """dlenv's dataset cache on this platform (its persistent disk on a cloud notebook)."""
    from dlenv.platforms import detect

    return Path(detect().cache_dir) / "datasets" / kind


def local_or_fetched(data_dir: str) -> Path:
    """A folder, or a dataset spec (kaggle:owner/slug, hf:..., url:...) fetched through dlenv's fetcher."""
    if ":" in data_dir and not Path(data_dir).exists():
        from dlenv.datasets import fetch

        return Path(fetch(data_dir).path)
    path = Path(data_dir).expanduser()
    if not path.is_dir():
        raise DlenvError(f"--set data_dir={data_dir}: no such folder")
    return path


def load(dataset: str, data_dir: str, out: Path, *, train: int, val: int, test: int, size: int) -> Split:
    """The named dataset as training, validation and test images (train, test: at most that many; 0: all)."""
    if dataset == "shapes":
        train_images, test_images = generated(out, "source", train + val, test, size)
    elif dataset in ("mnist", "fashion_mnist"):
        root = Path(data_dir).expanduser() if data_dir else cached_root("torchvision")
        train_images = torchvision_digits(dataset, root, train=True, download=not data_dir)
        test_images = torchvision_digits(dataset, root, train=False, download=False)
    elif dataset == "cifar10":
        # the competition's files: attached on Kaggle, else downloaded by kagglehub (its rules accepted first)
        folder = local_or_fetched(data_dir or CIFAR10)
        # the competition's test images carry no labels: the test set is held out of its training images
        train_images, test_images = cifar10_kaggle(folder, size).split(test or 10_000, seed=1)
    elif dataset == "folder":
        if not data_dir:
            raise DlenvError("--set dataset=folder needs --set data_dir=DIR (or data_dir=kaggle:owner/slug)")
        train_root, test_root = train_and_test_folders(local_or_fetched(data_dir))
        train_images, test_images = image_folder(train_root, size), image_folder(test_root, size)
    else:
        raise DlenvError(f"--set dataset={dataset}: unknown")
    if len(train_images) <= val:
        raise DlenvError(f"--set val_images={val}: the training set has only {len(train_images)} images")
    rest, held_out = train_images.split(val)
    return Split(_at_most(rest, train), held_out, _at_most(test_images, test))


def _at_most(images: Images, count: int) -> Images:
    return images.split(len(images) - count, seed=2)[0] if 0 < count < len(images) else images
