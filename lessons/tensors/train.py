"""`dlenv run tensors`: tensor basics measured, one pass of DataLoader workers measured, then y = 3x + 2
learned by gradient descent written with autograd alone (no nn.Module, no optimizer).

The lesson reports what it saw (shapes, a gradient, which samples the workers returned); the tests
decide whether that is right."""

from __future__ import annotations

import itertools

import torch
from torch.utils.data import DataLoader

from dlenv.runner import Result
from dlenv.runner.context import Context
from dlenv.runner.torch_loop import batch_indices, fit, seed_everything
from lessons.tensors.config import Config
from lessons.tensors.data import INTERCEPT, SLOPE, CsvImageDataset, collate, write_files


def basics() -> dict[str, object]:
    """Broadcasting and autograd on numbers small enough to check by hand."""
    a = torch.arange(3.0)[:, None]  # 3×1
    b = torch.arange(4.0)[None, :]  # 1×4: a + b stretches both to 3×4
    w = torch.tensor(2.0, requires_grad=True)
    (w**3).backward()  # d(w³)/dw = 3w² = 12 at w = 2
    return {
        "broadcast_shape": list((a + b).shape),
        "broadcast_corner": (a * b)[2, 3].item(),
        "autograd_grad": w.grad.item(),
    }


def one_epoch(dataset: CsvImageDataset, batch_size: int, workers: int) -> dict[str, object]:
    """A pass with worker processes: which samples came back, in which order, in batches of which shape."""
    loader = DataLoader(dataset, batch_size=batch_size, num_workers=workers, collate_fn=collate)
    seen, image_shapes, x_shapes = [], [], []
    for batch in loader:
        seen += batch["id"].tolist()
        image_shapes.append(list(batch["image"].shape))
        x_shapes.append(list(batch["x"].shape))
    return {
        "samples": len(dataset),
        "samples_seen": len(seen),
        "distinct_samples_seen": len(set(seen)),
        "out_of_order": sum(later < earlier for earlier, later in itertools.pairwise(seen)),
        "image_batch_shape": image_shapes[0],  # batch × channel × height × width
        "x_batch_shape": x_shapes[0],
        "last_image_batch_shape": image_shapes[-1],  # smaller when the batch size does not divide the samples
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
    measured = {**basics(), **one_epoch(dataset, cfg.batch_size, cfg.workers)}
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
            **measured,
        }

    return fit(ctx, line, optimizer, loss_at, evaluate, samples_per_step=cfg.batch_size)
