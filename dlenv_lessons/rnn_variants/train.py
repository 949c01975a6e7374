"""`dlenv run rnn_variants [--set variants=rnn,lstm] [--set longest_tail=40] [--set forget_bias=0]`: seven
recurrent classifiers trained on the same batches of reviews whose verdict lies up to `longest_tail` words
before the end (data.py). For each: held-out accuracy, overall and by the verdict's distance from the end;
its parameters; its time per training step; and how far back its gradient reaches, at initialisation and
after training. OUT/gradient_norms.png draws the last two."""

from __future__ import annotations

import itertools
from dataclasses import asdict
from pathlib import Path

import torch
from torch import nn

from dlenv.runner import Result
from dlenv.runner.config import listed
from dlenv.runner.context import Context
from dlenv.runner.torch_loop import batch_indices, fit, seed_everything
from dlenv_lessons._shared.metrics import parameter_count
from dlenv_lessons.rnn_sentiment.data import Vocabulary
from dlenv_lessons.rnn_variants import data
from dlenv_lessons.rnn_variants.config import VARIANTS, Config
from dlenv_lessons.rnn_variants.gradients import gradient_by_distance
from dlenv_lessons.rnn_variants.model import RecurrentClassifier

PLOT = "gradient_norms.png"
BUCKETS = 5  # distance ranges in by_distance


def train(ctx: Context, cfg: Config) -> Result:
    reviews = data.reviews(cfg.reviews, cfg.longest_tail)
    cut = len(reviews.words) * 4 // 5
    vocab = Vocabulary(reviews.words[:cut], 1000)
    labels = torch.tensor(reviews.labels)
    test = range(cut, len(reviews.words))
    # the probe: held-out-style reviews whose verdict lies exactly `longest_tail` words before the end
    probe = data.reviews(cfg.probe, cfg.longest_tail, seed=1, tail=cfg.longest_tail)

    table, norms, parts = [], {}, []
    for name in listed(cfg, "variants", VARIANTS):
        seed_everything(ctx.seed)  # every variant starts from the same draw of batches
        model = RecurrentClassifier(
            len(vocab), cfg.embedding, cfg.hidden, **asdict(VARIANTS[name]), forget_bias=cfg.forget_bias
        )
        optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
        initial = gradient_by_distance(model, vocab, probe.words, probe.labels)

        def loss_at(step: int, model: RecurrentClassifier = model) -> torch.Tensor:
            rows = batch_indices(cut, cfg.batch_size).tolist()
            ids, lengths = vocab.batch([reviews.words[i] for i in rows])
            return nn.functional.cross_entropy(model(ids.to(ctx.device), lengths), labels[rows].to(ctx.device))

        trained = fit(ctx.part(name), model, optimizer, loss_at, samples_per_step=cfg.batch_size, unit="reviews/s")
        parts.append(trained)
        with torch.no_grad():
            correct = predict(model, vocab, [reviews.words[i] for i in test], ctx.device) == labels[cut:]
        norms[name] = {"initial": initial, "trained": gradient_by_distance(model, vocab, probe.words, probe.labels)}
        table.append({
            "variant": name,
            "accuracy": correct.float().mean().item(),
            "by_distance": by_distance(correct, [reviews.tails[i] for i in test], cfg.longest_tail),
            "parameters": parameter_count(model),
            # a variant resumed after its last step trained nothing now: it has no step time to report
            "step_ms": 1000 * cfg.batch_size / trained.throughput if trained.throughput else None,
            # how much of the gradient at the last word is left at the verdict, longest_tail words before it
            "gradient_reach": initial[cfg.longest_tail] / initial[0],
            "gradient_reach_trained": norms[name]["trained"][cfg.longest_tail] / norms[name]["trained"][0],
        })  # fmt: skip
    plot(table, norms, cfg.longest_tail, ctx.out / PLOT)
    metrics: dict[str, object] = {"accuracy": max(row["accuracy"] for row in table)}
    for row in table:
        name = row["variant"]
        metrics |= {f"{key}_{name}": row[key] for key in ("accuracy", "parameters", "step_ms", "gradient_reach")}
        metrics[f"accuracy_far_{name}"] = row["by_distance"][-1]["accuracy"]
    metrics |= {"variants": table, "gradient_norms": norms}
    return Result.of_parts(metrics, parts, ctx.steps)


def predict(model: RecurrentClassifier, vocab: Vocabulary, words: list[list[str]], device: str) -> torch.Tensor:
    labels = []
    for start in range(0, len(words), 512):
        ids, lengths = vocab.batch(words[start : start + 512])
        labels.append(model(ids.to(device), lengths).argmax(1).cpu())
    return torch.cat(labels)


def by_distance(correct: torch.Tensor, tails: list[int], longest_tail: int) -> list[dict[str, float]]:
    """Accuracy over the reviews whose verdict lies in each of BUCKETS ranges of distance from the end (fewer
    when there are fewer distances), the ranges as even as whole words allow."""
    edges = sorted({round(i * (longest_tail + 1) / BUCKETS) for i in range(BUCKETS + 1)})
    tail = torch.tensor(tails)
    rows = []
    for start, stop in itertools.pairwise(edges):
        chosen = (tail >= start) & (tail < stop)
        rows.append({"tail_from": start, "tail_to": stop - 1, "reviews": int(chosen.sum()),
                     "accuracy": correct[chosen].float().mean().item()})  # fmt: skip
    return rows


def plot(table: list[dict], norms: dict[str, dict[str, list[float]]], longest_tail: int, path: Path) -> None:
    """The gradient by distance from the end over the gradient at the last word, at initialisation and after
    training (relative: a trained network's loss, and so all its gradients, is small), and accuracy by distance."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 3, figsize=(16, 4.5))
    colours = dict(zip(norms, plt.rcParams["axes.prop_cycle"].by_key()["color"], strict=False))
    for when, ax in zip(("initial", "trained"), axes[:2], strict=True):
        for name, both in norms.items():
            reach = [norm / both[when][0] for norm in both[when]]
            ax.plot(range(len(reach)), reach, color=colours[name], label=name,
                    linestyle="--" if "bidirectional" in name else "-")  # fmt: skip
        ax.axvline(longest_tail, color="grey", linestyle=":")
        ax.set(yscale="log", xlabel="words before the end (the verdict: dotted line)",
               ylabel="‖∂loss/∂x_t‖ / ‖∂loss/∂x_last‖",
               title=f"Gradient reach, {'at initialisation' if when == 'initial' else 'after training'}")  # fmt: skip
    axes[0].legend(fontsize=8)
    for row in table:
        middles = [(b["tail_from"] + b["tail_to"]) / 2 for b in row["by_distance"]]
        axes[2].plot(middles, [b["accuracy"] for b in row["by_distance"]], "o-", color=colours[row["variant"]],
                     label=row["variant"])  # fmt: skip
    axes[2].set(xlabel="neutral words after the verdict", ylabel="held-out accuracy", ylim=(0.4, 1.02),
                title="Accuracy by the verdict's distance from the end")  # fmt: skip
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
