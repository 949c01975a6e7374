"""Paths of other platforms and credentials written into notebooks, as the learner's own cells hold them."""

from __future__ import annotations

import json

import pytest
from support import stdout_output, write_notebook

from dlenv.check.cells import Cell
from dlenv.check.code import split
from dlenv.check.paths import findings as path_findings
from dlenv.check.secrets import findings as secret_findings
from dlenv.platforms.profiles import profiles


def on(platform: str, source: str, windows: bool = False):
    known = profiles()
    return path_findings(2, split(source), known[platform], known, windows)


@pytest.mark.parametrize(
    ("platform", "source", "fix"),
    [
        ("colab", "df = pd.read_csv('/kaggle/input/titanic/train.csv')", "use /content/titanic/train.csv"),
        ("kaggle", "drive_dir = '/content/drive/MyDrive/ckpt'", "use /kaggle/working/ckpt"),
        ("aistudio", "!unzip /mnt/workspace/data.zip", "use /home/aistudio/data.zip"),  # the kept folder, as on DSW
        ("dsw", "root = '/home/aistudio/data/data1234'", "use /mnt/data/data1234"),
        ("wsl", "open(r'D:\\datasets\\cifar\\x.csv')", "use /mnt/d/datasets/cifar/x.csv"),
    ],
)
def test_another_platforms_path_fails_with_this_platforms_equivalent(platform, source, fix):
    (finding,) = on(platform, source)
    assert (finding.rule, finding.status, finding.cell, finding.line) == ("foreign-path", "fail", 2, 1)
    assert finding.fix.startswith(fix)


@pytest.mark.parametrize(
    ("platform", "source"),
    [
        ("kaggle", "df = pd.read_csv('/kaggle/input/titanic/train.csv')"),
        ("colab", "from google.colab import drive\ndrive.mount('/content/drive')"),
        ("kaggle", "from kaggle_secrets import UserSecretsClient"),
        ("local", "path = 'data/train.csv'"),
        ("colab", "ratio = '3:4'"),  # not a drive path
    ],
)
def test_a_path_or_module_of_the_platform_itself_passes(platform, source):
    assert on(platform, source) == []


def test_a_windows_path_passes_on_windows_and_fails_on_linux():
    assert on("local", "data = 'C:/Users/li/cifar'", windows=True) == []
    (finding,) = on("local", "data = 'C:/Users/li/cifar'")
    assert "is a Windows path" in finding.message


def test_a_platforms_own_module_elsewhere_fails_naming_both():
    (finding,) = on("kaggle", "from google.colab import userdata\ntoken = userdata.get('HF_TOKEN')")
    assert finding.rule == "platform-module" and finding.message == (
        "`google.colab` exists only on Google Colab, not on Kaggle Notebooks"
    )


HF = "hf_" + "aB3" * 12
KAGGLE_KEY = "0123456789abcdef" * 2


@pytest.mark.parametrize(
    ("source", "outputs", "what"),
    [
        (f"login(token='{HF}')", (), "a Hugging Face token is written in the cell"),
        (f"os.environ['KAGGLE_KEY'] = '{KAGGLE_KEY}'", (), "a Kaggle API key is written in the cell"),
        ("client = OpenAI(api_key='sk-proj-" + "x1" * 15 + "')", (), "an API key (sk-…) is written in the cell"),
        ("os.environ['DASHSCOPE_API_KEY'] = 'abcd1234efgh'", (), "a secret assigned as a literal"),
        (
            "!cat ~/.kaggle/kaggle.json",
            (f'{{"username": "li", "key": "{KAGGLE_KEY}"}}',),
            "printed in the cell's saved",
        ),
        ("print(token)", (f"{HF}\n",), "a Hugging Face token is printed"),
    ],
)
def test_a_credential_fails_by_cell_and_line_without_its_value(source, outputs, what):
    (finding,) = secret_findings(Cell(5, "code", "import os\n" + source, outputs))
    assert (finding.rule, finding.status, finding.cell) == ("secret", "fail", 5)
    assert what in finding.message and finding.fix
    assert finding.line == (2 if not outputs else 1)
    shown = json.dumps(finding.as_json())
    assert HF not in shown and KAGGLE_KEY not in shown and "abcd1234efgh" not in shown


@pytest.mark.parametrize(
    "source",
    [
        "token = os.environ['HF_TOKEN']",
        "from huggingface_hub import hf_hub_download",
        "password = getpass.getpass()",
        "api_key = userdata.get('OPENAI_API_KEY')",
        "tokenizer = AutoTokenizer.from_pretrained('bert-base-chinese')",
    ],
)
def test_reading_a_credential_properly_is_not_a_finding(source):
    assert secret_findings(Cell(1, "code", source)) == []


def test_a_notebook_of_5_mb_of_outputs_is_read_and_checked(tmp_path, cli):
    noisy = "\n".join(f"step {i}: loss 0.{i:06d}" for i in range(200_000))  # about 5 MB of training log
    path = write_notebook(tmp_path / "long.ipynb", ("for step in range(200000): print(step)", [stdout_output(noisy)]))
    assert path.stat().st_size > 5_000_000
    result = cli("check", str(path), "--row", "cpu", "--platform", "local", "--json")
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["notebooks"][0]["verdict"] == "ok"
