"""`dlenv run rnn_sentiment [--set dataset=imdb]`: an LSTM against a bag-of-words baseline."""

from __future__ import annotations

import torch
from torch import nn

from dlenv.runner import Result
from dlenv.runner.context import Context
from dlenv.runner.torch_loop import batch_indices, fit, seed_everything
from dlenv_lessons.rnn_sentiment import data
from dlenv_lessons.rnn_sentiment.config import Config
from dlenv_lessons.rnn_sentiment.model import LSTMClassifier


def bag_of_words_accuracy(
    train: list[list[str]], y_train: list[int], test: list[list[str]], y_test: list[int]
) -> float:
    """Logistic regression on word counts: blind to order, so "not good" and "good … not" look alike."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = CountVectorizer(analyzer=lambda words: words)
    classifier = LogisticRegression(max_iter=1000).fit(vectorizer.fit_transform(train), y_train)
    return float(classifier.score(vectorizer.transform(test), y_test))


def train(ctx: Context, cfg: Config) -> Result:
    seed_everything(ctx.seed)
    reviews, labels = data.generated() if cfg.dataset == "generated" else data.imdb(cfg.data_dir)
    order = torch.randperm(len(reviews), generator=torch.Generator().manual_seed(0)).tolist()
    cut = int(0.8 * len(order))
    train_rows, test_rows = order[:cut], order[cut:]
    vocab = data.Vocabulary([reviews[i] for i in train_rows], cfg.vocabulary)
    y = torch.tensor(labels)
    model = LSTMClassifier(len(vocab), cfg.embedding, cfg.hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)

    def loss_at(step: int) -> torch.Tensor:
        rows = [train_rows[i] for i in batch_indices(len(train_rows), cfg.batch_size).tolist()]
        ids, lengths = vocab.batch([reviews[i] for i in rows])
        return nn.functional.cross_entropy(model(ids.to(ctx.device), lengths), y[rows].to(ctx.device))

    def evaluate() -> dict[str, float]:
        correct = 0
        for start in range(0, len(test_rows), 512):
            rows = test_rows[start : start + 512]
            ids, lengths = vocab.batch([reviews[i] for i in rows])
            correct += (model(ids.to(ctx.device), lengths).argmax(1).cpu() == y[rows]).sum().item()
        baseline = bag_of_words_accuracy([reviews[i] for i in train_rows], [labels[i] for i in train_rows],
                                         [reviews[i] for i in test_rows], [labels[i] for i in test_rows])  # fmt: skip
        return {"accuracy": correct / len(test_rows), "bag_of_words_accuracy": baseline}

    trained = fit(ctx, model, optimizer, loss_at, samples_per_step=cfg.batch_size, unit="reviews/s")
    with torch.no_grad():
        return trained.result(evaluate())
