"""Notebook bootstrap: make a cloud notebook (or any machine) ready for the lessons in one call.

1. detect the platform; 2. point the caches at its persistent storage and, where the network needs it,
the tools at mirrors (before huggingface_hub is imported: it reads HF_ENDPOINT once); 3. load the
credentials the platform holds into the environment the libraries read; 4. install what the lessons
need and is missing — the row's torch stack, dlenv's `lessons` and `data` extras (scikit-learn, optuna,
... and kagglehub), TensorFlow only for a Keras lesson asked for — never replacing the platform's torch
(with its torchvision and torchaudio),
TensorFlow or numpy (pip runs under a constraint that pins them); where no torch is installed, the
row's torch, torchvision and cuDNN come in under the row's constraints (envs/constraints/<row>.txt);
where the platform resets site-packages on restart (AI Studio), pip installs into the folder its profile
names under [install] target instead, which is put on sys.path and PYTHONPATH, so the next session finds it;
5. write what later installs must keep to a constraints file and point PIP_CONSTRAINT at it, so a
`%pip install torchvision` in the next cell cannot replace torch; 6. ask the doctor.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from dlenv.doctor import Report, diagnose
from dlenv.doctor.collect import collect, installed_versions
from dlenv.errors import unknown
from dlenv.fileio import atomic_write
from dlenv.matrix import Matrix, Row
from dlenv.mirrors import configured_pip_index, mirror_environment
from dlenv.platforms import Platform, cache_environment, detect
from dlenv.platforms.secrets import CREDENTIALS, secret
from dlenv.requirements import constraints, environments, tensorflow_requirement
from dlenv.torch_mirror import index_args

# torch and the torchvision/torchaudio built for it: one build, kept or installed together (a torchvision
# wheel requires its torch exactly: installing another one replaces the platform's torch)
TORCH_BUILDS = ("torch", "torchvision", "torchaudio")
PLATFORM_OWNED = (*TORCH_BUILDS, "tensorflow", "tensorflow-cpu", "numpy")  # a platform's own builds: kept as they are
CONSTRAINTS_FILE = "constraints.txt"  # in the platform's cache_dir: what PIP_CONSTRAINT points at
# The row's pins for the LLM lessons (LoRA, QLoRA, prompting, RLHF): installed unless the lessons named are others.
LLM_STACK = ("transformers", "peft", "trl", "bitsandbytes")
# dlenv's extras (pyproject.toml) the bootstrap installs: what the lessons import besides their framework,
# and kagglehub, which every kaggle: dataset needs off Kaggle
EXTRAS = ("lessons", "data")
# behind the mainland mirror the ModelScope SDK too: the mainland route of a lesson's download tries ModelScope
MAINLAND_EXTRAS = (*EXTRAS, "modelscope")


def uses_llm_stack(lesson: str) -> bool:
    from dlenv.lessons_catalog import lesson_imports

    return bool(lesson_imports(lesson) & set(LLM_STACK))


def extras_for(mirror: str) -> tuple[str, ...]:
    """dlenv's extras the bootstrap installs where the mirror setting is `mirror` ("cn", "", "none")."""
    return MAINLAND_EXTRAS if mirror == "cn" else EXTRAS


@dataclass(frozen=True)
class InstallPlan:
    row: Row
    requirements: tuple[str, ...]  # what pip installs
    constraints: tuple[str, ...]  # what it may not change
    index_urls: tuple[str, ...] = ()
    matched_row: str | None = None  # the row the installed torch is, if any
    warnings: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()  # what later installs must not change: torch's build, as PIP_CONSTRAINT holds it
    target: Path | None = None  # pip installs here (--target), where the platform resets site-packages

    def pip_command(self, constraints_file: Path, requirements: tuple[str, ...] | None = None) -> list[str]:
        extra = index_args(self.index_urls)  # the row's torch index, or its mirror's folder (DLENV_TORCH_INDEX)
        wanted = self.requirements if requirements is None else requirements
        return [sys.executable, "-m", "pip", "install", "-c", str(constraints_file), *extra, *wanted]


