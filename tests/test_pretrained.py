"""dlenv.pretrained.model_path: a folder as it is, a hub id through the platform's cache, one-line errors."""

from __future__ import annotations

import socket

import pytest

from dlenv.errors import DlenvError
from dlenv.pretrained import model_path

pytest.importorskip("huggingface_hub")


def test_a_folder_is_taken_as_it_is(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    assert model_path(str(tmp_path)) == tmp_path


@pytest.mark.parametrize("bad", ["not a model", "org/name/extra", "/no/such/folder"])
def test_neither_folder_nor_hub_id_is_one_line_naming_it(bad):
    with pytest.raises(DlenvError) as error:
        model_path(bad)
    assert f"'{bad}'" in error.value.message and "\n" not in error.value.message


def test_offline_with_nothing_cached_says_how_to_bring_the_model(machine, monkeypatch):
    root = machine()
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]  # closed at once: a port nobody listens on
    monkeypatch.setattr("huggingface_hub.constants.ENDPOINT", f"http://127.0.0.1:{port}")
    with pytest.raises(DlenvError) as error:
        model_path("Qwen/Qwen2.5-0.5B")
    assert error.value.message.startswith("cannot download model 'Qwen/Qwen2.5-0.5B'")
    assert "hf download Qwen/Qwen2.5-0.5B --local-dir DIR" in error.value.hint
    assert "--set model=DIR" in error.value.hint
    assert not any(root.rglob("*.safetensors"))
