"""The version matrix (envs/matrix.toml): typed rows, validated, with one-line errors naming row and field.

Rows are frozen dataclasses; pydantic validates them (dlenv.schema) the first time a given matrix
text is read on a machine, and a marker keyed by the text's hash lets later reads skip it.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from dlenv.errors import DlenvError, did_you_mean, unknown
from dlenv.facts import CUDA_FACTS, FACTS_DIR, cuda_facts, paired_torchaudio, paired_torchvision, version_tuple
from dlenv.fileio import read_input
from dlenv.schema import (
    FORBID_EXTRA,
    NonEmpty,
    Pattern,
    construct,
    describe,
    first_problem,
    validate,
    validated_once,
    validation_error,
)
from dlenv.versions import ArchSpec, CudaRelease, Pin, PythonRelease, TorchPin

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

IndexUrl = Annotated[str, Pattern(r"^https://\S+$")]
# nvidia/cuda:12.6.3-base-ubuntu24.04 -> cuda 12.6, flavour base, ubuntu 24.04; ubuntu:24.04 -> 24.04
CUDA_IMAGE = re.compile(
    r"^nvidia/cuda:(?P<cuda>\d+\.\d+)\.\d+-(?P<flavour>base|runtime|devel|cudnn\d*-runtime|cudnn\d*-devel)"
    r"-ubuntu(?P<ubuntu>\d+\.\d+)$"
)
# The only flavour a row may use: torch's (and TensorFlow's) nvidia-* wheels bring CUDA's libraries and
# cuDNN, which a runtime or cudnn image would carry a second time (envs/matrix.toml, [img]).
CUDA_FLAVOUR = "base"
UBUNTU_IMAGE = re.compile(r"^ubuntu:(?P<ubuntu>\d+\.\d+)$")


@dataclass(frozen=True)
class Row:
    """One supported combination of CUDA, cuDNN, driver, Python and pinned frameworks."""

    __pydantic_config__ = FORBID_EXTRA

    name: str
    base_image: str
    python: Annotated[tuple[PythonRelease, ...], NonEmpty()]
    torch: TorchPin
    torch_arch: tuple[ArchSpec, ...]
    torchvision: TorchPin
    transformers: Pin
    peft: Pin
    trl: Pin
    bitsandbytes: Pin
    cuda: CudaRelease | None = None
    cudnn: Pin | None = None
    min_driver: Pin | None = None
    torch_index: IndexUrl | None = None
    torchaudio: TorchPin | None = None
    no_torchaudio_reason: str | None = None
    tensorflow: Pin | None = None
    tensorflow_env: Literal["shared", "separate"] | None = None
    # the Pythons of a separate TensorFlow environment, where TF has wheels for fewer than torch; default: python
    tensorflow_python: tuple[PythonRelease, ...] | None = None
    no_tensorflow_reason: str | None = None
    lessons: tuple[str, ...] = ()

    def check(self) -> None:
        """The rules that tie fields together; the ValueError names the field."""
        if self.cuda is None:
            for name in ("cudnn", "min_driver"):
                if getattr(self, name) is not None:
                    raise ValueError(f"field '{name}' is set but the row has no 'cuda'")
            if self.torch_arch:
                raise ValueError("field 'torch_arch' must be empty for a row without 'cuda'")
        else:
            for name in ("cudnn", "min_driver"):
                if getattr(self, name) is None:
                    raise ValueError(f"field '{name}' is required for a CUDA row")
        if self.tensorflow is None:
            if self.no_tensorflow_reason is None:
                raise ValueError("field 'no_tensorflow_reason' is required when 'tensorflow' is absent")
            if self.tensorflow_env is not None:
                raise ValueError("field 'tensorflow_env' is set but 'tensorflow' is absent")
        else:
            if self.tensorflow_env is None:
                raise ValueError("field 'tensorflow_env' is required with 'tensorflow'")
            if self.no_tensorflow_reason is not None:
                raise ValueError("field 'no_tensorflow_reason' is set but 'tensorflow' is pinned")
        if len(set(self.python)) != len(self.python):
            raise ValueError("field 'python' lists a version twice")
        if self.tensorflow_python is not None:
            if self.tensorflow_env != "separate":
                raise ValueError("field 'tensorflow_python' is only for tensorflow_env = \"separate\"")
            if stray := [v for v in self.tensorflow_python if v not in self.python]:
                raise ValueError(f"field 'tensorflow_python' lists {', '.join(stray)}, which 'python' does not")
        if "+" in self.torch:
            # torch==2.7.1+cu118 only exists on the index named .../whl/cu118
            label = self.torch.split("+", 1)[1]
            if self.torch_index is None or self.torch_index.rstrip("/").rsplit("/", 1)[-1] != label:
                raise ValueError(f"field 'torch_index' must be the index that serves '+{label}' builds")

    def summary(self, *, torch: bool = False, python: tuple[str, ...] | None = None) -> str:
        """The row in one line: what it needs of a machine, 'CUDA 12.6, cuDNN 9.5.1.17, driver >= 560.28.03,
        Python 3.11/3.12/3.13' ('CPU only, Python 3.10/3.11/3.12'), as generated files' headers say it; with
        `torch`, what a learner gets on which driver, 'torch 2.7.1, CUDA 12.6, driver >= 560.28.03'
        ('torch 2.13.0+cpu'), as the doctor names a row it judged. `python`: an environment's own Pythons."""
        cuda, driver = f"CUDA {self.cuda}", f"driver >= {self.min_driver}"
        if torch:
            return ", ".join([f"torch {self.torch}", *([cuda, driver] if self.cuda else [])])
        needs = [cuda, f"cuDNN {self.cudnn}", driver] if self.cuda else ["CPU only"]
        return ", ".join([*needs, f"Python {'/'.join(python or self.python)}"])

    def as_json(self) -> dict[str, Any]:
        return row_json(self)

    @property
    def torch_version(self) -> str:
        """The public version, without the local build label: '2.7.1+cu118' -> '2.7.1'."""
        return self.torch.split("+", 1)[0]

    @property
    def torch_label(self) -> str:
        """torch's local build label with its '+' ('2.7.1+cu118' -> '+cu118'), or '' for PyPI's default wheel."""
        return self.torch[len(self.torch_version) :]

    @property
    def python_default(self) -> str:
        """The Python a conda environment of the row gets: its newest."""
        return max(self.python, key=version_tuple)

    @property
    def image_python(self) -> str:
        """The python3 of the base image's Ubuntu release (checked to be one of the row's)."""
        return cuda_facts().ubuntu_python[_image_ubuntu(self.base_image)]


