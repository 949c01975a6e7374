"""Credentials: environment → vault → files, never printed; `dlenv login kaggle` writes 0600."""

from __future__ import annotations

import io
import json
import stat
import sys
import types

import pytest
from support import NO_POSIX_MODES, ROOT, posix_only

from dlenv.platforms.secrets import CREDENTIALS, available, kaggle_credentials_source, secret
from dlenv.render import markers


def test_environment_wins_then_vault_then_file(machine, monkeypatch):
    machine()
    token_file = machine.home / ".cache" / "huggingface" / "token"
    token_file.parent.mkdir(parents=True)
    token_file.write_text("hf_from_file\n")
    assert secret("HF_TOKEN") == "hf_from_file"
    vault = types.SimpleNamespace(get=lambda name: {"HF_TOKEN": "hf_from_colab"}.get(name))
    monkeypatch.setitem(sys.modules, "google", types.SimpleNamespace(colab=types.SimpleNamespace(userdata=vault)))
    monkeypatch.setitem(sys.modules, "google.colab", types.SimpleNamespace(userdata=vault))
    assert secret("HF_TOKEN", vault="colab") == "hf_from_colab"
    monkeypatch.setenv("HF_TOKEN", "hf_from_env")
    assert secret("HF_TOKEN", vault="colab") == "hf_from_env"


def test_kaggle_vault_that_fails_is_just_missing(machine, monkeypatch):
    machine()

    class UserSecretsClient:
        def get_secret(self, label):
            raise ConnectionError("Please ensure internet is on")

    monkeypatch.setitem(sys.modules, "kaggle_secrets", types.SimpleNamespace(UserSecretsClient=UserSecretsClient))
    assert secret("HF_TOKEN", vault="kaggle") is None


def test_kaggle_credentials_follow_the_cli_order(machine, monkeypatch):
    machine()
    assert kaggle_credentials_source() is None
    (machine.home / ".kaggle").mkdir()
    (machine.home / ".kaggle" / "kaggle.json").write_text(json.dumps({"username": "alice", "key": "k"}))
    assert kaggle_credentials_source().endswith(".kaggle/kaggle.json")
    monkeypatch.setenv("KAGGLE_USERNAME", "bob")
    monkeypatch.setenv("KAGGLE_KEY", "k2")
    assert kaggle_credentials_source() == "KAGGLE_USERNAME/KAGGLE_KEY"
    (machine.home / ".kaggle" / "access_token").write_text("tok")
    assert kaggle_credentials_source() == "~/.kaggle/access_token"
    monkeypatch.setenv("KAGGLE_API_TOKEN", "tok2")
    assert kaggle_credentials_source() == "KAGGLE_API_TOKEN"


@posix_only(NO_POSIX_MODES)
def test_login_kaggle_writes_a_private_kaggle_json_and_never_prints_the_key(machine, cli, monkeypatch):
    machine()
    monkeypatch.setattr(sys, "stdin", io.StringIO("k3y-v4lue\n"))
    result = cli("login", "kaggle", "--username", "alice")
    assert result.code == 0
    path = machine.home / ".kaggle" / "kaggle.json"
    assert json.loads(path.read_text()) == {"username": "alice", "key": "k3y-v4lue"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert "k3y-v4lue" not in result.stdout + result.stderr
    assert secret("KAGGLE_KEY") == "k3y-v4lue"


@posix_only(NO_POSIX_MODES)
def test_login_kaggle_honours_kaggle_config_dir_and_tokens(machine, cli, monkeypatch, tmp_path):
    machine()
    monkeypatch.setenv("KAGGLE_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.setattr(sys, "stdin", io.StringIO("key\n"))
    assert cli("login", "kaggle", "--username", "alice").code == 0
    assert (tmp_path / "cfg" / "kaggle.json").is_file()
    monkeypatch.setattr(sys, "stdin", io.StringIO("KGAT_token\n"))
    assert cli("login", "kaggle", "--token").code == 0
    token = machine.home / ".kaggle" / "access_token"
    assert token.read_text() == "KGAT_token\n" and stat.S_IMODE(token.stat().st_mode) == 0o600


def test_login_without_a_key_or_with_both_modes_is_bad_input(machine, cli, monkeypatch):
    machine()
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert cli("login", "kaggle", "--username", "alice").code == 2
    assert cli("login", "kaggle", "--username", "alice", "--token").code == 2
    assert not (machine.home / ".kaggle" / "kaggle.json").exists()


@pytest.mark.parametrize("credential", CREDENTIALS, ids=lambda c: c.name)
def test_every_credential_of_the_table_is_found_and_listed_by_name(machine, monkeypatch, credential):
    machine()
    assert credential.name not in available()
    monkeypatch.setenv(credential.name, "v4lue")
    assert secret(credential.name) == "v4lue" and credential.name in available()


@pytest.mark.parametrize("readme", ["README.md", "README.zh-CN.md"])
def test_each_readme_names_every_credential_of_the_table(readme):
    start, end = markers("credentials")
    section = (ROOT / readme).read_text(encoding="utf-8").split(start)[1].split(end)[0]
    assert [c.name for c in CREDENTIALS] == [line.split("`")[1] for line in section.splitlines()[3:]]
