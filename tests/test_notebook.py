"""`dlenv notebook`: a lesson as a notebook written from the lesson's own files, which dlenv check passes on
every platform (their execution: tests/lessons/test_notebooks.py)."""

import json

import jupytext
import pytest
from support import ROOT

from dlenv.check.run import check_paths, prepare
from dlenv.errors import DlenvError
from dlenv.lessons_catalog import Lesson, lesson_names, lessons_dir
from dlenv.notebook import build, write
from dlenv.notebook.build import NOT_READ, imported_siblings, readme_half
from dlenv.platforms.profiles import profiles

LESSON = Lesson("transformer", "A Transformer built by hand", ("cpu",))
SOURCE = "git+https://example.org/acme/dlenv@v0.1.0"


def code_cells(notebook) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def module_cells(notebook) -> dict[str, str]:
    """{module: the cell's code} for the `%%module` cells, in order."""
    found = {}
    for source in code_cells(notebook):
        first, _, body = source.partition("\n")
        if first.startswith("%%module "):
            found[first.removeprefix("%%module ")] = body
    return found


@pytest.mark.parametrize("name", lesson_names())
def test_every_lessons_notebook_is_its_files_as_they_are(name):
    folder = lessons_dir() / name
    notebook = build(Lesson(name, "", ()), "local")
    modules = module_cells(notebook)
    files = sorted(path for path in folder.glob("*.py") if path.name not in NOT_READ)
    assert sorted(modules) == sorted(f"dlenv_lessons.{name}.{path.stem}" for path in files)
    for path in files:  # the cell is the file: nothing to keep in step by hand
        assert modules[f"dlenv_lessons.{name}.{path.stem}"] == path.read_text(encoding="utf-8").rstrip("\n")
    title, body = readme_half((folder / "README.md").read_text(encoding="utf-8"), "en")
    assert notebook.cells[0].source.startswith(f"# {title}\n") and body in [c.source for c in notebook.cells]
    # reading order: a module's cell comes after the cells of the lesson's modules it imports
    order = [module.rsplit(".", 1)[1] for module in modules]
    for index, module in enumerate(order):
        assert imported_siblings(folder / f"{module}.py", name) <= set(order[:index]), (module, order)
    assert order[-2:] == ["config", "train"]


def test_the_transformers_notebook_reads_model_data_decoding_then_training():
    notebook = build(LESSON, "colab", SOURCE)
    assert [m.rsplit(".", 1)[1] for m in module_cells(notebook)] == ["model", "data", "decode", "config", "train"]
    cells = code_cells(notebook)
    assert cells[1] == "%load_ext dlenv.notebook"
    assert 'run = run_lesson("transformer", smoke=SMOKE, sets=SETS, resume=RESUME, out=OUT)' in cells[-2]
    assert "SMOKE = False" in cells[-2] and cells[-1] == "show(run)"
    assert [m.rsplit(".", 1)[1] for m in module_cells(build(Lesson("dedup", "", ()), "local"))][:4] == [
        "data",
        "shingles",
        "minhash",
        "lsh",
    ]  # fmt: skip - dedup's READING_ORDER


@pytest.mark.parametrize("platform", ["kaggle", "aistudio"])
def test_notebook_starts_with_the_platforms_bootstrap_naming_the_lesson(tmp_path, platform):
    path = write(build(LESSON, platform, SOURCE), tmp_path / "lesson.ipynb")
    cells = json.loads(path.read_text())["cells"]
    assert [c["cell_type"] for c in cells[:2]] == ["markdown", "code"]
    first = "".join(cells[1]["source"])
    assert first.startswith("# dlenv on ") and "%pip install" in first
    # the bootstrap is told the lesson: a Keras lesson gets the row's TensorFlow
    mirror = 'mirror="cn", ' if platform == "aistudio" else ""
    assert f'dlenv.bootstrap({mirror}lessons=("transformer",))' in first


def test_chinese_notebook_has_the_readmes_chinese_half_and_smoke_sets_the_one_minute_run():
    notebook = build(LESSON, "aistudio", SOURCE, language="zh", smoke=True)
    readme = (lessons_dir() / "transformer" / "README.md").read_text(encoding="utf-8")
    title, body = readme_half(readme, "zh")
    assert title == "手写 Transformer" and notebook.cells[0].source.startswith("# 手写 Transformer\n")
    assert body in [c.source for c in notebook.cells] and "**思路。**" in body and "The idea" not in body
    assert "SMOKE = True  # True：一分钟的冒烟运行" in code_cells(notebook)[-2]
    with pytest.raises(DlenvError, match="unknown language 'de'"):
        build(LESSON, "local", language="de")


def test_py_percent_round_trips_the_magics_and_check_reads_them(tmp_path):
    path = write(build(LESSON, "colab", "pypi"), tmp_path / "lesson.py")
    cells = jupytext.read(path).cells
    assert 'DLENV = "dlenv"\n' in cells[1].source and '%pip install -q "{DLENV}"' in cells[1].source
    assert module_cells(jupytext.read(path)) == module_cells(build(LESSON, "colab", "pypi"))
    report = check_paths(prepare_check("colab"), [path]).notebooks[0]
    assert report.verdict != "fail"
    assert [f.rule for f in report.findings if f.rule == "needs-internet"]  # the first cell's %pip, read as pip


def prepare_check(platform: str):
    from dlenv.matrix import load_matrix

    return prepare(load_matrix(ROOT / "envs" / "matrix.toml"), "cpu", platform)


@pytest.mark.parametrize("platform", sorted(profiles()))
def test_every_lessons_notebook_passes_dlenv_check_on_its_platform(tmp_path, platform):
    check = prepare_check(platform)
    paths = [
        write(build(Lesson(name, "", ()), platform, SOURCE), tmp_path / f"{name}.ipynb") for name in lesson_names()
    ]
    for report in check_paths(check, paths).notebooks:
        # what is left: downloads listed for an internet-off platform, and packages this machine lacks
        assert report.verdict != "fail", [f.message for f in report.findings]
        assert {f.rule for f in report.findings} <= {"needs-internet", "import-missing"}, report.findings


def test_unknown_platform_names_the_closest(tmp_path):
    with pytest.raises(DlenvError) as error:
        build(LESSON, "kagle")
    assert error.value.message == "unknown platform 'kagle': did you mean 'kaggle'?"


def test_cli_writes_the_notebook_and_rejects_an_unknown_lesson(cli, tmp_path):
    out = tmp_path / "t.ipynb"
    result = cli("notebook", "transformer", "--platform", "local", "--lang", "zh", "--smoke", "--out", str(out))
    assert result.code == 0 and result.stdout.strip() == f"wrote {out}"
    assert "SMOKE = True" in json.dumps(json.loads(out.read_text())["cells"][-3]["source"])
    result = cli("notebook", "transfomer", "--platform", "colab")
    assert result.code == 2 and result.stderr.startswith("error: unknown lesson 'transfomer'")
    result = cli("notebook", "transformer", "--platform", "local", "--lang", "fr")
    assert result.code == 2 and result.stderr.startswith("error: unknown language 'fr'")


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
    from dlenv.notebook import SOURCE_PLACEHOLDER

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "%pip install -q dlenv" not in readme and readme.count(f"DLENV = {SOURCE_PLACEHOLDER}") == 4
