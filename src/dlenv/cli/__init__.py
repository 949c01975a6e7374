"""The `dlenv` command: one module per command group, what they share in `present`. Library modules
return values; only this package prints.

Exit codes (DESIGN.md): 0 success, 1 the work failed, 2 bad usage or input — always one line on
stderr that names the bad value, and no traceback unless --debug.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

try:  # newer typer carries its own copy of click
    from typer._click.exceptions import UsageError
except ImportError:  # pragma: no cover
    from click.exceptions import UsageError

from dlenv import __version__
from dlenv.cli import bench, bundle, check, data, doctor, lessons, matrix, measured, mirror, notebook, platform, run
from dlenv.cli.options import Options
from dlenv.cli.present import print_error
from dlenv.errors import BAD_INPUT, DlenvError

# In the order `dlenv --help` lists them (commands first, then groups, each in registration order).
COMMAND_GROUPS = (matrix, doctor, platform, mirror, data, notebook, check, bundle, run, bench, lessons, measured)


class _Dlenv(TyperGroup):
    """The root command: an expected error (DlenvError) ends as one or two lines and its exit code,
    or, with --debug, goes on with its traceback."""

    def invoke(self, ctx: typer.Context) -> object:
        try:
            return super().invoke(ctx)
        except DlenvError as error:
            if Options.of(ctx).debug:
                raise
            print_error(error.message, error.hint)
            raise typer.Exit(error.exit_code) from None


app = typer.Typer(
    cls=_Dlenv,
    help="dlenv: deep-learning lessons that run the same on a laptop, in Docker and on cloud notebooks.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
for group in COMMAND_GROUPS:
    group.register(app)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"dlenv {__version__}\n")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
    matrix: Annotated[
        Path | None, typer.Option("--matrix", help="Read this matrix file instead of envs/matrix.toml.")
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of expected errors.")] = False,
) -> None:
    ctx.obj = Options(matrix_path=matrix, debug=debug)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    try:
        code = app(args=argv, prog_name="dlenv", standalone_mode=False)
    except UsageError as error:
        print_error(error.format_message())
        sys.exit(BAD_INPUT)
    except typer.Abort:
        sys.stderr.write("aborted\n")
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
