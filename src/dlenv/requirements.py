"""What each matrix row installs: the pip requirement lines that render, Docker and the resolver share."""

from __future__ import annotations

from dataclasses import dataclass

from dlenv.matrix import Row


@dataclass(frozen=True)
class Environment:
    """One Python environment of a row: the torch stack, or TensorFlow where it must live apart."""

    row: Row
    suffix: str  # "" for the row's main environment, "-tf" for a separate TensorFlow one
    requirements: tuple[str, ...]
    index_urls: tuple[str, ...]  # extra indexes on top of PyPI

    @property
    def name(self) -> str:
        return self.row.name + self.suffix


def tensorflow_requirement(row: Row) -> str:
    # tensorflow-cpu is the same code without the CUDA kernels (a third of the download); on a CUDA
    # row the [and-cuda] extra brings TF's own CUDA and cuDNN wheels, so only the driver matters.
    assert row.tensorflow is not None
    if row.cuda is None:
        return f"tensorflow-cpu=={row.tensorflow}"
    return f"tensorflow[and-cuda]=={row.tensorflow}"


def environments(row: Row) -> list[Environment]:
    torch_stack = [
        f"torch=={row.torch}",
        # [torch] makes the resolver see transformers' own floor on torch (5.15+ needs torch>=2.6)
        f"transformers[torch]=={row.transformers}",
        f"peft=={row.peft}",
        f"trl=={row.trl}",
        f"bitsandbytes=={row.bitsandbytes}",
    ]
    indexes = (row.torch_index,) if row.torch_index else ()
    if row.tensorflow_env == "shared":
        torch_stack.insert(1, tensorflow_requirement(row))
    envs = [Environment(row, "", tuple(torch_stack), indexes)]
    if row.tensorflow_env == "separate":
        envs.append(Environment(row, "-tf", (tensorflow_requirement(row),), ()))
    return envs
