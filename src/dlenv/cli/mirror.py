"""`dlenv mirror NAME`: the mirror's environment as commands a shell evaluates."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from dlenv.cli.present import JsonFlag, emit
from dlenv.shell_env import SHELLS, ShellEnvironment


def mirror(
    name: Annotated[str, typer.Argument(help="A mirror in platform/mirrors.toml (cn), or none to unset them all.")],
    shell: Annotated[str, typer.Option("--shell", help=f"One of {', '.join(SHELLS)}.")] = "bash",
    as_json: JsonFlag = False,
) -> None:
    """Print the variables that point pip, PyTorch's wheels, Hugging Face, ModelScope and the images at a mirror.

    bash/zsh: eval "$(dlenv mirror cn)"; PowerShell: dlenv mirror cn --shell powershell | Invoke-Expression;
    cmd: for /f "delims=" %i in ('dlenv mirror cn --shell cmd') do %i. `dlenv mirror none` undoes it.
    """
    from dlenv.mirrors import mirror_environment, mirror_variables
    from dlenv.shell_env import shell_environment

    wanted = mirror_environment(name)  # an unknown name is bad input before anything is printed
    unset = () if wanted else tuple(mirror_variables())
    emit(shell_environment(shell, wanted, unset), json=as_json, human=_print_lines)


def _print_lines(environment: ShellEnvironment) -> None:
    # plain stdout, no rich console: a shell evaluates every character, and no line may be wrapped
    sys.stdout.write("".join(line + "\n" for line in environment.lines()))


def register(app: typer.Typer) -> None:
    app.command()(mirror)