@dataclass(frozen=True)
class Defaults:
    __pydantic_config__ = FORBID_EXTRA
    gpu_row: str


@dataclass(frozen=True)
class Matrix:
    defaults: Defaults
    rows: dict[str, Row] = field(default_factory=dict)

    def row(self, name: str) -> Row:
        try:
            return self.rows[name]
        except KeyError:
            raise unknown("matrix row", name, self.rows) from None

    def row_of_torch(self, version: str, cuda: str | None) -> Row | None:
        """The row whose torch is this build (same release, same CUDA or none), if any."""
        from dlenv.facts import release_tuple

        return next(
            (r for r in self.rows.values() if release_tuple(r.torch) == release_tuple(version) and r.cuda == cuda), None
        )

    def as_json(self) -> dict[str, Any]:
        return {"rows": [row_json(row) for row in self.rows.values()]}


def row_json(row: Row) -> dict[str, Any]:
    """A row as JSON data, in the documented key order (name first), lists for tuples."""
    data = dataclasses.asdict(row)
    order = [
        "name",
        "cuda",
        "cudnn",
        "min_driver",
        "base_image",
        "python",
        "torch",
        "torch_index",
        "torch_arch",
        "torchvision",
        "torchaudio",
        "no_torchaudio_reason",
        "tensorflow",
        "tensorflow_env",
        "tensorflow_python",
        "no_tensorflow_reason",
        "transformers",
        "peft",
        "trl",
        "bitsandbytes",
        "lessons",
    ]
    return {key: list(data[key]) if isinstance(data[key], tuple) else data[key] for key in order}


def _image_ubuntu(base_image: str) -> str:
    match = CUDA_IMAGE.match(base_image) or UBUNTU_IMAGE.match(base_image)
    if match is None:
        raise ValueError(f"field 'base_image': '{base_image}' is neither nvidia/cuda:X.Y.Z-base-ubuntuV nor ubuntu:V")
    return match["ubuntu"]


def _check_facts(row: Row) -> None:
    """Hold a row to the facts table: a known CUDA, a new enough driver, an image that matches."""
    facts = cuda_facts()
    ubuntu = _image_ubuntu(row.base_image)
    if ubuntu not in facts.ubuntu_python:
        raise ValueError(f"field 'base_image': Ubuntu {ubuntu} is not in src/dlenv/facts/cuda.toml")
    if facts.ubuntu_python[ubuntu] not in row.python:
        raise ValueError(f"field 'python' must include {facts.ubuntu_python[ubuntu]}, the python3 of {row.base_image}")
    if row.cuda is None:
        if not UBUNTU_IMAGE.match(row.base_image):
            raise ValueError("field 'base_image' of a row without CUDA must be a plain ubuntu image")
        return
    image = CUDA_IMAGE.match(row.base_image)
    if image is None or image["cuda"] != row.cuda:
        raise ValueError(f"field 'base_image': '{row.base_image}' is not an nvidia/cuda {row.cuda} image")
    if image["flavour"] != CUDA_FLAVOUR:
        raise ValueError(
            f"field 'base_image': '{row.base_image}' carries CUDA libraries torch's wheels already bring; "
            f"use the {CUDA_FLAVOUR} image, nvidia/cuda:{row.base_image.split(':')[1].split('-')[0]}-"
            f"{CUDA_FLAVOUR}-ubuntu{image['ubuntu']}"
        )
    if row.cuda not in facts.toolkit_driver:
        raise ValueError(f"field 'cuda': CUDA {row.cuda} is not in src/dlenv/facts/cuda.toml")
    needed = facts.toolkit_driver[row.cuda]
    assert row.min_driver is not None
    if version_tuple(row.min_driver) < version_tuple(needed):
        raise ValueError(f"field 'min_driver': CUDA {row.cuda} needs a driver >= {needed}, not {row.min_driver}")


