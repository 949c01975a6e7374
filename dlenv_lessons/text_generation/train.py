"""`dlenv run text_generation [--set text_file=PATH]`: next-character prediction, then samples."""

from __future__ import annotations

import math

import torch
from torch import nn

from dlenv.runner import Result
from dlenv.runner.context import Context
from dlenv.runner.torch_loop import batch_indices, fit, seed_everything
from dlenv_lessons.text_generation import data
from dlenv_lessons.text_generation.config import Config
from dlenv_lessons.text_generation.model import CharLSTM, sample


def train(ctx: Context, cfg: Config) -> Result:
    seed_everything(ctx.seed)
    text = data.load(cfg.text_file, cfg.text_spec)
    chars = data.Characters(text)
    ids = chars.encode(text)
    cut = int(0.9 * len(ids))
    train_ids, held_out = ids[:cut], ids[cut:]
    model = CharLSTM(len(chars), cfg.embedding, cfg.hidden, cfg.layers, cfg.dropout)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)

    def windows(source: torch.Tensor, starts: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        rows = torch.stack([source[s : s + cfg.context + 1] for s in starts.tolist()])
        return rows[:, :-1].to(ctx.device), rows[:, 1:].to(ctx.device)  # the next character is the target

    def loss_at(step: int) -> torch.Tensor:
        x, y = windows(train_ids, batch_indices(len(train_ids) - cfg.context - 1, cfg.batch_size))
        logits, _ = model(x)
        return nn.functional.cross_entropy(logits.reshape(-1, len(chars)), y.reshape(-1))

    def evaluate() -> dict[str, object]:
        starts = torch.arange(0, len(held_out) - cfg.context - 1, cfg.context)
        x, y = windows(held_out, starts)
        logits, _ = model(x)
        loss = nn.functional.cross_entropy(logits.reshape(-1, len(chars)), y.reshape(-1)).item()
        generator = torch.Generator().manual_seed(ctx.seed)
        prompt = chars.encode(text[:1]).to(ctx.device)
        samples = {}
        for temperature, top_k in ((cfg.temperature, cfg.top_k), (1.0, 0)):
            drawn = sample(model, prompt, cfg.sample_length, temperature, top_k, generator)
            samples[f"temperature {temperature}, top-k {top_k}"] = text[:1] + chars.decode(drawn)
        return {"perplexity": math.exp(loss), "uniform_perplexity": len(chars), "samples": samples}

    trained = fit(ctx, model, optimizer, loss_at, samples_per_step=cfg.batch_size * cfg.context, unit="characters/s")
    with torch.no_grad():
        return trained.result(evaluate())
