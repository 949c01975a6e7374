"""The Chinese docs against docs/glossary.md: none of the variants its "避免" (avoid) column forbids appears in their
prose."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "docs" / "glossary.md"
CHINESE_HALF = '<a id="zh"></a>'  # where a lesson README's Chinese half starts (tests/test_readme.py holds it there)
FIRST_CELLS = ("platform/aistudio/first_cell.ipy", "platform/dsw/first_cell.ipy")  # the cells with Chinese comments

markdown = MarkdownIt("commonmark").enable("table")


def glossary() -> list[dict[str, str]]:
    """The glossary table's rows, as {column heading: cell}."""
    rows, cells = [], None
    for token in markdown.parse(GLOSSARY.read_text(encoding="utf-8")):
        if token.type == "tr_open":
            cells = []
        elif token.type == "inline" and cells is not None:
            cells.append(token.content)
        elif token.type == "tr_close":
            rows.append(cells)
            cells = None
    head, *body = rows
    return [dict(zip(head, row, strict=True)) for row in body]


def rules() -> list[tuple[str, re.Pattern[str]]]:
    """(the term, a variant to avoid) for every pattern in the 避免 column."""
    avoid = [(row["中文"], re.findall(r"`([^`]+)`", row["避免"])) for row in glossary()]
    return [(term, re.compile(pattern)) for term, patterns in avoid for pattern in patterns]


def prose(markdown_text: str) -> str:
    """The text a reader reads: code blocks and inline code left out, one line per paragraph, table cell or item."""
    lines = []
    for token in markdown.parse(markdown_text):
        if token.type == "inline":
            lines.append("".join(child.content for child in token.children if child.type == "text"))
    return "\n".join(lines)


def chinese_docs() -> dict[str, str]:
    docs = {"README.zh-CN.md": prose((ROOT / "README.zh-CN.md").read_text(encoding="utf-8"))}
    for readme in sorted(ROOT.glob("dlenv_lessons/*/README.md")):
        docs[str(readme.relative_to(ROOT))] = prose(readme.read_text(encoding="utf-8").split(CHINESE_HALF, 1)[1])
    for cell in FIRST_CELLS:
        comments = [line for line in (ROOT / cell).read_text(encoding="utf-8").splitlines() if line.startswith("#")]
        docs[cell] = "\n".join(comments)
    return docs


def violations(text: str) -> list[str]:
    return [f"{term}: {match.group()!r} in {line!r}" for line in text.splitlines() for term, pattern in rules()
            for match in pattern.finditer(line)]  # fmt: skip


def test_the_glossary_settles_30_to_60_terms_and_every_rule_compiles():
    rows = glossary()
    assert 30 <= len(rows) <= 60
    assert {"Docker 镜像", "镜像源", "镜像站", "容器", "环境行", "计算能力", "断点续训", "词元", "未登录词"} <= {
        row["中文"] for row in rows
    }
    assert len(rules()) >= 10


@pytest.mark.parametrize("doc", sorted(chinese_docs()))
def test_the_chinese_docs_use_the_glossarys_terms(doc):
    assert violations(chinese_docs()[doc]) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "把 pip 和 Hugging Face hub 切换到镜像（镜像里已经设置的 pip 源会保留）",
        "或使用 cu118 行：pip install",
        "能运行它的行：所有 GPU 行",
        "训练数据是列表任务的「情节」",
        "`model.py` 就是一页纸的论文",
        "医生对真实配对的检查",
        "每秒 token 数",
        "在含未见词的句子上比较",
    ],
)
def test_the_rules_catch_what_the_review_corrected(sentence):
    assert violations(prose(sentence))


@pytest.mark.parametrize(
    "sentence",
    [
        "把 pip 切换到镜像源、把 Hugging Face Hub 切换到镜像站（平台的 Docker 镜像里已经设置的 pip 源会保留）",
        "每个环境行的 Docker 镜像从它的基础镜像开始",
        "或使用 cu118 环境行：pip install",
        "给出一行指明错误值的原因；两个签名某一行相同的概率；逐词照抄行不通",
        "`HF_TOKEN` 和新式 API token 存入 `~/.kaggle/access_token`",
        "GPU 环境要花 AI Studio 的“算力点”",
    ],
)
def test_the_rules_leave_correct_text_alone(sentence):
    assert violations(prose(sentence)) == []
