"""The prompting lesson: its log-likelihood scorer agrees with a hand computation, demonstrations
measurably help the toy model, a saved pretrained model is scored through the same harness, and a
bad template style is one line of bad input."""

from __future__ import annotations

import math

import pytest
from support import dlenv_run, metrics

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from dlenv_lessons._llm.model import TinyLlama  # noqa: E402
from dlenv_lessons._llm.scoring import completion_logprobs  # noqa: E402
from dlenv_lessons._llm.tokenizer import word_tokenizer  # noqa: E402
from dlenv_lessons.prompting import data, natural  # noqa: E402
from dlenv_lessons.prompting.harness import classify  # noqa: E402


def tiny_model(texts):
    torch.manual_seed(0)
    tokenizer = word_tokenizer(texts)
    return TinyLlama(hidden=32, layers=1, heads=2, kv_heads=1, intermediate=64).build(tokenizer).eval(), tokenizer


def by_hand(model, tokenizer, prompt: str, label: str) -> float:
    """One unpadded sequence; each label token's log-probability read off the logits before it."""
    ids = tokenizer(prompt).input_ids
    total = 0.0
    for token in tokenizer(label, add_special_tokens=False).input_ids:
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([ids])).logits[0, -1]
        total += torch.log_softmax(logits, -1)[token].item()
        ids.append(token)
    return total


def test_label_log_likelihood_matches_a_hand_computation_despite_left_padding():
    model, tokenizer = tiny_model(data.vocabulary())
    pairs = [("sort : c a d =>", "a c d"), ("? : b =>", "b"), ("copy : a b c d e f g =>", "a b c d e f g |")]
    got = completion_logprobs(model, tokenizer, pairs)  # one batch, so the short prompts are left-padded
    assert got == pytest.approx([by_hand(model, tokenizer, p, label) for p, label in pairs], abs=1e-4)
    assert all(score < 0 for score in got)


def test_classify_picks_the_likeliest_label():
    model, tokenizer = tiny_model(data.vocabulary())
    prompts, candidates = ["? : c a d =>", "? : b e =>"], [("c a d", "d a c", "a c d"), ("b e", "e b")]
    picks = classify(model, tokenizer, prompts, candidates)
    for prompt, labels, pick in zip(prompts, candidates, picks, strict=True):
        scores = [by_hand(model, tokenizer, prompt, label) for label in labels]
        assert pick == max(range(len(labels)), key=scores.__getitem__)


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("prompting")
    dlenv_run("prompting", "--smoke", out=out)
    return metrics(out)["metrics"]


def test_demonstrations_measurably_help(smoke):
    chance = 1 / len(data.HIDDEN_TASKS)
    assert abs(smoke["zero_shot_accuracy"] - chance) < 0.15  # without demonstrations it can only guess
    assert smoke["few_shot_accuracy"] > smoke["zero_shot_accuracy"] + 0.2
    assert smoke["few_shot_exact_match"] > smoke["zero_shot_exact_match"]
    by_shots = smoke["accuracy_by_shots"]
    assert by_shots["1"] > by_shots["0"] + 0.2


def test_a_saved_pretrained_model_is_scored_with_the_natural_language_templates(tmp_path):
    texts = [natural.sentiment_prompt(t, ()) + " " + label for t, label in natural.REVIEWS]
    texts += [natural.arithmetic_prompt(q, ((q, r, a),), cot=True) for q, r, a in natural.PROBLEMS]
    model, tokenizer = tiny_model(texts)
    folder = tmp_path / "tiny-model"
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    dlenv_run("prompting", "--set", f"model={folder}", "--set", "shots=2", out=tmp_path / "run")
    report = metrics(tmp_path / "run")
    found = report["metrics"]
    assert found["model"] == str(folder) and report["steps"] == 0
    keys = ["zero_shot_accuracy", "few_shot_accuracy", "zero_shot_exact_match", "few_shot_exact_match"]
    for key in [*keys, "cot_exact_match"]:
        assert 0 <= found[key] <= 1 and math.isfinite(found[key])
    # Accuracy over 20 reviews moves in steps of 1/20: the scorer ran on every one.
    assert (found["zero_shot_accuracy"] * len(natural.REVIEWS)) == pytest.approx(
        round(found["zero_shot_accuracy"] * len(natural.REVIEWS))
    )


def test_an_unknown_template_style_is_bad_input_in_one_line(tmp_path):
    proc = dlenv_run("prompting", "--set", "styles=zero_shot,few", out=tmp_path, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[0] == "error: unknown value in --set styles 'few': did you mean 'few_shot'?"
    assert "Traceback" not in proc.stderr


def test_a_model_that_is_neither_a_folder_nor_an_id_is_bad_input(tmp_path):
    proc = dlenv_run("prompting", "--set", "model=no such model", out=tmp_path, check=False)
    assert proc.returncode == 2 and "neither a folder nor a model id like org/name (Hugging Face)" in proc.stderr
