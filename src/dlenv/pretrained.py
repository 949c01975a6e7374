"""Pretrained model weights for the LLM lessons: a local folder, a Hugging Face hub id, or a ModelScope id
(`modelscope:ORG/NAME`), fetched into the platform's cache. A hub id goes through the mirror in HF_ENDPOINT
or the platform's; on AI Studio and PAI-DSW it falls back to the same model on ModelScope (dlenv.mainland).

    >>> from dlenv.pretrained import model_path
    >>> model_path("Qwen/Qwen2.5-0.5B")   # -> the snapshot folder, for from_pretrained()
"""

from __future__ import annotations

from pathlib import Path

from dlenv import hub, modelscope
from dlenv.errors import DlenvError
from dlenv.hub import REPO_ID
from dlenv.mainland import first_that_answers
from dlenv.platforms import Platform, detect

# Weights and config only: the hub's other formats (gguf, onnx, original checkpoints) can be gigabytes.
WEIGHTS = ["*.json", "*.safetensors", "*.model", "*.txt", "*.tiktoken", "*.py"]
THEN = "pass --set model=DIR"


def model_path(model: str, *, platform: Platform | None = None) -> Path:
    """The folder holding `model`'s config and weights: `model` itself when it is a folder, else the
    snapshot of `org/name` (Hugging Face) or `modelscope:org/name`, downloaded once into the platform's
    cache (resumable, verified by the hub)."""
    if Path(model).expanduser().is_dir():
        return Path(model).expanduser()
    source, _, repo_id = model.rpartition(":")
    if source not in ("", "hf", "modelscope") or not REPO_ID.match(repo_id):
        raise DlenvError(
            f"model '{model}' is neither a folder nor a model id like org/name (Hugging Face) or modelscope:org/name"
        )
    platform = platform or detect()
    return first_that_answers(model, platform, lambda route: _snapshot(route, platform))


def _snapshot(route: str, platform: Platform) -> Path:
    source, _, repo_id = route.partition(":")
    models = Path(platform.cache_dir) / "models"
    if source == "modelscope":
        offline = modelscope.download_elsewhere(repo_id, "model", then=THEN)
        return modelscope.modelscope_snapshot(repo_id, "model", models / "modelscope", WEIGHTS, offline_hint=offline)
    offline = hub.download_elsewhere(repo_id, "model", then=THEN)
    endpoint = hub.endpoint_for(platform.mirror)
    return hub.hub_snapshot(repo_id, "model", models, WEIGHTS, offline_hint=offline, endpoint=endpoint)
