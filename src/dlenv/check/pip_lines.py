"""Shell lines that change the row's environment: a `pip install` that would replace the row's torch,
torchvision, TensorFlow or CUDA wheels is a `fail` with the pinned line that is safe; a conda install of
PyTorch likewise. Every download a line makes is listed, for the platforms whose internet is off."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from dlenv.check.code import ShellLine
from dlenv.check.findings import FAIL, INFO, WARN, Finding
from dlenv.matrix import Row

# Wheels built against one torch, which each of their releases requires exactly: installing another
# version of one replaces torch. torchvision and torchaudio: their compatibility tables
# (https://github.com/pytorch/vision#installation, https://pytorch.org/audio/main/installation.html);
# xformers: each wheel's Requires-Dist is `torch==X.Y.Z` (https://pypi.org/project/xformers/);
# torchtext: 0.18.0, its last release, requires torch==2.3.0 (https://github.com/pytorch/text#installation).
TORCH_BUILT = ("torchvision", "torchaudio", "xformers", "torchtext")
TENSORFLOW = ("tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tensorflow-intel", "tf-nightly")
CUDA_WHEEL = re.compile(r"^nvidia-[a-z0-9-]+-cu\d+$")  # nvidia-cudnn-cu12, nvidia-cublas-cu12, ...
# The PyTorch wheel index's folder per CUDA build: https://download.pytorch.org/whl/cu128 serves +cu128.
TORCH_INDEX_BUILD = re.compile(r"download\.pytorch\.org/whl/(?:nightly/)?(?P<build>cpu|cu\d+|rocm[\d.]+)")
# pip options that take a value (pip install --help), so the value is not read as a requirement.
VALUED = {"-i", "--index-url", "--extra-index-url", "-f", "--find-links", "-r", "--requirement", "-c",
          "--constraint", "-t", "--target", "--prefix", "--root", "--upgrade-strategy", "--platform",
          "--python-version", "--implementation", "--abi", "--only-binary", "--no-binary", "--trusted-host",
          "--cache-dir", "--src", "--log", "--progress-bar", "--timeout", "--retries", "--proxy", "-C",
          "--config-settings", "--global-option", "--report", "--python", "-e", "--editable"}  # fmt: skip
PREFIXES = ("sudo", "time", "env", "nohup")  # words before a command that run it
ASSIGNMENT = re.compile(r"^[A-Za-z_]\w*=")  # PIP_INDEX_URL=... pip install
PIP_PROGRAM = re.compile(r"^(?:pip[\d.]*|.*python[\d.]*(?:\.exe)?|\{sys\.executable\}|uv)$")
# Commands that download: the line needs the internet (pip is handled apart: --no-index does not).
DOWNLOADERS = {"wget": "downloads a URL", "curl": "downloads a URL", "git": "clones a repository",
               "kaggle": "downloads from Kaggle", "gdown": "downloads from Google Drive",
               "huggingface-cli": "downloads from the Hugging Face hub", "hf": "downloads from the Hugging Face hub",
               "apt": "installs system packages", "apt-get": "installs system packages",
               "conda": "installs from conda channels", "mamba": "installs from conda channels"}  # fmt: skip
# The pytorch conda channel published its last release with PyTorch 2.5 (pytorch/pytorch#138506).
CONDA_TORCH = ("pytorch", "torchvision", "torchaudio", "pytorch-cuda", "cudatoolkit", "pytorch-gpu")


@dataclass(frozen=True)
class PipInstall:
    requirements: tuple[Requirement, ...] = ()
    files: tuple[str, ...] = ()  # wheels, archives, URLs, editable paths: no name to check before download
    upgrade: bool = False  # -U, --force-reinstall
    index_urls: tuple[str, ...] = ()
    no_index: bool = False
    requirement_files: tuple[str, ...] = ()
    options: tuple[str, ...] = field(default=())


def commands(shell: str) -> list[list[str]]:
    """The commands of a shell line (`a && b; c`), each split as the shell would; unsplittable: whole words."""
    try:
        words = shlex.split(shell, posix=True)
    except ValueError:  # an unclosed quote: read what is there
        words = shell.split()
    found, current = [], []
    for word in words:
        if word in ("&&", ";", "||", "|"):
            found.append(current)
            current = []
        else:
            current.append(word.rstrip(";"))
    return [command for command in [*found, current] if command]


def parse(shell: str) -> PipInstall | None:
    """The first `pip install` in a shell line (`pip install`, `python -m pip install`, `%pip install`,
    `uv pip install`), or None."""
    for words in commands(shell):
        install = pip_install_args(words)
        if install is not None:
            return read_install(install)
    return None


def pip_install_args(words: list[str]) -> list[str] | None:
    """The arguments after `install` when `words` run pip's install, else None."""
    words = words[next((i for i, w in enumerate(words) if w not in PREFIXES and not ASSIGNMENT.match(w)), len(words)) :]
    if not words:
        return None
    program, rest = words[0].rsplit("/", 1)[-1], words[1:]
    if not PIP_PROGRAM.match(program):
        return None
    if program.startswith(("python", "{sys")) and rest[:2] == ["-m", "pip"]:
        rest = rest[2:]
    elif program == "uv" and rest[:1] == ["pip"]:
        rest = rest[1:]
    elif not program.startswith("pip"):
        return None
    return rest[1:] if rest[:1] == ["install"] else None


