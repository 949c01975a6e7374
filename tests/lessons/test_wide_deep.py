"""Wide & Deep with two inputs and two outputs: each part reads only its own input, the second head reads the
deep tower only, the weighted loss is main + w·aux, the Census loader makes hours a target and no input, and a
run through the runner reports each head's metric."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import torch
from torch import nn

from dlenv_lessons.wide_deep import data
from dlenv_lessons.wide_deep.model import SideBySide, TwoHeads
from dlenv_lessons.wide_deep.train import variant_losses

DIM, HIDDEN = 4, 16


def close(a: torch.Tensor, b: torch.Tensor) -> None:
    torch.testing.assert_close(a, b, rtol=0, atol=1e-6)


@pytest.fixture(scope="module")
def batch() -> data.Table:
    return data.clicks(n=400).rows(slice(0, 64))


def model_for(table: data.Table) -> SideBySide:
    torch.manual_seed(0)
    model = SideBySide.for_table(table, DIM, HIDDEN)
    for name, parameter in model.named_parameters():  # the wide weights start at zero: give them values to show
        if "wide.weights" in name or name.startswith("variants.wide."):
            nn.init.normal_(parameter)
    return model.eval()


def other_deep_input(table: data.Table) -> data.DeepInput:
    ids = torch.stack([torch.randint(0, size, (len(table),)) for size in table.deep_vocab], 1)
    return data.DeepInput(ids, torch.randn_like(table.deep.numbers))


def other_wide_input(table: data.Table) -> torch.Tensor:
    return torch.stack([torch.randint(0, size, (len(table),)) for size in table.wide_vocab], 1)


def test_the_wide_part_sees_only_the_wide_input(batch):
    model = model_for(batch)
    with torch.no_grad():
        logits, _ = model(batch.wide, batch.deep)
        deep = other_deep_input(batch)
        changed, _ = model(batch.wide, deep)
        assert not torch.allclose(changed["deep"], logits["deep"])  # the deep input (the numbers too) did change
        close(changed["wide"], logits["wide"])
        for name in ("wide_deep", "two_heads"):  # only the deep half of the sum moved
            variant = model.variants[name]
            close(changed[name] - logits[name], variant.deep(deep) - variant.deep(batch.deep))


def test_the_deep_part_and_the_second_head_see_only_the_deep_input(batch):
    model = model_for(batch)
    with torch.no_grad():
        logits, aux = model(batch.wide, batch.deep)
        wide = other_wide_input(batch)
        changed, changed_aux = model(wide, batch.deep)
        assert not torch.allclose(changed["wide"], logits["wide"])  # the wide input (the cross too) did change
        close(changed["deep"], logits["deep"])
        close(changed_aux, aux)
        for name in ("wide_deep", "two_heads"):
            variant = model.variants[name]
            close(changed[name] - logits[name], variant.wide(wide) - variant.wide(batch.wide))


def test_the_two_heads_loss_is_the_main_loss_plus_the_weighted_second_loss(batch):
    torch.manual_seed(0)
    logits = {name: torch.randn(len(batch)) for name in ("wide", "deep", "wide_deep", "two_heads")}
    aux, target = torch.randn(len(batch)), torch.randn(len(batch))
    y, p = batch.label, torch.sigmoid(logits["two_heads"])
    main = -(y * p.log() + (1 - y) * (1 - p).log()).mean()  # cross-entropy written out
    second = ((aux - target) ** 2).mean()
    for weight in (0.0, 0.3, 2.0):
        losses = variant_losses(logits, aux, y, target, weight)
        close(losses["two_heads"], main + weight * second)
        close(losses["wide_deep"], nn.functional.binary_cross_entropy_with_logits(logits["wide_deep"], y))


def gradients(model: TwoHeads, batch: data.Table, weight: float) -> dict[str, torch.Tensor]:
    model.zero_grad()
    main, aux = model(batch.wide, batch.deep)
    target = (batch.aux - batch.aux.mean()) / batch.aux.std()
    loss = nn.functional.binary_cross_entropy_with_logits(main, batch.label) + weight * (aux - target).pow(2).mean()
    loss.backward()
    return {name: p.grad.clone() for name, p in model.named_parameters()}


def test_the_second_head_trains_the_deep_tower_by_its_weight_and_never_the_wide_part(batch):
    torch.manual_seed(0)
    model = TwoHeads(batch.wide_vocab, batch.deep_vocab, batch.deep.numbers.shape[1], DIM, HIDDEN)
    model.zero_grad()
    main, _ = model(batch.wide, batch.deep)
    nn.functional.binary_cross_entropy_with_logits(main, batch.label).backward()
    single = {name: p.grad.clone() for name, p in model.named_parameters() if p.grad is not None}
    unweighted, weighted = gradients(model, batch, 0.0), gradients(model, batch, 1.0)
    shared = [name for name in single if name.startswith("deep.tower") or name.startswith("deep.columns")]
    assert shared and all(name.startswith("aux.") for name in set(weighted) - set(single))
    for name in single:  # weight 0: every gradient is the single-head model's; the second head gets none
        close(unweighted[name], single[name])
    assert all(unweighted[name].abs().max() == 0 for name in ("aux.weight", "aux.bias"))
    for name in shared:  # weight 1: the second target moves the deep tower the main head shares ...
        assert not torch.allclose(weighted[name], single[name])
    for name in ("wide.weights.weight", "wide.bias", "deep.head.weight"):  # ... and nothing the deep tower feeds
        close(weighted[name], single[name])


def test_with_weight_zero_two_heads_trains_exactly_as_wide_and_deep(batch):
    torch.manual_seed(0)
    model = SideBySide.for_table(batch, DIM, HIDDEN)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    target = (batch.aux - batch.aux.mean()) / batch.aux.std()
    for weight, equal in ((0.0, True), (1.0, False)):
        for _ in range(5):
            logits, aux = model(batch.wide, batch.deep)
            optimizer.zero_grad()
            sum(variant_losses(logits, aux, batch.label, target, weight).values()).backward()
            optimizer.step()
        with torch.no_grad():
            logits, _ = model(batch.wide, batch.deep)
        assert torch.equal(logits["two_heads"], logits["wide_deep"]) == equal


def write_census(folder, rows: int, hours_offset: int = 0, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    header = ["age", "workclass", "fnlwgt", "education", "education.num", "marital.status", "occupation",
              "relationship", "race", "sex", "capital.gain", "capital.loss", "hours.per.week", "native.country",
              "income"]  # fmt: skip
    with (folder / "adult.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, header)
        writer.writeheader()
        for i in range(rows):
            rich = rng.random() < 0.3
            writer.writerow({
                **{c: f"{c[:3]}{rng.integers(0, 3)}" for c in data.CENSUS_CATEGORICAL},
                **{c: str(int(rng.integers(0, 90))) for c in data.CENSUS_NUMERIC},
                "fnlwgt": "1",
                "sex": "Male" if i % 2 else "Female",
                "hours.per.week": str(30 + 10 * (i % 2) + int(rng.integers(0, 10)) + hours_offset),
                "income": ">50K" if rich else "<=50K",
            })  # fmt: skip


def test_census_hours_a_week_is_the_second_target_and_no_input(tmp_path):
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    write_census(tmp_path / "a", 20)
    write_census(tmp_path / "b", 20, hours_offset=7)
    a, b = data.census(str(tmp_path / "a")), data.census(str(tmp_path / "b"))
    assert torch.equal(a.wide, b.wide) and torch.equal(a.deep.ids, b.deep.ids)
    assert torch.equal(a.deep.numbers, b.deep.numbers)
    close(b.aux - a.aux, torch.full((20,), 7.0))
    assert data.CENSUS_AUX not in data.CENSUS_NUMERIC


def test_a_census_run_reports_each_heads_metric_and_resumes(tmp_path):
    from support import dlenv_run, metrics

    folder = tmp_path / "census"
    folder.mkdir()
    write_census(folder, 300)
    out = tmp_path / "run"
    settings = ("--set", "dataset=census", "--set", f"data_dir={folder}", "--set", "batch_size=32")
    dlenv_run("wide_deep", "--steps", "20", "--checkpoint-every", "10", *settings, out=out)
    report = metrics(out)["metrics"]
    for name in ("auc", "auc_wide", "auc_deep", "auc_wide_deep", "auc_two_heads", "aux_r2"):
        assert name in report
    assert report["auc"] == report["auc_wide_deep"]
    assert report["two_heads_auc_change"] == pytest.approx(report["auc_two_heads"] - report["auc_wide_deep"])
    assert 0 < report["aux_mae"] <= report["aux_rmse"] < 30  # hours a week, in hours
    dlenv_run("wide_deep", "--steps", "30", "--resume", *settings, out=out)
    assert metrics(out)["steps"] == 30
