"""Refresh the recorded images (platform/<name>/images/) from their public sources, and say what changed.

- Colab: googlecolab/backend-info publishes its runtimes' `pip freeze` and OS (pip-freeze.gpu.txt and
  os-info-gpu.txt for the GPU runtime, pip-freeze.txt and os-info.txt for the CPU one).
- Kaggle: Kaggle/docker-python's Dockerfile.tmpl builds `FROM` a Colab runtime tag
  (release-colab-external-images_YYYYMMDD-...), freezes its tensorflow/keras/torch/jax packages, and
  `uv pip install`s kaggle_requirements.txt over it. The Kaggle image is derived the same way: Colab's
  freeze as backend-info recorded it on the tag's day, with kaggle_requirements.txt resolved against it
  by `uv pip compile` (PyPI as of the Dockerfile's commit date, Colab's versions preferred).

Both repositories are read at their default branch through GitHub's API (the commit) and
raw.githubusercontent.com (the files at that commit), so each fixture names the commit it came from.
"""

from __future__ import annotations

import datetime
import json
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dlenv.errors import FAILED, DlenvError
from dlenv.fileio import atomic_write
from dlenv.platforms.images import PlatformImage, load_image, package_version
from dlenv.resolve import uv_binary

COLAB_REPO = "googlecolab/backend-info"
KAGGLE_REPO = "Kaggle/docker-python"
GITHUB_API = "https://api.github.com"  # GET /repos/{repo}/commits/{ref}: docs.github.com/en/rest/commits/commits
GITHUB_RAW = "https://raw.githubusercontent.com"  # /{repo}/{commit}/{path}
GITHUB_WEB = "https://github.com"
TIMEOUT_S = 30
# backend-info's files per runtime: (pip freeze, OS and Python)
COLAB_FILES = {"gpu": ("pip-freeze.gpu.txt", "os-info-gpu.txt"), "cpu": ("pip-freeze.txt", "os-info.txt")}
COLAB_ACCELERATOR = {"gpu": "T4 GPU", "cpu": "none"}  # the free tier's GPU (research/platforms.md [S31])
COLAB_GPU_NOTE = (
    "the free tier's GPU (research/platforms.md [S31]); the paid L4, A100 and H100 runtimes run this image too"
)
KAGGLE_ACCELERATOR = {"gpu": "T4 GPU", "cpu": "none"}  # T4 x2 is the GPU Kaggle recommends (platforms.md [S7])
# Dockerfile.tmpl: `{{ if eq .Accelerator "gpu" }} FROM .../runtime:TAG {{ else }} FROM .../cpu-runtime:TAG`
COLAB_BASE = re.compile(r"^FROM \S+/(runtime|cpu-runtime):release-colab\S*_(\d{8})-\S+$", re.MULTILINE)
BASE_VARIANT = {"runtime": "gpu", "cpu-runtime": "cpu"}
# What Dockerfile.tmpl does around `uv pip install -r /requirements.txt`
CRITICAL = re.compile(r"tensorflow|keras|torch|jax")  # `pip freeze | grep -E 'tensorflow|keras|torch|jax'`
UNINSTALLED = ("google-cloud-bigquery-storage",)  # `uv pip uninstall ... google-cloud-bigquery-storage`
INSTALLED_AFTER = ("protobuf==5.29.5", "grpcio-tools>=1.60.0", "setuptools>=70.0,<82")  # the force-reinstall line
GIT_INSTALLS = ("learntools @ git+https://github.com/Kaggle/learntools",)  # the --no-build-isolation line
GPU_ONLY = ("pycuda",)  # `{{ if eq .Accelerator "gpu" }} RUN uv pip install ... "pycuda"`
KAGGLE_PYTHON_PLATFORM = "x86_64-manylinux_2_35"  # Ubuntu 22.04's glibc 2.35 (Colab's os-info)


