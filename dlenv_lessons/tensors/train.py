"""`dlenv run tensors`: tensor basics measured, one pass of DataLoader workers measured, then y = 3x + 2
learned by the plain training loop: zero_grad, forward, backward, step (no nn.Module, two bare tensors).

The lesson reports what it saw (shapes, a gradient, which samples the workers returned); the tests
decide whether that is right."""

from __future__ import annotations

import itertools
import multiprocessing
import time

import torch
from torch.utils.data import DataLoader

from dlenv.runner import Result
from dlenv.runner.context import Context
from dlenv.runner.torch_loop import batch_indices, seed_everything
from dlenv_lessons.tensors.config import Config
from dlenv_lessons.tensors.data import INTERCEPT, SLOPE, CsvImageDataset, collate, write_files


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


def one_epoch(dataset: CsvImageDataset, batch_size: int, workers: int, start_method: str) -> dict[str, object]:
    """A pass with worker processes: which samples came back, in which order, in batches of which shape.

    Under spawn (Windows' only way) each worker is a new Python: it gets the dataset and collate_fn by
    pickling, so both are defined at the top of an importable module (data.py), never as a lambda, a
    function inside a function, or a class in a notebook cell; a script guards its start with
    `if __name__ == "__main__":`, since each worker imports the script again."""
    context = None if start_method == "default" or workers == 0 else start_method
    loader = DataLoader(
        dataset, batch_size=batch_size, num_workers=workers, collate_fn=collate, multiprocessing_context=context
    )
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
        "start_method": (context or multiprocessing.get_start_method()) if workers else "none",
    }


def train(ctx: Context, cfg: Config) -> Result:
    seed_everything(ctx.seed)
    dataset = CsvImageDataset(write_files(ctx.out / "files", cfg.samples))
    measured = {**basics(), **one_epoch(dataset, cfg.batch_size, cfg.workers, cfg.start_method)}
    x = torch.tensor([row[1] for row in dataset.rows])
    y = torch.tensor([row[2] for row in dataset.rows])
    slope, intercept = torch.zeros((), requires_grad=True), torch.zeros((), requires_grad=True)
    optimizer = torch.optim.SGD([slope, intercept], lr=cfg.lr)  # its step is w -= lr · w.grad, nothing more

    # The whole of training, on one screen. From the next lesson on, dlenv's fit() runs these same calls
    # and adds what a long run needs: checkpoints and --resume, a clean stop on SIGTERM, data parallel
    # under torchrun, mixed precision on a GPU. ctx.log feeds TensorBoard and stops a run whose loss is NaN.
    began = time.perf_counter()
    for step in range(1, ctx.steps + 1):
        batch = batch_indices(len(x), cfg.batch_size)  # a random batch from torch's seeded generator
        optimizer.zero_grad()  # forget the previous step's gradients (backward adds to .grad)
        loss = ((slope * x[batch] + intercept - y[batch]) ** 2).mean()  # forward: mean squared error
        loss.backward()  # backward: d loss / d slope and d loss / d intercept, into .grad
        optimizer.step()  # slope -= lr · slope.grad; intercept likewise
        ctx.log(step, loss=loss.item())
    seconds = time.perf_counter() - began

    learned = {
        "slope": slope.item(),
        "intercept": intercept.item(),
        "slope_error": abs(slope.item() - SLOPE),
        "intercept_error": abs(intercept.item() - INTERCEPT),
        "final_loss": loss.item(),
    }
    return Result({**learned, **measured}, "samples/s", cfg.batch_size * ctx.steps / seconds, ctx.steps)