@dataclass
class BootstrapReport:
    platform: Platform
    environment: dict[str, str] = field(default_factory=dict)  # set by the bootstrap (no secrets here)
    credentials: list[str] = field(default_factory=list)  # names loaded into the environment
    warnings: list[str] = field(default_factory=list)
    plan: InstallPlan | None = None
    installed: bool = False
    constraints_file: Path | None = None  # written for later installs (PIP_CONSTRAINT)
    doctor: Report | None = None

    def _ipython_display_(self) -> None:
        """Nothing: dlenv.bootstrap() ends a notebook's first cell and has printed its summary already."""


def extra_requirements(extras: tuple[str, ...] = EXTRAS) -> list[str]:
    """The requirements of dlenv's `extras`, as its installed metadata declares them (from pyproject.toml)."""
    from importlib.metadata import requires

    found = []
    for line in requires("dlenv") or []:
        requirement = Requirement(line)
        if requirement.marker is not None and any(requirement.marker.evaluate({"extra": e}) for e in extras):
            requirement.marker = None
            found.append(str(requirement))
    return found


def keras_requirements(lessons: tuple[str, ...], installed: dict[str, str], row: Row) -> tuple[list[str], list[str]]:
    """TensorFlow, when a Keras lesson is asked for and the row pins it beside torch; else why not (warnings)."""
    from dlenv.runner.frameworks import TENSORFLOW, lesson_framework

    keras = [name for name in lessons if lesson_framework(name) == TENSORFLOW]
    if not keras or any(name in installed for name in ("tensorflow", "tensorflow-cpu")):
        return [], []  # none asked for, or the platform's own TensorFlow: kept as it is
    asked = ", ".join(keras)
    if row.tensorflow is None:
        return [], [f"{asked} need TensorFlow, which row {row.name} does not pin: {row.no_tensorflow_reason}"]
    if row.tensorflow_env == "separate":
        return [], [
            f"{asked} need TensorFlow, which row {row.name} keeps apart from torch: "
            f"pip install -r envs/requirements/{row.name}-tf.txt in an environment of its own"
        ]
    return [tensorflow_requirement(row)], []


def plan_install(
    installed: dict[str, str],
    torch_cuda: str | None,
    matrix: Matrix,
    row: Row,
    lessons: tuple[str, ...] = (),
    target: Path | None = None,
    extras: tuple[str, ...] = EXTRAS,
) -> InstallPlan:
    """What to add for `row` next to what is installed, and what must stay as it is; `lessons`: the ones
    the learner means to run (TensorFlow comes only for a Keras lesson among them, the LLM stack only for a
    lesson that imports it; none named: everything but TensorFlow); `target`: the folder
    pip installs into, where site-packages does not outlive a restart; `extras`: dlenv's extras to add."""
    has_torch = "torch" in installed
    # without torch, a stray torchvision is nobody's build: the row's replaces it
    owned = [name for name in PLATFORM_OWNED if has_torch or name not in TORCH_BUILDS]
    platform_pins = tuple(f"{name}=={installed[name]}" for name in owned if name in installed)
    requirements, warnings, index_urls = [], [], ()
    matched = None
    if has_torch:
        version = installed["torch"]
        row_of_torch = matrix.row_of_torch(version, torch_cuda)
        matched = row_of_torch.name if row_of_torch else None
        if matched is None:
            cuda = f"CUDA {torch_cuda}" if torch_cuda else "CPU"
            warnings.append(
                f"this platform's torch {version} ({cuda}) is no matrix row: dlenv keeps it; "
                f"the lessons are tested on rows {', '.join(matrix.rows)} (dlenv doctor checks the GPU fit)"
            )
    for line in environments(row)[0].requirements:  # the row's torch stack, as its requirements file pins it
        name = canonicalize_name(Requirement(line).name)
        if name in LLM_STACK and lessons and not any(uses_llm_stack(lesson) for lesson in lessons):
            continue  # the lessons asked for never import it: no transformers, PEFT, TRL, bitsandbytes
        if name in TORCH_BUILDS and not has_torch:
            requirements.append(line)  # the row's torch, with the torchvision built for it
        elif name not in installed and name not in PLATFORM_OWNED:
            requirements.append(line)  # present ones stay whatever their version; TensorFlow only for Keras lessons
    for line in extra_requirements(extras):
        if canonicalize_name(Requirement(line).name) not in installed:
            requirements.append(line)
    tensorflow, why_not = keras_requirements(lessons, installed, row)
    requirements += tensorflow
    warnings += why_not
    if has_torch:
        keep = tuple(pin for pin in platform_pins if pin.split("==")[0] in TORCH_BUILDS)
        return InstallPlan(row, tuple(requirements), platform_pins, (), matched, tuple(warnings), keep, target)
    keep = tuple(constraints(row))  # the row's constraints file: torch, torchvision, its cuDNN
    index_urls = (row.torch_index,) if row.torch_index else ()
    pins = platform_pins + keep
    return InstallPlan(row, tuple(requirements), pins, index_urls, matched, tuple(warnings), keep, target)


