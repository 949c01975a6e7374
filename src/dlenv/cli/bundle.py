"""`dlenv bundle --platform NAME`: a wheelhouse for a notebook with no package index, optionally uploaded
as a private Kaggle dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dlenv.cli.options import Options
from dlenv.cli.present import out, progress
from dlenv.errors import DlenvError, unknown

UPLOAD_TARGETS = ("kaggle",)


def bundle_command(
    ctx: typer.Context,
    platform_name: Annotated[str, typer.Option("--platform", help="kaggle, colab, aistudio, dsw, docker or local.")],
    python: Annotated[
        str | None, typer.Option("--python", help="X.Y to download for; default: the image's (local: this one).")
    ] = None,
    variant: Annotated[
        str | None, typer.Option("--variant", help="The recorded image (gpu, cpu, ...); default: gpu.")
    ] = None,
    row: Annotated[str | None, typer.Option("--row", help="The matrix row; default: the bootstrap's.")] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="The bundle's folder; default: ./dlenv-bundle-PLATFORM-pyX.Y.")
    ] = None,
    upload_to: Annotated[str | None, typer.Option("--upload", help="kaggle: upload as a private dataset.")] = None,
    dataset: Annotated[str | None, typer.Option("--dataset", help="OWNER/SLUG of the Kaggle dataset.")] = None,
) -> None:
    """Download dlenv and what dlenv.bootstrap() installs on a platform into one folder, for pip install
    --no-index --find-links; never the platform's own torch, TensorFlow or numpy."""
    from dlenv import bundle
    from dlenv.bundle import kaggle
    from dlenv.bundle.target import install_plan, target

    if upload_to is not None and upload_to not in UPLOAD_TARGETS:
        raise unknown("upload target", upload_to, UPLOAD_TARGETS)
    if (upload_to is None) != (dataset is None):
        raise DlenvError("--upload kaggle and --dataset OWNER/SLUG go together")
    if dataset is not None:  # bad input and missing tools before minutes of downloads
        kaggle.check(dataset)
    found = target(platform_name, python, variant)
    plan = install_plan(found, Options.of(ctx).matrix(), row)
    with progress().status(f"downloading wheels for {platform_name}, Python {found.python}"):
        made = bundle.build(found, plan, out_dir or bundle.default_out(found))
    m = made.manifest
    image = f"{found.image.name} (recorded {found.image.recorded})" if found.image else "this environment"
    show = out()
    show.print(f"wrote {made.path}: {len(m.files)} files, {m.size / 1e6:.1f} MB", markup=False)
    show.print(f"for {image}, Python {m.python}, row {m.row}; dlenv's wheel {m.dlenv_source}", markup=False)
    show.print(f"kept from the platform: {' '.join(m.kept) or 'nothing'}", markup=False)
    for warning in made.warnings:
        show.print(f"warning: {warning}", markup=False)
    if dataset is not None:
        title = f"dlenv bundle {platform_name} py{m.python}"
        message = f"dlenv {m.dlenv_version}, row {m.row}, {len(m.files)} files"
        done = kaggle.upload(made.path, dataset, title, message)
        show.print(f"{done.action} the private Kaggle dataset {done.dataset}", markup=False)


def register(app: typer.Typer) -> None:
    app.command("bundle")(bundle_command)
