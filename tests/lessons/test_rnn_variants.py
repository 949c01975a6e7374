"""The rnn_variants lesson's parts against independent computations: the final state read at each review's
true end in both directions, the LSTM's forget bias, per-word gradients against autograd on one review alone."""

from __future__ import annotations

from dataclasses import asdict

import pytest

torch = pytest.importorskip("torch")

from dlenv_lessons._shared.metrics import parameter_count  # noqa: E402
from dlenv_lessons.rnn_sentiment.data import Vocabulary  # noqa: E402
from dlenv_lessons.rnn_variants import data  # noqa: E402
from dlenv_lessons.rnn_variants.config import VARIANTS  # noqa: E402
from dlenv_lessons.rnn_variants.gradients import gradient_by_distance  # noqa: E402
from dlenv_lessons.rnn_variants.model import RecurrentClassifier  # noqa: E402
from dlenv_lessons.rnn_variants.train import by_distance  # noqa: E402

REVIEWS = data.reviews(200, longest_tail=6)
VOCAB = Vocabulary(REVIEWS.words, 1000)


def classifier(name: str, **kwargs) -> RecurrentClassifier:
    torch.manual_seed(0)
    return RecurrentClassifier(len(VOCAB), 8, 6, **asdict(VARIANTS[name]), **kwargs).eval()


def test_the_tail_is_neutral_words_after_the_verdict_and_leaves_the_label_alone():
    verdicts, labels = data.sentiment.generated(200, 0)
    assert REVIEWS.labels == labels
    for words, verdict, tail in zip(REVIEWS.words, verdicts, REVIEWS.tails, strict=True):
        assert words[: len(verdict)] == verdict and len(words) == len(verdict) + tail
        assert set(words[len(verdict) :]) <= set(data.FILLER)
    assert set(REVIEWS.tails) == set(range(7))
    assert set(data.reviews(20, 6, tail=4).tails) == {4}


@pytest.mark.parametrize("name", list(VARIANTS))
def test_padding_changes_no_logit_in_either_direction(name):
    model = classifier(name)
    short, long = ["the", "film", "was", "not", "good"], REVIEWS.words[0] + ["the", "plot"] * 4
    with torch.no_grad():
        alone = model(*VOCAB.batch([short]))
        beside_a_longer_one = model(*VOCAB.batch([short, long]))[:1]
    torch.testing.assert_close(beside_a_longer_one, alone, atol=1e-6, rtol=0)


def test_the_classifier_reads_each_directions_final_state_of_the_last_layer():
    model = classifier("lstm_bidirectional")
    ids, lengths = VOCAB.batch([REVIEWS.words[3]])
    embedded = model.embedding(ids)
    with torch.no_grad():
        forward_outputs, _ = model.recurrent(embedded)  # one review, no padding: the plain run
        hidden = model.recurrent.hidden_size
        # forwards: the output at the last word; backwards: the output at the first, where it finished reading
        last = torch.cat([forward_outputs[0, -1, :hidden], forward_outputs[0, 0, hidden:]])
        torch.testing.assert_close(model(ids, lengths)[0], model.head(last), atol=1e-6, rtol=0)


def test_the_lstm_forget_gate_starts_at_its_bias_and_the_other_gates_at_pytorchs_draw():
    model, default = classifier("lstm_2layers", forget_bias=2.0), classifier("lstm_2layers", forget_bias=0.0)
    hidden = model.recurrent.hidden_size
    for layer in range(2):
        total = getattr(model.recurrent, f"bias_ih_l{layer}") + getattr(model.recurrent, f"bias_hh_l{layer}")
        assert torch.all(total[hidden : 2 * hidden] == 2.0)
        ih = getattr(default.recurrent, f"bias_ih_l{layer}")
        torch.testing.assert_close(getattr(model.recurrent, f"bias_ih_l{layer}")[2 * hidden :], ih[2 * hidden :])
    assert parameter_count(model) == parameter_count(default)


