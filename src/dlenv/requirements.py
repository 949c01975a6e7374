"""What each matrix row installs: the pip requirement lines that render, Docker and the resolver share."""

from __future__ import annotations

from dataclasses import dataclass

from dlenv.facts import version_tuple
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

    @property
    def pythons(self) -> tuple[str, ...]:
        """The Pythons this environment installs on: a separate TensorFlow's may be fewer than the row's."""
        if self.suffix == "-tf" and self.row.tensorflow_python is not None:
            return self.row.tensorflow_python
        return self.row.python

    def summary(self) -> str:
        """The environment in one line, as its generated files' headers say it (Row.summary, its own Pythons)."""
        return self.row.summary(python=self.pythons)

    @property
    def python_default(self) -> str:
        """The Python a conda environment of it gets: its newest."""
        return max(self.pythons, key=version_tuple)


def tensorflow_requirement(row: Row) -> str:
    # tensorflow-cpu is the same code without the CUDA kernels (a third of the download); on a CUDA
    # row the [and-cuda] extra brings TF's own CUDA and cuDNN wheels, so only the driver matters.
    assert row.tensorflow is not None
    if row.cuda is None:
        return f"tensorflow-cpu=={row.tensorflow}"
    return f"tensorflow[and-cuda]=={row.tensorflow}"


def torch_builds(row: Row) -> list[str]:
    """torch and the torchvision/torchaudio built for it: one build, installed and kept together (a
    torchvision wheel requires its torch exactly, so a lone `pip install torchvision` replaces torch)."""
    lines = [f"torch=={row.torch}", f"torchvision=={row.torchvision}"]
    if row.torchaudio:
        lines.append(f"torchaudio=={row.torchaudio}")
    return lines


def cudnn_wheel(row: Row) -> str | None:
    """The cuDNN wheel the row's torch pins: nvidia-cudnn-cu11 for CUDA 11.8, -cu12, -cu13 ([pypi] in
    envs/matrix.toml); None for the cpu row."""
    if row.cuda is None or row.cudnn is None:
        return None
    return f"nvidia-cudnn-cu{row.cuda.split('.')[0]}=={row.cudnn}"


def constraints(row: Row) -> list[str]:
    """What no later pip install in the row's environment may change (envs/constraints/<row>.txt, the
    image's PIP_CONSTRAINT, the bootstrap's own pip run): torch's build and the cuDNN it brings, which
    a newer TensorFlow or a stray `pip install -U nvidia-cudnn-cu12` would otherwise upgrade. Versions
    only, no index options: where a build comes from is the install command's business (the row's
    requirements file names its index), and PIP_CONSTRAINT applies to every install, whatever its index."""
    cudnn = cudnn_wheel(row)
    return [*torch_builds(row), *([cudnn] if cudnn else [])]


def environments(row: Row) -> list[Environment]:
    torch_stack = [
        *torch_builds(row),
        # [torch] makes the resolver see transformers' own floor on torch (5.15+ needs torch>=2.6)
        f"transformers[torch]=={row.transformers}",
        f"peft=={row.peft}",
        f"trl=={row.trl}",
        f"bitsandbytes=={row.bitsandbytes}",
    ]
    indexes = (row.torch_index,) if row.torch_index else ()
    if row.tensorflow_env == "shared":
        torch_stack.insert(len(torch_builds(row)), tensorflow_requirement(row))
    envs = [Environment(row, "", tuple(torch_stack), indexes)]
    if row.tensorflow_env == "separate":
        envs.append(Environment(row, "-tf", (tensorflow_requirement(row),), ()))
    return envs
