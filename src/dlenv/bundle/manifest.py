"""A bundle's dlenv-bundle.json (what it is for, every file with its SHA-256 and size) and README.txt."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from dlenv.datasets.download import sha256_of

MANIFEST = "dlenv-bundle.json"  # the first cell finds a bundle by this name under /kaggle/input
README = "README.txt"
FORMAT = 1  # dlenv-bundle.json's own version: a reader refuses a newer one


@dataclass(frozen=True)
class BundleFile:
    name: str
    sha256: str
    size: int

    @classmethod
    def of(cls, path: Path) -> BundleFile:
        return cls(path.name, sha256_of(path), path.stat().st_size)


@dataclass(frozen=True)
class Manifest:
    dlenv_version: str
    dlenv_wheel: str  # its file name
    dlenv_source: str  # "built from the checkout ...", "dlenv X from the package index"
    platform: str
    image: dict[str, str] | None  # {"variant", "recorded"}; None: the environment dlenv ran in
    python: str
    platform_tags: tuple[str, ...]
    row: str
    requirements: tuple[str, ...]  # what the bootstrap installs, as asked for
    kept: tuple[str, ...]  # the platform's own builds, never in the bundle
    files: tuple[BundleFile, ...]

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data = {"format": FORMAT, **data, "size": self.size}
        for key in ("platform_tags", "requirements", "kept"):
            data[key] = list(data[key])
        data["files"] = [asdict(f) for f in self.files]
        return data


def readme(manifest: Manifest) -> str:
    """How to install from the bundle, for whoever opens the folder."""
    for_what = f"{manifest.platform}/{manifest.image['variant']}" if manifest.image else manifest.platform
    return f"""dlenv bundle: dlenv {manifest.dlenv_version} and what dlenv.bootstrap() installs (row {manifest.row})
for {for_what}, Python {manifest.python}, with no package index.

Install from this folder (BUNDLE):

    pip install --no-index --find-links BUNDLE dlenv
    PIP_NO_INDEX=1 PIP_FIND_LINKS=BUNDLE dlenv bootstrap

In a notebook, set the variables before the bootstrap so its pip install uses the folder too:

    import os; os.environ.update(PIP_NO_INDEX="1", PIP_FIND_LINKS="BUNDLE")
    import dlenv; dlenv.bootstrap()

On Kaggle, attach the dataset: the first cell of `dlenv notebook --platform kaggle` finds it.
Kept from the platform, never in the bundle: {" ".join(manifest.kept) or "nothing"}.
{MANIFEST} lists every file with its SHA-256 and size.
"""
