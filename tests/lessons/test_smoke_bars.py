"""The smoke bars themselves: every lesson has some, and a miss says which bar and by how much."""

from __future__ import annotations

import pytest
from smoke_bars import LEARNS, Bar, failed

from dlenv.lessons_catalog import lesson_names


def test_every_lesson_has_smoke_bars():
    assert set(lesson_names()) == set(LEARNS)


def test_a_missed_bar_names_itself_and_both_sides():
    missed = failed("lora", {**dict.fromkeys(("loss_start", "loss_end"), 1.0), "exact_match": 0.21})
    assert "loss_end < 0.5 * loss_start: 1 vs 0.5" in missed
    assert "exact_match > 0.4: 0.21 vs 0.4" in missed
    assert any(m.startswith("base_exact_match < 0.1: name 'base_exact_match' is not defined") for m in missed)


def test_bars_that_hold_report_nothing():
    assert failed("classification", {"accuracy": 0.97}) == []
    assert failed("transformer", {"exact_match": 0.99, "bleu": 99.0, "translations": list(range(5))}) == []


def test_a_bar_is_one_comparison():
    with pytest.raises(ValueError, match="one comparison"):
        Bar("accuracy")
    with pytest.raises(ValueError, match="one comparison"):
        Bar("0.1 < accuracy < 0.9")
    assert Bar("accuracy > 0.85").against_literal and not Bar("gap_bn < 0.8 * gap_plain").against_literal
