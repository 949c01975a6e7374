"""The version matrix (envs/matrix.toml): typed rows, validated, with one-line errors naming row and field."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from dlenv.errors import DlenvError, did_you_mean, unknown
from dlenv.facts import cuda_facts, version_tuple
from dlenv.fileio import read_input

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

Pin = Annotated[str, StringConstraints(pattern=r"^\d+(\.\d+)+$")]
TorchPin = Annotated[str, StringConstraints(pattern=r"^\d+(\.\d+)+(\+[a-z0-9]+)?$")]
PythonVersion = Annotated[str, StringConstraints(pattern=r"^3\.\d+$")]
Arch = Annotated[str, StringConstraints(pattern=r"^\d+\.\d+(\+PTX)?$")]
# nvidia/cuda:12.6.3-cudnn-runtime-ubuntu24.04 -> cuda 12.6, ubuntu 24.04; ubuntu:24.04 -> 24.04
CUDA_IMAGE = re.compile(r"^nvidia/cuda:(?P<cuda>\d+\.\d+)\.\d+-cudnn\d*-runtime-ubuntu(?P<ubuntu>\d+\.\d+)$")
UBUNTU_IMAGE = re.compile(r"^ubuntu:(?P<ubuntu>\d+\.\d+)$")


class Row(BaseModel):
    """One supported combination of CUDA, cuDNN, driver, Python and pinned frameworks."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    cuda: Annotated[str, StringConstraints(pattern=r"^\d+\.\d+$")] | None = None
    cudnn: Pin | None = None
    min_driver: Pin | None = None
    base_image: str
    python: list[PythonVersion] = Field(min_length=1)
    torch: TorchPin
    torch_index: Annotated[str, StringConstraints(pattern=r"^https://\S+$")] | None = None
    torch_arch: list[Arch]
    tensorflow: Pin | None = None
    tensorflow_env: Literal["shared", "separate"] | None = None
    no_tensorflow_reason: str | None = None
    transformers: Pin
    peft: Pin
    bitsandbytes: Pin
    lessons: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Row:
        if self.cuda is None:
            for field in ("cudnn", "min_driver"):
                if getattr(self, field) is not None:
                    raise ValueError(f"field '{field}' is set but the row has no 'cuda'")
            if self.torch_arch:
                raise ValueError("field 'torch_arch' must be empty for a row without 'cuda'")
        else:
            for field in ("cudnn", "min_driver"):
                if getattr(self, field) is None:
                    raise ValueError(f"field '{field}' is required for a CUDA row")
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
        if "+" in self.torch:
            # torch==2.7.1+cu118 only exists on the index named .../whl/cu118
            label = self.torch.split("+", 1)[1]
            if self.torch_index is None or self.torch_index.rstrip("/").rsplit("/", 1)[-1] != label:
                raise ValueError(f"field 'torch_index' must be the index that serves '+{label}' builds")
        return self

    @property
    def torch_version(self) -> str:
        """The public version, without the local build label: '2.7.1+cu118' -> '2.7.1'."""
        return self.torch.split("+", 1)[0]

    @property
    def python_default(self) -> str:
        """The Python a conda environment of the row gets: its newest."""
        return max(self.python, key=version_tuple)

    @property
    def image_python(self) -> str:
        """The python3 of the base image's Ubuntu release (checked to be one of the row's)."""
        return cuda_facts().ubuntu_python[_image_ubuntu(self.base_image)]


class Defaults(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    gpu_row: str


class Matrix(BaseModel):
    model_config = ConfigDict(frozen=True)

    defaults: Defaults
    rows: dict[str, Row]

    def row(self, name: str) -> Row:
        try:
            return self.rows[name]
        except KeyError:
            raise unknown("env row", name, self.rows) from None

    def as_json(self) -> dict[str, Any]:
        return {"rows": [row.model_dump() for row in self.rows.values()]}


def _image_ubuntu(base_image: str) -> str:
    match = CUDA_IMAGE.match(base_image) or UBUNTU_IMAGE.match(base_image)
    if match is None:
        raise ValueError(f"base image '{base_image}' is neither nvidia/cuda:X.Y.Z-cudnn*-runtime-ubuntuV nor ubuntu:V")
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
        raise ValueError(f"field 'base_image': '{row.base_image}' is not an nvidia/cuda {row.cuda} runtime+cuDNN image")
    if row.cuda not in facts.toolkit_driver:
        raise ValueError(f"field 'cuda': CUDA {row.cuda} is not in src/dlenv/facts/cuda.toml")
    needed = facts.toolkit_driver[row.cuda]
    assert row.min_driver is not None
    if version_tuple(row.min_driver) < version_tuple(needed):
        raise ValueError(f"field 'min_driver': CUDA {row.cuda} needs a driver >= {needed}, not {row.min_driver}")


def _row_error(name: str, error: ValidationError | ValueError) -> str:
    if isinstance(error, ValueError) and not isinstance(error, ValidationError):
        return f"row '{name}': {error}"
    # An unknown field is usually the misspelling of a missing one: name it first.
    first = min(error.errors(), key=lambda e: e["type"] != "extra_forbidden")
    field = ".".join(str(part) for part in first["loc"])
    if first["type"] == "extra_forbidden":
        return f"row '{name}': unknown field '{field}'{did_you_mean(field, Row.model_fields)}"
    if first["type"] == "missing":
        return f"row '{name}': field '{field}' is required"
    if first["type"] == "too_short":
        return f"row '{name}': field '{field}' must not be empty"
    message = first["msg"].removeprefix("Value error, ")
    if not field:  # a model-level rule: its message names the field
        return f"row '{name}': {message}"
    return f"row '{name}': field '{field}': {message} (got {first['input']!r})"


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
            rows[name] = row = Row.model_validate({"name": name, **table})
            _check_facts(row)
        except (ValidationError, ValueError) as error:
            raise DlenvError(f"{source}: {_row_error(name, error)}") from None
    try:
        defaults = Defaults.model_validate(data.get("defaults", {}))
    except ValidationError as error:
        first = error.errors()[0]
        raise DlenvError(f"{source}: [defaults] field '{first['loc'][0]}': {first['msg']}") from None
    if defaults.gpu_row not in rows or rows[defaults.gpu_row].cuda is None:
        gpu_rows = [n for n, r in rows.items() if r.cuda]
        raise DlenvError(
            f"{source}: [defaults] gpu_row '{defaults.gpu_row}' is not a CUDA row"
            f"{did_you_mean(defaults.gpu_row, gpu_rows)}"
        )
    return Matrix(defaults=defaults, rows=rows)


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
    return parse_matrix(data, source=str(path))
