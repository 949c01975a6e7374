"""`dlenv run tensors`: tensor basics checked, one pass of DataLoader workers checked, then y = 3x + 2
learned by gradient descent written with autograd alone (no nn.Module, no optimizer)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.utils.data import DataLoader

from dlenv.runner import Result
from dlenv.runner.context import Context
from dlenv.runner.torch_loop import batch_indices, fit, seed_everything
from lessons.tensors.data import INTERCEPT, SLOPE, CsvImageDataset, collate, write_files


@dataclass
class Config:
    samples: int = 256
    batch_size: int = 32
    workers: int = 2
    steps: int = 300
    lr: float = 0.1


SMOKE = {"steps": 200, "samples": 128}


def basics() -> dict[str, bool]:
    """Broadcasting and autograd on numbers small enough to check by hand."""
    a = torch.arange(3.0)[:, None]  # 3×1
    b = torch.arange(4.0)[None, :]  # 1×4
    w = torch.tensor(2.0, requires_grad=True)
    (w**3).backward()  # d(w³)/dw = 3w² = 12
    return {
        "broadcast_shape_ok": (a + b).shape == (3, 4) and (a * b)[2, 3].item() == 6.0,
        "autograd_ok": w.grad.item() == 12.0,
    }


def one_epoch(dataset: CsvImageDataset, batch_size: int, workers: int) -> dict[str, bool | int]:
    """A pass with worker processes: in order, every sample exactly once, batches of the right shape."""
    loader = DataLoader(dataset, batch_size=batch_size, num_workers=workers, collate_fn=collate)
    seen, shapes_ok = [], True
    for batch in loader:
        seen += batch["id"].tolist()
        shapes_ok &= batch["image"].shape[1:] == (1, 8, 8) and batch["x"].shape[1:] == (1,)
    return {
        "every_sample_once": sorted(seen) == list(range(len(dataset))),
        "in_order": seen == sorted(seen),
        "batch_shapes_ok": bool(shapes_ok),
        "workers": workers,
    }


class Line(torch.nn.Module):
    """Only so the runner can checkpoint the two numbers; the maths below uses them as bare tensors."""

    def __init__(self) -> None:
        super().__init__()
        self.slope, self.intercept = torch.nn.Parameter(torch.zeros(())), torch.nn.Parameter(torch.zeros(()))


def train(ctx: Context, cfg: Config) -> Result:
    seed_everything(ctx.seed)
    dataset = CsvImageDataset(write_files(ctx.out / "files", cfg.samples))
    checks = {**basics(), **one_epoch(dataset, cfg.batch_size, cfg.workers)}
    x = torch.tensor([row[1] for row in dataset.rows])
    y = torch.tensor([row[2] for row in dataset.rows])
    line = Line()
    optimizer = torch.optim.SGD(line.parameters(), lr=cfg.lr)  # its step is w -= lr · w.grad, nothing more

    def loss_at(step: int) -> torch.Tensor:
        batch = batch_indices(len(x), cfg.batch_size)
        return ((line.slope * x[batch] + line.intercept - y[batch]) ** 2).mean()

    def evaluate() -> dict[str, float | bool | int]:
        return {
            "slope": line.slope.item(),
            "intercept": line.intercept.item(),
            "slope_error": abs(line.slope.item() - SLOPE),
            "intercept_error": abs(line.intercept.item() - INTERCEPT),
            **checks,
        }

    return fit(ctx, line, optimizer, loss_at, evaluate, samples_per_step=cfg.batch_size)