def run(
    matrix: Matrix, *, mirror: str | None = None, install: bool = True, lessons: tuple[str, ...] = ()
) -> BootstrapReport:
    from dlenv.lessons_catalog import lesson_names

    names = lesson_names()
    for name in lessons:  # bad input before anything changes
        if name not in names:
            raise unknown("lesson", name, names)
    platform = detect()
    report = BootstrapReport(platform)
    report.warnings += platform.warnings  # said first: a slow work folder (WSL's /mnt/c) slows every lesson
    # Credentials first: their files are found through variables (HF_HOME) that the caches change next.
    for name in (c.name for c in CREDENTIALS if c.bootstrap):  # what the lessons' libraries read from the environment
        if name not in os.environ and (value := secret(name, platform.vault)):
            os.environ[name] = value
            report.credentials.append(name)
    mirror = platform.mirror if mirror is None else mirror
    wanted = {**cache_environment(platform), **mirror_environment(mirror)}
    kept_index = configured_pip_index()
    if kept_index and "PIP_INDEX_URL" in wanted:
        # the image's own pip mirror (DSW's mirrors.aliyun.com) is the one its network reaches best
        del wanted["PIP_INDEX_URL"]
        report.warnings.append(f"pip keeps this machine's own index, {kept_index}")
    for name, value in wanted.items():
        if name not in os.environ:
            os.environ[name] = report.environment[name] = value
    if "huggingface_hub" in sys.modules and "HF_ENDPOINT" in report.environment:
        # huggingface_hub read HF_ENDPOINT when it was imported: the mirror applies after a restart
        report.warnings.append(
            "huggingface_hub was imported before dlenv.bootstrap(): restart the kernel and "
            "run the bootstrap cell first for HF_ENDPOINT (the mirror) to take effect"
        )
    target = _persistent_installs(platform, report)  # before the scan: what an earlier session installed counts
    installed = installed_versions()  # one scan of sys.path, for the probe and the install plan
    probe = collect(installed)
    report.doctor = diagnose(probe, matrix)
    row = install_row(report.doctor, matrix)
    torch = probe.packages.torch
    report.plan = plan_install(
        installed, torch.cuda if torch else None, matrix, row, lessons, target, extras_for(mirror)
    )
    if install and report.plan.requirements:
        _pip_install(report.plan)
        report.installed = True
    if install:
        report.constraints_file = _hold_later_installs(report)
    return report


def constraints_path(platform: Platform) -> Path:
    """Where the bootstrap writes what later installs must keep: the platform's cache, which outlives the kernel."""
    return Path(platform.cache_dir) / CONSTRAINTS_FILE


def _hold_later_installs(report: BootstrapReport) -> Path:
    """Write torch's build to the constraints file and point PIP_CONSTRAINT at it (unless the user set their
    own): pip in the notebook's later cells (`%pip install torchvision`) inherits the kernel's environment."""
    assert report.plan is not None
    path = constraints_path(report.platform)
    header = f"# written by dlenv.bootstrap() (row {report.plan.row.name}): what later pip installs may not replace\n"
    atomic_write(path, header + "\n".join(report.plan.keep) + "\n")
    if "PIP_CONSTRAINT" not in os.environ:
        os.environ["PIP_CONSTRAINT"] = report.environment["PIP_CONSTRAINT"] = str(path)
    return path


def install_row(doctor: Report, matrix: Matrix) -> Row:
    """The row the bootstrap installs for: the one the doctor recommends, else the cpu row."""
    return matrix.row(doctor.recommended_row) if doctor.recommended_row else _cpu_row(matrix)


def _cpu_row(matrix: Matrix) -> Row:
    return next(row for row in matrix.rows.values() if row.cuda is None)


