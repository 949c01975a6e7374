"""`dlenv bundle`: a wheelhouse for a notebook that cannot reach a package index (a Kaggle competition
with the internet off) — dlenv's wheel and everything dlenv.bootstrap() would install on the platform's
image, downloaded for its Python and platform tags, never the platform's own torch, TensorFlow or numpy.

target.py says what the bundle is for, wheelhouse.py runs pip, manifest.py describes the result,
kaggle.py uploads it; build() puts it together in a folder beside --out and renames it into place, so
an interrupted run leaves the old bundle or none, never half of one.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dlenv import __version__
from dlenv.bootstrap import InstallPlan
from dlenv.bundle.dlenv_wheel import DlenvWheel, dlenv_wheel
from dlenv.bundle.manifest import MANIFEST, README, BundleFile, Manifest, readme
from dlenv.bundle.target import Target
from dlenv.bundle.wheelhouse import pip_download
from dlenv.errors import DlenvError
from dlenv.fileio import atomic_write


@dataclass(frozen=True)
class Bundle:
    path: Path
    manifest: Manifest
    warnings: tuple[str, ...]


def default_out(found: Target) -> Path:
    return Path(f"dlenv-bundle-{found.platform}-py{found.python}")


def build(found: Target, plan: InstallPlan, out: Path, wheel: Callable[[Path], DlenvWheel] = dlenv_wheel) -> Bundle:
    """The bundle for `found` of what `plan` installs, at `out` (an older bundle there is replaced);
    `wheel` puts dlenv's own wheel into the folder it is given."""
    out = out.absolute()
    if out.exists() and not (out / MANIFEST).is_file() and (not out.is_dir() or any(out.iterdir())):
        raise DlenvError(f"--out {out} exists and is no dlenv bundle", hint="name a new folder or a bundle's")
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
    try:
        own = wheel(work)
        download = pip_download(
            [str(own.path), *plan.requirements],
            list(plan.constraints),
            found.installed,
            python=found.python,
            platform_tags=found.platform_tags,
            abi=found.abi,
            dest=work,
            index_urls=plan.index_urls,
        )
        manifest = _manifest(found, plan, own, work, download.wheels)
        _replace(out, work)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return Bundle(out, manifest, found.warnings + plan.warnings)


def _manifest(found: Target, plan: InstallPlan, own: DlenvWheel, work: Path, wheels: tuple[Path, ...]) -> Manifest:
    files = tuple(BundleFile.of(path) for path in wheels)
    image = {"variant": found.image.variant, "recorded": found.image.recorded} if found.image else None
    kept = tuple(pin for pin in plan.constraints if pin.split("==")[0] in found.installed)
    manifest = Manifest(
        __version__, own.path.name, own.source, found.platform, image, found.python, found.platform_tags,
        plan.row.name, plan.requirements, kept, files,
    )  # fmt: skip
    atomic_write(work / README, readme(manifest))
    manifest = dataclasses.replace(manifest, files=(*files, BundleFile.of(work / README)))
    atomic_write(work / MANIFEST, json.dumps(manifest.as_json(), indent=2) + "\n")
    return manifest


def _replace(out: Path, work: Path) -> None:
    """`work` becomes `out`; an older bundle at `out` goes only once the new one is in place."""
    work.chmod(0o755)  # mkdtemp made it 0700
    if not out.exists():
        work.rename(out)
        return
    old = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.old."))
    out.rename(old / out.name)
    work.rename(out)
    shutil.rmtree(old, ignore_errors=True)
