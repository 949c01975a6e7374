"""The rlhf lesson: preference pairs prefer the right answer, DPO's implicit reward is zero while the
policy is its reference, and the smoke run's reward model ranks held-out pairs above chance while DPO
raises the chosen-vs-rejected margin; a bad β is one line of bad input."""

from __future__ import annotations

import copy

import pytest
from support import dlenv_run, metrics

torch = pytest.importorskip("torch")
pytest.importorskip("trl")

from dlenv_lessons._llm import tasks  # noqa: E402
from dlenv_lessons._llm.model import TinyLlama  # noqa: E402
from dlenv_lessons._llm.tokenizer import word_tokenizer  # noqa: E402
from dlenv_lessons.rlhf import data  # noqa: E402
from dlenv_lessons.rlhf.train import implicit_reward_margin  # noqa: E402


def test_a_pair_chooses_the_correct_answer_and_rejects_a_wrong_one():
    for pair in data.pairs(200, seed=0):
        task, letters = pair.prompt.split(" : ")
        letters = letters.removesuffix(" =>").split()
        assert pair.chosen == " ".join(tasks.TASKS[task](letters))
        assert pair.rejected != pair.chosen and sorted(pair.rejected.split()) == sorted(letters)


def test_the_implicit_reward_margin_is_zero_while_the_policy_is_the_reference():
    torch.manual_seed(0)
    tokenizer = word_tokenizer(tasks.vocabulary())
    policy = TinyLlama(hidden=32, layers=1, heads=2, kv_heads=1, intermediate=64).build(tokenizer)
    reference = copy.deepcopy(policy)
    pairs = data.pairs(16, seed=1)
    assert implicit_reward_margin(policy, reference, tokenizer, pairs, beta=0.1) == pytest.approx(0, abs=1e-6)
    with torch.no_grad():
        policy.lm_head.weight.add_(torch.randn_like(policy.lm_head.weight))
    assert implicit_reward_margin(policy, reference, tokenizer, pairs, beta=0.1) != pytest.approx(0, abs=1e-3)


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("rlhf")
    dlenv_run("rlhf", "--smoke", out=out)
    return out, metrics(out)["metrics"]


def test_the_reward_model_ranks_held_out_pairs_above_chance(smoke):
    _, found = smoke
    assert found["reward_accuracy"] > 0.6


def test_dpo_raises_the_margin_and_the_policy_prefers_the_chosen_answers_more(smoke):
    out, found = smoke
    assert found["dpo_margin_start"] == pytest.approx(0, abs=1e-6)
    assert found["dpo_margin_end"] > found["dpo_margin_start"] + 0.1
    # The policy starts from a pretrained base, so SFT alone already prefers most chosen answers: DPO keeps
    # that while it pushes the margin up.
    assert found["preference_accuracy_end"] >= found["preference_accuracy_start"] > 0.8
    # Both Trainer stages checkpointed through the runner's callback, and logged to OUT/tb.
    for stage in ("reward", "dpo"):
        assert list((out / "checkpoints" / stage).glob("checkpoint-*/trainer_state.json"))
    assert list((out / "tb").glob("events.out.tfevents.*"))


def test_a_non_positive_beta_is_bad_input_in_one_line(tmp_path):
    proc = dlenv_run("rlhf", "--smoke", "--set", "beta=0", out=tmp_path, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[0] == "error: --set beta=0.0: must be above 0"
