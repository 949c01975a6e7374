"""Credentials: environment → the platform's vault → the files their tools keep. Values are returned,
never printed or logged; listings carry names only.

CREDENTIALS is the one table of them: `secret()` and `available()` look names up in it,
`dlenv.bootstrap()` loads the ones it marks, `dlenv render` writes it into the READMEs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dlenv.fileio import atomic_write


@dataclass(frozen=True)
class Credential:
    """A credential under the name its tools read from the environment; dlenv asks the platform's vault
    (Kaggle's Add-ons → Secrets label, Colab's 🔑 name) for the same name."""

    name: str
    tools: str  # who reads it
    file: str = ""  # where its tools keep it, for people ('' when dlenv reads no file of it)
    read_file: Callable[[], str | None] | None = None  # that file's value
    bootstrap: bool = False  # dlenv.bootstrap() loads it into the environment, for the lessons' libraries


KAGGLE_TOOLS = "kaggle, kagglehub"
KAGGLE_JSON = "`$KAGGLE_CONFIG_DIR/kaggle.json` / `~/.kaggle/kaggle.json` (`dlenv login kaggle --username NAME`)"
# Sources: docs/research/platforms.md. The vaults: §1(c) Kaggle's UserSecretsClient, §2(c) Colab's
# userdata; AI Studio and PAI-DSW have none (§3(c), §4(c)): tokens come as environment variables.
CREDENTIALS = (
    # huggingface_hub: HF_TOKEN, else the token file (§6, [S9] utils/_auth.py); on Colab it reads the 🔑
    # secret HF_TOKEN itself (§2(c)).
    Credential(
        "HF_TOKEN",
        "huggingface_hub",
        "`$HF_TOKEN_PATH` / `$HF_HOME/token` (`~/.cache/huggingface/token`)",
        lambda: _read_stripped(hf_token_file()),
        bootstrap=True,
    ),
    # kaggle-cli 2.x and kagglehub: a new-style API token, else the legacy user name and key as variables
    # or in kaggle.json (§1(c), [S3][S1]); kagglehub reads these names from Colab's secrets too (§2(c)).
    Credential(
        "KAGGLE_API_TOKEN",
        KAGGLE_TOOLS,
        "`~/.kaggle/access_token` (`dlenv login kaggle --token`)",
        lambda: _read_stripped(kaggle_access_token_file()),
        bootstrap=True,
    ),
    Credential("KAGGLE_USERNAME", KAGGLE_TOOLS, KAGGLE_JSON, lambda: _kaggle_json_field("username"), bootstrap=True),
    Credential("KAGGLE_KEY", KAGGLE_TOOLS, KAGGLE_JSON, lambda: _kaggle_json_field("key"), bootstrap=True),
    Credential("WANDB_API_KEY", "wandb", bootstrap=True),  # wandb's own variable
    # ModelScope: third parties use MODELSCOPE_API_TOKEN (and MODELSCOPE_TOKEN); the SDK logs in with
    # HubApi().login() into ~/.modelscope/credentials (§4(c), §8 item 8).
    Credential("MODELSCOPE_API_TOKEN", "modelscope"),
    # AI Studio services (aistudio-sdk, ERNIE/PaddleOCR APIs), by convention in public code (§3(c)).
    Credential("AISTUDIO_ACCESS_TOKEN", "aistudio-sdk"),
)


def secret(name: str, vault: str = "") -> str | None:
    """The value of a secret: the environment, then the platform's vault, then the tool's own file."""
    return os.environ.get(name) or _from_vault(vault, name) or _from_file(name)


def available() -> list[str]:
    """Names of the known secrets found in the environment or in files (values are never read for a
    listing from a vault: Colab's asks the user for permission, Kaggle's is a network call)."""
    return [c.name for c in CREDENTIALS if os.environ.get(c.name) or _from_file(c.name)]


def _from_file(name: str) -> str | None:
    read = next((c.read_file for c in CREDENTIALS if c.name == name), None)
    return read() if read else None


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


def _kaggle_json_field(key: str) -> str | None:
    return _kaggle_json().get(key) or None


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


def _read_stripped(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None
