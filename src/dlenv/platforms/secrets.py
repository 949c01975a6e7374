"""Credentials: environment → the platform's vault → the files their tools keep. Values are returned,
never printed or logged; listings carry names only.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from dlenv.fileio import atomic_write

# The names dlenv looks for when it lists what is available (values are never read for a listing
# from a vault: Colab's asks the user for permission, Kaggle's is a network call).
KNOWN_SECRETS = ("HF_TOKEN", "KAGGLE_API_TOKEN", "KAGGLE_USERNAME", "KAGGLE_KEY", "WANDB_API_KEY",
                 "MODELSCOPE_API_TOKEN", "AISTUDIO_ACCESS_TOKEN")  # fmt: skip


def secret(name: str, vault: str = "") -> str | None:
    """The value of a secret: the environment, then the platform's vault, then the tool's own file."""
    return os.environ.get(name) or _from_vault(vault, name) or _from_file(name)


def available() -> list[str]:
    """Names of the known secrets found in the environment or in files (vaults are not asked)."""
    return [name for name in KNOWN_SECRETS if os.environ.get(name) or _from_file(name)]


def _from_vault(vault: str, name: str) -> str | None:
    if vault == "kaggle":
        try:
            from kaggle_secrets import UserSecretsClient  # only exists inside Kaggle's image

            return UserSecretsClient().get_secret(name) or None
        except Exception:  # not attached, no internet, not on Kaggle: the secret is just not there
            return None
    if vault == "colab":
        try:
            from google.colab import userdata  # only inside Colab

            return userdata.get(name) or None
        except Exception:  # SecretNotFoundError, NotebookAccessError, TimeoutException (not in the UI)
            return None
    return None


# --- the files each tool keeps its credentials in ---------------------------------------------------


def hf_token_file() -> Path:
    """huggingface_hub's token file: HF_TOKEN_PATH, else HF_HOME/token, else ~/.cache/huggingface/token."""
    if os.environ.get("HF_TOKEN_PATH"):
        return Path(os.environ["HF_TOKEN_PATH"])
    hf_home = (
        os.environ.get("HF_HOME") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "huggingface"
    )
    return Path(hf_home) / "token"


def kaggle_config_dir() -> Path:
    """The kaggle CLI's folder: KAGGLE_CONFIG_DIR, else ~/.kaggle, else $XDG_CONFIG_HOME/kaggle if it exists."""
    if os.environ.get("KAGGLE_CONFIG_DIR"):
        return Path(os.environ["KAGGLE_CONFIG_DIR"])
    dot_kaggle = Path.home() / ".kaggle"
    xdg = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "kaggle"
    return xdg if not dot_kaggle.exists() and xdg.exists() else dot_kaggle


def kaggle_access_token_file() -> Path | None:
    for name in ("access_token", "access_token.txt"):  # kaggle-cli 2.x reads ~/.kaggle itself
        path = Path.home() / ".kaggle" / name
        if path.is_file():
            return path
    return None


def _kaggle_json() -> dict[str, str]:
    try:
        data = json.loads((kaggle_config_dir() / "kaggle.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _from_file(name: str) -> str | None:
    if name == "HF_TOKEN":
        return _read_stripped(hf_token_file())
    if name == "KAGGLE_API_TOKEN":
        path = kaggle_access_token_file()
        return _read_stripped(path) if path else None
    if name in ("KAGGLE_USERNAME", "KAGGLE_KEY"):
        return _kaggle_json().get(name.removeprefix("KAGGLE_").lower()) or None
    return None


def _read_stripped(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def kaggle_credentials_source() -> str | None:
    """Where the kaggle CLI (2.x order) would find credentials: a name, never the value."""
    if os.environ.get("KAGGLE_API_TOKEN"):
        return "KAGGLE_API_TOKEN"
    if kaggle_access_token_file():
        return "~/.kaggle/access_token"
    if os.environ.get("KAGGLE_USERNAME") and os.environ.get("KAGGLE_KEY"):
        return "KAGGLE_USERNAME/KAGGLE_KEY"
    if _kaggle_json().get("username") and _kaggle_json().get("key"):
        return str(kaggle_config_dir() / "kaggle.json")
    return None


def write_kaggle_json(username: str, key: str) -> Path:
    """kaggle.json as the kaggle CLI reads it, readable by its owner only (0600, folder 0700)."""
    path = kaggle_config_dir() / "kaggle.json"
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    atomic_write(path, json.dumps({"username": username, "key": key}) + "\n", mode=0o600)
    return path


def write_kaggle_access_token(token: str) -> Path:
    path = Path.home() / ".kaggle" / "access_token"
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    atomic_write(path, token + "\n", mode=0o600)
    return path
