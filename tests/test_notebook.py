import json

import jupytext
import pytest

from dlenv.errors import DlenvError
from dlenv.lessons_catalog import Lesson
from dlenv.notebook import build, write

LESSON = Lesson("transformer", "A Transformer built by hand", ("cpu",))


@pytest.mark.parametrize("platform", ["kaggle", "aistudio"])
def test_notebook_starts_with_the_platforms_bootstrap_and_runs_the_lesson(tmp_path, platform):
    path = write(build(LESSON, platform, "git+https://example.org/acme/dlenv@v0.1.0"), tmp_path / "lesson.ipynb")
    cells = json.loads(path.read_text())["cells"]
    assert [c["cell_type"] for c in cells] == ["markdown", "code", "code"]
    first = "".join(cells[1]["source"])
    assert first.startswith("# dlenv on ") and "dlenv.bootstrap(" in first and "%pip install" in first
    assert "".join(cells[2]["source"]).endswith("!dlenv run transformer")


def test_py_percent_round_trips_the_magics(tmp_path):
    path = write(build(LESSON, "colab", "pypi"), tmp_path / "lesson.py")
    assert "# %%" in path.read_text()
    cells = jupytext.read(path).cells
    assert 'DLENV = "dlenv"\n' in cells[1].source and '%pip install -q "{DLENV}"' in cells[1].source
    assert cells[2].source.endswith("!dlenv run transformer")


def test_unknown_platform_names_the_closest(tmp_path):
    with pytest.raises(DlenvError) as error:
        build(LESSON, "kagle")
    assert error.value.message == "unknown platform 'kagle': did you mean 'kaggle'?"


def test_cli_rejects_an_unknown_lesson(cli):
    result = cli("notebook", "transfomer", "--platform", "colab")
    assert result.code == 2 and result.stderr.startswith("error: unknown lesson 'transfomer'")


@pytest.mark.parametrize(
    "spec, installs",
    [
        ("git+https://example.org/acme/dlenv@main", "dlenv @ git+https://example.org/acme/dlenv@main"),
        (
            "/kaggle/input/dlenv-wheel/dlenv-0.1.0-py3-none-any.whl",
            "/kaggle/input/dlenv-wheel/dlenv-0.1.0-py3-none-any.whl",
        ),
        (
            "https://example.org/dist/dlenv-0.1.0-py3-none-any.whl",
            "https://example.org/dist/dlenv-0.1.0-py3-none-any.whl",
        ),
        ("pypi", "dlenv"),
    ],
)
def test_the_first_cell_installs_dlenv_from_where_it_is_told_and_says_so(spec, installs):
    first = build(LESSON, "kaggle", spec).cells[1].source
    assert f"DLENV = {json.dumps(installs)}\n" in first and 'f"installing {DLENV}"' in first
    assert "<where dlenv comes from" not in first


def test_a_cell_that_installs_dlenv_needs_its_source_and_a_bad_one_is_one_line(cli, tmp_path):
    result = cli("notebook", "transformer", "--platform", "colab", "--out", str(tmp_path / "x.ipynb"))
    assert result.code == 2 and result.stderr.startswith("error: --install-from is needed for colab")
    assert not (tmp_path / "x.ipynb").exists()
    result = cli("notebook", "transformer", "--platform", "colab", "--install-from", "dlenv==0.1")
    assert result.code == 2 and result.stderr.startswith("error: --install-from dlenv==0.1: not a git URL")
    # the image and a local venv have dlenv already: their cells install nothing
    assert "DLENV" not in build(LESSON, "docker").cells[1].source


def test_the_readme_cells_show_the_stand_in_not_a_release_that_does_not_exist():
    from support import ROOT

    from dlenv.notebook import SOURCE_PLACEHOLDER

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "%pip install -q dlenv" not in readme and readme.count(f"DLENV = {SOURCE_PLACEHOLDER}") == 4