def _persistent_installs(platform: Platform, report: BootstrapReport) -> Path | None:
    """The profile's install target (AI Studio's /home/aistudio/external-libraries), made and put on sys.path
    for this kernel and on PYTHONPATH for what it starts (`!dlenv run`, pip); None where site-packages is kept."""
    if platform.install_target is None:
        return None
    target = Path(platform.install_target)
    target.mkdir(parents=True, exist_ok=True)
    if str(target) not in sys.path:
        sys.path.append(str(target))  # after site-packages, as AI Studio's own template does: the image's win
        importlib.invalidate_caches()
    current = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if str(target) not in current:
        os.environ["PYTHONPATH"] = report.environment["PYTHONPATH"] = os.pathsep.join([*current, str(target)])
    return target


def _pip_install(plan: InstallPlan) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        constraints = Path(tmp) / "platform-constraints.txt"
        constraints.write_text("\n".join(plan.constraints) + "\n", encoding="utf-8")
        env = dict(os.environ)  # what the bootstrap set: PYTHONPATH, the mirrors
        if plan.target is None:
            subprocess.run(plan.pip_command(constraints), check=True, env=env)
            return
        # `pip install --target` ignores what is installed and would copy every dependency (numpy, even torch)
        # into the folder: resolve against the whole environment first (the folder is on PYTHONPATH), then
        # put only what that adds into the folder, without dependencies of its own.
        report = subprocess.run(
            [*plan.pip_command(constraints), "--dry-run", "--quiet", "--report", "-"],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        added = json.loads(report.stdout)["install"]
        adds = tuple(f"{item['metadata']['name']}=={item['metadata']['version']}" for item in added)
        if adds:
            command = [*plan.pip_command(constraints, adds), "--target", str(plan.target), "--no-deps", "--upgrade"]
            subprocess.run(command, check=True, env=env)
        importlib.invalidate_caches()  # the new packages import in this kernel without a restart


def _later_installs(report: BootstrapReport) -> str:
    """The line that says how later pip installs keep torch's build, and through which file."""
    assert report.plan is not None
    kept, path = " ".join(report.plan.keep), report.constraints_file
    if path is None:  # nothing written (a dry run): say where it would go
        return f"to keep in later pip installs (PIP_CONSTRAINT={constraints_path(report.platform)}): {kept}"
    if os.environ.get("PIP_CONSTRAINT") == str(path):
        return f"later pip installs keep {kept}: PIP_CONSTRAINT={path}"
    # the user's own (or the image's) is kept: name both, the learner decides
    return (
        f"PIP_CONSTRAINT is already {os.environ.get('PIP_CONSTRAINT')}; to keep {kept} too: pip install -c {path} ..."
    )


def summary(report: BootstrapReport) -> str:
    """What the bootstrap did, for people: names of variables and credentials, never their values."""
    p = report.platform
    lines = [
        f"dlenv on {p.title}: work in {p.work_dir}, caches in {p.cache_dir}"
        + (f", inputs in {p.input_dir}" if p.input_dir else "")
    ]
    if report.environment:
        lines.append("set " + ", ".join(sorted(report.environment)))
    if report.credentials:
        lines.append("credentials loaded: " + ", ".join(report.credentials))
    lines += [f"warning: {w}" for w in report.warnings]
    if report.plan:
        plan = report.plan
        if plan.requirements:
            verb = "installed" if report.installed else "to install"
            into = f" into {plan.target}" if plan.target else ""
            lines.append(f"{verb}{into} (row {plan.row.name}): {' '.join(plan.requirements)}")
        if plan.matched_row:
            lines.append(f"this platform's torch is row {plan.matched_row}")
        lines.append(_later_installs(report))
        lines += [f"warning: {w}" for w in plan.warnings]
    if report.doctor:
        problems = [c for c in report.doctor.checks if c.status in ("warn", "fail")]
        for check in problems:
            lines.append(
                f"{check.status}: {check.id}: {check.message}" + (f"\n  fix: {check.fix}" if check.fix else "")
            )
        verdict = "ok" if report.doctor.ok else "not ok"
        lines.append(f"doctor: {verdict}; recommended row: {report.doctor.recommended_row or 'none'}")
    return "\n".join(lines)
