"""`dlenv check` over 100 notebooks against the floor of reading them: the same files loaded as JSON and
every code cell parsed by `ast`, in a process of the same Python, measured in the same run.

Goal: the whole `dlenv check FOLDER --json` (start-up, matrix, metadata, every rule) takes under 5 s on two
CPU cores for 100 notebooks of a course's size, and imports no framework. The two commands alternate round
by round (support.alternating_medians), so a busy machine slows both alike.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from support import alternating_medians, stdout_output, write_notebook

pytest.importorskip("pytest_benchmark")
NOTEBOOKS = 100
ROUNDS = 5
GOAL_S = 5.0
NO_FRAMEWORK = """
import runpy, sys
sys.argv = {argv!r}
try:
    runpy.run_module('dlenv', run_name='__main__')
except SystemExit:
    pass
assert not {{'torch', 'tensorflow', 'transformers'}} & set(sys.modules), 'a framework was imported'
"""
READ_AND_PARSE = """
import ast, json, pathlib, sys
for path in sorted(pathlib.Path(sys.argv[1]).rglob('*.ipynb')):
    for cell in json.loads(path.read_text(encoding='utf-8'))['cells']:
        if cell['cell_type'] == 'code':
            ast.parse(''.join(l for l in cell['source'] if not l.lstrip().startswith(('!', '%'))))
"""


def course_notebook(number: int) -> tuple:
    """A lesson notebook of a course: 24 code cells with imports, pip lines, paths and a training log."""
    cells = ["!pip install -q torchvision==0.25.0 datasketch\n%matplotlib inline",
             "import os, json\nimport numpy as np\nimport torch\nfrom torch import nn\nfrom PIL import Image\n"
             "import matplotlib.pyplot as plt\nfrom sklearn.model_selection import train_test_split",
             f"DATA = '/kaggle/input/lesson-{number}/train.csv'\nrows = []"]  # fmt: skip
    for step in range(20):
        cells.append(f"def block_{step}(x):\n    y = np.asarray(x, dtype=np.float32) * {step}\n    return y.sum()\n"
                     f"values_{step} = [block_{step}(range(i)) for i in range(10)]")  # fmt: skip
    log = "".join(f"epoch {epoch}: loss {1 / (epoch + 1):.4f} accuracy {epoch / 50:.3f}\n" for epoch in range(50))
    cells.append(("for epoch in range(50): print(epoch)", [stdout_output(log)]))
    return tuple(cells)


@pytest.mark.bench
def test_checking_100_notebooks_takes_under_5_seconds(benchmark, tmp_path):
    for number in range(NOTEBOOKS):
        write_notebook(tmp_path / "course" / f"{number:03d}.ipynb", *course_notebook(number))
    check = [sys.executable, "-m", "dlenv", "check", str(tmp_path / "course"), "--row", "cu128", "--platform",
             "kaggle", "--json"]  # fmt: skip
    reference = [sys.executable, "-c", READ_AND_PARSE, str(tmp_path / "course")]
    probe = subprocess.run(check, capture_output=True, text=True, timeout=120)
    assert probe.returncode in (0, 1), probe.stderr  # 1: a notebook fails a rule, which is the point
    framework = [sys.executable, "-c", NO_FRAMEWORK.format(argv=["dlenv", *check[3:]])]
    assert subprocess.run(framework, capture_output=True, timeout=120).returncode == 0

    def run(argv):
        return lambda: subprocess.run(argv, capture_output=True, timeout=120)

    check_s, reference_s = alternating_medians(benchmark, run(check), run(reference), ROUNDS)
    benchmark.extra_info.update({"notebooks": NOTEBOOKS, "check_s": check_s, "read_and_parse_s": reference_s,
                                 "ratio": check_s / reference_s, "goal_s": GOAL_S})  # fmt: skip
    assert check_s < GOAL_S, (
        f"dlenv check took {check_s:.2f} s for {NOTEBOOKS} notebooks (reading: {reference_s:.2f} s)"
    )
