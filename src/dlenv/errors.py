"""The one exception type for expected failures: the CLI prints it as one or two lines."""

from __future__ import annotations

from collections.abc import Iterable

BAD_INPUT = 2  # bad usage or bad input: unknown name, malformed file, bad flag
FAILED = 1  # the work itself failed: a check failed, a resolver found a conflict


class DlenvError(Exception):
    """An expected failure with a one-line message, an optional hint and an exit code."""

    def __init__(self, message: str, hint: str | None = None, exit_code: int = BAD_INPUT) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.exit_code = exit_code


def shown(text: str) -> str:
    """`text` as a message may quote it: escaped when it holds a newline or another unprintable character,
    so an error stays one line."""
    return text if text.isprintable() else repr(text)[1:-1]


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """': did you mean 'x'?' for the closest choice, or '' when nothing is close."""
    import difflib

    choices = sorted(choices)
    # A truncated name ('cu12') means the first name it starts; otherwise the most similar one.
    close = [c for c in choices if c.startswith(value)] or difflib.get_close_matches(value, choices, n=1, cutoff=0.5)
    return f": did you mean '{close[0]}'?" if close and value else ""


def unknown(kind: str, value: str, choices: Iterable[str]) -> DlenvError:
    """`unknown matrix row 'cu12': did you mean 'cu121'?`, listing the valid names as the hint."""
    choices = sorted(choices)
    return DlenvError(
        f"unknown {kind} '{shown(value)}'{did_you_mean(value, choices)}",
        hint=f"valid: {', '.join(choices)}" if choices else None,
    )
