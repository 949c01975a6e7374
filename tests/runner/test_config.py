from dataclasses import dataclass
from typing import Literal

import pytest

from dlenv.errors import DlenvError
from dlenv.runner.config import build


@dataclass
class Config:
    model: Literal["cnn", "mlp"] = "cnn"
    steps: int = 100
    lr: float = 0.1
    augment: bool = False
    data_dir: str = ""


def test_defaults_then_smoke_then_set():
    cfg = build(Config, {"steps": 10}, ["lr=0.5", "model=mlp", "augment=yes", "data_dir=/x"])
    assert cfg == Config(model="mlp", steps=10, lr=0.5, augment=True, data_dir="/x")
    assert build(Config, None, []) == Config()
    assert build(Config, {"steps": 10}, ["steps=3"]).steps == 3


@pytest.mark.parametrize(("item", "message"), [
    ("lr=fast", "--set lr=fast: expected a number"),
    ("steps=1.5", "--set steps=1.5: expected an integer"),
    ("model=rnn", "--set model=rnn: expected one of cnn, mlp"),
    ("augment=maybe", "--set augment=maybe: expected true or false"),
    ("modle=mlp", "--set modle: unknown config key: did you mean 'model'?"),
    ("lr", "--set 'lr': expected KEY=VALUE"),
])  # fmt: skip
def test_bad_values_name_the_key(item, message):
    with pytest.raises(DlenvError) as error:
        build(Config, None, [item])
    assert error.value.message.startswith(message) and error.value.exit_code == 2
