"""A bundle as a private Kaggle dataset, through the official `kaggle` CLI: `kaggle datasets create` the
first time, `kaggle datasets version` once it exists (docs: Kaggle/kaggle-api docs/datasets.md).

The credentials are the ones dlenv finds (dlenv.platforms.secrets) and reach the CLI through its
environment only, never its argv; what the CLI prints is passed on with any of their values masked.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from dlenv.errors import FAILED, DlenvError, shown
from dlenv.fileio import atomic_write
from dlenv.platforms.detect import detect_name
from dlenv.platforms.profiles import profiles
from dlenv.platforms.secrets import secret

METADATA = "dataset-metadata.json"  # what `kaggle datasets create/version -p DIR` reads (docs/datasets_metadata.md)
# kaggle-cli 2.x reads a new-style token, else the legacy user name and key (research/platforms.md §1(c))
TOKEN, USERNAME, KEY = "KAGGLE_API_TOKEN", "KAGGLE_USERNAME", "KAGGLE_KEY"
DATASET = re.compile(r"[A-Za-z0-9_-]+/[A-Za-z0-9_-]+")  # OWNER/SLUG
LICENSE = "other"  # the wheels keep their own licenses
LOGIN_HINT = "dlenv login kaggle --token (or --username NAME), or set KAGGLE_API_TOKEN"


@dataclass(frozen=True)
class Upload:
    dataset: str
    action: str  # "created" or "versioned"
    output: str  # what the kaggle CLI printed, credentials masked


def check_dataset(dataset: str) -> str:
    if not DATASET.fullmatch(dataset):
        raise DlenvError(f"--dataset {shown(dataset)}: not OWNER/SLUG", hint="such as alice/dlenv-bundle")
    return dataset


def credentials() -> dict[str, str]:
    """The Kaggle credentials dlenv finds (environment, the platform's vault, the CLI's files), by name."""
    vault = profiles()[detect_name()].secrets.vault
    found = {name: value for name in (TOKEN, USERNAME, KEY) if (value := secret(name, vault))}
    if TOKEN not in found and not (USERNAME in found and KEY in found):
        raise DlenvError("no Kaggle credentials found to upload with", hint=LOGIN_HINT)
    return found


def kaggle_cli() -> str:
    cli = shutil.which("kaggle")
    if cli is None:
        raise DlenvError("the kaggle CLI is not installed", hint="pip install kaggle")
    return cli


def check(dataset: str) -> None:
    """Bad input, missing credentials or a missing CLI, said before minutes of downloads."""
    check_dataset(dataset)
    credentials()
    kaggle_cli()


def upload(bundle: Path, dataset: str, title: str, message: str) -> Upload:
    """Create the private dataset `dataset` from `bundle`, or add a version to it when it exists."""
    check_dataset(dataset)
    cli = kaggle_cli()
    secrets = credentials()
    env = {**os.environ, **secrets}
    metadata = {"title": title, "id": dataset, "isPrivate": True, "licenses": [{"name": LICENSE}]}
    atomic_write(bundle / METADATA, json.dumps(metadata, indent=2) + "\n")
    exists = subprocess.run([cli, "datasets", "status", dataset], capture_output=True, text=True, env=env)
    if exists.returncode == 0:
        action, command = "versioned", [cli, "datasets", "version", "-p", str(bundle), "-m", message]
    else:  # private unless --public is given (docs/datasets.md)
        action, command = "created", [cli, "datasets", "create", "-p", str(bundle)]
    proc = subprocess.run(command, capture_output=True, text=True, env=env)
    output = _masked(proc.stdout + proc.stderr, secrets.values())
    if proc.returncode != 0:
        last = ([line for line in output.splitlines() if line.strip()] or [f"exit code {proc.returncode}"])[-1]
        raise DlenvError(f"kaggle datasets {command[2]} {dataset} failed: {last}", exit_code=FAILED)
    return Upload(dataset, action, output)


def _masked(text: str, values) -> str:
    for value in values:
        text = text.replace(value, "***")
    return text
