"""Validation at the edges, plain frozen dataclasses inside.

dlenv's data types (matrix rows, probes) are stdlib dataclasses whose annotations carry the
constraints; pydantic validates them through a TypeAdapter, and is imported only then. So reading
a row that was validated before, or a probe dlenv collected itself, costs no pydantic import (about
0.1 s, most of the doctor's start-up).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

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
