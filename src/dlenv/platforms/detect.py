"""Which platform is this? The first profile, in ORDER, whose signals are present."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from dlenv.paths import host_path
from dlenv.platforms.profiles import Detect, profiles


def ipython_shell() -> str:
    """repr of the running IPython shell, or '' (IPython is never imported here: only asked if loaded)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    return str(shell) if shell is not None else ""


def _read(path: str) -> str:
    """A small system file (/proc/version), or '' where there is none."""
    try:
        return host_path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def matches(detect: Detect, env: Mapping[str, str], shell: str) -> bool:
    if detect.always:
        return True
    if detect.env_all and all(env.get(name) is not None for name in detect.env_all):
        return True
    if any(env.get(name) is not None for name in detect.env_any):
        return True
    if any(host_path(path).exists() for path in detect.paths_any):
        return True
    if any(text.lower() in _read(path).lower() for path, text in detect.file_contains.items()):
        return True
    return bool(detect.ipython and detect.ipython in shell)


def detect_name(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    shell = ipython_shell()
    return next(name for name, profile in profiles().items() if matches(profile.detect, env, shell))
