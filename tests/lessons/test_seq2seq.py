"""The seq2seq lesson's parts against independent computations: additive attention written out with loops, the
encoder's summary against the GRU run on each sentence alone, padding that changes nothing."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from dlenv_lessons.seq2seq.model import AdditiveAttention, Encoder, Seq2Seq  # noqa: E402


def close(actual, expected) -> None:
    torch.testing.assert_close(actual.detach(), expected.detach(), atol=1e-5, rtol=0)


def test_additive_attention_is_v_tanh_ws_plus_uh_softmaxed_over_the_real_words():
    torch.manual_seed(0)
    attention = AdditiveAttention(query_size=3, key_size=4, size=5)
    query, keys = torch.randn(2, 3), torch.randn(2, 6, 4)
    mask = torch.tensor([[True] * 6, [True] * 4 + [False] * 2])  # the second sentence has 4 words
    context, weights = attention(query, keys, attention.project(keys), mask)
    W, U, b, v = attention.query.weight, attention.key.weight, attention.key.bias, attention.score.weight[0]
    for i in range(2):
        words = int(mask[i].sum())
        with torch.no_grad():
            scores = [float(v @ torch.tanh(W @ query[i] + U @ keys[i, j] + b)) for j in range(words)]
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        expected = [e / sum(exps) for e in exps] + [0.0] * (6 - words)
        assert weights[i].tolist() == pytest.approx(expected, abs=1e-6)
        close(context[i], sum(expected[j] * keys[i, j] for j in range(words)))


def test_the_encoders_summary_is_each_direction_at_its_own_end_of_the_real_words():
    torch.manual_seed(0)
    encoder = Encoder(vocab=10, embedding=4, hidden=3).eval()
    padded = torch.tensor([[5, 6, 7, 8], [3, 4, 0, 0]])
    outputs, summary = encoder(padded)
    for row, length in ((0, 4), (1, 2)):
        alone, last = encoder.rnn(encoder.embed(padded[row : row + 1, :length]))
        close(summary[row], torch.cat([last[0, 0], last[1, 0]]))
        close(outputs[row, :length], alone[0])
    assert outputs[1, 2:].abs().sum() == 0  # padding positions carry nothing


@pytest.mark.parametrize("attention", [True, False])
def test_padding_a_source_changes_no_logit(attention):
    torch.manual_seed(0)
    model = Seq2Seq(source_vocab=12, target_vocab=9, embedding=4, hidden=6, attention=attention).eval()
    source, target_in = torch.tensor([[4, 5, 6]]), torch.tensor([[1, 3, 4]])
    padded = torch.cat([source, torch.zeros(1, 3, dtype=torch.long)], 1)
    with torch.no_grad():
        close(model(padded, target_in), model(source, target_in))


def test_greedy_decoding_stops_at_the_end_and_returns_the_alignment():
    torch.manual_seed(0)
    model = Seq2Seq(source_vocab=12, target_vocab=9, embedding=4, hidden=6, attention=True).eval()
    source = torch.tensor([[4, 5, 6, 0], [7, 8, 0, 0]])
    ids, weights = model.greedy(source, bos=1, eos=2, max_length=5)
    assert ids.shape[0] == 2 and ids.shape[1] <= 5 and weights.shape == (2, ids.shape[1], 4)
    close(weights.sum(-1), torch.ones(2, ids.shape[1]))
    assert weights[1, :, 2:].abs().sum() == 0  # no weight on the second sentence's padding
    _, none = Seq2Seq(12, 9, 4, 6, attention=False).eval().greedy(source, 1, 2, 5)
    assert none is None


def test_a_parallel_corpus_folder_trains_both_models_and_draws_the_alignment(tmp_path):
    import json

    from support import dlenv_run, metrics

    rows = [
        {"de": "Zwei Hunde rennen im Park.", "en": "Two dogs run in the park."},
        {"de": "Ein Mann schläft.", "en": "A man sleeps."},
        {"de": "Eine Frau liest ein Buch am Fenster.", "en": "A woman reads a book by the window."},
    ] * 4
    corpus = tmp_path / "multi30k"
    corpus.mkdir()
    for name in ("train.jsonl", "test.jsonl"):
        (corpus / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "run"
    dlenv_run("seq2seq", "--steps", "3", "--set", "dataset=multi30k", "--set", f"data_dir={corpus}", out=out)
    report = metrics(out)["metrics"]
    assert {row["source_words"] for row in report["by_length"]} == {4, 6, 8}  # "." is a word
    assert report["long_from_words"] == 8 and 0 <= report["exact_match_no_attention"] <= 1
    assert (out / "attention.png").stat().st_size > 0 and (out / "no_attention" / "checkpoints").is_dir()
