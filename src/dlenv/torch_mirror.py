"""The PyTorch wheel mirror: DLENV_TORCH_INDEX stands in for PyTorch's own index wherever a row's torch installs.

A row's `torch_index` is one build folder of PyTorch's index (https://download.pytorch.org/whl/cpu, .../cu118).
With DLENV_TORCH_INDEX set to a mirror's prefix (https://mirrors.aliyun.com/pytorch-wheels), that folder is
read from the mirror's folder of the same name instead. Mainland mirrors serve each folder as one flat page of
wheel links, not a PEP 503 index, so pip reads it with --find-links.

Standard library only: the noxfile imports it, and each Dockerfile runs it on the row's requirements file
(`python3 torch_mirror.py FILE...`) before pip, so one swap serves nox, the bootstrap and the images.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

TORCH_INDEX_ENV = "DLENV_TORCH_INDEX"  # dlenv's own: the prefix of a mirror of PyTorch's wheel folders
# PyTorch's index, one folder per build (https://pytorch.org/get-started/locally/: --index-url .../whl/cu118)
PYTORCH_INDEX = "https://download.pytorch.org/whl/"
EXTRA_INDEX = "--extra-index-url"


def mirror_of(index_url: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The mirror's folder for a build folder of PyTorch's index ('.../pytorch-wheels/cu118/'); None when
    DLENV_TORCH_INDEX is unset or empty, or `index_url` is not PyTorch's."""
    environ = os.environ if environ is None else environ
    prefix = environ.get(TORCH_INDEX_ENV, "").strip().rstrip("/")
    if not prefix or not index_url.startswith(PYTORCH_INDEX):
        return None
    build = index_url.removeprefix(PYTORCH_INDEX).strip("/")
    return f"{prefix}/{build}/"


def index_args(index_urls: tuple[str, ...] | list[str], environ: Mapping[str, str] | None = None) -> list[str]:
    """pip's options for a row's torch indexes: the mirror's folder (--find-links) where one is set, else the
    index itself (--extra-index-url)."""
    args = []
    for url in index_urls:
        mirrored = mirror_of(url, environ)
        args += ["--find-links", mirrored] if mirrored else [EXTRA_INDEX, url]
    return args


def swap_requirements(text: str, environ: Mapping[str, str] | None = None) -> str:
    """A requirements file with its `--extra-index-url` lines of PyTorch's index pointed at the mirror."""
    lines = []
    for line in text.splitlines():
        option, _, url = line.partition(" ")
        if option == EXTRA_INDEX and url.strip():
            line = " ".join(index_args([url.strip()], environ))
        lines.append(line)
    return "\n".join(lines) + ("\n" if text.endswith("\n") else "")


def main(argv: list[str]) -> int:
    """Rewrite each requirements file in place (the images' build step); nothing changes without a mirror."""
    for name in argv:
        path = Path(name)
        path.write_text(swap_requirements(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
