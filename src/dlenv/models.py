"""Pretrained model weights for the LLM lessons: a local folder, or a Hugging Face hub id fetched into
the platform's cache (through the mirror in HF_ENDPOINT when `dlenv bootstrap` set one).

    >>> from dlenv.models import model_path
    >>> model_path("Qwen/Qwen2.5-0.5B")   # -> the snapshot folder, for from_pretrained()
"""

from __future__ import annotations

import re
from pathlib import Path

from dlenv.errors import DlenvError
from dlenv.platforms import Platform, detect

HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*$")


def model_path(model: str, *, platform: Platform | None = None) -> Path:
    """The folder holding `model`'s config and weights: `model` itself when it is a folder, else the
    hub snapshot of `org/name`, downloaded once into the platform's cache (resumable, verified by the hub)."""
    if Path(model).expanduser().is_dir():
        return Path(model).expanduser()
    if not HUB_ID.match(model):
        raise DlenvError(f"model '{model}' is neither a folder nor a Hugging Face id like org/name")
    platform = platform or detect()
    try:
        from huggingface_hub import snapshot_download
        from huggingface_hub.errors import GatedRepoError, LocalEntryNotFoundError, RepositoryNotFoundError
    except ImportError:
        raise DlenvError("huggingface_hub is not installed", hint="pip install 'dlenv[llm]'") from None
    cache = Path(platform.cache_dir) / "models"
    try:
        # Weights and config only: the hub's other formats (gguf, onnx, original checkpoints) can be gigabytes.
        allow = ["*.json", "*.safetensors", "*.model", "*.txt", "*.tiktoken", "*.py"]
        return Path(snapshot_download(model, cache_dir=cache, allow_patterns=allow))
    except GatedRepoError:
        raise DlenvError(f"model '{model}' is gated", hint="accept its licence on the hub and set HF_TOKEN") from None
    except RepositoryNotFoundError:
        hint = "check the id, e.g. Qwen/Qwen2.5-0.5B"
        raise DlenvError(f"no model '{model}' on the Hugging Face hub", hint=hint) from None
    except LocalEntryNotFoundError:
        raise DlenvError(
            f"cannot download model '{model}' and no copy is cached in {cache}",
            hint=f"where there is a network: hf download {model} --local-dir DIR; then pass --set model=DIR "
            "(or set HF_ENDPOINT to a mirror: dlenv bootstrap --mirror cn)",
        ) from None
