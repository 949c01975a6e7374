"""How much GPU memory a lesson needs at its peak: counted from the lesson's real model, never typed in.

A lesson's `memory` module (dlenv_lessons/NAME/memory.py) says how it builds its model and one training
batch from its config; this module counts. PyTorch models are built on the meta device, which gives every
tensor its shape and dtype but allocates nothing, so even a 7B model is counted in a second on a laptop:

    parameters    every distinct weight storage (tied embeddings once), in the dtype the lesson trains in
    gradients     one per trainable parameter, same dtype
    optimizer     Adam / AdamW keep two moments per trainable parameter (Kingma & Ba, 2015, Algorithm 1);
                  plain SGD none
    activations   what autograd saves for backward during one forward pass of one batch, counted with
                  torch.autograd.graph.saved_tensors_hooks, each storage once, the weights left out
    overhead      the CUDA context and the kernels it loads (CUDA_CONTEXT_MIB)

Keras models are counted from model.count_params() and their layers' output shapes for one batch.
A model the lesson holds without training it (a frozen reference, a model it only prompts) is counted by
count_inference: its weights and the outputs of one forward pass, nothing for backward.
A lesson that puts nothing on a GPU says so in its memory module: NO_GPU, the reason, and need() None.
Importing this module imports no framework; each counter imports its own.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

MIB = 2**20
# The CUDA context and the kernels loaded into it, before any tensor: nvidia-smi shows about 780 MB for a
# process that only initialised torch's CUDA (pytorch/pytorch#34323); since CUDA 11.7, lazy module loading
# (CUDA_MODULE_LOADING=LAZY, torch's default) loads kernels as they are first used, leaving some 300-500 MiB
# (https://docs.nvidia.com/cuda/cuda-c-programming-guide/index.html#lazy-loading). dlenv plans for 500.
CUDA_CONTEXT_MIB = 500
ADAM_MOMENTS = 2  # exp_avg and exp_avg_sq, each the size of the parameter (torch.optim.Adam's state)
OPTIMIZER_STATES = {"adam": ADAM_MOMENTS, "adamw": ADAM_MOMENTS, "sgd": 0}
Optimizer = Literal["adam", "adamw", "sgd"]
Basis = Literal["estimated", "measured"]


@dataclass(frozen=True)
class Need:
    """The GPU memory one training step of a lesson holds at its peak, in bytes, by what holds it."""

    parameters: int
    gradients: int
    optimizer: int
    activations: int
    overhead: int = CUDA_CONTEXT_MIB * MIB
    basis: Basis = "estimated"

    @property
    def total(self) -> int:
        return self.parameters + self.gradients + self.optimizer + self.activations + self.overhead

    @property
    def mib(self) -> int:
        return -(-self.total // MIB)  # rounded up: a plan should not come out a byte short

    def __add__(self, other: Need) -> Need:
        """Two models held at once (DPO's policy beside its frozen reference): one CUDA context."""
        return Need(
            self.parameters + other.parameters,
            self.gradients + other.gradients,
            self.optimizer + other.optimizer,
            self.activations + other.activations,
            max(self.overhead, other.overhead),
            self.basis if self.basis == other.basis else "estimated",
        )

    def as_json(self) -> dict[str, Any]:
        parts = ("parameters", "gradients", "optimizer", "activations", "overhead")
        return {"mib": self.mib, "basis": self.basis, **{p: -(-getattr(self, p) // MIB) for p in parts}}


def _storage(tensor: Any) -> int:
    """An id of the memory a tensor lives in: views and tied weights share it."""
    return tensor.untyped_storage()._cdata


def count_torch(
    build: Callable[[], Any],
    loss_of: Callable[[Any], Any],
    optimizer: Optimizer = "adam",
    frozen_dtype_bytes: Callable[[str, Any], int] | None = None,
    device: Literal["meta", "cpu"] = "meta",
) -> Need:
    """Build a model with `build()` on the meta device and count what one training step of it holds.

    `loss_of(model)` runs one batch (its tensors made inside, so on the meta device too) and returns what
    backward starts from. `frozen_dtype_bytes(name, parameter)`, when given, says how many bytes a frozen
    parameter really takes (a 4-bit weight); the others take their dtype's size. device="cpu" counts a small
    model whose forward reads its data (pack_padded_sequence sorts by the lengths), which meta cannot."""
    import torch

    with torch.device(device):
        model = build()
        weights: dict[int, int] = {}
        trainable: dict[int, int] = {}
        for name, parameter in model.named_parameters(remove_duplicate=False):
            size = parameter.numel() * parameter.element_size()
            if not parameter.requires_grad and frozen_dtype_bytes is not None:
                size = frozen_dtype_bytes(name, parameter)
            weights[_storage(parameter)] = size
            if parameter.requires_grad:
                trainable[_storage(parameter)] = size
        saved: dict[int, int] = {}

        def keep(tensor: Any) -> Any:
            if _storage(tensor) not in weights:
                saved[_storage(tensor)] = tensor.untyped_storage().nbytes()
            return tensor

        with torch.autograd.graph.saved_tensors_hooks(keep, lambda tensor: tensor):
            loss = loss_of(model)
        saved[_storage(loss)] = loss.untyped_storage().nbytes()
    learnt = sum(trainable.values())
    return Need(sum(weights.values()), learnt, OPTIMIZER_STATES[optimizer] * learnt, sum(saved.values()))


def count_inference(build: Callable[[], Any], outputs_of: Callable[[Any], Any]) -> Need:
    """A model held on the GPU but never trained: its weights, and what `outputs_of(model)` returns from one
    batch without gradients (the logits, a forward pass's largest tensor); no gradients, no optimizer."""
    import torch

    def frozen() -> Any:
        return build().requires_grad_(False)

    def outputs(model: Any) -> Any:
        with torch.no_grad():
            return outputs_of(model)

    return count_torch(frozen, outputs)


def _keras_layers(model: Any) -> list[Any]:
    """Every layer of a Keras model, those of the models nested in it (side-by-side networks) included."""
    found = []
    for layer in model.layers:
        found += _keras_layers(layer) if hasattr(layer, "layers") else [layer]
    return found


def count_keras(model: Any, batch_size: int, optimizer: Optimizer = "adam") -> Need:
    """A built Keras model: float32 weights from count_params(), activations the layers' outputs for one
    batch (what backward needs of a plain stack of layers), the layers of nested models counted too."""
    import math

    trainable = sum(math.prod(w.shape) for w in model.trainable_weights) * 4
    outputs = 0
    for layer in _keras_layers(model):
        shape = layer.output.shape
        outputs += batch_size * math.prod(d for d in shape[1:] if d is not None) * 4
    return Need(model.count_params() * 4, trainable, OPTIMIZER_STATES[optimizer] * trainable, outputs)


def lesson_memory_module(name: str) -> Any | None:
    """dlenv_lessons/NAME/memory.py, imported; None for a lesson without one (not yet estimated)."""
    import importlib.util

    if importlib.util.find_spec(f"dlenv_lessons.{name}.memory") is None:
        return None
    return importlib.import_module(f"dlenv_lessons.{name}.memory")


def gpu_free_reason(name: str) -> str | None:
    """Why the lesson puts nothing on a GPU (its memory module's NO_GPU); None for one that does."""
    module = lesson_memory_module(name)
    return getattr(module, "NO_GPU", None) if module is not None else None


def lesson_need(name: str, cfg: Any) -> Need | None:
    """The lesson's need at these settings, from dlenv_lessons/NAME/memory.py; None for a lesson without
    one (not yet estimated), one that needs no GPU (NO_GPU), or one whose base model's config is out of reach."""
    module = lesson_memory_module(name)
    return module.need(cfg) if module is not None else None


def with_settings(cfg: Any, **changes: Any) -> Any:
    """The config as it would be with `changes` (a suggested --set), checked like any --set value."""
    return replace(cfg, **changes)


# --- the table the doctor reads ---------------------------------------------------------------------

TABLE_HEADER = (
    "# Each lesson's GPU memory at its defaults and at --smoke, counted from its model by dlenv.runner.memory.\n"
    "# generated by `python -m dlenv.runner.memory` - do not edit; tests/runner/test_memory.py checks it.\n"
    "# A lesson whose packages an environment lacks (transfer's torchvision) keeps the rows last counted where\n"
    "# they are installed: run it there too (nox's vision environment for transfer).\n"
)
NO_GPU_TABLE = "no_gpu"  # the table of lessons that need no GPU, each with its reason


def table_path() -> Path:
    from dlenv.lessons_catalog import lessons_dir

    return lessons_dir() / "memory.toml"


def lessons_with_estimates() -> list[str]:
    from dlenv.lessons_catalog import lesson_names, lessons_dir

    return [name for name in lesson_names() if (lessons_dir() / name / "memory.py").is_file()]


def counted_rows(name: str) -> list[str]:
    """The lesson's rows of the table, counted here; ModuleNotFoundError where a package it imports is missing."""
    from dlenv.runner import config as config_builder

    module = importlib.import_module(f"dlenv_lessons.{name}.config")
    lines = []
    for label, smoke in (("default", None), ("smoke", module.SMOKE)):
        need = lesson_need(name, config_builder.build(module.Config, smoke, []))
        if need is not None:
            lines.append(f'{label} = {{ mib = {need.mib}, basis = "{need.basis}" }}')
    return lines


def recorded_rows(name: str, recorded: dict[str, Any]) -> list[str]:
    """The lesson's rows as the table holds them, written back unchanged."""
    rows = recorded.get(name, {})
    return [f'{label} = {{ mib = {row["mib"]}, basis = "{row["basis"]}" }}' for label, row in rows.items()]


def render_table() -> str:
    """The table of every lesson's need at its defaults and at --smoke, then the lessons that need no GPU, as
    TOML. A lesson that cannot be counted here (a package missing) keeps its recorded rows."""
    import json

    recorded = recorded_needs() if table_path().is_file() else {}
    lines, gpu_free = [TABLE_HEADER], {}
    for name in lessons_with_estimates():
        try:
            reason = gpu_free_reason(name)
            rows = [] if reason else counted_rows(name)
        except ModuleNotFoundError:
            reason, rows = None, recorded_rows(name, recorded)
        if reason:
            gpu_free[name] = reason
        elif rows:
            lines += [f"[{name}]", *rows, ""]
    lines += [f"[{NO_GPU_TABLE}]  # lessons that put nothing on a GPU, and why"]
    lines += [f"{name} = {json.dumps(reason, ensure_ascii=False)}" for name, reason in gpu_free.items()]
    return "\n".join(lines) + "\n"


def _read_table(path: Path | None) -> dict[str, Any]:
    import tomllib

    return tomllib.loads((path or table_path()).read_text(encoding="utf-8"))


def recorded_needs(path: Path | None = None) -> dict[str, dict[str, dict[str, Any]]]:
    """The table as written: {lesson: {"default" | "smoke": {"mib", "basis"}}}; read without any framework."""
    return {name: rows for name, rows in _read_table(path).items() if name != NO_GPU_TABLE}


def recorded_gpu_free(path: Path | None = None) -> dict[str, str]:
    """The lessons the table says need no GPU: {lesson: why}."""
    return _read_table(path).get(NO_GPU_TABLE, {})


if __name__ == "__main__":
    from dlenv.fileio import atomic_write

    atomic_write(table_path(), render_table())