@dataclass(frozen=True)
class GitHub:
    """Where the sources are read: GitHub, or a local stand-in in tests."""

    api: str = GITHUB_API
    raw: str = GITHUB_RAW

    def get(self, url: str) -> bytes:
        request = urllib.request.Request(url, headers={"User-Agent": "dlenv", "Accept": "application/vnd.github+json"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
                return response.read()
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise DlenvError(
                f"cannot reach {url}: {reason}",
                hint="refreshing the platform images needs GitHub (api.github.com, raw.githubusercontent.com)",
                exit_code=FAILED,
            ) from None

    def head(self, repo: str) -> tuple[str, str]:
        """(commit, YYYY-MM-DD) of the default branch's newest commit."""
        return self._commit(json.loads(self.get(f"{self.api}/repos/{repo}/commits/HEAD")))

    def last_before(self, repo: str, day: datetime.date) -> tuple[str, str]:
        """(commit, YYYY-MM-DD) of the newest commit made on or before `day`."""
        until = f"{day.isoformat()}T23:59:59Z"
        found = json.loads(self.get(f"{self.api}/repos/{repo}/commits?until={until}&per_page=1"))
        if not found:
            raise DlenvError(f"{repo} has no commit before {day}", exit_code=FAILED)
        return self._commit(found[0])

    def text(self, repo: str, commit: str, path: str) -> str:
        return self.get(f"{self.raw}/{repo}/{commit}/{path}").decode("utf-8")

    @staticmethod
    def _commit(data: dict) -> tuple[str, str]:
        return data["sha"], data["commit"]["committer"]["date"][:10]


def blob(repo: str, commit: str, path: str) -> str:
    return f"{GITHUB_WEB}/{repo}/blob/{commit}/{path}"


def freeze_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def os_info(text: str) -> tuple[str, str]:
    """(OS, Python version) from backend-info's os-info file (`lsb_release -ds; python --version`)."""
    lines = freeze_lines(text)
    python = next((line.split()[1] for line in lines if line.startswith("Python ")), None)
    if not lines or python is None:
        raise DlenvError(f"os-info names no OS and Python: {text[:80]!r}", exit_code=FAILED)
    return lines[0], python


def fixture_text(headers: list[tuple[str, str]], lines: list[str]) -> str:
    return "".join(f"# {key}: {value}\n" for key, value in headers) + "".join(f"{line}\n" for line in lines)


def colab_fixture(source: GitHub, variant: str, commit: str, recorded: str) -> str:
    freeze, info = COLAB_FILES[variant]
    system, python = os_info(source.text(COLAB_REPO, commit, info))
    headers = [
        ("recorded", recorded),
        ("source", blob(COLAB_REPO, commit, freeze)),
        ("source", blob(COLAB_REPO, commit, info)),
        ("python", python),
        ("os", system),
        ("accelerator", COLAB_ACCELERATOR[variant]),
    ]
    if variant == "gpu":
        headers.append(("note", COLAB_GPU_NOTE))
    return fixture_text(headers, freeze_lines(source.text(COLAB_REPO, commit, freeze)))


Resolver = Callable[[list[str], list[str], str, str], list[str]]


def uv_resolve(requirements: list[str], preferred: list[str], python: str, exclude_newer: str) -> list[str]:
    """`uv pip compile` of `requirements` for the image's Python on manylinux x86_64, preferring the
    versions in `preferred` (an existing output file is uv's preferences), PyPI as of `exclude_newer`."""
    with tempfile.TemporaryDirectory() as tmp:
        wanted, out = Path(tmp) / "requirements.in", Path(tmp) / "requirements.txt"
        wanted.write_text("\n".join(requirements) + "\n", encoding="utf-8")
        out.write_text("\n".join(preferred) + "\n", encoding="utf-8")
        command = [uv_binary(), "pip", "compile", str(wanted), "-o", str(out), "--quiet",
                   "--no-header", "--no-annotate", "--python-version", ".".join(python.split(".")[:2]),
                   "--python-platform", KAGGLE_PYTHON_PLATFORM, "--exclude-newer", exclude_newer]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise DlenvError(f"uv pip compile of the Kaggle image failed: {last}", exit_code=FAILED)
        return freeze_lines(out.read_text(encoding="utf-8"))


def pin(line: str) -> str | None:
    """`torch==2.10.0` for `torch==2.10.0+cu128` or `torch @ .../torch-2.10.0%2Bcpu-...whl` (PyPI serves the same
    version without the build label, with the same requirements); None for a URL that names no version."""
    name, version = package_version(line)
    if "://" in version:
        return None
    return f"{name}=={version.split('+')[0]}"


def kaggle_lines(colab: list[str], kaggle_requirements: str, variant: str, resolved: list[str]) -> list[str]:
    """Colab's freeze with what the Kaggle Dockerfile installs over it: `resolved` versions replace Colab's
    where they differ (a local build label such as +cu128 alone is no difference), new ones are added."""
    by_name = {package_version(line)[0]: line for line in colab}
    colab_names = set(by_name)
    for line in resolved:
        name, version = package_version(line)
        if name in colab_names and package_version(by_name[name])[1].split("+")[0] == version:
            continue  # Colab's own build stays as its freeze lists it
        if name.startswith("nvidia-") and variant == "cpu" and name not in colab_names:
            continue  # pulled in by PyPI's CUDA torch, which the CPU image's +cpu torch does not need
        by_name[name] = line
    for line in kaggle_requirements.splitlines():
        if line.strip().startswith("git+"):  # `git+URL`: pip freeze names it `name @ git+URL`
            url = line.strip()
            name = url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
            by_name[package_version(f"{name} @ {url}")[0]] = f"{name} @ {url}"
    for line in GIT_INSTALLS:
        by_name[package_version(line)[0]] = line
    for name in UNINSTALLED:
        by_name.pop(name, None)
    return sorted(by_name.values(), key=str.lower)


def kaggle_fixture(source: GitHub, variant: str, commit: str, day: str, recorded: str, resolve: Resolver) -> str:
    dockerfile = source.text(KAGGLE_REPO, commit, "Dockerfile.tmpl")
    bases = {BASE_VARIANT[kind]: date for kind, date in COLAB_BASE.findall(dockerfile)}
    if variant not in bases:
        raise DlenvError(
            f"Dockerfile.tmpl at {KAGGLE_REPO}@{commit[:7]} names no Colab {variant} base", exit_code=FAILED
        )
    base_day = datetime.datetime.strptime(bases[variant], "%Y%m%d").date()
    colab_commit, _ = source.last_before(COLAB_REPO, base_day)
    freeze, info = COLAB_FILES[variant]
    colab = freeze_lines(source.text(COLAB_REPO, colab_commit, freeze))
    system, python = os_info(source.text(COLAB_REPO, colab_commit, info))
    requirements_text = source.text(KAGGLE_REPO, commit, "kaggle_requirements.txt")
    pins = {line: pin(line) for line in colab}
    wanted = [pinned for line, pinned in pins.items() if pinned and CRITICAL.search(line)]
    wanted += [line.split(" #")[0].strip() for line in freeze_lines(requirements_text) if not line.startswith("git+")]
    wanted += [*INSTALLED_AFTER, *(GPU_ONLY if variant == "gpu" else ())]
    preferred = [pinned for pinned in pins.values() if pinned]
    resolved = resolve(wanted, preferred, python, day)
    headers = [
        ("recorded", recorded),
        ("source", blob(KAGGLE_REPO, commit, "Dockerfile.tmpl")),
        ("source", blob(KAGGLE_REPO, commit, "kaggle_requirements.txt")),
        ("source", blob(COLAB_REPO, colab_commit, freeze)),
        ("source", blob(COLAB_REPO, colab_commit, info)),
        ("python", python),
        ("os", system),
        ("accelerator", KAGGLE_ACCELERATOR[variant]),
        ("note", f"built from its sources: Colab's {variant} runtime of {base_day} (the Dockerfile's FROM) as "
                 f"backend-info recorded it, with kaggle_requirements.txt and the Dockerfile's installs resolved over "
                 f"it by uv pip compile --exclude-newer {day} preferring Colab's versions; "
                 f"removed: {', '.join(UNINSTALLED)}; git installs without their commit"),
    ]  # fmt: skip
    return fixture_text(headers, kaggle_lines(colab, requirements_text, variant, resolved))


@dataclass(frozen=True)
class ImageChange:
    name: str  # platform/variant
    added: dict[str, str] = field(default_factory=dict)
    removed: dict[str, str] = field(default_factory=dict)
    changed: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (old, new)
    python: tuple[str, str] | None = None  # (old, new) when it changed
    new: bool = False  # no fixture was recorded before

    @property
    def any(self) -> bool:
        return bool(self.new or self.added or self.removed or self.changed or self.python)

    def as_json(self) -> dict:
        return {"image": self.name, "new": self.new, "python": list(self.python) if self.python else None,
                "added": self.added, "removed": self.removed,
                "changed": {name: list(versions) for name, versions in self.changed.items()}}  # fmt: skip


def compare(old: PlatformImage | None, new: PlatformImage) -> ImageChange:
    """What changed from `old` to `new` (None: nothing was recorded before)."""
    if old is None:
        return ImageChange(new.name, added=dict(new.packages), new=True)
    before, after = old.packages, new.packages
    return ImageChange(
        new.name,
        added={name: after[name] for name in sorted(after.keys() - before.keys())},
        removed={name: before[name] for name in sorted(before.keys() - after.keys())},
        changed={n: (before[n], after[n]) for n in sorted(before.keys() & after.keys()) if before[n] != after[n]},
        python=(old.python, new.python) if old.python != new.python else None,
    )


def describe(change: ImageChange) -> str:
    """A few lines for people: what changed in one image."""
    if not change.any:
        return f"{change.name}: unchanged"
    if change.new:
        return f"{change.name}: new, {len(change.added)} packages"
    lines = [f"{change.name}:"]
    if change.python:
        lines.append(f"  python {change.python[0]} -> {change.python[1]}")
    lines += [f"  upgraded {name} {old} -> {new}" for name, (old, new) in change.changed.items()]
    lines += [f"  added {name} {version}" for name, version in change.added.items()]
    lines += [f"  removed {name} {version}" for name, version in change.removed.items()]
    return "\n".join(lines)


def refresh(folder: Path, source: GitHub | None = None, *, today: str | None = None,
            resolve: Resolver = uv_resolve) -> list[ImageChange]:  # fmt: skip
    """Fetch every image's sources, write the fixtures under `folder` (platform/), return what changed.
    Nothing is written unless every source was read."""
    source = source or GitHub()
    recorded = today or datetime.date.today().isoformat()
    colab_commit, _ = source.head(COLAB_REPO)
    kaggle_commit, kaggle_day = source.head(KAGGLE_REPO)
    texts = {f"colab/{variant}": colab_fixture(source, variant, colab_commit, recorded) for variant in COLAB_FILES}
    for variant in COLAB_FILES:
        texts[f"kaggle/{variant}"] = kaggle_fixture(source, variant, kaggle_commit, kaggle_day, recorded, resolve)
    changes = []
    for name, text in texts.items():
        path = folder / name.split("/")[0] / "images" / f"{name.split('/')[1]}.txt"
        old = load_image(path) if path.exists() else None
        with tempfile.TemporaryDirectory() as tmp:  # read back through the one parser before it replaces anything
            staged = Path(tmp) / path.parent.parent.name / "images" / path.name
            staged.parent.mkdir(parents=True)
            staged.write_text(text, encoding="utf-8")
            new = load_image(staged)
        changes.append(compare(old, new))
    for name, text in texts.items():
        path = folder / name.split("/")[0] / "images" / f"{name.split('/')[1]}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, text)
    return changes


def main(argv: list[str] | None = None, source: GitHub | None = None) -> int:
    """`python -m dlenv.platforms.refresh_images [PLATFORM_DIR]`: what `nox -s platform_images` runs."""
    from dlenv.cli.present import print_error
    from dlenv.platforms.profiles import profiles_dir

    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else profiles_dir()
    try:
        changes = refresh(folder, source)
    except DlenvError as error:
        print_error(error.message, error.hint)
        return error.exit_code
    for change in changes:
        print(describe(change))
    return 0


if __name__ == "__main__":
    sys.exit(main())
