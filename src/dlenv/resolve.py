"""`dlenv matrix check`: prove with a real resolver (uv) that a row's pins install together.

For each of the row's Python versions and each of its environments, `uv pip compile` resolves the
pins for manylinux x86_64 without installing anything (PyPI's metadata, ~20 MB, seconds). A
resolved environment is then held to the row: its torch, torchvision and torchaudio must be the row's
builds (a torchvision that needs another torch is a conflict uv names), its torch must bring the row's
CUDA runtime (or none at all on the cpu row), and a separate TensorFlow may not need a newer CUDA than the row's driver
runs. A row that keeps TensorFlow apart must really conflict with torch, or it is told to share.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from dlenv.errors import FAILED, DlenvError
from dlenv.facts import version_tuple
from dlenv.matrix import Row
from dlenv.requirements import Environment, environments
from dlenv.torch_mirror import TORCH_INDEX_ENV, mirror_of

PLATFORM = "x86_64-manylinux_2_28"  # what Docker images, Colab, Kaggle and DSW run
CUDA_RUNTIME = re.compile(r"^nvidia-cuda-runtime(-cu(\d+))?$")
UNREACHABLE = ("Failed to fetch", "error sending request", "dns error", "Could not connect", "failed to lookup")

OutcomeStatus = Literal["ok", "conflict", "wrong-build", "wrong-cuda", "could-share", "unreachable", "error"]


@dataclass(frozen=True)
class Indexes:
    """Where the resolver looks: PyPI (or a mirror), the row's torch index (or a mirror), local wheels."""

    index_url: str | None = None  # replaces PyPI, e.g. a mirror
    torch_index: str | None = None  # replaces the row's torch index: a mirror, or a folder of wheels
    find_links: tuple[str, ...] = ()  # folders of wheels
    no_index: bool = False  # only find_links: offline, as the tests run
    torch_mirror: str | None = None  # a prefix standing in for download.pytorch.org/whl (DLENV_TORCH_INDEX)

    def mirror_of(self, index_url: str) -> str | None:
        """The torch mirror's folder for the row's torch index, if a mirror is set."""
        return mirror_of(index_url, {TORCH_INDEX_ENV: self.torch_mirror or ""})


@dataclass(frozen=True)
class Outcome:
    row: str
    env: str  # the environment's name: "cu126", "cu124-tf", or "cu124+tf" for the combined probe
    python: str
    status: OutcomeStatus
    detail: str
    pins: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def as_json(self) -> dict[str, Any]:
        return {"row": self.row, "env": self.env, "python": self.python, "status": self.status, "detail": self.detail}


@dataclass(frozen=True)
class Resolution:
    """What `dlenv matrix check` found: one outcome per row, environment and Python; ok when all are."""

    outcomes: tuple[Outcome, ...]

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.outcomes)

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "results": [o.as_json() for o in self.outcomes]}


def uv_binary() -> str:
    try:
        from uv import find_uv_bin  # the PyPI package `uv` ships the binary
    except ImportError:
        found = shutil.which("uv")
    else:
        found = find_uv_bin()
    if not found:
        raise DlenvError("uv is not installed", hint="pip install uv  (or pip install 'dlenv[dev]')", exit_code=FAILED)
    return found


def compile_args(env: Environment, python: str, indexes: Indexes) -> list[str]:
    args = [
        "pip",
        "compile",
        "-",
        "--python-version",
        python,
        "--python-platform",
        PLATFORM,
        "--no-header",
        "--no-annotate",
        "--no-config",
        "--quiet",
        # resolving for another Python needs only its version, never an interpreter download
        "--no-python-downloads",
        # pip's semantics: every index is searched for every package, the best version wins
        "--index-strategy",
        "unsafe-best-match",
    ]
    if indexes.no_index:
        args.append("--no-index")
    elif indexes.index_url:
        args += ["--default-index", indexes.index_url]
    for url in env.index_urls:
        replacement = indexes.torch_index or url
        mirrored = None if indexes.torch_index else indexes.mirror_of(url)
        if Path(replacement).is_dir():  # a folder of wheels stands in for the index
            args += ["--find-links", replacement]
        elif indexes.no_index:
            continue
        elif mirrored:  # the mirror's flat page of the build's wheels
            args += ["--find-links", mirrored]
        else:
            args += ["--index", replacement]
    for folder in indexes.find_links:
        args += ["--find-links", folder]
    return args


def parse_pins(text: str) -> dict[str, str]:
    pins = {}
    for line in text.splitlines():
        name, sep, version = line.strip().partition("==")
        if sep:
            pins[re.sub(r"\[.*\]", "", name).lower()] = version
    return pins


