import dataclasses
import json

from dlenv.lessons_catalog import discover


def test_lessons_are_listed_with_title_and_rows_without_being_imported(tmp_path, matrix):
    lesson = tmp_path / "shapes"
    lesson.mkdir()
    # Importing this package would fail: discovery must only read its docstring.
    (lesson / "__init__.py").write_text('"""Tensors and shapes.\n\nMore text."""\nimport no_such_framework\n')
    (lesson / "train.py").write_text("import no_such_framework\n")
    (tmp_path / "notes").mkdir()  # a folder without a train module is no lesson
    (tmp_path / "notes" / "__init__.py").write_text('"""Not a lesson."""\n')
    (tmp_path / "_shared").mkdir()
    (tmp_path / "_shared" / "__init__.py").write_text("")
    rows = {
        name: dataclasses.replace(row, lessons=("shapes",) if name == "cpu" else ())
        for name, row in matrix.rows.items()
    }
    found = discover(dataclasses.replace(matrix, rows=rows), tmp_path)
    assert [(x.name, x.title, x.rows) for x in found] == [("shapes", "Tensors and shapes.", ("cpu",))]


def test_lessons_json_lists_the_installed_lessons(cli):
    result = cli("lessons", "--json")
    assert result.code == 0
    assert isinstance(json.loads(result.stdout)["lessons"], list)
