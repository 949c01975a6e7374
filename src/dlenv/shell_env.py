"""Environment variables as commands a shell evaluates: `eval "$(dlenv mirror cn)"` and its PowerShell and
cmd forms. Each value is quoted so that the shell reads it back unchanged."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

from dlenv.errors import DlenvError, shown, unknown

SHELLS = ("bash", "powershell", "cmd")
# cmd has no quoting that stops %NAME% expansion or takes a literal double quote inside `set "NAME=value"`
# (`set /?`; `%%` works in batch files only): such a value is refused rather than written wrong.
CMD_UNSAFE = ('"', "%", "\n", "\r")


@dataclass(frozen=True)
class ShellEnvironment:
    """Variables to set and to unset, for one shell."""

    shell: str
    set: dict[str, str]
    unset: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        unsets = [_unset_line(self.shell, name) for name in self.unset]
        return unsets + [_set_line(self.shell, name, value) for name, value in self.set.items()]

    def as_json(self) -> dict[str, Any]:
        return {"shell": self.shell, "set": dict(self.set), "unset": list(self.unset)}


def shell_environment(shell: str, set_: dict[str, str], unset: tuple[str, ...] = ()) -> ShellEnvironment:
    """The commands for `shell`; a value that shell cannot take literally is bad input (exit 2)."""
    if shell not in SHELLS:
        raise unknown("shell", shell, SHELLS)
    if shell == "cmd":
        for name, value in set_.items():
            if any(c in value for c in CMD_UNSAFE):
                raise DlenvError(
                    f"{name}='{shown(value)}' cannot be set in cmd (it holds \" or %)", hint="use --shell powershell"
                )
    return ShellEnvironment(shell, dict(set_), tuple(unset))


def _set_line(shell: str, name: str, value: str) -> str:
    if shell == "bash":
        return f"export {name}={shlex.quote(value)}"
    if shell == "powershell":
        return f"$env:{name} = '{value.replace(chr(39), chr(39) * 2)}'"  # in '...' only ' is special, doubled
    return f'set "{name}={value}"'  # the quotes keep & | < > ^ literal and no trailing space slips in


def _unset_line(shell: str, name: str) -> str:
    if shell == "bash":
        return f"unset {name}"
    if shell == "powershell":
        return f"Remove-Item Env:{name} -ErrorAction SilentlyContinue"
    return f'set "{name}="'
