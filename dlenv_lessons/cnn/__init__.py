"""Four CNNs side by side on one image task: plain, batch norm, SELU, depthwise-separable."""

NEEDS = ("torchvision",)  # the row pins it to its torch (envs/matrix.toml)
