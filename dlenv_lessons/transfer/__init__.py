"""Transfer learning: a pretrained ResNet fine-tuned on a few labelled images, against training from scratch."""

NEEDS = ("torchvision",)  # the row pins it to its torch (envs/matrix.toml)
