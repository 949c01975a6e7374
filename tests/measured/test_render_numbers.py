"""`dlenv render` fills the READMEs' measured numbers from docs/measured/smoke.json and full.json; `--check`
names each that drifted."""

from __future__ import annotations

import json
import re

from dlenv.measured.record import FULL_RECORD, SMOKE_RECORD

SLOPE_SPAN = re.compile(r"(<!-- m:tensors\.slope_error \.3f -->)([^<]*)(<!-- /m -->)")


def recorded_slope_error(root) -> str:
    record = json.loads((root / SMOKE_RECORD).read_text(encoding="utf-8"))
    (run,) = [run for run in record["lessons"]["tensors"]["runs"] if run["seed"] == 0]
    return format(run["metrics"]["slope_error"], ".3f")


def test_both_readmes_show_the_recorded_numbers(project_copy):
    for readme in ("README.md", "README.zh-CN.md"):
        (shown,) = [m[2] for m in SLOPE_SPAN.finditer((project_copy / readme).read_text(encoding="utf-8"))]
        assert shown == recorded_slope_error(project_copy), readme


def test_a_changed_number_fails_the_check_naming_the_file_and_the_number(cli, project_copy):
    readme = project_copy / "README.zh-CN.md"
    readme.write_text(SLOPE_SPAN.sub(r"\g<1>9.999\g<3>", readme.read_text(encoding="utf-8")), encoding="utf-8")
    result = cli("render", "--check", "--root", str(project_copy))
    assert result.code == 1
    expected = f"README.zh-CN.md: tensors.slope_error shows 9.999, the record {recorded_slope_error(project_copy)}"
    assert f"differs from docs/measured/smoke.json: {expected}" in result.stderr.splitlines()
    assert "README.md:" not in result.stderr  # the English README still matches
    assert cli("render", "--root", str(project_copy)).code == 0
    assert cli("render", "--check", "--root", str(project_copy)).code == 0


def test_a_new_record_reaches_a_lesson_readme_and_the_note(cli, project_copy):
    lesson_readme = project_copy / "dlenv_lessons" / "tensors" / "README.md"
    lesson_readme.parent.mkdir(parents=True)
    lesson_readme.write_text("slope error <!-- m:tensors.slope_error .3f -->?<!-- /m -->\n", encoding="utf-8")
    record_file = project_copy / SMOKE_RECORD
    record = json.loads(record_file.read_text(encoding="utf-8"))
    for run in record["lessons"]["tensors"]["runs"]:
        run["metrics"]["slope_error"] = 0.0421
        run["date"] = "2031-01-02"
    record_file.write_text(json.dumps(record), encoding="utf-8")
    checked = cli("render", "--check", "--root", str(project_copy))
    assert checked.code == 1
    assert "dlenv_lessons/tensors/README.md: tensors.slope_error shows ?, the record 0.042" in checked.stderr
    assert cli("render", "--root", str(project_copy)).code == 0
    filled = lesson_readme.read_text(encoding="utf-8")
    assert filled == "slope error <!-- m:tensors.slope_error .3f -->0.042<!-- /m -->\n"
    assert "2031-01-02" in (project_copy / "README.md").read_text(encoding="utf-8")


def test_a_span_naming_an_unrecorded_metric_is_bad_input(cli, project_copy):
    readme = project_copy / "README.md"
    unrecorded = "<!-- m:tensors.accuracy -->1<!-- /m -->\n"
    readme.write_text(readme.read_text(encoding="utf-8") + unrecorded, encoding="utf-8")
    result = cli("render", "--check", "--root", str(project_copy))
    assert result.code == 2
    assert result.stderr.splitlines()[0] == "error: README.md: the record's run of tensors has no 'accuracy'"


def test_a_full_run_number_that_differs_fails_the_check_naming_the_full_record(cli, project_copy):
    readme = project_copy / "dlenv_lessons" / "cnn" / "README.md"
    readme.parent.mkdir(parents=True)
    full_span = "<!-- m:cnn.augmentation_gain +.3f full seed:1 -->"
    readme.write_text(f"gain {full_span}+9.000<!-- /m -->\n", encoding="utf-8")
    full_record = json.loads((project_copy / FULL_RECORD).read_text(encoding="utf-8"))
    (run,) = [run for run in full_record["lessons"]["cnn"]["runs"] if run["seed"] == 1]
    recorded = format(run["metrics"]["augmentation_gain"], "+.3f")
    checked = cli("render", "--check", "--root", str(project_copy))
    assert checked.code == 1
    line = f"dlenv_lessons/cnn/README.md: cnn.augmentation_gain (full run, seed 1) shows +9.000, the record {recorded}"
    assert f"differs from docs/measured/full.json: {line}" in checked.stderr.splitlines()
    assert cli("render", "--root", str(project_copy)).code == 0
    assert readme.read_text(encoding="utf-8") == f"gain {full_span}{recorded}<!-- /m -->\n"
