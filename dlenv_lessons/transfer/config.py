"""The transfer lesson's settings: defaults, the --smoke values, and the bounds a --set value must keep."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dlenv.errors import DlenvError
from dlenv.runner.config import require

ARCHS = ("resnet10", "resnet18", "resnet34", "resnet50")


@dataclass
class Config:
    arch: Literal["resnet10", "resnet18", "resnet34", "resnet50"] = "resnet10"  # resnet10: one block per stage
    # "": pretrain the backbone here, on the generated source task; IMAGENET1K_V1, IMAGENET1K_V2, DEFAULT:
    # torchvision's ImageNet weights for `arch`, from the torch hub cache (downloaded once where online)
    weights: str = ""
    data_dir: str = ""  # the target task: an ImageFolder tree with train/ and val/, or kaggle:owner/slug
    image_size: int = 32  # 224 is what ImageNet weights saw; 32 keeps the generated tasks quick on a CPU
    labelled_per_class: int = 20  # the small labelled training set of the target task; 0: all of it
    val_images: int = 100  # held out of the target's training images: the best checkpoint, early stopping
    test_images: int = 500  # at most this many test images of the target task (0: all)
    source_images: int = 3000  # the generated source task the offline backbone is pretrained on
    pretrain_steps: int = 500
    head_steps: int = 100  # the new classifier alone, on the frozen backbone
    steps: int = 200  # then everything, the backbone at backbone_lr_scale x lr; scratch trains head_steps + steps
    augment: Literal["none", "flip_crop", "flip_crop_colour"] = "flip_crop"  # of the labelled target images
    batch_size: int = 32
    lr: float = 2e-3
    backbone_lr_scale: float = 0.1
    validate_every: int = 25
    patience: int = 0  # validations without progress before a phase stops early; 0: never

    def __post_init__(self) -> None:
        require(
            self,
            positive=("steps", "pretrain_steps", "head_steps", "batch_size", "lr", "backbone_lr_scale",
                      "val_images", "validate_every", "source_images"),
            at_least={"image_size": 16, "labelled_per_class": 0, "test_images": 0, "patience": 0},
            at_most={"backbone_lr_scale": 1},
            choices={"arch": ARCHS},
        )  # fmt: skip
        if self.weights and self.arch == "resnet10":
            raise DlenvError(f"--set weights={self.weights}: resnet10 has no released weights",
                             hint="name resnet18, resnet34 or resnet50 with it: --set arch=resnet18")  # fmt: skip


SMOKE = {"pretrain_steps": 200, "head_steps": 40, "steps": 80, "source_images": 2000, "test_images": 300,
         "validate_every": 20}  # fmt: skip