def test_gradient_by_distance_is_each_reviews_own_gradient_counted_back_from_its_end():
    model = classifier("gru")
    words, labels = REVIEWS.words[:5], REVIEWS.labels[:5]
    expected = []
    for review, label in zip(words, labels, strict=True):  # one review at a time: no batch, no padding
        ids, lengths = VOCAB.batch([review])
        embedded = model.embedding(ids).detach().requires_grad_()
        loss = torch.nn.functional.cross_entropy(model.classify(embedded, lengths), torch.tensor([label]))
        (gradient,) = torch.autograd.grad(loss, embedded)
        expected.append(gradient[0].norm(dim=1).flip(0))  # entry d: d words before the end
    reach = min(len(review) for review in words)
    measured = gradient_by_distance(model, VOCAB, words, labels)
    assert len(measured) == reach
    assert measured == pytest.approx(torch.stack([e[:reach] for e in expected]).mean(0).tolist(), rel=1e-5)
    assert all(p.grad is None for p in model.parameters())


def test_a_vanilla_rnns_gradient_fades_with_distance_where_the_lstms_carries():
    probe = data.reviews(64, 16, seed=1, tail=16)
    vocab = Vocabulary(probe.words, 1000)

    def reach(name: str) -> float:
        torch.manual_seed(0)
        model = RecurrentClassifier(len(vocab), 32, 32, **asdict(VARIANTS[name]))
        norms = gradient_by_distance(model, vocab, probe.words, probe.labels)
        return norms[16] / norms[0]

    assert reach("rnn") < 1e-3 * reach("lstm")
    assert reach("rnn_bidirectional") > 100 * reach("rnn")  # the backward direction starts at the verdict's side


def test_by_distance_covers_every_tail_once():
    tails = list(range(25)) * 2
    correct = torch.tensor([tail < 10 for tail in tails])
    buckets = by_distance(correct, tails, 24)
    assert [(b["tail_from"], b["tail_to"]) for b in buckets] == [(0, 4), (5, 9), (10, 14), (15, 19), (20, 24)]
    assert sum(b["reviews"] for b in buckets) == len(tails)
    assert [b["accuracy"] for b in buckets] == [1.0, 1.0, 0.0, 0.0, 0.0]
    uneven = by_distance(torch.ones(17, dtype=torch.bool), list(range(17)), 16)
    assert [(b["tail_from"], b["tail_to"]) for b in uneven] == [(0, 2), (3, 6), (7, 9), (10, 13), (14, 16)]
    assert [(b["tail_from"], b["tail_to"]) for b in by_distance(torch.ones(3, dtype=torch.bool), [0, 1, 2], 2)] == [
        (0, 0),
        (1, 1),
        (2, 2),
    ]


def test_a_run_of_two_variants_reports_the_table_and_draws_the_gradients(tmp_path):
    from support import dlenv_run, metrics

    out = tmp_path / "run"
    args = ("--steps", "3", "--set", "variants=rnn,gru", "--set", "reviews=400", "--set", "probe=16")
    dlenv_run("rnn_variants", *args, out=out)
    report = metrics(out)["metrics"]
    assert [row["variant"] for row in report["variants"]] == ["rnn", "gru"]
    assert report["parameters_gru"] > report["parameters_rnn"] and report["step_ms_gru"] > 0
    assert len(report["gradient_norms"]["gru"]["trained"]) > 24  # every distance up to the verdict and beyond
    assert (out / "gradient_norms.png").stat().st_size > 0 and (out / "gru" / "checkpoints").is_dir()
    # --resume after the last step trains nothing again: no step time, the same accuracies
    dlenv_run("rnn_variants", *args, "--resume", out=out)
    again = metrics(out)["metrics"]
    assert again["step_ms_rnn"] is None and again["accuracy_gru"] == report["accuracy_gru"]
