"""`dlenv check` as a learner runs it: a folder of notebooks, a report per notebook, JSON for machines,
exit codes as every dlenv command; `--execute` runs them without touching the files."""

from __future__ import annotations

import json

import pytest
from support import write_notebook

COURSE = {
    "01-tensors.ipynb": ("import torch\nx = torch.ones(3)\nprint(x.sum())",),
    "02-cnn.ipynb": ("!pip install torchvision", "import torchvision\nfrom PIL import Image"),
    "03-colab.ipynb": ("from google.colab import drive\ndrive.mount('/content/drive')",),
}


@pytest.fixture
def course(tmp_path):
    for name, cells in COURSE.items():
        write_notebook(tmp_path / "course" / name, *cells)
    write_notebook(tmp_path / "course" / ".ipynb_checkpoints" / "01-tensors-checkpoint.ipynb", "!pip install -U torch")
    (tmp_path / "course" / "broken.ipynb").write_text("{", encoding="utf-8")
    return tmp_path / "course"


def test_a_folder_is_checked_notebook_by_notebook_as_design_md_shows(cli, course):
    result = cli("check", str(course), "--row", "cpu", "--platform", "kaggle", "--json")
    assert result.code == 1  # a notebook fails
    report = json.loads(result.stdout)
    assert (report["ok"], report["row"], report["platform"]) == (False, "cpu", "kaggle")
    by_name = {nb["path"].rsplit("/", 1)[-1]: nb for nb in report["notebooks"]}
    assert sorted(by_name) == ["01-tensors.ipynb", "02-cnn.ipynb", "03-colab.ipynb", "broken.ipynb"]  # no checkpoints
    assert {name: nb["verdict"] for name, nb in by_name.items()} == {
        "01-tensors.ipynb": "ok",
        "02-cnn.ipynb": "fail",
        "03-colab.ipynb": "fail",
        "broken.ipynb": "fail",
    }
    (torch,) = by_name["01-tensors.ipynb"]["imports"]
    assert set(torch) == {"module", "distribution", "installed", "rows"} and "cpu" in torch["rows"]
    pil = next(i for i in by_name["02-cnn.ipynb"]["imports"] if i["module"] == "PIL")
    assert pil["distribution"].lower() == "pillow"
    rules = {(f["rule"], f["status"], f["cell"], f["line"]) for f in by_name["02-cnn.ipynb"]["findings"]}
    assert ("pip-replaces-torch", "fail", 1, 1) in rules and ("needs-internet", "info", 1, 1) in rules
    assert {f["rule"] for f in by_name["03-colab.ipynb"]["findings"]} == {"platform-module", "foreign-path"}
    (unreadable,) = by_name["broken.ipynb"]["findings"]
    assert unreadable["rule"] == "unreadable" and "is not a notebook: not JSON" in unreadable["message"]
    assert all(nb["execution"] is None for nb in report["notebooks"])


def test_the_human_report_names_each_finding_and_its_fix(cli, course):
    result = cli("check", str(course / "02-cnn.ipynb"), "--row", "cpu", "--platform", "colab")
    assert result.code == 1
    assert "02-cnn.ipynb: fail" in result.stdout
    assert "cell 1 line 1: fail pip-replaces-torch: `pip install torchvision`: unpinned" in result.stdout
    assert "fix: %pip install torch==" in result.stdout and "1 notebook: 1 fail" in result.stdout


def test_notebooks_that_pass_exit_0(cli, course):
    result = cli("check", str(course / "01-tensors.ipynb"), "--row", "cpu", "--platform", "local")
    assert result.code == 0 and "1 notebook: 1 ok" in result.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["nowhere"], "error: no such file or folder: 'nowhere'"),
        (["{course}", "--row", "cu999"], "error: unknown"),
        (["{course}", "--platform", "sagemaker"], "error: unknown platform 'sagemaker'"),
        (["{course}", "--execute", "--timeout", "0"], "error: --timeout 0: must be more than 0 seconds"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(cli, course, args, says):
    result = cli("check", *(arg.format(course=course) for arg in args))
    assert result.code == 2 and result.stderr.splitlines()[0].startswith(says)


def test_an_empty_folder_is_bad_input(cli, tmp_path):
    result = cli("check", str(tmp_path))
    assert result.code == 2 and "no .ipynb or .py files" in result.stderr


@pytest.mark.slow
def test_execute_runs_each_notebook_in_its_folder_and_writes_nothing_back(cli, tmp_path):
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    (tmp_path / "data.csv").write_text("x\n1\n2\n", encoding="utf-8")
    passing = write_notebook(
        tmp_path / "pass.ipynb", "rows = open('data.csv').read().split()", "assert rows[1:] == ['1', '2']"
    )
    failing = write_notebook(tmp_path / "fail.ipynb", "x = 1", "import no_such_module_here", "x = 2")
    slow = write_notebook(tmp_path / "slow.ipynb", "import time\ntime.sleep(60)")
    before = {path: path.read_bytes() for path in (passing, failing, slow)}
    result = cli("check", str(tmp_path), "--row", "cpu", "--platform", "local", "--execute", "--timeout", "8", "--json")
    assert result.code == 1
    runs = {nb["path"].rsplit("/", 1)[-1]: nb["execution"] for nb in json.loads(result.stdout)["notebooks"]}
    assert runs["pass.ipynb"]["status"] == "pass"
    assert (runs["fail.ipynb"]["status"], runs["fail.ipynb"]["cell"]) == ("fail", 2)
    assert runs["fail.ipynb"]["error"] == "ModuleNotFoundError: No module named 'no_such_module_here'"
    assert (runs["slow.ipynb"]["status"], runs["slow.ipynb"]["cell"]) == ("timeout", 1)
    assert {path: path.read_bytes() for path in before} == before
