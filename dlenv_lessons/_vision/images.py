"""Image datasets as tensors a training step samples from, read through torchvision's own loaders.

Every source ends up as `Images`: uint8 tensors N x C x H x W and their labels, decoded once (the
datasets here fit in memory), so a step costs no file reads. Sampling, augmentation (torchvision's
transforms.v2) and normalisation happen per batch in `Batches`.

    generated shapes     dlenv_lessons._vision.shapes, written as an ImageFolder, read by ImageFolder
    mnist, fashion_mnist torchvision.datasets.MNIST / FashionMNIST: their raw files in DATA_DIR, else downloaded
    cifar10              the files of Kaggle's CIFAR-10 competition: train/<id>.png and trainLabels.csv
    folder               any ImageFolder tree (class folders), e.g. Kaggle's 10 Monkey Species
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import torch
from torchvision.transforms import v2

from dlenv.errors import DlenvError
from dlenv_lessons._shared import metrics as shared


@dataclass(frozen=True)
class Images:
    x: torch.Tensor  # uint8, N x C x H x W
    y: torch.Tensor  # int64, N
    classes: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.y)

    def take(self, indices: torch.Tensor) -> Images:
        return Images(self.x[indices], self.y[indices], self.classes)

    def split(self, held_out: int, seed: int = 0) -> tuple[Images, Images]:
        """A fixed random split (the same for every run): the rest, and `held_out` images."""
        order = torch.randperm(len(self), generator=torch.Generator().manual_seed(seed))
        return self.take(order[held_out:]), self.take(order[:held_out])

    def per_class(self, count: int, seed: int = 0) -> Images:
        """`count` images of each class: a small labelled set, as a learner often has."""
        order = torch.randperm(len(self), generator=torch.Generator().manual_seed(seed))
        chosen = torch.cat([order[self.y[order] == label][:count] for label in range(len(self.classes))])
        return self.take(chosen.sort().values)


def decode(dataset: torch.utils.data.Dataset, classes: list[str]) -> Images:
    """Every (image, label) of a torchvision dataset (whose transform yields uint8 tensors), stacked."""
    pairs = [dataset[i] for i in range(len(dataset))]  # type: ignore[arg-type]
    if not pairs:
        raise DlenvError("the dataset has no images")
    x = torch.stack([torch.as_tensor(image) for image, _ in pairs])
    return Images(x, torch.tensor([int(label) for _, label in pairs]), tuple(classes))


def uint8_images(size: int | None, channels: int | None = None) -> v2.Compose:
    """What turns a loaded PIL image into the uint8 tensor `Images` keeps: resized (shorter side to
    `size`, then the centre square) and with `channels` colour channels, where asked."""
    steps: list = [v2.ToImage()]
    if channels == 3:
        steps.insert(0, v2.RGB())
    elif channels == 1:
        steps.insert(0, v2.Grayscale())
    if size:
        steps += [v2.Resize(size, antialias=True), v2.CenterCrop(size)]
    return v2.Compose(steps)


def image_folder(root: Path, size: int | None = None) -> Images:
    """An ImageFolder tree: root/<class>/<image>, in colour."""
    from torchvision.datasets import ImageFolder

    if not root.is_dir():
        raise DlenvError(f"no image folder at {root}")
    try:
        dataset = ImageFolder(str(root), transform=uint8_images(size, channels=3))
    except FileNotFoundError as error:  # torchvision: "Couldn't find any class folder in ..."
        raise DlenvError(f"{root} is no ImageFolder tree: {error}", hint="one sub-folder per class") from None
    return decode(dataset, dataset.classes)


# A layout's training and held-out folders, by the names datasets use (10 Monkey Species nests them
# twice: training/training/n0 ... and validation/validation/n0 ...).
TRAIN_NAMES, TEST_NAMES = ("train", "training"), ("val", "validation", "test", "valid")


def train_and_test_folders(root: Path) -> tuple[Path, Path]:
    """The training and held-out class trees under `root`, however the dataset nests them."""
    found: dict[str, Path] = {}
    for names, key in ((TRAIN_NAMES, "train"), (TEST_NAMES, "test")):
        for name in names:
            folder = root / name
            if folder.is_dir():
                nested = folder / name  # training/training
                found[key] = nested if nested.is_dir() else folder
                break
    if len(found) < 2:
        raise DlenvError(
            f"{root} has no training and validation folders",
            hint=f"expected {'|'.join(TRAIN_NAMES)}/<class>/... and {'|'.join(TEST_NAMES)}/<class>/...",
        )
    return found["train"], found["test"]


def torchvision_digits(name: str, root: Path, train: bool, download: bool) -> Images:
    """MNIST or Fashion-MNIST through torchvision's class: its raw files under root/<Name>/raw, or downloaded
    there (torchvision checks each file's MD5)."""
    from torchvision import datasets

    cls = {"mnist": datasets.MNIST, "fashion_mnist": datasets.FashionMNIST}[name]
    try:
        dataset = cls(str(root), train=train, download=download, transform=uint8_images(None))
    except RuntimeError as error:  # "Dataset not found. You can use download=True to download it"
        raw = root / cls.__name__ / "raw"
        files = ", ".join(Path(url).name.removesuffix(".gz") for url, _ in cls.resources)
        raise DlenvError(
            f"{cls.__name__} is not in {raw} ({error})",
            hint=f"bring {files} (or their .gz) into {raw}, or run where the internet is reachable",
        ) from None
    except OSError as error:  # the download itself failed: offline
        raise DlenvError(
            f"cannot download {cls.__name__} ({error})",
            hint=f"put its four raw files in {root / cls.__name__ / 'raw'} and pass --set data_dir={root}",
        ) from None
    return decode(dataset, list(dataset.classes))


def cifar10_kaggle(folder: Path, size: int | None = None) -> Images:
    """The training images of Kaggle's CIFAR-10 competition: train/<id>.png labelled by trainLabels.csv
    (id,label). Kaggle ships train/ packed as train.7z: unpacked here when py7zr is installed."""
    labels_file, images = folder / "trainLabels.csv", folder / "train"
    if not labels_file.is_file():
        raise DlenvError(
            f"no trainLabels.csv in {folder}",
            hint="kaggle competitions download -c cifar-10, unzip it, and pass --set data_dir=<that folder>",
        )
    if not images.is_dir():
        _unpack_7z(folder / "train.7z", folder)
    with labels_file.open(newline="", encoding="utf-8") as f:
        rows = [(row["id"], row["label"]) for row in csv.DictReader(f)]
    classes = sorted({label for _, label in rows})
    index = {name: i for i, name in enumerate(classes)}
    to_tensor = uint8_images(size, channels=3)
    from PIL import Image

    x = torch.stack([to_tensor(Image.open(images / f"{image_id}.png")) for image_id, _ in rows])
    return Images(x, torch.tensor([index[label] for _, label in rows]), tuple(classes))


def _unpack_7z(archive: Path, into: Path) -> None:
    if not archive.is_file():
        raise DlenvError(f"neither train/ nor train.7z in {into}")
    try:
        import py7zr
    except ImportError:
        raise DlenvError(
            f"{archive} is packed with 7-Zip", hint=f"pip install py7zr, or unpack it: 7z x {archive} -o{into}"
        ) from None
    with py7zr.SevenZipFile(archive) as packed:
        packed.extractall(into)


# --- batches ------------------------------------------------------------------------------------


AUGMENTATIONS = ("flip_crop", "flip_crop_colour")


def augmentation(name: str, size: int) -> v2.Compose:
    """flip_crop, the CIFAR-10 augmentation (He et al., 2016): a random crop of the image padded by an
    eighth of its side, and a horizontal flip half the time. flip_crop_colour adds what colour may do
    without changing a label where colour is no part of it: inverted brightness, permuted channels."""
    steps: list[v2.Transform] = [v2.RandomCrop(size, padding=max(1, size // 8), padding_mode="reflect"),
                                 v2.RandomHorizontalFlip()]  # fmt: skip
    if name == "flip_crop_colour":
        steps += [v2.RandomInvert(), v2.RandomChannelPermutation()]
    return v2.Compose(steps)


@dataclass
class Batches:
    """Batches of `images` as normalised floats, each image augmented on its own (transforms.v2 draws
    from torch's global generator, which the training loop seeds per step: a resumed run sees the same
    augmented batches)."""

    images: Images
    mean: torch.Tensor  # per channel, from the training images
    std: torch.Tensor
    augment: v2.Transform | None = None

    @classmethod
    def of(cls, images: Images, augment: str = "", stats: tuple[tuple[float, ...], tuple[float, ...]] | None = None,
           ) -> Batches:  # fmt: skip
        """Batches of `images`, augmented as AUGMENTATIONS names it (none when empty), normalised with
        `stats` (mean, std per channel: what pretrained weights saw) or else the images' own."""
        policy = augmentation(augment, images.x.shape[-1]) if augment else None
        if stats is not None:
            return cls(images, torch.tensor(stats[0]), torch.tensor(stats[1]), policy)
        pixels = images.x.float().div(255).transpose(0, 1).flatten(1)  # C x (N*H*W)
        return cls(images, pixels.mean(1), pixels.std(1).clamp_min(1e-3), policy)

    def floats(self, x: torch.Tensor) -> torch.Tensor:
        x = x.float().div(255)
        return (x - self.mean[:, None, None]) / self.std[:, None, None]

    def batch(self, indices: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.images.x[indices]
        if self.augment is not None:
            x = torch.stack([self.augment(image) for image in x])
        return self.floats(x), self.images.y[indices]


def accuracy(model: torch.nn.Module, batches: Batches, images: Images, device: str) -> float:
    """The share of `images` (normalised as `batches` normalises) whose top class is the label, in eval mode."""
    model.eval()
    return shared.accuracy(model, images.x, images.y, device, prepare=batches.floats, batch=512)
