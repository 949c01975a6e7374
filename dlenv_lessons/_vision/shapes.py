"""Generated shape images: a dataset a small CNN really has to learn, made offline in about a second.

Each image is one shape (a circle, a ring, a T, ...) at a random place, size and angle, in a random
colour on a random background, with pixel noise. Position and colour carry no information, so an MLP
that memorises pixels does badly and a convolutional network that learns local patterns does well.
Every class is unchanged by a horizontal flip, so flip-and-crop augmentation keeps the labels true.

Two tasks share the drawing code: SOURCE (ten classes, plenty of data) is what the transfer lesson
pretrains on, and TARGET (five other shapes, a few labelled images) is what it transfers to.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

SUPERSAMPLE = 4  # draw 4x larger, then shrink: smooth edges at 32x32

Draw = Callable[[ImageDraw.ImageDraw, float, float, float, float], None]  # (draw, cx, cy, radius, angle)


def _polygon(sides: int, outline: bool = False) -> Draw:
    def draw(d: ImageDraw.ImageDraw, cx: float, cy: float, r: float, angle: float) -> None:
        width = 0 if not outline else max(1, int(r / 4))
        d.regular_polygon((cx, cy, r), sides, rotation=angle, fill=None if outline else 255,
                          outline=255 if outline else None, width=width)  # fmt: skip

    return draw


def _disc(d: ImageDraw.ImageDraw, cx: float, cy: float, r: float, angle: float) -> None:
    d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=255)


def _ring(d: ImageDraw.ImageDraw, cx: float, cy: float, r: float, angle: float) -> None:
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=255, width=max(1, int(r / 4)))


def _bars(vertical: bool) -> Draw:
    def draw(d: ImageDraw.ImageDraw, cx: float, cy: float, r: float, angle: float) -> None:
        step = r / 2
        for k in range(-2, 2):
            a, b = cx - r + (2 * k + 4) * step / 2, cx - r + (2 * k + 5) * step / 2
            box = (a, cy - r, b, cy + r) if vertical else (cx - r, a - cx + cy, cx + r, b - cx + cy)
            d.rectangle(box, fill=255)

    return draw


def _strokes(arms: list[tuple[float, float]], tilt: float = 0.0) -> Draw:
    """Thick strokes from the centre out to each arm's angle (degrees): a plus, a cross, an L, a T."""

    def draw(d: ImageDraw.ImageDraw, cx: float, cy: float, r: float, angle: float) -> None:
        for direction, length in arms:
            theta = math.radians(direction + tilt + angle)
            end = (cx + length * r * math.cos(theta), cy + length * r * math.sin(theta))
            d.line(((cx, cy), end), fill=255, width=max(2, int(r / 3)))

    return draw


def _half_disc(d: ImageDraw.ImageDraw, cx: float, cy: float, r: float, angle: float) -> None:
    d.pieslice((cx - r, cy - r, cx + r, cy + r), 180 + angle, 360 + angle, fill=255)


def _checker(d: ImageDraw.ImageDraw, cx: float, cy: float, r: float, angle: float) -> None:
    cell = 2 * r / 3
    for i in range(3):
        for j in range(3):
            if (i + j) % 2 == 0:
                x0, y0 = cx - r + i * cell, cy - r + j * cell
                d.rectangle((x0, y0, x0 + cell, y0 + cell), fill=255)


# name -> (drawing, the angles it may take: a shape whose class is its orientation keeps it)
FREE, UPRIGHT, QUARTERS = (0.0, 360.0), (-8.0, 8.0), (0.0, 0.0)
SOURCE: dict[str, tuple[Draw, tuple[float, float]]] = {
    "circle": (_disc, FREE),
    "ring": (_ring, FREE),
    "square": (_polygon(4), UPRIGHT),
    "frame": (_polygon(4, outline=True), UPRIGHT),
    "triangle": (_polygon(3), UPRIGHT),
    "diamond": (lambda d, cx, cy, r, a: _polygon(4)(d, cx, cy, r, a + 45), UPRIGHT),
    "plus": (_strokes([(0, 1), (90, 1), (180, 1), (270, 1)]), UPRIGHT),
    "cross": (_strokes([(45, 1), (135, 1), (225, 1), (315, 1)]), UPRIGHT),
    "hbars": (_bars(vertical=False), QUARTERS),
    "vbars": (_bars(vertical=True), QUARTERS),
}
TARGET: dict[str, tuple[Draw, tuple[float, float]]] = {
    "half_disc": (_half_disc, UPRIGHT),
    "el": (_strokes([(0, 1), (270, 1)]), FREE),
    "tee": (_strokes([(0, 1), (180, 1), (90, 1.2)]), FREE),
    "checker": (_checker, UPRIGHT),
    "triangle_outline": (_polygon(3, outline=True), UPRIGHT),
}
TASKS = {"source": SOURCE, "target": TARGET}


def draw_image(shape: Draw, angles: tuple[float, float], size: int, rng: np.random.Generator) -> np.ndarray:
    """One size x size RGB image (uint8) of `shape`."""
    big = size * SUPERSAMPLE
    radius = rng.uniform(0.22, 0.38) * big
    cx, cy = rng.uniform(radius, big - radius, size=2)
    mask = Image.new("L", (big, big), 0)
    shape(ImageDraw.Draw(mask), cx, cy, radius, rng.uniform(*angles))
    alpha = np.asarray(mask.resize((size, size), Image.Resampling.BOX), dtype=np.float32)[..., None] / 255
    background, foreground = _contrasting_colours(rng)
    image = background * (1 - alpha) + foreground * alpha + rng.normal(0, 0.06, (size, size, 3))
    return (np.clip(image, 0, 1) * 255).round().astype(np.uint8)


def _contrasting_colours(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two random RGB colours whose brightness differs by at least 0.3: the shape is always visible."""
    while True:
        background, foreground = rng.uniform(0, 1, 3), rng.uniform(0, 1, 3)
        if abs(background.mean() - foreground.mean()) >= 0.3:
            return background, foreground


def write_image_folder(root: Path, task: str, per_class: int, size: int, seed: int) -> Path:
    """`root/<class>/<n>.png` for every class of `task` ("source" or "target"), `per_class` images each: the
    layout torchvision's ImageFolder reads. Written once into a temporary folder that is renamed into
    place, so a run killed mid-way never leaves half a dataset; a later run reuses it."""
    if root.is_dir():
        return root
    partial = root.with_name(f".{root.name}.partial")
    if partial.exists():
        import shutil

        shutil.rmtree(partial)
    rng = np.random.default_rng(seed)
    for name, (shape, angles) in TASKS[task].items():
        folder = partial / name
        folder.mkdir(parents=True)
        for n in range(per_class):
            Image.fromarray(draw_image(shape, angles, size, rng)).save(folder / f"{n:05d}.png")
    partial.rename(root)
    return root