def read_install(args: list[str]) -> PipInstall:
    requirements, files, indexes, requirement_files, options = [], [], [], [], []
    upgrade = no_index = False
    words = iter(args)
    for word in words:
        name, _, inline = word.partition("=") if word.startswith("--") else (word, "", "")
        if name in VALUED:
            value = inline or next(words, "")
            options.append(name)
            if name in ("-i", "--index-url", "--extra-index-url"):
                indexes.append(value)
            elif name in ("-r", "--requirement"):
                requirement_files.append(value)
            elif name in ("-e", "--editable"):
                files.append(value)
        elif word.startswith("-"):
            options.append(word)
            short = word[1:] if not word.startswith("--") else ""
            if word in ("--upgrade", "--force-reinstall") or ("U" in short and short.isalpha()):
                upgrade = True
            no_index = no_index or word == "--no-index"
        elif "://" in word or word.endswith((".whl", ".tar.gz", ".zip")) or word.startswith((".", "/")):
            files.append(word)
        else:
            try:
                requirements.append(Requirement(word))
            except InvalidRequirement:
                files.append(word)
    return PipInstall(tuple(requirements), tuple(files), upgrade, tuple(indexes), no_index, tuple(requirement_files),
                      tuple(options))  # fmt: skip


def row_versions(row: Row) -> dict[str, str]:
    """What the row pins among the wheels a pip line must not change (canonical name -> version): its
    constraints file (torch's build and its cuDNN wheel) and its TensorFlow."""
    from dlenv.requirements import constraints, tensorflow_requirement

    lines = [*constraints(row), *([tensorflow_requirement(row)] if row.tensorflow else [])]
    pinned = {}
    for line in lines:
        name, _, version = line.partition("==")
        pinned[canonicalize_name(name.split("[")[0])] = version
    return pinned


def findings(cell: int, line: ShellLine, row: Row, offline_fix: str = "") -> list[Finding]:
    """What the shell line does to the row's environment, and what it downloads."""
    found = [*downloads(cell, line, offline_fix)]
    install = parse(line.command)
    if install is not None:
        found += pip_findings(cell, line, install, row)
    found += conda_findings(cell, line, row)
    return found


def pip_findings(cell: int, line: ShellLine, install: PipInstall, row: Row) -> list[Finding]:
    pinned = row_versions(row)
    found = []
    for requirement in install.requirements:
        name = canonicalize_name(requirement.name)
        problem = guarded_problem(name, requirement.specifier, install.upgrade, row, pinned)
        if problem:
            status, why = problem
            rule = "pip-replaces-tensorflow" if name in TENSORFLOW else "pip-replaces-torch"
            found.append(Finding(rule, status, cell, line.line, f"`{line.command}`: {why}", safe_line(name, row)))
    touches_torch = any(canonicalize_name(r.name) in ("torch", *TORCH_BUILT) for r in install.requirements)
    for index in install.index_urls:
        built = TORCH_INDEX_BUILD.search(index)
        wanted = row_build(row)
        if touches_torch and built and built["build"] != wanted:
            why = f"its index serves +{built['build']} builds; row {row.name}'s torch is {row.torch} (+{wanted})"
            found.append(Finding("pip-replaces-torch", FAIL, cell, line.line, f"`{line.command}`: {why}",
                                 safe_line("torch", row)))  # fmt: skip
    for wheel in install.files:
        if re.search(r"(^|/)(torch|torchvision|torchaudio)-\d", wheel):
            found.append(Finding("pip-replaces-torch", FAIL, cell, line.line,
                                 f"`{line.command}`: installs a torch build from a file or URL, not row {row.name}'s",
                                 safe_line("torch", row)))  # fmt: skip
    for requirements_file in install.requirement_files:
        found.append(Finding("pip-requirements-file", WARN, cell, line.line,
                             f"`{line.command}`: what {requirements_file} installs is not checked here",
                             f"pip install -c envs/constraints/{row.name}.txt -r {requirements_file}"))  # fmt: skip
    return found


def guarded_problem(name: str, specifier: SpecifierSet, upgrade: bool, row: Row,
                    pinned: dict[str, str]) -> tuple[str, str] | None:  # fmt: skip
    """(status, why) when installing `name` with `specifier` would change the row's build, else None."""
    if name in TENSORFLOW:
        return tensorflow_problem(name, specifier, upgrade, row)
    if name in ("torch", *TORCH_BUILT) or CUDA_WHEEL.match(name):
        version = pinned.get(name)
        if version is None:
            if name in TORCH_BUILT:
                why = f"every {name} release requires one torch exactly; row {row.name} has torch {row.torch}"
                return (FAIL, why) if not specifier else (WARN, why + ": make sure this version is built for it")
            if CUDA_WHEEL.match(name):
                return WARN, f"changes a CUDA library that torch {row.torch} loads"
            return None
        return pin_problem(name, specifier, upgrade, version, row)
    return None