def conflict_line(stderr: str) -> str:
    """uv's explanation squeezed into one line: 'torch==2.7.1 depends on X==1 and tensorflow... depends on X==2'."""
    text = " ".join(stderr.split())
    match = re.search(r"Because (.+?),? we can conclude", text)
    line = match[1] if match else text
    return re.sub(r"\{[^}]*\}", "", line).replace("  ", " ").strip()


def cuda_runtime(pins: dict[str, str]) -> str | None:
    """The CUDA major.minor of the resolved nvidia-cuda-runtime wheel, or None for a CPU build."""
    for name, version in pins.items():
        if CUDA_RUNTIME.match(name):
            return ".".join(version.split(".")[:2])
    return None


def other_builds(row: Row, pins: dict[str, str]) -> str | None:
    """Where the resolved torch, torchvision or torchaudio is not the row's build (another local label, say
    a +cu118 torchvision from a folder of wheels for a PyPI row), in words; None when all are the row's."""
    wanted = {"torch": row.torch, "torchvision": row.torchvision, "torchaudio": row.torchaudio}
    for name, version in wanted.items():
        if version is not None and pins.get(name) != version:
            got = f"{name}=={pins[name]}" if name in pins else f"no {name}"
            return f"resolved {got}, the row pins {name}=={version}"
    return None


def _hold_to_row(env: Environment, python: str, pins: dict[str, str]) -> Outcome:
    row, runtime = env.row, cuda_runtime(pins)

    def outcome(status: OutcomeStatus, detail: str) -> Outcome:
        return Outcome(row.name, env.name, python, status, detail, pins)

    if env.suffix == "-tf":
        assert row.cuda is not None
        if (
            runtime is None
            or runtime.split(".")[0] != row.cuda.split(".")[0]
            or version_tuple(runtime) > version_tuple(row.cuda)
        ):
            return outcome(
                "wrong-cuda",
                f"TensorFlow brings CUDA {runtime}, which the row's driver (CUDA {row.cuda}) does not cover",
            )
        return outcome("ok", f"{len(pins)} packages, TensorFlow's CUDA {runtime}")
    if (other := other_builds(row, pins)) is not None:
        return outcome("wrong-build", other)
    if row.cuda is None and runtime is not None:
        return outcome(
            "wrong-cuda",
            f"torch=={pins.get('torch')} resolved to a CUDA {runtime} build; the cpu row needs its CPU build",
        )
    if row.cuda is not None and runtime != row.cuda:
        return outcome("wrong-cuda", f"torch=={pins.get('torch')} resolved to CUDA {runtime}, the row says {row.cuda}")
    return outcome("ok", f"{len(pins)} packages, " + (f"CUDA runtime {runtime}" if runtime else "no CUDA libraries"))


def compile_env(env: Environment, python: str, indexes: Indexes, uv: str) -> Outcome:
    """Resolve one environment for one Python; classify what uv says."""
    proc = subprocess.run(
        [uv, *compile_args(env, python, indexes)],
        input="\n".join(env.requirements) + "\n",
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode == 0:
        return _hold_to_row(env, python, parse_pins(proc.stdout))
    stderr = proc.stderr
    if "No solution found" in stderr:
        return Outcome(env.row.name, env.name, python, "conflict", conflict_line(stderr))
    if any(marker in stderr for marker in UNREACHABLE):
        # name the index, not the package page uv happened to ask for first
        tried = [indexes.torch_index or indexes.mirror_of(url) or url for url in env.index_urls] + [
            indexes.index_url or "https://pypi.org/simple"
        ]
        url = next((u for u in tried if u and u.rstrip("/") in stderr), "an index")
        return Outcome(env.row.name, env.name, python, "unreachable", f"cannot reach {url}")
    return Outcome(env.row.name, env.name, python, "error", " ".join(stderr.split())[:300])


def check_row(row: Row, pythons: list[str], indexes: Indexes, uv: str | None = None) -> list[Outcome]:
    uv = uv or uv_binary()
    outcomes = []
    envs = environments(row)
    for python in pythons:
        here = [env for env in envs if python in env.pythons]  # a separate TensorFlow may skip the newest Python
        outcomes += [compile_env(env, python, indexes, uv) for env in here]
        if len(here) == 2:
            outcomes.append(_probe_together(envs, python, indexes, uv))
    return outcomes


def _probe_together(envs: list[Environment], python: str, indexes: Indexes, uv: str) -> Outcome:
    """A 'separate' row must conflict when TensorFlow joins torch; if it resolves, it should share."""
    main, tf = envs
    together = Environment(main.row, "+tf", main.requirements + tf.requirements, main.index_urls)
    result = compile_env(together, python, indexes, uv)
    if result.status == "conflict":
        return Outcome(main.row.name, together.name, python, "ok", f"apart, as the row says: {result.detail}")
    if result.status == "ok":
        return Outcome(
            main.row.name,
            together.name,
            python,
            "could-share",
            'torch and TensorFlow resolve together: set tensorflow_env = "shared"',
        )
    return result
