"""Both READMEs and every lesson's README, read as a Markdown renderer reads them: whole tables, every lesson
listed, each lesson's Chinese half one link away."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from dlenv.lessons_catalog import lesson_names

ROOT = Path(__file__).resolve().parents[1]
READMES = ("README.md", "README.zh-CN.md")
LESSON_READMES = sorted(str(path.relative_to(ROOT)) for path in ROOT.glob("dlenv_lessons/*/README.md"))
# A cell boundary: a pipe that no backslash escapes (GitHub's table syntax escapes one inside a cell as \|).
CELL_BOUNDARY = re.compile(r"(?<!\\)\|")
HAN = re.compile(r"[\u4e00-\u9fff]")  # CJK Unified Ideographs: Chinese text

# GitHub's renderer: CommonMark plus GFM tables.
markdown = MarkdownIt("commonmark").enable("table")


def tables(text: str) -> list[list[list[str]]]:
    """Each table as rows of cell texts (the header row first), as the renderer builds them."""
    found, rows = [], None
    for token in markdown.parse(text):
        if token.type == "table_open":
            rows = []
        elif token.type == "tr_open" and rows is not None:
            rows.append([])
        elif token.type == "inline" and rows is not None and rows:
            rows[-1].append(token.content)
        elif token.type == "table_close":
            found.append(rows)
            rows = None
    return found


def cells_in_source(line: str) -> int:
    return len(CELL_BOUNDARY.split(line.strip().strip("|")))


def broken_tables(text: str) -> list[str]:
    """Lines that were meant as table rows but do not render as one: a row cut off from its table (by a blank
    line, say) renders as a paragraph of `| … |` text; a row with more or fewer cells than its header loses or
    invents cells."""
    lines = text.splitlines()
    broken = []
    for token in markdown.parse(text):
        if token.type == "paragraph_open":
            start, end = token.map
            broken += [line for line in lines[start:end] if line.startswith("|") and line.rstrip().endswith("|")]
        elif token.type == "table_open":
            start, end = token.map
            header = cells_in_source(lines[start])
            broken += [line for line in lines[start:end] if cells_in_source(line) != header]
    return broken


def lesson_table(text: str) -> list[list[str]]:
    headed = [table for table in tables(text) if table[0][0] in ("lesson", "课程")]
    assert len(headed) == 1, "one table of lessons, headed 'lesson' (课程)"
    return headed[0]


@pytest.mark.parametrize("readme", [*READMES, *LESSON_READMES])
def test_every_table_renders_whole(readme):
    assert broken_tables((ROOT / readme).read_text(encoding="utf-8")) == []


def test_a_blank_line_inside_a_table_is_caught():
    text = "| a | b |\n| --- | --- |\n| 1 | 2 |\n\n| 3 | 4 |\n"
    assert broken_tables(text) == ["| 3 | 4 |"]
    assert broken_tables(text.replace("\n\n", "\n")) == []
    assert broken_tables("| a | b |\n| --- | --- |\n| 1 | 2 | 3 |\n") == ["| 1 | 2 | 3 |"]


@pytest.mark.parametrize("readme", READMES)
def test_the_lesson_table_lists_every_lesson_once(readme):
    listed = [row[0].strip("`") for row in lesson_table((ROOT / readme).read_text(encoding="utf-8"))[1:]]
    assert sorted(listed) == lesson_names()


def test_both_readmes_list_the_lessons_in_the_same_order():
    english, chinese = (lesson_table((ROOT / readme).read_text(encoding="utf-8")) for readme in READMES)
    assert [row[0] for row in english][1:] == [row[0] for row in chinese][1:]


@pytest.mark.parametrize("readme", LESSON_READMES)
def test_a_lesson_readme_links_its_chinese_half_at_the_top(readme):
    text = (ROOT / readme).read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0].startswith("# ") and "[中文](#zh)" in lines[2], "the link right under the title"
    english, chinese = text.split('\n<a id="zh"></a>\n', 1)  # the anchor the link points at, once
    assert english.rstrip().endswith("---") and chinese.lstrip().startswith("# ")
    assert HAN.search(chinese.lstrip().splitlines()[0]), "the Chinese half opens with its Chinese title"
