"""dlenv data fetch against a local server that fails in every way a real one does (no network)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from httpserver import FileServer
from support import NO_POSIX_SIGNALS, posix_only

from dlenv.datasets import fetch
from dlenv.datasets.download import Offline, download
from dlenv.errors import DlenvError

PAYLOAD = os.urandom(200_000)
SHA = hashlib.sha256(PAYLOAD).hexdigest()


@pytest.fixture
def server():
    srv = FileServer(PAYLOAD)
    yield srv
    srv.stop()


@pytest.fixture
def local(machine):
    """A plain local machine (see tests/platforms/conftest.py's twin in this folder)."""
    machine()
    return machine


def spec(server: FileServer, sha: str = SHA) -> str:
    return f"url:{server.url()}#sha256={sha}"


def cache_file(local) -> Path:
    return local.home / ".cache" / "dlenv" / "datasets" / "url" / SHA[:16] / "corpus.bin"


def test_download_is_verified_moved_into_place_then_served_from_cache(local, server):
    first = fetch(spec(server))
    assert first.via == "download" and first.path == cache_file(local)
    assert first.path.read_bytes() == PAYLOAD
    assert not first.path.with_name("corpus.bin.part").exists()
    again = fetch(spec(server))
    assert again.via == "cache" and len(server.requests) == 1


def test_truncated_body_is_resumed_on_the_next_attempt(local, server):
    server.modes.extend(["truncate"])
    fetched = fetch(spec(server))
    assert fetched.path.read_bytes() == PAYLOAD
    assert server.requests[1]["Range"] == f"bytes={len(PAYLOAD) // 2}-"


def test_corrupted_body_never_reaches_the_final_path(local, server):
    server.modes.extend(["corrupt"] * 3)
    with pytest.raises(DlenvError) as error:
        fetch(spec(server))
    assert "checksum mismatch" in error.value.message and error.value.exit_code == 1
    assert not cache_file(local).exists()
    assert fetch(spec(server)).path.read_bytes() == PAYLOAD  # a good body next time


def test_server_dying_mid_download_leaves_no_partial_file_and_a_rerun_resumes(local, server):
    server.modes.extend(["die"])
    with pytest.raises(DlenvError) as error:
        fetch(spec(server))
    assert "resumes" in (error.value.hint or "")
    assert not cache_file(local).exists()
    assert cache_file(local).with_name("corpus.bin.part").stat().st_size == len(PAYLOAD) // 2
    server.restart()
    assert fetch(spec(server)).path.read_bytes() == PAYLOAD
    assert server.requests[-1]["Range"] == f"bytes={len(PAYLOAD) // 2}-"


@posix_only(NO_POSIX_SIGNALS)
def test_killed_client_leaves_no_partial_file_and_a_retry_completes(local, server, tmp_path):
    server.modes.extend(["slow"])
    target = tmp_path / "out" / "corpus.bin"
    code = (
        f"from pathlib import Path; from dlenv.datasets.download import download; "
        f"download({server.url()!r}, Path({str(target)!r}), {SHA!r})"
    )
    client = subprocess.Popen([sys.executable, "-c", code])
    part = target.with_name("corpus.bin.part")
    deadline = time.monotonic() + 20
    while (not part.exists() or part.stat().st_size < 20_000) and time.monotonic() < deadline:
        time.sleep(0.02)
    client.send_signal(signal.SIGKILL)
    client.wait()
    assert not target.exists() and 0 < part.stat().st_size < len(PAYLOAD)
    download(server.url(), target, SHA)
    assert target.read_bytes() == PAYLOAD and not part.exists()


def test_a_missing_file_fails_at_once(local, server):
    with pytest.raises(DlenvError) as error:
        download(server.url().replace("corpus.bin", "nope"), local.home / "x", SHA)
    assert "HTTP" in error.value.message


def test_offline_with_nothing_cached_names_the_platforms_fix(machine, cli):
    machine(
        "/kaggle/input/",
        "/kaggle/working/",
        "/kaggle/temp/",
        KAGGLE_KERNEL_RUN_TYPE="Batch",
        KAGGLE_DATA_PROXY_URL="http://proxy",
    )
    dead = FileServer(PAYLOAD)
    dead.stop()  # a port nobody listens on
    result = cli("data", "fetch", spec(dead))
    assert result.code == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: cannot download url:") and "no copy is attached or cached" in lines[0]
    assert lines[1].startswith("hint: Kaggle: Settings → Internet → on")


def test_offline_error_comes_from_the_downloader(local):
    dead = FileServer(PAYLOAD)
    dead.stop()
    with pytest.raises(Offline):
        download(dead.url(), local.home / "x", SHA, attempts=2, backoff=0)


def test_attached_kaggle_dataset_is_used_in_either_layout(machine, cli):
    root = machine(
        "/kaggle/input/datasets/uciml/iris/",
        "/kaggle/working/",
        KAGGLE_KERNEL_RUN_TYPE="Batch",
        KAGGLE_DATA_PROXY_URL="http://proxy",
    )
    result = cli("data", "fetch", "kaggle:uciml/iris", "--json")
    assert json.loads(result.stdout) == {
        "spec": "kaggle:uciml/iris",
        "path": str(root / "kaggle/input/datasets/uciml/iris"),
        "via": "mount",
        "route": "kaggle:uciml/iris",
        "extracted": [],
    }
    (root / "kaggle/input/titanic").mkdir()
    assert fetch("kaggle:someone/titanic").path == root / "kaggle/input/titanic"


def test_aistudio_dataset_comes_from_its_mount_or_says_how_to_attach(machine):
    root = machine("/home/aistudio/data/data65/", "/home/aistudio/work/")
    assert fetch("aistudio:65").path == root / "home/aistudio/data/data65"
    with pytest.raises(DlenvError) as error:
        fetch("aistudio:66")
    assert "/home/aistudio/data/data66" in error.value.hint


def test_an_attached_url_file_must_match_its_checksum(machine, server):
    root = machine("/.dockerenv", "/data/", "/workspace/")
    (root / "data" / "corpus.bin").write_bytes(PAYLOAD)
    assert fetch(spec(server)).via == "mount"
    (root / "data" / "corpus.bin").write_bytes(b"tampered")
    assert fetch(spec(server)).via == "download"


@pytest.mark.parametrize(
    "bad",
    [
        "corpus",
        "kaggle:iris",
        "hf:",
        "url:ftp://x/y#sha256=" + "0" * 64,
        "url:https://x/y",
        "url:https://x/y#sha256=abc",
        "aistudio:abc",
    ],
)
def test_bad_spec_is_one_line_and_exit_2(cli, bad):
    result = cli("data", "fetch", bad)
    assert result.code == 2 and result.stderr.startswith(f"error: bad dataset spec '{bad}'")


def test_huggingface_offline_with_nothing_cached_says_how_to_get_it(machine, cli, monkeypatch):
    pytest.importorskip("huggingface_hub")
    machine("/mnt/workspace/", DSW_INSTANCE_ID="dsw-1")
    dead = FileServer(PAYLOAD)
    dead.stop()
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{dead.port}")  # the subprocess imports huggingface_hub with it
    result = subprocess.run(
        [sys.executable, "-m", "dlenv", "data", "fetch", "hf:stanfordnlp/imdb"], capture_output=True, text=True
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: cannot download dataset 'stanfordnlp/imdb' and no copy is cached")
    assert lines[1].startswith("hint: PAI-DSW:")


def test_kaggle_offline_with_nothing_attached_names_the_platforms_fix(machine, monkeypatch):
    """kagglehub installed (dlenv[data]) and the network down: Colab's fix, not 'kagglehub is not installed'."""
    machine("/var/colab/hostname", "/content/", COLAB_RELEASE_TAG="release-colab-2026")
    dead = FileServer(PAYLOAD)
    dead.stop()
    for proxy in ("https_proxy", "HTTPS_PROXY"):  # a proxy nobody listens on: every request refused at once
        monkeypatch.setenv(proxy, f"http://127.0.0.1:{dead.port}")
    result = subprocess.run(
        [sys.executable, "-m", "dlenv", "data", "fetch", "kaggle:uciml/iris"], capture_output=True, text=True
    )
    assert result.returncode == 2, result.stderr
    first, hint = result.stderr.splitlines()[:2]
    assert first.startswith("error: cannot download kaggle:uciml/iris (") and "no copy is attached or cached" in first
    assert hint.startswith("hint: Colab:") and "not installed" not in result.stderr


def test_attached_kaggle_competition_is_used_in_either_layout(machine):
    root = machine("/kaggle/input/competitions/cifar-10/", "/kaggle/working/", KAGGLE_KERNEL_RUN_TYPE="Batch",
                   KAGGLE_DATA_PROXY_URL="http://proxy")  # fmt: skip
    fetched = fetch("kaggle:competitions/cifar-10")
    assert (fetched.path, fetched.via) == (root / "kaggle/input/competitions/cifar-10", "mount")
    (root / "kaggle/input/titanic").mkdir()  # the legacy layout: /kaggle/input/<slug>
    assert fetch("kaggle:competitions/titanic").path == root / "kaggle/input/titanic"


def test_a_competition_off_kaggle_comes_through_kagglehubs_competition_download(machine, monkeypatch, tmp_path):
    kagglehub = pytest.importorskip("kagglehub")
    machine()
    asked = []

    def competition_download(handle):
        asked.append(handle)
        if handle == "titanic":  # what Kaggle answers until the rules are accepted
            raise RuntimeError("403 Client Error: Forbidden for url: https://www.kaggle.com/api/v1/competitions/...")
        return str(tmp_path)

    monkeypatch.setattr(kagglehub, "competition_download", competition_download)
    assert fetch("kaggle:competitions/cifar-10").path == tmp_path and asked == ["cifar-10"]
    with pytest.raises(DlenvError) as error:
        fetch("kaggle:competitions/titanic")
    assert error.value.hint == "accept the competition's rules at https://www.kaggle.com/competitions/titanic/rules"
