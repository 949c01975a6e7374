"""A lesson's typed config: its dataclass defaults, then its smoke values, then `--set key=value`."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Sequence
from typing import Any, Literal, get_args, get_origin

from dlenv.errors import DlenvError, did_you_mean

TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def parse_value(key: str, text: str, kind: Any) -> Any:
    """`text` as the field's type; a value that does not fit is bad input naming the key."""
    origin = get_origin(kind)
    if origin is Literal:
        choices = [str(c) for c in get_args(kind)]
        if text not in choices:
            raise DlenvError(f"--set {key}={text}: expected one of {', '.join(choices)}{did_you_mean(text, choices)}")
        return text
    if kind is bool:
        if text.lower() in TRUE | FALSE:
            return text.lower() in TRUE
        raise DlenvError(f"--set {key}={text}: expected true or false")
    if kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            raise DlenvError(f"--set {key}={text}: expected {'an integer' if kind is int else 'a number'}") from None
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
            raise DlenvError(f"--set '{item}': expected KEY=VALUE")
        if key not in fields:
            raise DlenvError(
                f"--set {key}: unknown config key{did_you_mean(key, fields)}", hint=f"keys: {', '.join(sorted(fields))}"
            )
        values[key] = parse_value(key, text, hints[key])
    return config_cls(**values)


def require(cfg: Any, positive: Sequence[str] = (), fractions: Sequence[str] = ()) -> None:
    """Bad settings as one line naming them: sizes and rates above zero, probabilities in [0, 1)."""
    for name in positive:
        if not getattr(cfg, name) > 0:
            raise DlenvError(f"--set {name}={getattr(cfg, name)}: must be above 0")
    for name in fractions:
        if not 0 <= getattr(cfg, name) < 1:
            raise DlenvError(f"--set {name}={getattr(cfg, name)}: must be at least 0 and below 1")
