"""--upload kaggle against a stand-in `kaggle` executable first on PATH, never the real service: it records
its argv, the names of its environment's variables and the files it was given."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest
from support import NO_SHELL_SCRIPTS, ON_WINDOWS

from dlenv.bundle import kaggle as upload_module
from dlenv.bundle.manifest import MANIFEST

TOKEN = "KGAT_s3cr3t-value-0123456789"
STAND_IN = """#!{python}
import json, os, sys
from pathlib import Path
log = Path(os.environ["KAGGLE_STAND_IN_LOG"])
calls = json.loads(log.read_text()) if log.exists() else []
args = sys.argv[1:]
record = {{"argv": args, "env": sorted(os.environ)}}
if "-p" in args:
    folder = Path(args[args.index("-p") + 1])
    record["files"] = sorted(p.name for p in folder.iterdir())
    record["metadata"] = json.loads((folder / "dataset-metadata.json").read_text())
calls.append(record)
log.write_text(json.dumps(calls))
exists = Path(os.environ["KAGGLE_STAND_IN_LOG"] + ".exists")
if args[:2] == ["datasets", "status"]:
    sys.exit(0 if exists.exists() else 1)
if args[:2] == ["datasets", "create"]:
    exists.write_text("")
    print("Your private Dataset is being created. Please check progress at https://www.kaggle.com/" + "x")
if args[:2] == ["datasets", "version"]:
    print("Dataset version is being created.")
"""


@pytest.fixture
def stand_in(machine, tmp_path, monkeypatch):
    """The stand-in CLI on PATH, a token in the environment; returns the calls it recorded."""
    if ON_WINDOWS:
        pytest.skip(NO_SHELL_SCRIPTS)
    folder = tmp_path / "bin"
    folder.mkdir()
    cli = folder / "kaggle"
    cli.write_text(STAND_IN.format(python=sys.executable))
    cli.chmod(cli.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / "kaggle-calls.json"
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("KAGGLE_STAND_IN_LOG", str(log))
    monkeypatch.setenv("KAGGLE_API_TOKEN", TOKEN)
    return lambda: json.loads(log.read_text())


def a_bundle(tmp_path: Path) -> Path:
    folder = tmp_path / "bundle"
    folder.mkdir()
    (folder / MANIFEST).write_text("{}")
    (folder / "dlenv-0.1.0-py3-none-any.whl").write_bytes(b"wheel")
    return folder


def test_first_upload_creates_a_private_dataset_then_versions_it(stand_in, tmp_path):
    bundle = a_bundle(tmp_path)
    first = upload_module.upload(bundle, "alice/dlenv-bundle", "dlenv bundle kaggle py3.12", "dlenv 0.1.0")
    second = upload_module.upload(bundle, "alice/dlenv-bundle", "dlenv bundle kaggle py3.12", "dlenv 0.1.1")
    assert (first.action, second.action) == ("created", "versioned")
    calls = stand_in()
    assert [c["argv"] for c in calls] == [
        ["datasets", "status", "alice/dlenv-bundle"],
        ["datasets", "create", "-p", str(bundle)],  # no --public: private
        ["datasets", "status", "alice/dlenv-bundle"],
        ["datasets", "version", "-p", str(bundle), "-m", "dlenv 0.1.1"],
    ]
    metadata = calls[1]["metadata"]
    assert metadata["id"] == "alice/dlenv-bundle" and metadata["isPrivate"] is True
    assert metadata["title"] == "dlenv bundle kaggle py3.12" and metadata["licenses"]
    assert calls[1]["files"] == ["dataset-metadata.json", "dlenv-0.1.0-py3-none-any.whl", MANIFEST]
    assert all("KAGGLE_API_TOKEN" in c["env"] for c in calls)
    assert TOKEN not in json.dumps(calls)  # never on argv, never in a file it was given


def test_the_cli_uploads_from_a_token_file_without_ever_showing_it(stand_in, machine, monkeypatch, cli, tmp_path):
    monkeypatch.delenv("KAGGLE_API_TOKEN")
    token_file = machine.home / ".kaggle" / "access_token"
    token_file.parent.mkdir()
    token_file.write_text(TOKEN + "\n")
    monkeypatch.setattr("dlenv.bundle.build", lambda found, plan, out: _fake_bundle(out))
    result = cli("bundle", "--platform", "local", "--out", str(tmp_path / "b"), "--upload", "kaggle",
                 "--dataset", "alice/dlenv-bundle")  # fmt: skip
    assert result.code == 0, result.stderr
    assert "created the private Kaggle dataset alice/dlenv-bundle" in result.stdout
    assert TOKEN not in result.stdout + result.stderr + json.dumps(stand_in())
    assert "KAGGLE_API_TOKEN" in stand_in()[0]["env"]


def _fake_bundle(out: Path):
    from dlenv.bundle import Bundle
    from dlenv.bundle.manifest import Manifest

    out.mkdir()
    manifest = Manifest("0.1.0", "dlenv.whl", "test", "local", None, "3.11", (), "cpu", (), (), ())
    return Bundle(out, manifest, ())


@pytest.mark.parametrize(
    "args, message",
    [
        (["--upload", "drive", "--dataset", "a/b"], "error: unknown upload target 'drive'"),
        (["--upload", "kaggle"], "error: --upload kaggle and --dataset OWNER/SLUG go together"),
        (["--upload", "kaggle", "--dataset", "no-owner"], "error: --dataset no-owner: not OWNER/SLUG"),
    ],
)
def test_bad_upload_options_are_one_line(cli, args, message, tmp_path):
    result = cli("bundle", "--platform", "local", "--out", str(tmp_path / "b"), *args)
    assert result.code == 2 and result.stderr.startswith(message) and not (tmp_path / "b").exists()


def test_missing_cli_or_credentials_say_the_fix_before_any_download(machine, monkeypatch, cli, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no kaggle here
    args = ["bundle", "--platform", "local", "--out", str(tmp_path / "b"), "--upload", "kaggle", "--dataset", "a/b"]
    result = cli(*args)
    assert result.code == 2 and result.stderr.splitlines()[0] == "error: no Kaggle credentials found to upload with"
    assert "dlenv login kaggle" in result.stderr
    monkeypatch.setenv("KAGGLE_API_TOKEN", TOKEN)
    result = cli(*args)
    assert result.code == 2 and result.stderr == "error: the kaggle CLI is not installed\nhint: pip install kaggle\n"
    assert not (tmp_path / "b").exists()
