"""dlenv's own wheel for a bundle: built from the checkout dlenv runs from, else this version from PyPI."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from dlenv import __version__
from dlenv.bundle.wheelhouse import pip_reason
from dlenv.errors import FAILED, DlenvError
from dlenv.paths import checkout_root


@dataclass(frozen=True)
class DlenvWheel:
    path: Path
    source: str  # for people: where it came from


def dlenv_wheel(dest: Path) -> DlenvWheel:
    """Build dlenv's wheel into `dest` from the checkout (pip wheel --no-deps), or download the installed
    version's from the package index."""
    root = checkout_root()
    if root is not None:
        command = ["wheel", "--no-deps", "--wheel-dir", str(dest), str(root)]
        source = f"built from the checkout {root}"
    else:
        command = ["download", "--no-deps", "--only-binary=:all:", "--dest", str(dest), f"dlenv=={__version__}"]
        source = f"dlenv {__version__} from the package index"
    proc = subprocess.run([sys.executable, "-m", "pip", *command], capture_output=True, text=True)
    wheels = sorted(dest.glob("dlenv-*.whl"))
    if proc.returncode != 0 or not wheels:
        raise DlenvError(f"dlenv's wheel ({source}): {pip_reason(proc.stdout + proc.stderr)}", exit_code=FAILED)
    return DlenvWheel(wheels[-1], source)
