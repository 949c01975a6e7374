"""Mirrors for networks that cannot reach PyPI or the Hugging Face hub quickly (platform/mirrors.toml)."""

from __future__ import annotations

import sys
from functools import cache

from dlenv.errors import unknown
from dlenv.platforms.profiles import profiles_dir

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@cache
def mirrors() -> dict[str, dict[str, str]]:
    with (profiles_dir() / "mirrors.toml").open("rb") as f:
        return tomllib.load(f)


def mirror_environment(name: str) -> dict[str, str]:
    """The variables that point pip, huggingface_hub and ModelScope at mirror `name` ('' or 'none': none)."""
    if name in ("", "none"):
        return {}
    table = mirrors()
    if name not in table:
        raise unknown("mirror", name, [*table, "none"])
    return {key: value for key, value in table[name].items() if key.isupper()}
