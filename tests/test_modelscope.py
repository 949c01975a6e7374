"""dlenv.modelscope and `modelscope:` specs: the real ModelScope SDK against a local stand-in (no network)."""

from __future__ import annotations

import json
import socket
import sys

import pytest
from modelscope_standin import ModelScopeStandIn

from dlenv.errors import DlenvError
from dlenv.modelscope import modelscope_snapshot
from dlenv.pretrained import WEIGHTS, model_path

pytest.importorskip("modelscope_hub")

CONFIG = b'{"model_type": "llama"}'
WEIGHTS_FILE = b"\x00" * 4096
TRAIN = b'{"en": "A dog runs.", "de": "Ein Hund rennt."}\n'


@pytest.fixture
def modelscope(machine, monkeypatch):
    """A plain local machine whose ModelScope is the stand-in (MODELSCOPE_ENDPOINT, as the SDK reads it)."""
    machine()
    standin = ModelScopeStandIn()
    standin.home = machine.home  # where the platform's cache is
    monkeypatch.setenv("MODELSCOPE_ENDPOINT", standin.endpoint)
    yield standin
    standin.stop()


def dead_endpoint() -> str:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{free.getsockname()[1]}"  # closed at once: a port nobody listens on


def test_a_model_comes_in_the_sdks_layout_with_only_its_weights_and_config(modelscope, tmp_path):
    modelscope.add("models", "org/tiny", {"config.json": CONFIG, "model.safetensors": WEIGHTS_FILE, "model.gguf": b"x"})
    folder = modelscope_snapshot("org/tiny", "model", tmp_path, WEIGHTS)
    assert folder == tmp_path / "models" / "org--tiny" / "snapshots" / "master"
    assert (folder / "config.json").read_bytes() == CONFIG
    assert (folder / "model.safetensors").read_bytes() == WEIGHTS_FILE
    assert not (folder / "model.gguf").exists()  # not one of the patterns: never downloaded


def test_set_model_takes_a_modelscope_id_into_the_platforms_cache(modelscope):
    modelscope.add("models", "org/tiny", {"config.json": CONFIG, "model.safetensors": WEIGHTS_FILE})
    folder = model_path("modelscope:org/tiny")
    assert folder.is_relative_to(modelscope.home / ".cache" / "dlenv" / "models" / "modelscope")
    assert (folder / "config.json").read_bytes() == CONFIG


def test_data_fetch_modelscope_downloads_the_dataset_and_says_where(modelscope, cli):
    modelscope.add("datasets", "org/multi30k", {"train.jsonl": TRAIN, "data/test.jsonl": TRAIN})
    result = cli("data", "fetch", "modelscope:org/multi30k", "--json")
    assert result.code == 0, result.stderr
    shown = json.loads(result.stdout)
    assert (shown["spec"], shown["via"], shown["route"]) == (
        "modelscope:org/multi30k",
        "download",
        "modelscope:org/multi30k",
    )
    cache = modelscope.home / ".cache" / "dlenv" / "datasets" / "modelscope"
    assert shown["path"] == str(cache / "datasets" / "org--multi30k" / "snapshots" / "master")
    assert (cache / "datasets" / "org--multi30k" / "snapshots" / "master" / "data" / "test.jsonl").read_bytes() == TRAIN


@pytest.mark.parametrize(
    ("private", "message", "hint"),
    [
        (False, "no dataset 'org/none' on ModelScope", "https://modelscope.cn/datasets/org/none"),
        (True, "dataset 'org/none' on ModelScope needs a login", "MODELSCOPE_API_TOKEN"),
    ],
)
def test_unknown_or_private_repository_is_one_line_naming_it(modelscope, cli, private, message, hint):
    if private:
        modelscope.private.add("org/none")
    result = cli("data", "fetch", "modelscope:org/none")
    assert result.code == 2
    error, shown_hint = result.stderr.splitlines()
    assert error == f"error: {message}" and hint in shown_hint


def test_missing_sdk_is_one_line_with_the_pip_fix(machine, cli, monkeypatch):
    machine(MODELSCOPE_ENDPOINT=dead_endpoint())  # were the SDK found after all: no real service
    sdk = ("modelscope", "modelscope_hub")  # the SDK and its download client
    for name in [*sdk, *(name for name in sys.modules if name.startswith(tuple(f"{s}." for s in sdk)))]:
        monkeypatch.setitem(sys.modules, name, None)  # what an environment without them imports
    result = cli("data", "fetch", "modelscope:org/name")
    assert result.code == 2
    assert result.stderr.splitlines() == [
        "error: the ModelScope SDK is not installed",
        "hint: pip install 'dlenv[modelscope]'  (or: pip install modelscope)",
    ]


def test_offline_answers_from_the_cache_or_says_how_to_bring_the_repository(modelscope, tmp_path, monkeypatch):
    modelscope.add("models", "org/tiny", {"config.json": CONFIG})
    first = modelscope_snapshot("org/tiny", "model", tmp_path)
    monkeypatch.setenv("MODELSCOPE_ENDPOINT", dead_endpoint())
    assert modelscope_snapshot("org/tiny", "model", tmp_path) == first  # the SDK retries, then dlenv asks its cache
    with pytest.raises(DlenvError) as error:
        modelscope_snapshot("org/other", "model", tmp_path)
    assert (
        error.value.message == f"cannot download model 'org/other' from ModelScope and no copy is cached in {tmp_path}"
    )
    assert error.value.hint == "where there is a network: modelscope download --model org/other --local_dir DIR"
