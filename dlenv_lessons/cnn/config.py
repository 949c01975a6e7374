"""The cnn lesson's settings: defaults, the --smoke values, and the bounds a --set value must keep."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dlenv.runner.config import require

VARIANTS = ("plain", "batchnorm", "selu", "separable")


@dataclass
class Config:
    # shapes: generated offline; mnist, fashion_mnist: torchvision's classes; cifar10: Kaggle's competition
    # files; folder: an ImageFolder tree with train/ and val/ (or a kaggle:owner/slug dataset of one)
    dataset: Literal["shapes", "mnist", "fashion_mnist", "cifar10", "folder"] = "shapes"
    data_dir: str = ""  # where that dataset's files are; empty: generated, downloaded, or the platform's mount
    variants: str = ",".join(VARIANTS)  # which of the four to train, comma-separated
    image_size: int = 32  # shapes are drawn at this size; cifar10 and folder images are resized to it
    train_images: int = 3000  # at most this many training images (0: all); shapes makes exactly these
    val_images: int = 500  # held out of training for validation: the best checkpoint, early stopping
    test_images: int = 1000  # at most this many test images (0: all) for the reported accuracy
    steps: int = 400  # per variant
    batch_size: int = 64
    lr: float = 3e-3
    width: int = 16  # channels of the first stage; the others have 2x and 4x
    dropout: float = 0.1
    validate_every: int = 50
    patience: int = 4  # validations without a better accuracy before a variant stops early; 0: never
    augment_images: int = 150  # a small training set, trained with and without augmentation; 0: skip
    augment: Literal["flip_crop", "flip_crop_colour"] = "flip_crop"  # dlenv_lessons._vision.images.augmentation
    augment_variant: Literal["plain", "batchnorm", "selu", "separable"] = "batchnorm"

    def __post_init__(self) -> None:
        require(
            self,
            positive=("steps", "batch_size", "lr", "val_images", "validate_every"),
            at_least={"image_size": 8, "width": 4, "train_images": 0, "test_images": 0, "patience": 0,
                      "augment_images": 0},
            fractions=("dropout",),
            lists_of={"variants": VARIANTS},
        )  # fmt: skip


SMOKE = {"steps": 120, "train_images": 2000, "test_images": 500, "val_images": 300, "validate_every": 40,
         "augment_images": 150}  # fmt: skip