def _check_companions(row: Row) -> None:
    """Hold torchvision and torchaudio to the torch they were built for (src/dlenv/facts/torchvision.toml):
    a torchvision wheel requires its torch exactly, so any other pin replaces the row's torch or fails."""
    vision = paired_torchvision(row.torch)
    if "*" in vision or "?" in vision:
        raise ValueError(f"field 'torchvision': torch {row.torch_version} is not in src/dlenv/facts/torchvision.toml")
    if row.torchvision != vision + row.torch_label:
        raise ValueError(f"field 'torchvision' must be {vision + row.torch_label}, the build for torch {row.torch}")
    audio = paired_torchaudio(row.torch)
    if audio is None:
        if row.torchaudio is not None:
            raise ValueError(f"field 'torchaudio': no torchaudio is built for torch {row.torch_version}")
        if row.no_torchaudio_reason is None:
            raise ValueError("field 'no_torchaudio_reason' is required when 'torchaudio' is absent")
        return
    if row.no_torchaudio_reason is not None:
        raise ValueError(f"field 'no_torchaudio_reason' is set but torchaudio {audio} is built for the row's torch")
    if row.torchaudio != audio + row.torch_label:
        raise ValueError(f"field 'torchaudio' must be {audio + row.torch_label}, the build for torch {row.torch}")


def _row_error(name: str, error: Exception) -> str:
    if not isinstance(error, validation_error()):  # a rule of Row.check or the facts: it names the field
        return f"row '{name}': {error}"
    return f"row '{name}': {describe(error, Row)}"


def parse_matrix(data: dict[str, Any], source: str = "envs/matrix.toml") -> Matrix:
    """Validate the parsed TOML; every error is one line naming the row and the field."""
    unexpected = sorted(set(data) - {"defaults", "rows"})
    if unexpected:
        raise DlenvError(
            f"{source}: unknown table '{unexpected[0]}'{did_you_mean(unexpected[0], ['defaults', 'rows'])}"
        )
    tables = data.get("rows")
    if not isinstance(tables, dict) or not tables:
        raise DlenvError(f"{source}: no [rows.NAME] tables")
    rows: dict[str, Row] = {}
    for name, table in tables.items():
        if not isinstance(table, dict):
            raise DlenvError(f"{source}: row '{name}' must be a table [rows.{name}]")
        try:
            rows[name] = row = validate(Row, {"name": name, **table})
            row.check()
            _check_facts(row)
            _check_companions(row)
        except (validation_error(), ValueError) as error:
            raise DlenvError(f"{source}: {_row_error(name, error)}") from None
    try:
        defaults = validate(Defaults, data.get("defaults", {}))
    except validation_error() as error:
        problem = first_problem(error)
        raise DlenvError(f"{source}: [defaults] field '{problem['field']}': {problem['msg']}") from None
    if defaults.gpu_row not in rows or rows[defaults.gpu_row].cuda is None:
        gpu_rows = [n for n, r in rows.items() if r.cuda]
        raise DlenvError(
            f"{source}: [defaults] gpu_row '{defaults.gpu_row}' is not a CUDA row"
            f"{did_you_mean(defaults.gpu_row, gpu_rows)}"
        )
    return Matrix(defaults=defaults, rows=rows)


def _construct(data: dict[str, Any]) -> Matrix:
    """A matrix from TOML already validated on this machine: plain construction, no pydantic."""

    rows = {name: construct(Row, {"name": name, **table}) for name, table in data["rows"].items()}
    return Matrix(construct(Defaults, data["defaults"]), rows)


def load_matrix(path: Path) -> Matrix:
    text = read_input(path, "matrix")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        twice = re.match(r"Cannot declare \('rows', '([^']+)'\) twice \(at line (\d+)", message)
        if twice:
            raise DlenvError(f"{path}: duplicate row '{twice[1]}' (line {twice[2]})") from None
        raise DlenvError(f"{path}: malformed TOML: {message}") from None
    rules = (Path(__file__), Path(__file__).with_name("versions.py"), CUDA_FACTS, FACTS_DIR / "torchvision.toml")
    return validated_once("matrix", text, rules, lambda: parse_matrix(data, source=str(path)), lambda: _construct(data))
