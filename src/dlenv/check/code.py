"""A code cell split the way IPython reads it: shell and magic lines (`!pip ...`, `%pip ...`, `%%bash` cells,
`files = !ls`) apart from the Python, which is parsed with `ast` where they stood (as `pass`), so line
numbers match the cell's."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

# Cell magics whose body is shell (IPython's %%bash, %%sh, %%script, %%system) or not Python at all.
SHELL_CELL_MAGICS = ("bash", "sh", "script", "system", "!")
OTHER_LANGUAGE_MAGICS = ("writefile", "file", "html", "HTML", "javascript", "js", "latex", "markdown", "svg", "perl",
                         "ruby", "sql", "R")  # fmt: skip
SHELL_LINE = re.compile(r"^(?P<indent>\s*)(?:[\w.\[\]'\", ]+\s*=\s*)?!!?(?P<command>.*)$")
LINE_MAGIC = re.compile(r"^(?P<indent>\s*)(?:[\w.\[\]'\", ]+\s*=\s*)?%(?P<name>\w+)\s*(?P<args>.*)$")
# Line magics that run a shell command: %pip and %conda install, %system / %sx are `!`.
SHELL_MAGICS = ("pip", "conda", "mamba", "system", "sx", "uv")
HELP_LINE = re.compile(r"^\s*[\w.]+\?\??\s*$|^\s*\?\??[\w.]+\s*$")  # obj? and ?obj: IPython's help


@dataclass(frozen=True)
class ShellLine:
    line: int  # 1-based line in the cell
    command: str  # what the shell runs: `pip install torch` for `!pip install torch` and `%pip install torch`


@dataclass(frozen=True)
class Code:
    python: str  # the cell with shell and magic lines replaced by `pass`
    shell: tuple[ShellLine, ...] = ()
    tree: ast.Module | None = None  # None: the Python does not parse
    syntax_error: str = ""  # why, with its line
    magics: tuple[str, ...] = field(default=())  # the line magics used (%matplotlib, %cd, ...)


def split(source: str) -> Code:
    """The cell's Python and shell lines."""
    lines = source.splitlines()
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        name = first[2:].split(maxsplit=1)[0] if len(first) > 2 else ""
        if name in SHELL_CELL_MAGICS:
            shell = tuple(
                ShellLine(number, line.strip()) for number, line in enumerate(lines[1:], start=2) if line.strip()
            )
            return Code("", shell, ast.Module(body=[], type_ignores=[]))
        if name in OTHER_LANGUAGE_MAGICS:
            return Code("", (), ast.Module(body=[], type_ignores=[]), magics=(name,))
        lines = ["pass", *lines[1:]]  # %%time, %%capture: the body is Python
    python, shell, magics = [], [], []
    for number, line in enumerate(lines, start=1):
        if match := SHELL_LINE.match(line):
            shell.append(ShellLine(number, match["command"].strip()))
            python.append(f"{match['indent']}pass")
        elif match := LINE_MAGIC.match(line):
            magics.append(match["name"])
            if match["name"] in SHELL_MAGICS:
                shell.append(ShellLine(number, f"{match['name']} {match['args']}".strip()))
            python.append(f"{match['indent']}pass")
        elif HELP_LINE.match(line):
            python.append("pass")
        else:
            python.append(line)
    text = "\n".join(python)
    try:
        tree = ast.parse(text)
    except SyntaxError as error:
        return Code(text, tuple(shell), None, f"line {error.lineno}: {error.msg}", tuple(magics))
    return Code(text, tuple(shell), tree, "", tuple(magics))
