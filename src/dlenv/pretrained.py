"""Pretrained model weights for the LLM lessons: a local folder, or a Hugging Face hub id fetched into
the platform's cache (through the mirror in HF_ENDPOINT when `dlenv bootstrap` set one).

    >>> from dlenv.pretrained import model_path
    >>> model_path("Qwen/Qwen2.5-0.5B")   # -> the snapshot folder, for from_pretrained()
"""

from __future__ import annotations

from pathlib import Path

from dlenv.errors import DlenvError
from dlenv.hub import REPO_ID, download_elsewhere, hub_snapshot
from dlenv.platforms import Platform, detect

# Weights and config only: the hub's other formats (gguf, onnx, original checkpoints) can be gigabytes.
WEIGHTS = ["*.json", "*.safetensors", "*.model", "*.txt", "*.tiktoken", "*.py"]


def model_path(model: str, *, platform: Platform | None = None) -> Path:
    """The folder holding `model`'s config and weights: `model` itself when it is a folder, else the
    hub snapshot of `org/name`, downloaded once into the platform's cache (resumable, verified by the hub)."""
    if Path(model).expanduser().is_dir():
        return Path(model).expanduser()
    if not REPO_ID.match(model):
        raise DlenvError(f"model '{model}' is neither a folder nor a Hugging Face id like org/name")
    platform = platform or detect()
    offline = download_elsewhere(model, "model", then="pass --set model=DIR")
    return hub_snapshot(model, "model", Path(platform.cache_dir) / "models", WEIGHTS, offline_hint=offline)
