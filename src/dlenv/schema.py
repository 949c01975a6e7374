"""Validation at the edges, plain frozen dataclasses inside.

dlenv's data types (matrix rows, probes, platform profiles) are stdlib dataclasses whose annotations
carry the constraints; pydantic validates them through a TypeAdapter, and is imported only then. So
reading a file that was validated before (`validated_once`), or a probe dlenv collected itself,
costs no pydantic import (about 0.1 s, most of the doctor's start-up).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from dlenv import __version__
from dlenv.errors import did_you_mean
from dlenv.fileio import atomic_write

T = TypeVar("T")

# Given to each dataclass as __pydantic_config__: an unknown key is an error, not ignored.
FORBID_EXTRA = {"extra": "forbid"}


@dataclass(frozen=True)
class Pattern:
    """Annotated[str, Pattern(r"...")]: a string matching the regular expression."""

    regex: str

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.str_schema(pattern=self.regex, strict=True)


@dataclass(frozen=True)
class NonEmpty:
    """Annotated[tuple[...], NonEmpty()]: at least one item."""

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        schema = handler(source)
        schema["min_length"] = 1
        return schema


@dataclass(frozen=True)
class Strict:
    """Annotated[bool, Strict()]: true or false, not "yes" or 1."""

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        schema = handler(source)
        schema["strict"] = True
        return schema


@cache
def _adapter(cls: type) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(cls)


def validate(cls: type, data: Any) -> Any:
    """An instance of `cls` from plain data; raises pydantic's ValidationError."""
    return _adapter(cls).validate_python(data)


def validation_error() -> type[Exception]:
    from pydantic import ValidationError

    return ValidationError


def first_problem(error: Any) -> dict[str, Any]:
    """The error to report from a ValidationError: an unknown field first (usually the misspelling of a
    missing one), else the first. Keys: type, field (dotted path), msg, input."""
    errors = error.errors()
    unknown = [e for e in errors if e["type"] in ("extra_forbidden", "unexpected_keyword_argument")]
    first = (unknown or errors)[0]
    return {
        "type": "unknown" if unknown else first["type"],
        "field": ".".join(str(p) for p in first["loc"]),
        "msg": first["msg"],
        "input": first.get("input"),
    }


def describe(error: Any, cls: type) -> str:
    """A ValidationError of dataclass `cls` as one line naming the dotted field: unknown (with the
    closest valid name), required, empty, or what is wrong with the value."""
    problem = first_problem(error)
    name, kind = problem["field"], problem["type"]
    if kind == "unknown":
        *parents, leaf = name.split(".")
        return f"unknown field '{name}'{did_you_mean(leaf, _field_names(cls, parents))}"
    if kind == "missing":
        return f"field '{name}' is required"
    if kind == "too_short":
        return f"field '{name}' must not be empty"
    return f"field '{name}': {problem['msg']} (got {problem['input']!r})"


def _field_names(cls: type, parents: list[str]) -> list[str]:
    for parent in parents:
        cls = _nested(cls).get(parent)  # type: ignore[assignment]
        if cls is None:
            return []
    return [f.name for f in dataclasses.fields(cls)]


# --- the cheap path: data validated before, built without pydantic ----------------------------------


@cache
def _nested(cls: type) -> dict[str, type]:
    """The fields of dataclass `cls` whose type is a dataclass itself, or a dataclass or None (an optional table)."""
    hints = typing.get_type_hints(cls)
    found = {}
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
            options = [t for t in typing.get_args(hint) if t is not type(None)]
            hint = options[0] if len(options) == 1 else hint
        if dataclasses.is_dataclass(hint):
            found[f.name] = hint
    return found


@cache
def _nested_lists(cls: type) -> dict[str, type]:
    """The fields of dataclass `cls` typed tuple[SomeDataclass, ...]: an array of tables."""
    hints = typing.get_type_hints(cls)
    found = {}
    for f in dataclasses.fields(cls):
        args = typing.get_args(hints[f.name]) if typing.get_origin(hints[f.name]) is tuple else ()
        if args and dataclasses.is_dataclass(args[0]):
            found[f.name] = args[0]
    return found


def construct(cls: type[T], data: dict[str, Any]) -> T:
    """An instance of dataclass `cls` from data that passed `validate(cls, ...)` before: tables become
    the nested dataclasses, arrays of tables tuples of them, lists tuples; nothing is checked and pydantic
    is not imported."""
    nested, lists = _nested(cls), _nested_lists(cls)

    def build(key: str, value: Any) -> Any:
        if key in nested:
            return construct(nested[key], value)
        if key in lists:
            return tuple(construct(lists[key], item) for item in value)
        return tuple(value) if isinstance(value, list) else value

    return cls(**{key: build(key, value) for key, value in data.items()})


def validated_once(kind: str, text: str, rules: Iterable[Path], check: Callable[[], T], build: Callable[[], T]) -> T:
    """`check()` (validation) the first time this exact `text` is read under these `rules` (the source
    files that validate it) on this machine; afterwards `build()`, the cheap path. The proof is an empty
    file in ~/.cache/dlenv/validated named by a hash of dlenv's version, the text and the rules."""
    digest = hashlib.sha256(f"{__version__}\0{text}\0".encode())
    for path in (Path(__file__), *rules):
        digest.update(path.read_bytes())
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    marker = cache_home / "dlenv" / "validated" / f"{kind}-{digest.hexdigest()[:32]}"
    if marker.is_file():
        return build()
    result = check()
    with contextlib.suppress(OSError):  # a read-only home: validate every time
        atomic_write(marker, "")
    return result
