"""`dlenv run transformer [--set dataset=multi30k]`: train the hand-built Transformer, decode the
held-out sentences greedily (exact match, BLEU with sacrebleu) and a few with beam search."""

from __future__ import annotations

import torch

from dlenv.runner import Result
from dlenv.runner.context import Context
from dlenv.runner.torch_loop import batch_indices, fit, seed_everything
from dlenv_lessons.transformer import data
from dlenv_lessons.transformer.config import Config
from dlenv_lessons.transformer.decode import beam, greedy
from dlenv_lessons.transformer.model import Transformer


def smoothed_cross_entropy(logits: torch.Tensor, target: torch.Tensor, smoothing: float) -> torch.Tensor:
    """Label smoothing (§5.4, Szegedy et al., 2016): the target puts 1 − ε on the right word and ε spread
    evenly over all words; padding (id 0) does not count."""
    log_p = logits.log_softmax(-1)
    nll = -log_p.gather(-1, target[..., None]).squeeze(-1)
    uniform = -log_p.mean(-1)
    keep = target != 0
    return ((1 - smoothing) * nll + smoothing * uniform)[keep].mean()


def noam(step: int, d_model: int, warmup: int, factor: float) -> float:
    """lrate = d_model^−0.5 · min(step^−0.5, step · warmup^−1.5) (§5.3): linear warm-up, then 1/√step."""
    return factor * d_model**-0.5 * min(step**-0.5, step * warmup**-1.5)


def cooled(lr: float, step: int, steps: int, cooldown: float) -> float:
    """The schedule's rate, taken linearly to zero over the last `cooldown` of the run, so the weights
    settle instead of ending mid-jitter (the paper averages its last five checkpoints for this, §6.1;
    a cool-down does it in one run: Hägele et al., 2024)."""
    left = (steps - step) / max(1.0, cooldown * steps)
    return lr * min(1.0, max(0.0, left))


def train(ctx: Context, cfg: Config) -> Result:
    seed_everything(ctx.seed)
    train_pairs, test_pairs = data.numbers() if cfg.dataset == "numbers" else data.multi30k(cfg.data_dir)
    source_vocab, target_vocab = data.Vocab(train_pairs.source), data.Vocab(train_pairs.target)
    source = data.to_tensor(train_pairs.source, source_vocab, bos=False)
    target = data.to_tensor(train_pairs.target, target_vocab, bos=True)
    model = Transformer(
        len(source_vocab),
        len(target_vocab),
        cfg.d_model,
        cfg.heads,
        cfg.layers,
        cfg.d_ff,
        cfg.dropout,
        max_length=max(source.shape[1], target.shape[1]) + 2,
        fused_attention=cfg.fused_attention,
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=0.0, betas=(0.9, 0.98), eps=1e-9)  # §5.3

    def loss_at(step: int) -> torch.Tensor:
        for group in optimizer.param_groups:
            group["lr"] = cooled(noam(step, cfg.d_model, cfg.warmup, cfg.lr_factor), step, ctx.steps, cfg.cooldown)
        batch = batch_indices(len(source), cfg.batch_size)
        src, tgt = trim(source[batch]).to(ctx.device), trim(target[batch]).to(ctx.device)
        logits = model(src, tgt[:, :-1])  # teacher forcing: predict word t+1 from words ≤ t
        return smoothed_cross_entropy(logits, tgt[:, 1:], cfg.label_smoothing)

    def evaluate() -> dict[str, object]:
        return evaluation(model, test_pairs, source_vocab, target_vocab, cfg, ctx.device)

    trained = fit(ctx, model, optimizer, loss_at, samples_per_step=cfg.batch_size)
    with torch.no_grad():
        return trained.result(evaluate())


def trim(batch: torch.Tensor) -> torch.Tensor:
    """Drop the padding columns every sentence in the batch has."""
    return batch[:, : int((batch != 0).sum(1).max())]


def evaluation(
    model: Transformer, pairs: data.Pairs, source_vocab: data.Vocab, target_vocab: data.Vocab, cfg: Config, device: str
) -> dict[str, object]:
    import sacrebleu

    bos, eos = target_vocab.stoi[data.BOS], target_vocab.stoi[data.EOS]
    source = data.to_tensor(pairs.source, source_vocab, bos=False)
    max_length = max(map(len, pairs.target)) + 2
    hypotheses = []
    for chunk in source.split(500):
        for ids in greedy(model, trim(chunk).to(device), bos, eos, max_length).tolist():
            hypotheses.append(target_vocab.decode(ids))
    exact = sum(h == r for h, r in zip(hypotheses, pairs.target, strict=True)) / len(pairs.target)
    bleu = sacrebleu.corpus_bleu([" ".join(h) for h in hypotheses], [[" ".join(r) for r in pairs.target]]).score
    examples = []
    for i in range(min(cfg.examples, len(pairs.source))):
        beamed = beam(model, trim(source[i : i + 1])[0].to(device), bos, eos, max_length, cfg.beam_width)
        examples.append(
            {
                "source": " ".join(pairs.source[i]),
                "reference": " ".join(pairs.target[i]),
                "greedy": " ".join(hypotheses[i]),
                "beam": " ".join(target_vocab.decode(beamed)),
            }
        )
    return {"exact_match": exact, "bleu": bleu, "translations": examples}
