"""Files the lesson writes itself, and a Dataset that reads them back.

samples.csv has one row per sample (id, x, y with y = 3x + 2 + noise) and images/<id>.png a 8×8
picture whose brightness is x — so one sample joins a table and an image, as real datasets do.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

SLOPE, INTERCEPT = 3.0, 2.0


def write_files(folder: Path, n: int, seed: int = 0) -> Path:
    """samples.csv and images/*.png under `folder` (written once; a rerun reuses them)."""
    import matplotlib.image

    table = folder / "samples.csv"
    if table.exists():
        return table
    rng = np.random.default_rng(seed)
    (folder / "images").mkdir(parents=True, exist_ok=True)
    x = rng.uniform(-1, 1, n)
    y = SLOPE * x + INTERCEPT + rng.normal(0, 0.1, n)
    for i in range(n):
        matplotlib.image.imsave(
            folder / "images" / f"{i}.png", np.full((8, 8), (x[i] + 1) / 2), cmap="gray", vmin=0, vmax=1
        )
    partial = table.with_suffix(".partial")
    with partial.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "x", "y"])
        writer.writerows([i, f"{x[i]:.6f}", f"{y[i]:.6f}"] for i in range(n))
    partial.replace(table)  # the table appears only once every image is there
    return table


class CsvImageDataset(Dataset):
    """Sample i = (its id, the CSV's x and y, its image as a 1×8×8 tensor) — read lazily, in __getitem__."""

    def __init__(self, table: Path) -> None:
        with table.open(newline="", encoding="utf-8") as f:
            self.rows = [(int(r["id"]), float(r["x"]), float(r["y"])) for r in csv.DictReader(f)]
        self.images = table.parent / "images"

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        import matplotlib.image

        sample_id, x, y = self.rows[index]
        image = matplotlib.image.imread(self.images / f"{sample_id}.png")[..., 0]  # grey: any channel
        return {
            "id": torch.tensor(sample_id),
            "x": torch.tensor([x]),
            "y": torch.tensor([y]),
            "image": torch.tensor(image)[None],
        }


def collate(samples: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """Stack each field over the batch (what default_collate does, written out)."""
    return {key: torch.stack([s[key] for s in samples]) for key in samples[0]}
