"""dlenv.mainland: on AI Studio and PAI-DSW a default download tries hf-mirror, then ModelScope, then its own
source, and fails naming every attempt with the upload that would do instead (stand-ins, no network)."""

from __future__ import annotations

import re
import socket
import sys
from pathlib import Path

import pytest
from modelscope_standin import ModelScopeStandIn

from dlenv.datasets import fetch
from dlenv.errors import DlenvError
from dlenv.mainland import downloads, routes
from dlenv.platforms import detect
from dlenv.pretrained import model_path

IMDB = "kaggle:lakshmi25npathi/imdb-dataset-of-50k-movie-reviews"
QWEN = "Qwen/Qwen2.5-0.5B"
LESSONS = Path(__file__).parents[1] / "dlenv_lessons"


def dead_endpoint() -> str:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{free.getsockname()[1]}"  # closed at once: a port nobody listens on


@pytest.fixture
def aistudio(machine, monkeypatch):
    """AI Studio (mirror cn) whose hf-mirror refuses connections and whose ModelScope is a stand-in."""
    machine("/home/aistudio/data/", "/home/aistudio/work/", HF_ENDPOINT=dead_endpoint())
    for proxy in ("https_proxy", "HTTPS_PROXY"):  # kagglehub's https requests: refused at once, never Kaggle
        monkeypatch.setenv(proxy, dead_endpoint())
    standin = ModelScopeStandIn()
    monkeypatch.setenv("MODELSCOPE_ENDPOINT", standin.endpoint)
    yield standin
    standin.stop()


def test_mainland_order_is_hf_mirror_then_modelscope_then_the_lessons_own_source(machine):
    machine("/home/aistudio/")
    platform = detect()
    assert routes(IMDB, platform) == ["hf:scikit-learn/imdb", IMDB]
    assert routes(QWEN, platform) == [f"hf:{QWEN}", f"modelscope:{QWEN}"]
    assert routes("kaggle:someone/unlisted", platform) == ["kaggle:someone/unlisted"]
    machine.root.joinpath("home/aistudio").rmdir()  # the same machine, not on AI Studio: the spec alone
    assert routes(IMDB, detect()) == [IMDB] and routes(QWEN, detect()) == [f"hf:{QWEN}"]


def test_every_default_download_of_a_lesson_is_in_the_table():
    """The table lists what the lessons fetch by default: a new default there needs its mainland route here."""
    named = set()
    for source in LESSONS.rglob("*.py"):
        named |= set(re.findall(r'^[A-Z0-9_]+ = "((?:kaggle|hf|modelscope|url):[^"]+)"', source.read_text(), re.M))
    assert named and named <= set(downloads()), named - set(downloads())
    for download in downloads().values():
        assert download.source.startswith("https://") and download.upload and download.use and download.lessons


def test_model_falls_back_from_a_dead_hf_mirror_to_the_same_model_on_modelscope(aistudio):
    aistudio.add("models", QWEN, {"config.json": b"{}", "model.safetensors": b"\x00" * 64, "model.gguf": b"x"})
    folder = model_path(QWEN)
    assert (folder / "config.json").read_bytes() == b"{}" and not (folder / "model.gguf").exists()
    assert "/home/aistudio/.cache/dlenv/models/modelscope/" in str(folder)


def test_no_route_answering_names_each_attempt_and_the_upload(aistudio):
    with pytest.raises(DlenvError) as error:
        model_path(QWEN)  # hf-mirror refuses; ModelScope's stand-in does not have it
    message = error.value.message
    assert message.startswith(f"cannot fetch {QWEN} by any route (hf:{QWEN}: cannot download model '{QWEN}'")
    assert message.index(f"hf:{QWEN}:") < message.index(f"modelscope:{QWEN}: no model '{QWEN}' on ModelScope")
    assert error.value.hint.startswith("upload the model's folder (config.json, *.safetensors, tokenizer files) into")
    assert "and pass --set model=<that folder>." in error.value.hint
    assert "AI Studio: attach the dataset to the project" in error.value.hint


def test_dataset_tries_its_hf_copy_then_kaggle_and_keeps_which_answered(aistudio, monkeypatch, tmp_path):
    kagglehub = pytest.importorskip("kagglehub")
    asked = []

    def dataset_download(handle):
        asked.append(handle)
        (tmp_path / "IMDB Dataset.csv").write_text("review,sentiment\n")
        return str(tmp_path)

    monkeypatch.setattr(kagglehub, "dataset_download", dataset_download)
    fetched = fetch(IMDB)  # hf-mirror refuses: Kaggle is next
    assert asked == [IMDB.removeprefix("kaggle:")] and fetched.path == tmp_path
    assert fetched.as_json()["route"] == IMDB


def test_dataset_with_no_route_answering_says_which_file_to_upload(aistudio):
    pytest.importorskip("kagglehub")
    with pytest.raises(DlenvError) as error:
        fetch(IMDB)
    message = error.value.message
    assert message.index("hf:scikit-learn/imdb: cannot download dataset 'scikit-learn/imdb'") < message.index(
        f"{IMDB}: cannot download {IMDB} ("
    )
    assert error.value.hint.startswith(
        "upload IMDB Dataset.csv into this platform's dataset store and pass --set data_dir=<its folder>. AI Studio:"
    )


def test_a_route_without_its_client_puts_the_pip_fix_before_the_upload(aistudio, monkeypatch):
    for name in [name for name in sys.modules if name.split(".")[0] in ("modelscope", "modelscope_hub")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "modelscope_hub", None)  # an AI Studio without the ModelScope SDK
    monkeypatch.setitem(sys.modules, "modelscope", None)
    with pytest.raises(DlenvError) as error:
        model_path(QWEN)
    assert f"modelscope:{QWEN}: the ModelScope SDK is not installed" in error.value.message
    assert error.value.hint.startswith("pip install 'dlenv[modelscope]'  (or: pip install modelscope); or upload ")


def test_a_default_download_with_no_copy_still_says_which_files_to_upload(aistudio):
    pytest.importorskip("kagglehub")
    spec = "kaggle:camnugent/california-housing-prices"
    with pytest.raises(DlenvError) as error:
        fetch(spec)  # Kaggle refuses (the dead proxy): its only route
    assert error.value.message.startswith(f"cannot fetch {spec} by any route ({spec}: cannot download {spec} (")
    assert error.value.hint.startswith("upload housing.csv into this platform's dataset store and pass --set data_dir=")
