"""`dlenv run seq2seq [--set dataset=multi30k]`: the same GRU encoder–decoder trained twice, with additive
attention and without, on lists of number words (data.py); exact match and BLEU (sacrebleu) of both, exact
match per source length, and OUT/attention.png, the alignment of a few held-out sentences."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from dlenv.runner import Result
from dlenv.runner.context import Context
from dlenv.runner.torch_loop import batch_indices, fit, seed_everything
from dlenv_lessons.seq2seq.config import HELD_OUT, Config
from dlenv_lessons.seq2seq.data import number_lists
from dlenv_lessons.seq2seq.model import Seq2Seq
from dlenv_lessons.transformer import data

VARIANTS = {"attention": True, "no_attention": False}
PLOT = "attention.png"


def train(ctx: Context, cfg: Config) -> Result:
    train_pairs, test_pairs = load(cfg)
    source_vocab, target_vocab = data.Vocab(train_pairs.source), data.Vocab(train_pairs.target)
    source = data.to_tensor(train_pairs.source, source_vocab, bos=False)
    target = data.to_tensor(train_pairs.target, target_vocab, bos=True)
    decoded, parts = {}, []
    for variant, attention in VARIANTS.items():
        seed_everything(ctx.seed)  # both start from the same draw of weights and batches
        model = Seq2Seq(len(source_vocab), len(target_vocab), cfg.embedding, cfg.hidden, attention)
        optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)

        def loss_at(step: int, model: Seq2Seq = model) -> torch.Tensor:
            batch = batch_indices(len(source), cfg.batch_size)
            src, tgt = trim(source[batch]).to(ctx.device), trim(target[batch]).to(ctx.device)
            logits = model(src, tgt[:, :-1])  # teacher forcing: the reference word t predicts word t+1
            return nn.functional.cross_entropy(logits.flatten(0, 1), tgt[:, 1:].flatten(), ignore_index=0)

        trained = fit(ctx.part(variant), model, optimizer, loss_at, samples_per_step=cfg.batch_size)
        parts.append(trained)
        decoded[variant] = translate(model, test_pairs, source_vocab, target_vocab, ctx.device)
    with_attention, without = decoded["attention"][0], decoded["no_attention"][0]
    metrics = compare(test_pairs, with_attention, without)
    metrics["translations"] = [
        {"source": " ".join(test_pairs.source[i]), "reference": " ".join(test_pairs.target[i]),
         "attention": " ".join(with_attention[i]), "no_attention": " ".join(without[i])}
        for i in range(min(5, len(test_pairs.source)))
    ]  # fmt: skip
    if cfg.heatmaps:
        plot(test_pairs, decoded["attention"], cfg.heatmaps, ctx.out / PLOT)
    return Result.of_parts(metrics, parts, ctx.steps)


def load(cfg: Config) -> tuple[data.Pairs, data.Pairs]:
    if cfg.dataset == "multi30k":
        return data.multi30k(cfg.data_dir)
    if cfg.dataset == "numbers":
        return data.numbers(HELD_OUT, largest=cfg.largest, count=min(cfg.pairs, cfg.largest))
    return number_lists(cfg.pairs, HELD_OUT, cfg.most, cfg.largest)


def trim(batch: torch.Tensor) -> torch.Tensor:
    """Drop the padding columns every sentence in the batch has."""
    return batch[:, : int((batch != 0).sum(1).max())]


def translate(
    model: Seq2Seq, pairs: data.Pairs, source_vocab: data.Vocab, target_vocab: data.Vocab, device: str
) -> tuple[list[list[str]], list[torch.Tensor]]:
    """Greedy translations of every source sentence, and with attention each one's weights (target × source)."""
    bos, eos = target_vocab.stoi[data.BOS], target_vocab.stoi[data.EOS]
    source = data.to_tensor(pairs.source, source_vocab, bos=False)
    max_length = max(map(len, pairs.target)) + 2
    words, alignments = [], []
    for chunk in source.split(500):
        chunk = trim(chunk).to(device)
        ids, weights = model.greedy(chunk, bos, eos, max_length)
        for row, sentence in enumerate(ids.tolist()):
            words.append(target_vocab.decode(sentence))
            if weights is not None:
                alignments.append(weights[row, : len(words[-1]) + 1, : int((chunk[row] != 0).sum())].cpu())
    return words, alignments


def compare(pairs: data.Pairs, attention: list[list[str]], plain: list[list[str]]) -> dict[str, object]:
    """Exact match and BLEU of both, and exact match per source length: where attention wins, and by how much."""
    import sacrebleu

    def exact(hypotheses: list[list[str]], rows: list[int]) -> float:
        return sum(hypotheses[i] == pairs.target[i] for i in rows) / max(1, len(rows))

    def bleu(hypotheses: list[list[str]]) -> float:
        references = [[" ".join(r) for r in pairs.target]]
        return sacrebleu.corpus_bleu([" ".join(h) for h in hypotheses], references).score

    everything = list(range(len(pairs.source)))
    lengths = sorted({len(s) for s in pairs.source})
    by_length = []
    for n in lengths:
        rows = [i for i in everything if len(pairs.source[i]) == n]
        by_length.append({"source_words": n, "sentences": len(rows), "attention": exact(attention, rows),
                          "no_attention": exact(plain, rows)})  # fmt: skip
    # the longest sources: the lengths that together hold the longest fifth of the held-out sentences
    long_from = next(n for n in reversed(lengths)
                     if sum(len(s) >= n for s in pairs.source) >= len(pairs.source) / 5)  # fmt: skip
    long_rows = [i for i in everything if len(pairs.source[i]) >= long_from]
    return {
        "exact_match": exact(attention, everything),
        "exact_match_no_attention": exact(plain, everything),
        "bleu": bleu(attention),
        "bleu_no_attention": bleu(plain),
        "long_from_words": long_from,
        "exact_match_long": exact(attention, long_rows),
        "exact_match_long_no_attention": exact(plain, long_rows),
        "attention_gain_long": exact(attention, long_rows) - exact(plain, long_rows),
        "by_length": by_length,
    }


def plot(pairs: data.Pairs, decoded: tuple[list[list[str]], list[torch.Tensor]], count: int, path: Path) -> None:
    """The attention weights of the first `count` held-out sentences: a row per output word (and the end of
    sentence), a column per source word; dark where the decoder looked."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    words, alignments = decoded
    count = min(count, len(alignments))
    if count == 0:
        return
    figure, axes = plt.subplots(1, count, figsize=(4.5 * count, 4), squeeze=False)
    for ax, i in zip(axes[0], range(count), strict=True):
        ax.imshow(alignments[i].numpy(), cmap="Greys", vmin=0, vmax=1, aspect="auto")
        ax.set_xticks(range(len(pairs.source[i]) + 1), [*pairs.source[i], data.EOS], rotation=60, ha="right",
                      fontsize=8)  # fmt: skip
        ax.set_yticks(range(len(words[i]) + 1), [*words[i], data.EOS], fontsize=8)
    figure.suptitle("additive attention: output word (rows) × source word (columns)")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
