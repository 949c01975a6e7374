import json

import jupytext
import pytest

from dlenv.errors import DlenvError
from dlenv.lessons_catalog import Lesson
from dlenv.notebook import build, write

LESSON = Lesson("transformer", "A Transformer built by hand", ("cpu",))


@pytest.mark.parametrize("platform", ["kaggle", "aistudio"])
def test_notebook_starts_with_the_platforms_bootstrap_and_runs_the_lesson(tmp_path, platform):
    path = write(build(LESSON, platform), tmp_path / "lesson.ipynb")
    cells = json.loads(path.read_text())["cells"]
    assert [c["cell_type"] for c in cells] == ["markdown", "code", "code"]
    first = "".join(cells[1]["source"])
    assert first.startswith("# dlenv on ") and "dlenv.bootstrap(" in first and "%pip install" in first
    assert "".join(cells[2]["source"]).endswith("!dlenv run transformer")


def test_py_percent_round_trips_the_magics(tmp_path):
    path = write(build(LESSON, "colab"), tmp_path / "lesson.py")
    assert "# %%" in path.read_text()
    cells = jupytext.read(path).cells
    assert "%pip install -q dlenv" in cells[1].source and cells[2].source.endswith("!dlenv run transformer")


def test_unknown_platform_names_the_closest(tmp_path):
    with pytest.raises(DlenvError) as error:
        build(LESSON, "kagle")
    assert error.value.message == "unknown platform 'kagle': did you mean 'kaggle'?"


def test_cli_rejects_an_unknown_lesson(cli):
    result = cli("notebook", "transfomer", "--platform", "colab")
    assert result.code == 2 and result.stderr.startswith("error: unknown lesson 'transfomer'")
