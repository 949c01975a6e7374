"""A lesson's typed config: its dataclass defaults, then its smoke values, then `--set key=value`.

A lesson's Config states its bounds in `__post_init__` with `require()`, so a bad `--set` value is one
line naming the setting (exit 2) when the config is built, before the lesson imports its framework.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Literal, get_args, get_origin

from dlenv.errors import DlenvError, did_you_mean, shown, unknown

TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def parse_value(key: str, text: str, kind: Any) -> Any:
    """`text` as the field's type; a value that does not fit is bad input naming the key."""
    given = f"--set {key}={shown(text)}"
    if get_origin(kind) is Literal:
        choices = [str(c) for c in get_args(kind)]
        if text not in choices:
            raise DlenvError(f"{given}: expected one of {', '.join(choices)}{did_you_mean(text, choices)}")
        return text
    if kind is bool:
        if text.lower() in TRUE | FALSE:
            return text.lower() in TRUE
        raise DlenvError(f"{given}: expected true or false")
    if kind in (int, float):
        try:
            value = kind(text)
        except ValueError:
            raise DlenvError(f"{given}: expected {'an integer' if kind is int else 'a number'}") from None
        if not math.isfinite(value):  # nan, inf, and 1e309 (too large for a float)
            raise DlenvError(f"{given}: expected a finite number")
        return value
    if kind is str:
        return text
    raise DlenvError(f"--set {key}: a {kind} field cannot be set from the command line")


def build(config_cls: type, smoke: dict[str, Any] | None, sets: list[str]) -> Any:
    """The config a run uses: defaults, then `smoke` (when given), then each KEY=VALUE of `sets`."""
    hints = typing.get_type_hints(config_cls)
    fields = {f.name for f in dataclasses.fields(config_cls)}
    values: dict[str, Any] = dict(smoke or {})
    for item in sets:
        key, sep, text = item.partition("=")
        if not sep:
            raise DlenvError(f"--set '{shown(item)}': expected KEY=VALUE")
        if key not in fields:
            raise DlenvError(
                f"--set {shown(key)}: unknown config key{did_you_mean(key, fields)}",
                hint=f"keys: {', '.join(sorted(fields))}",
            )
        values[key] = parse_value(key, text, hints[key])
    return config_cls(**values)


RATE_FIELDS = ("lr", "lr_factor")  # the settings a lesson's learning rate goes by, first match wins


def divergence_hint(cfg: Any) -> str:
    """What to do when a run diverges: its learning rate, a tenth of what it was."""
    for name in RATE_FIELDS:
        if isinstance(getattr(cfg, name, None), float):
            return f"lower the learning rate, e.g. --set {name}={getattr(cfg, name) / 10:g}"
    return "lower the learning rate"


Bound = float | str  # a number, or the name of another field of the config


def require(
    cfg: Any,
    *,
    positive: Sequence[str] = (),
    at_least: Mapping[str, Bound] | None = None,
    at_most: Mapping[str, Bound] | None = None,
    fractions: Sequence[str] = (),
    divides: Mapping[str, str] | None = None,
    choices: Mapping[str, Collection[str]] | None = None,
    lists_of: Mapping[str, Collection[str]] | None = None,
) -> None:
    """Refuse a config whose settings cannot run, with one line naming the first bad one.

    positive: above 0. at_least / at_most: {field: number or other field}. fractions: in [0, 1).
    divides: {field: other}, field divides other exactly. choices: {field: names}, one of them.
    lists_of: {field: names}, a comma-separated list of at least one of them.
    """
    for name in positive:
        _check(cfg, name, getattr(cfg, name) > 0, "must be above 0")
    for name, bound in (at_least or {}).items():
        floor, said = _bound(cfg, bound)
        _check(cfg, name, getattr(cfg, name) >= floor, f"must be at least {said}")
    for name, bound in (at_most or {}).items():
        ceiling, said = _bound(cfg, bound)
        _check(cfg, name, getattr(cfg, name) <= ceiling, f"must be at most {said}")
    for name in fractions:
        _check(cfg, name, 0 <= getattr(cfg, name) < 1, "must be at least 0 and below 1")
    for name, whole in (divides or {}).items():
        _require_divisor(cfg, name, whole)
    for name, names in (choices or {}).items():
        if getattr(cfg, name) not in names:
            raise unknown(f"--set {name}", getattr(cfg, name), names)
    for name, names in (lists_of or {}).items():
        listed(cfg, name, names)


def listed(cfg: Any, name: str, names: Collection[str]) -> list[str]:
    """The items of a comma-separated setting, each one of `names`, at least one."""
    text = getattr(cfg, name)
    items = [item.strip() for item in text.split(",") if item.strip()]
    for item in items:
        if item not in names:
            raise unknown(f"value in --set {name}", item, names)
    if not items:
        raise DlenvError(f"--set {name}={shown(text)}: name at least one", hint=f"valid: {', '.join(sorted(names))}")
    return items


def _bound(cfg: Any, bound: Bound) -> tuple[float, str]:
    if isinstance(bound, str):
        return getattr(cfg, bound), f"{bound}={getattr(cfg, bound)}"
    return bound, f"{bound:g}"


def _check(cfg: Any, name: str, ok: bool, must: str) -> None:
    if not ok:
        raise DlenvError(f"--set {name}={getattr(cfg, name)}: {must}")


def _require_divisor(cfg: Any, name: str, whole: str) -> None:
    part, total = getattr(cfg, name), getattr(cfg, whole)
    if part >= 1 and total >= 1 and total % part == 0:
        return
    divisors = [d for d in range(1, min(total, 10_000) + 1) if total % d == 0] if total >= 1 else []
    closest = f": did you mean {name}={min(divisors, key=lambda d: (abs(d - part), -d))}?" if divisors else ""
    raise DlenvError(
        f"--set {name}={part}: must divide {whole}={total}{closest}",
        hint=f"divisors of {total}: {', '.join(map(str, divisors))}" if divisors else f"{whole} must be at least 1",
    )
