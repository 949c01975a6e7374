"""Numbers in the READMEs filled from the records of measured runs (tests/fixtures/measured/smoke.json for
--smoke runs, full.json for full ones)."""

from __future__ import annotations

import json

import pytest
from support import ROOT

from dlenv.errors import DlenvError
from dlenv.measured.spans import drift, fill, note, timed_busy

FIXTURES = ROOT / "tests" / "fixtures" / "measured"
RECORD = json.loads((FIXTURES / "smoke.json").read_text(encoding="utf-8"))
FULL = json.loads((FIXTURES / "full.json").read_text(encoding="utf-8"))
RECORDS = {"smoke": RECORD, "full": FULL}


def span(spec: str, shown: str = "?") -> str:
    return f"<!-- m:{spec} -->{shown}<!-- /m -->"


@pytest.mark.parametrize(
    ("spec", "shown"),
    [
        ("tensors.slope_error .2f", "0.01"),  # seed 0's metric, in its format
        ("tensors.slope_error", "0.0131"),  # default: three significant digits
        ("tensors.swish_vs_silu .0e", "2e-16"),  # the exponent without its padding zero
        ("tensors.gain +.2f", "+0.24"),
        ("tensors.gain .0%", "24%"),
        ("tensors.config.samples d", "128"),  # a key of the run where the metrics have none
        ("rlhf.dpo_margin_end/reward_accuracy .3f", "1.549"),  # a ratio of two keys
        ("rlhf.reward_accuracy .2f", "0.71"),  # seed 0 of several
        ("rlhf.reward_accuracy .2f range", "0.65–0.89"),  # lowest–highest over the seeds
        ("rlhf.dpo_margin_end +.1f range", "+1.0–1.3"),  # a sign shown once
        ("rlhf.seeds", "seeds 0–2"),
        ("rlhf.seeds zh", "种子 0–2"),
        ("tensors.seeds", "seed 0"),
        ("rlhf.seconds .0f", "31"),  # timed on an idle machine: no mark
        ("tensors.seconds .0f", "4†"),  # timed under load 2.3 on 2 cores: marked
        ("tensors.seconds .0f unit:秒", "4 秒†"),  # the mark after the unit
        ("rlhf.seconds .0f unit:s", "31 s"),
        ("cnn.augmentation_gain +.3f full", "+0.108"),  # a full run's, seed 0
        ("cnn.accuracy .3f full seed:1", "0.993"),  # the seed it names
        ("rlhf.reward_accuracy .2f seed:2", "0.89"),
        ("cnn.augmentation_gain +.2f full range", "+0.11–0.16"),
        ("cnn.seeds full", "seeds 0, 1"),
        ("cnn.seconds .0f full unit:s", "101 s"),
    ],
)
def test_a_span_shows_the_records_value_in_its_format(spec, shown):
    text = f"| `x` | learns it ({span(spec)}) |\n"
    assert fill(text, RECORDS, "README.md") == f"| `x` | learns it ({span(spec, shown)}) |\n"


def test_text_around_the_spans_is_left_as_written():
    text = f"slope error {span('tensors.slope_error .2f', '0.5')}, 中文 {span('rlhf.seeds zh', '7')}。\n"
    filled = fill(text, RECORDS, "README.md")
    seeds = span("rlhf.seeds zh", "种子 0–2")
    assert filled == f"slope error {span('tensors.slope_error .2f', '0.01')}, 中文 {seeds}。\n"
    assert fill(filled, RECORDS, "README.md") == filled


def test_drift_names_the_file_the_number_and_the_records_value():
    text = f"a {span('tensors.slope_error .2f', '0.02')} b {span('rlhf.reward_accuracy .2f', '0.71')}"
    text += f" c {span('cnn.accuracy .3f full seed:1', '0.999')}"
    assert drift(text, RECORDS, "dlenv_lessons/x/README.md") == [
        ("docs/measured/smoke.json", "dlenv_lessons/x/README.md: tensors.slope_error shows 0.02, the record 0.01"),
        (
            "docs/measured/full.json",
            "dlenv_lessons/x/README.md: cnn.accuracy (full run, seed 1) shows 0.999, the record 0.993",
        ),
    ]


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("cnn.accuracy", "README.md: no recorded run of 'cnn'"),  # cnn has only full runs
        ("tensors.slope_error full", "README.md: no recorded full run of 'tensors'"),
        ("tensors.slope_error seed:7", "README.md: no recorded run of 'tensors' with seed 7"),
        ("rlhf.reward_accuracy range seed:1", "README.md: span 'm:rlhf.reward_accuracy range seed:1' needs one seed:N"),
        ("rlhf.reward_accuracy seed:x", "README.md: span 'm:rlhf.reward_accuracy seed:x' needs one seed:N"),
        ("tensors.accuracy", "README.md: the record's run of tensors has no 'accuracy'"),
        ("tensors", "README.md: span 'm:tensors' names no LESSON.KEY"),
        ("tensors.slope_error .2f .3f", "README.md: span 'm:tensors.slope_error .2f .3f' has more than one format"),
        ("tensors.slope_error d", "README.md: cannot show 0.01305 as 'd'"),
        ("tensors.slope_error/config", "README.md: tensors.slope_error/config is no ratio of numbers"),
    ],
)
def test_a_span_the_record_cannot_fill_is_bad_input_naming_it(spec, says):
    with pytest.raises(DlenvError) as raised:
        fill(span(spec), RECORDS, "README.md")
    assert raised.value.exit_code == 2 and raised.value.message.startswith(says)


def test_the_note_says_where_the_numbers_come_from_and_what_the_mark_means():
    english, chinese = note(RECORDS, chinese=False), note(RECORDS, chinese=True)
    assert "2025-05-01 – 2025-05-02" in english and "Test CPU (2 cores)" in english and "dlenv 0.1.0" in english
    assert "† Timed while other work shared these cores (1-minute load average 2.3)" in english
    assert "Test CPU（2 核）" in chinese and "† 测时的同时有其他任务占用这些核（1 分钟平均负载 2.3）" in chinese
    idle = {"smoke": {"format": 1, "kind": "smoke", "lessons": {"rlhf": RECORD["lessons"]["rlhf"]}}}
    assert "†" not in note(idle, chinese=False) and "†" not in note(idle, chinese=True)
    assert "full.json" not in english  # the text quotes no full run


def test_the_note_names_the_full_runs_record_when_the_text_quotes_one():
    english = note(RECORDS, chinese=False, kinds=["smoke", "full"])
    chinese = note(RECORDS, chinese=True, kinds=["smoke", "full"])
    assert "Full-run numbers come from `docs/measured/full.json`: `dlenv run` without `--smoke`, 2025-06-01" in english
    assert "标明“完整运行”的数字来自 `docs/measured/full.json`" in chinese
    assert english.index("smoke.json") < english.index("full.json")
    assert note(RECORDS, chinese=False, kinds=["full"]).startswith("Full-run numbers")


def test_the_note_explains_the_mark_only_for_the_times_the_text_shows():
    untimed = f"slope error {span('tensors.slope_error .2f')}"
    timed = untimed + f" in {span('tensors.seconds .0f unit:s')}"
    assert "†" not in note(RECORDS, chinese=False, marked=timed_busy(untimed, RECORDS, "README.md"))
    assert "load average 2.3" in note(RECORDS, chinese=False, marked=timed_busy(timed, RECORDS, "README.md"))
