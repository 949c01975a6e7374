"""`dlenv platform`, `dlenv login` and `dlenv bootstrap`: where this runs, its credentials, its set-up."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from dlenv.cli.options import Options
from dlenv.cli.present import JsonFlag, emit, fields, out, table
from dlenv.errors import DlenvError

if TYPE_CHECKING:
    from dlenv.platforms import Platform
    from dlenv.platforms.image_plan import ImagePlan

login_app = typer.Typer(help="Store credentials where their tools look for them (mode 0600).", rich_markup_mode=None)


ImageOption = Annotated[
    str | None,
    typer.Option(
        "--image",
        metavar="NAME[/VARIANT]",
        help="A platform's recorded image (colab, kaggle/cpu, ...): what it holds, what the bootstrap "
        "installs and keeps there, and which lessons would not run there.",
    ),
]


def platform(ctx: typer.Context, as_json: JsonFlag = False, image: ImageOption = None) -> None:
    """Say which platform this is (Kaggle, Colab, AI Studio, DSW, Docker, WSL, local) and where things go."""
    if image is not None:
        from dlenv.platforms.image_plan import image_plan

        emit(image_plan(image, Options.of(ctx).matrix()), json=as_json, human=_show_image)
        return
    from dlenv.platforms import detect

    emit(detect(), json=as_json, human=_show_platform)


def _show_platform(found: Platform) -> None:
    data = found.as_json()
    limits, warnings = data.pop("limits"), data.pop("warnings")
    out().print(fields(data))
    for warning in warnings:
        out().print(f"warning: {warning}", markup=False)
    if limits is not None:
        limit_warnings = limits.pop("warnings")
        out().print(fields({f"limits.{key}": value for key, value in limits.items()}))
        for warning in limit_warnings:
            out().print(f"warning: {warning}", markup=False)


def _show_image(found: ImagePlan) -> None:
    data = found.as_json()
    shown = {key: data[key] for key in ("image", "recorded", "python", "os", "accelerator", "torch", "tensorflow")}
    shown["packages"] = f"{len(found.image.packages)}" + (
        "" if found.image.complete else " (partial: the documented ones)"
    )
    out().print(fields({**shown, "sources": data["sources"], "bootstrap row": data["row"]}))
    out().print(f"installs: {' '.join(data['installs']) or 'nothing'}", markup=False)
    out().print(f"keeps: {' '.join(data['keeps']) or 'nothing'}", markup=False)
    for warning in data["warnings"]:
        out().print(f"warning: {warning}", markup=False)
    blocked = [(lesson["name"], lesson["why_not"]) for lesson in data["lessons"] if not lesson["runs"]]
    if not blocked:
        out().print(f"every lesson ({len(data['lessons'])}) would run there", markup=False)
        return
    lessons = table("lesson that would not run", "why")
    for name, why in blocked:
        lessons.add_row(name, why)
    out().print(lessons)


def _read_secret(label: str) -> str:
    """A secret from the terminal without echo, or the first line of a pipe (echo $KEY | dlenv login ...)."""
    if sys.stdin.isatty():
        import getpass

        value = getpass.getpass(f"{label}: ")
    else:
        value = sys.stdin.readline()
    value = value.strip()
    if not value:
        raise DlenvError(f"no {label} given", hint="type it at the prompt, or pipe it in on standard input")
    return value


@login_app.command("kaggle")
def login_kaggle(
    username: Annotated[str | None, typer.Option("--username", help="Your Kaggle user name (legacy API key).")] = None,
    token: Annotated[bool, typer.Option("--token", help="Store a new-style API token instead of a key.")] = False,
) -> None:
    """Write ~/.kaggle/kaggle.json (or access_token with --token), readable by you only. The key is read
    without echo, or from standard input."""
    from dlenv.platforms.secrets import write_kaggle_access_token, write_kaggle_json

    if token == bool(username):
        raise DlenvError("pass --username NAME (API key) or --token (API token), not both or neither")
    if token:
        path = write_kaggle_access_token(_read_secret("Kaggle API token"))
    else:
        path = write_kaggle_json(username or "", _read_secret("Kaggle API key"))
    out().print(f"wrote {path} (mode 0600)")


def bootstrap_command(
    ctx: typer.Context,
    mirror: Annotated[str | None, typer.Option("--mirror", help="cn or none; default: the platform's own.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be installed; install nothing.")] = False,
    lesson: Annotated[
        list[str] | None,
        typer.Option(
            "--lesson", help="A lesson to be ready for (repeatable); a Keras one brings the row's TensorFlow."
        ),
    ] = None,
) -> None:
    """Point caches and mirrors, load credentials, install what the lessons miss, ask the doctor.

    In a notebook, call dlenv.bootstrap() instead: only then do the variables reach the notebook's process.
    """
    from dlenv.bootstrap import run, summary

    report = run(Options.of(ctx).matrix(), mirror=mirror, install=not dry_run, lessons=tuple(lesson or ()))
    out().print(summary(report), markup=False)
    for name, value in report.environment.items():
        out().print(f"export {name}={value}", markup=False)


def register(app: typer.Typer) -> None:
    app.command()(platform)
    app.add_typer(login_app, name="login")
    app.command("bootstrap")(bootstrap_command)