def pin_problem(name: str, specifier: SpecifierSet, upgrade: bool, version: str, row: Row) -> tuple[str, str] | None:
    if not specifier:
        if name == "torch" and not upgrade:
            why = f"unpinned: where another torch or none is installed, pip brings the newest, not {version}"
        else:
            why = f"unpinned{' with -U' if upgrade else ''}: pip may install the newest {name}, which replaces row {row.name}'s {version}"  # noqa: E501
            if name in TORCH_BUILT:
                why += f" and requires a newer torch than {row.torch}"
        return FAIL, why
    exact = [spec.version for spec in specifier if spec.operator in ("==", "===")]
    if exact:
        # `==2.13.0` matches an installed 2.13.0+cpu (PEP 440: a local label is ignored when none is asked for)
        if exact[0] == version or (exact[0] == version.split("+")[0] and "+" not in exact[0]):
            return None
        return FAIL, f"pins {name} {exact[0]}, another build than row {row.name}'s {version}"
    try:
        allowed = specifier.contains(Version(version), prereleases=True)
    except InvalidVersion:
        allowed = False
    if not allowed:
        return FAIL, f"`{specifier}` excludes row {row.name}'s {name} {version}: pip replaces it"
    if upgrade:
        return FAIL, f"-U with `{specifier}`: pip upgrades {name} past row {row.name}'s {version}"
    return WARN, f"`{specifier}` allows other builds than row {row.name}'s {name} {version}"


def tensorflow_problem(name: str, specifier: SpecifierSet, upgrade: bool, row: Row) -> tuple[str, str] | None:
    if row.tensorflow is None:
        return FAIL, f"row {row.name} has no TensorFlow: {row.no_tensorflow_reason}"
    if row.tensorflow_env == "separate":
        why = f"row {row.name} keeps TensorFlow {row.tensorflow} in an environment of its own"
        return FAIL, why + " (its CUDA and cuDNN wheels differ from torch's); install it there, not beside torch"
    return pin_problem(name, specifier, upgrade, row.tensorflow, row)


def row_build(row: Row) -> str:
    """The PyTorch index folder of the row's torch: cpu, cu128, ..."""
    return "cpu" if row.cuda is None else "cu" + row.cuda.replace(".", "")


def safe_line(name: str, row: Row) -> str:
    """The pinned install that keeps the row's build."""
    if name in TENSORFLOW:
        if row.tensorflow is None or row.tensorflow_env == "separate":
            return f"use row {row.name}'s TensorFlow environment, or a row that has TensorFlow beside torch"
        return f"%pip install {'tensorflow-cpu' if row.cuda is None else 'tensorflow'}=={row.tensorflow}"
    pins = [f"torch=={row.torch}", f"torchvision=={row.torchvision}"]
    if row.torchaudio:
        pins.append(f"torchaudio=={row.torchaudio}")
    if name in ("xformers", "torchtext"):
        return f"drop it, or install the {name} release built for torch {row.torch} with `-c` pins: " + " ".join(pins)
    index = f" --index-url {row.torch_index}" if row.torch_index else ""
    return f"%pip install {' '.join(pins)}{index}"


def conda_findings(cell: int, line: ShellLine, row: Row) -> list[Finding]:
    found = []
    for words in commands(line.command):
        if words[:1] and words[0].rsplit("/", 1)[-1] in ("conda", "mamba") and "install" in words:
            packages = [word.split("=")[0] for word in words if not word.startswith("-")]
            if any(package in CONDA_TORCH for package in packages):
                why = ("conda's PyTorch replaces the row's pip build (and the pytorch channel stopped at 2.5, "
                       "pytorch/pytorch#138506)")  # fmt: skip
                found.append(Finding("conda-replaces-torch", FAIL, cell, line.line, f"`{line.command}`: {why}",
                                     safe_line("torch", row)))  # fmt: skip
    return found


def downloads(cell: int, line: ShellLine, offline_fix: str) -> list[Finding]:
    """An `info` per command that needs the internet."""
    found = []
    for words in commands(line.command):
        program = next((w for w in words if w not in PREFIXES and not ASSIGNMENT.match(w)), "").rsplit("/", 1)[-1]
        install = pip_install_args(words)
        if install is not None:
            if "--no-index" not in install:
                found.append(Finding("needs-internet", INFO, cell, line.line,
                                     f"`{' '.join(words)}` downloads from a package index", offline_fix))  # fmt: skip
        elif program in DOWNLOADERS and (program != "git" or "clone" in words):
            found.append(Finding("needs-internet", INFO, cell, line.line,
                                 f"`{' '.join(words)}` {DOWNLOADERS[program]}", offline_fix))  # fmt: skip
    return found
