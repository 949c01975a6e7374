"""`dlenv run --nproc N` relaunches itself under torchrun with the arguments as the user gave them,
less the launch options: nothing is rebuilt from a second list of options (tests/lessons/test_distributed.py
runs it for real)."""

from __future__ import annotations

import sys

import pytest

from dlenv.cli import run
from dlenv.cli.run import rank_arguments

TAKES_VALUE = {"--device", "--out", "--steps", "--checkpoint-every", "--seed", "--set", "--nproc", "--torchrun"}


@pytest.mark.parametrize(
    ("given", "each_rank"),
    [
        (["lesson", "--nproc", "2", "--checkpoint-every", "0", "--steps", "5"],
         ["lesson", "--checkpoint-every", "0", "--steps", "5"]),
        (["lesson", "--nproc=2", "--torchrun=--nnodes=2", "--torchrun", "--rdzv-backend=c10d", "--smoke"],
         ["lesson", "--smoke"]),
        (["lesson", "--set", "lr=0.1", "--out", "--nproc", "--nproc", "3"],
         ["lesson", "--set", "lr=0.1", "--out", "--nproc"]),  # an --out folder named --nproc stays
        (["--nproc", "2", "--", "--nproc"], ["--", "--nproc"]),
    ],
)  # fmt: skip
def test_each_rank_gets_the_arguments_as_given_less_nproc_and_torchrun(given, each_rank):
    assert rank_arguments(given, TAKES_VALUE) == each_rank


def test_the_relaunch_runs_the_command_line_as_given_under_torchrun(cli, monkeypatch):
    monkeypatch.delenv("LOCAL_RANK", raising=False)
    launched = []
    monkeypatch.setattr(run.subprocess, "call", lambda command: launched.append(command) or 0)
    result = cli("--debug", "run", "classification", "--nproc", "2", "--checkpoint-every", "0", "--steps", "5")
    assert result.code == 0
    (command,) = launched
    assert command[:3] == [sys.executable, "-m", "torch.distributed.run"]
    assert command[3:] == ["--standalone", "--nproc-per-node=2", "-m", "dlenv", "--debug", "run",
                           "classification", "--checkpoint-every", "0", "--steps", "5"]  # fmt: skip
