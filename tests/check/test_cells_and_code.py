"""Reading notebooks and scripts into cells, and a cell into Python and shell lines, the way IPython does."""

from __future__ import annotations

import pytest
from support import stdout_output, write_notebook

from dlenv.check.cells import read
from dlenv.check.code import split
from dlenv.errors import DlenvError


def test_a_notebooks_cells_keep_their_order_kind_source_and_output_text(tmp_path):
    path = write_notebook(tmp_path / "nb.ipynb", ("print('hi')\nx = 1", [stdout_output("hi\n")]), markdown=("# Title",))
    title, code = read(path)
    assert (title.index, title.kind, title.source) == (1, "markdown", "# Title")
    assert (code.index, code.kind, code.source, code.outputs) == (2, "code", "print('hi')\nx = 1", ("hi\n",))


def test_an_error_output_reads_as_its_name_and_value(tmp_path):
    error = {"output_type": "error", "ename": "ModuleNotFoundError", "evalue": "No module named 'cv2'", "traceback": []}
    (cell,) = read(write_notebook(tmp_path / "nb.ipynb", ("import cv2", [error])))
    assert cell.outputs[0].startswith("ModuleNotFoundError: No module named 'cv2'")


def test_a_percent_script_splits_at_its_markers_and_a_plain_script_is_one_cell(tmp_path):
    script = tmp_path / "lesson.py"
    script.write_text("# ---\n# jupyter: {}\n# ---\n# %%\nimport torch\n# %% [markdown]\n# text\n# %%\nx = 1\n")
    assert [(c.index, c.kind, c.source.strip()) for c in read(script)] == [
        (1, "code", "import torch"),
        (2, "markdown", "# text"),
        (3, "code", "x = 1"),
    ]
    plain = tmp_path / "plain.py"
    plain.write_text("import numpy\n")
    assert [(c.index, c.kind) for c in read(plain)] == [(1, "code")]


def test_a_percent_scripts_commented_magics_are_magics_not_cell_markers(tmp_path):
    """jupytext writes a cell's magics commented out: `# %%time` opens no cell, `# %pip` is still a pip line."""
    script = tmp_path / "lesson.py"
    script.write_text("# %% Setup\n# %%time\n# %pip install torch\n# !nvidia-smi\n# a comment\nx = 1\n# %%\ny = 2\n")
    cells = read(script)
    assert [c.source.strip().splitlines() for c in cells] == [
        ["%%time", "%pip install torch", "!nvidia-smi", "# a comment", "x = 1"],
        ["y = 2"],
    ]
    assert [line.command for line in split(cells[0].source).shell] == ["pip install torch", "nvidia-smi"]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("{not json", "is not a notebook: not JSON"),
        ('{"worksheets": []}', "is not an nbformat 4 notebook"),
        ('{"cells": [3]}', "cell 1 is not a cell"),
    ],
)
def test_a_file_that_is_no_notebook_is_a_one_line_error_naming_it(tmp_path, text, says):
    path = tmp_path / "broken.ipynb"
    path.write_text(text)
    with pytest.raises(DlenvError) as raised:
        read(path)
    assert raised.value.exit_code == 2 and str(path) in raised.value.message and says in raised.value.message


def test_shell_and_magic_lines_leave_the_python_parseable_with_its_line_numbers():
    code = split(
        "import os\n!pip install torch\nif True:\n    %pip install -q numpy\nfiles = !ls /data\n%matplotlib inline\nos?"
    )
    assert [(line.line, line.command) for line in code.shell] == [
        (2, "pip install torch"),
        (4, "pip install -q numpy"),
        (5, "ls /data"),
    ]
    assert code.tree is not None and code.magics == ("pip", "matplotlib")
    assert code.python.splitlines()[0] == "import os" and len(code.python.splitlines()) == 7


def test_a_bash_cell_is_all_shell_and_a_time_cell_is_python():
    bash = split("%%bash\npip install torchvision\nwget https://x/y.zip")
    assert [line.command for line in bash.shell] == ["pip install torchvision", "wget https://x/y.zip"]
    timed = split("%%time\nimport numpy as np")
    assert timed.tree is not None and not timed.shell and "import numpy as np" in timed.python
    written = split("%%writefile train.py\nimport this is not python")
    assert written.tree is not None and not written.shell


def test_python_2_code_is_reported_as_not_parsing_with_its_line():
    code = split("x = 1\nprint 'hello'")
    assert code.tree is None and code.syntax_error.startswith("line 2:")
