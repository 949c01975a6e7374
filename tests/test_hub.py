"""dlenv.hub.hub_snapshot: the hub's answers (gated, unknown, unreachable) as one-line errors naming the repo."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from dlenv.errors import DlenvError
from dlenv.hub import hub_snapshot

pytest.importorskip("huggingface_hub")


@pytest.fixture
def hub(monkeypatch):
    """A local stand-in for the hub that answers every request with `hub.status` and `hub.error_code`."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            self.send_response(server.status)
            self.send_header("X-Error-Code", server.error_code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_HEAD = do_GET

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr("huggingface_hub.constants.ENDPOINT", f"http://127.0.0.1:{server.server_port}")
    yield server
    server.shutdown()
    server.server_close()


ANSWERS = [  # (status, X-Error-Code, repo type, how the error's message starts, what its hint says)
    (403, "GatedRepo", "model", "model 'org/name' is gated", "licence at https://huggingface.co/org/name and"),
    (403, "GatedRepo", "dataset", "dataset 'org/name' is gated", "licence at https://huggingface.co/datasets/org/name"),
    (404, "RepoNotFound", "model", "no model 'org/name' on the", "check the id, e.g. Qwen/Qwen2.5-0.5B"),
    (404, "RepoNotFound", "dataset", "no dataset 'org/name' on the", "check the id, e.g. stanfordnlp/imdb"),
]


@pytest.mark.parametrize(("status", "code", "repo_type", "message", "hint"), ANSWERS)
def test_gated_or_unknown_repo_is_one_line_saying_what_to_do(hub, tmp_path, status, code, repo_type, message, hint):
    hub.status, hub.error_code = status, code
    with pytest.raises(DlenvError) as error:
        hub_snapshot("org/name", repo_type, tmp_path)
    assert error.value.message.startswith(message) and hint in error.value.hint


def test_unreachable_hub_with_nothing_cached_says_how_to_bring_the_repo(hub, tmp_path):
    hub.shutdown()
    hub.server_close()  # the port now refuses connections
    with pytest.raises(DlenvError) as error:
        hub_snapshot("org/name", "dataset", tmp_path)
    assert error.value.message == f"cannot download dataset 'org/name' and no copy is cached in {tmp_path}"
    assert "hf download org/name --repo-type dataset --local-dir DIR" in error.value.hint
    with pytest.raises(DlenvError) as error:
        hub_snapshot("org/name", "dataset", tmp_path, offline_hint="Kaggle: Settings → Internet → on")
    assert error.value.hint == "Kaggle: Settings → Internet → on"


def test_a_mainland_platform_downloads_through_hf_mirror_unless_hf_endpoint_says_otherwise(monkeypatch):
    from dlenv.hub import endpoint_for

    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    assert endpoint_for("cn") == "https://hf-mirror.com"  # AI Studio, PAI-DSW: without dlenv bootstrap too
    assert endpoint_for("") is None  # elsewhere: huggingface_hub's own
    monkeypatch.setenv("HF_ENDPOINT", "https://hub.example")
    assert endpoint_for("cn") == endpoint_for("") == "https://hub.example"
