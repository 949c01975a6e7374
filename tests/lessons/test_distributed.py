"""dlenv run --nproc N: torchrun starts N processes (gloo on the CPU); each trains on its share of the
same global batch and gradients are averaged, so the run equals one process on the whole batch."""

from __future__ import annotations

import math

import pytest
from support import dlenv_run, metrics

pytest.importorskip("torch")


def run(out, *args: str) -> dict:
    dlenv_run(*args, out=out, threads=1)
    return metrics(out)


def test_two_processes_train_exactly_as_one_on_the_same_global_batch(tmp_path):
    args = ["classification", "--steps", "40", "--set", "batch_size=64", "--set", "dropout=0", "--seed", "2"]
    one, two = run(tmp_path / "one", *args), run(tmp_path / "two", *args, "--nproc", "2")
    assert (one["processes"], two["processes"]) == (1, 2)
    assert math.isclose(one["metrics"]["final_loss"], two["metrics"]["final_loss"], rel_tol=1e-5)
    assert one["metrics"]["accuracy"] == two["metrics"]["accuracy"]


def test_the_transformer_trains_in_two_processes(tmp_path):
    # Each rank averages over its own target words, so the global loss is matched closely, not exactly.
    one = run(tmp_path / "one", "transformer", "--steps", "30")
    two = run(tmp_path / "two", "transformer", "--steps", "30", "--nproc", "2")
    assert math.isclose(one["metrics"]["final_loss"], two["metrics"]["final_loss"], rel_tol=1e-2)


def test_every_process_gets_the_command_line_as_given_so_checkpoint_every_0_saves_nothing(tmp_path):
    # torchrun reruns `dlenv run` with the user's arguments: a falsy --checkpoint-every 0 reaches each rank.
    args = ["classification", "--steps", "6", "--checkpoint-every", "0"]
    run(tmp_path / "one", *args)
    run(tmp_path / "two", *args, "--nproc", "2")
    assert list((tmp_path / "one").glob("checkpoints/*")) == []
    assert list((tmp_path / "two").glob("checkpoints/*")) == []
