"""The real-data loaders read the files their datasets ship, here small copies the tests write
(the downloads themselves go through dlenv's fetcher, tested in tests/datasets)."""

from __future__ import annotations

import csv

import pytest

pytest.importorskip("torch")


def test_fashion_mnist_csvs(tmp_path):
    from dlenv_lessons.classification.data import fashion_mnist

    for name, rows in (("fashion-mnist_train.csv", 6), ("fashion-mnist_test.csv", 3)):
        with (tmp_path / name).open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["label", *[f"pixel{i}" for i in range(1, 785)]])
            writer.writerows([i % 10, *[255 * (i % 2)] * 784] for i in range(rows))
    x_train, y_train, x_test, y_test = fashion_mnist(str(tmp_path))
    assert y_test.tolist() == [0, 1, 2]
    assert x_train.shape == (6, 1, 28, 28) and x_test.shape == (3, 1, 28, 28)
    assert y_train.tolist() == [0, 1, 2, 3, 4, 5] and x_train.max().item() == 1.0


def test_california_housing_csv_skips_incomplete_rows(tmp_path):
    from dlenv_lessons.regression.data import CALIFORNIA_FEATURES, CALIFORNIA_TARGET, california

    header = [*CALIFORNIA_FEATURES, CALIFORNIA_TARGET, "ocean_proximity"]
    with (tmp_path / "housing.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for i in range(20):
            row = [str(i + j) for j in range(len(CALIFORNIA_FEATURES) + 1)] + ["NEAR BAY"]
            if i == 7:
                row[CALIFORNIA_FEATURES.index("total_bedrooms")] = ""  # as 207 rows of the real file
            writer.writerow(row)
    x_train, y_train, x_test, _ = california(str(tmp_path))
    assert len(x_train) + len(x_test) == 19 and x_train.shape[1] == len(CALIFORNIA_FEATURES)
    assert abs(y_train.mean().item()) < 1e-5  # standardised on the training part


def test_census_income_csv_crosses_education_and_occupation(tmp_path):
    from dlenv_lessons.wide_deep.data import CENSUS_AUX, CENSUS_CATEGORICAL, CENSUS_NUMERIC, census

    header = [
        "age",
        "workclass",
        "fnlwgt",
        "education",
        "education.num",
        "marital.status",
        "occupation",
        "relationship",
        "race",
        "sex",
        "capital.gain",
        "capital.loss",
        "hours.per.week",
        "native.country",
        "income",
    ]
    with (tmp_path / "adult.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, header)
        writer.writeheader()
        for i in range(12):
            writer.writerow(
                {
                    **{c: f"v{i % 3}" for c in CENSUS_CATEGORICAL},
                    **{c: str(20 + i) for c in CENSUS_NUMERIC},
                    CENSUS_AUX: str(30 + i),
                    "fnlwgt": "1",
                    "education": ["Bachelors", "HS-grad"][i % 2],
                    "occupation": ["Sales", "Tech", "Craft"][i % 3],
                    "income": ">50K" if i % 4 == 0 else "<=50K",
                }
            )
    table = census(str(tmp_path))
    assert table.wide.shape == (12, len(CENSUS_CATEGORICAL) + 1)  # the sparse columns, then the cross
    assert table.deep.ids.shape == (12, len(CENSUS_CATEGORICAL))  # the embedded columns
    assert table.deep.numbers.shape == (12, len(CENSUS_NUMERIC))
    assert table.wide_vocab[-1] == 2 * 3 and len(set(table.wide[:, -1].tolist())) == 6
    assert table.label.sum().item() == 3 and table.aux.tolist() == [30.0 + i for i in range(12)]  # hours, a target


def test_multi30k_jsonl_gives_german_to_english_pairs(tmp_path):
    import json

    from dlenv_lessons.transformer.data import multi30k

    rows = [{"en": "Two dogs run.", "de": "Zwei Hunde rennen."}, {"en": "A man sleeps.", "de": "Ein Mann schläft."}]
    for name in ("train.jsonl", "test.jsonl"):
        (tmp_path / name).write_text(
            "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8"
        )
    train, test = multi30k(str(tmp_path))
    assert train.source[0] == ["zwei", "hunde", "rennen", "."] and train.target[1] == ["a", "man", "sleeps", "."]
    assert len(test.source) == 2


def test_imdb_csv_gives_tokenised_reviews_and_labels(tmp_path):
    from dlenv_lessons.rnn_sentiment.data import imdb

    with (tmp_path / "IMDB Dataset.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["review", "sentiment"])
        writer.writerow(["A <br />wonderful film, truly!", "positive"])
        writer.writerow(["Not worth it.", "negative"])
    reviews, labels = imdb(str(tmp_path))
    assert reviews[0] == ["a", "wonderful", "film", ",", "truly", "!"] and labels == [1, 0]


def test_text_generation_reads_a_text_file(tmp_path):
    from dlenv_lessons.text_generation.data import Characters, load

    (tmp_path / "poem.txt").write_text("so long lives this\n", encoding="utf-8")
    text = load(text_file=str(tmp_path / "poem.txt"))
    chars = Characters(text)
    assert chars.decode(chars.encode(text).tolist()) == text and len(chars) == len(set(text)) == 12
