"""Every text file dlenv and its lessons read or write names its encoding: Windows' default is the locale's
code page (cp936, GBK, on a Chinese Windows), so a file written on Linux as UTF-8 would read back garbled
there, or not at all. Source: Python's docs, open() ("the default encoding is platform dependent
(whatever locale.getencoding() returns)") and PEP 686 (UTF-8 by default only from Python 3.15)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from support import ROOT

TEXT_CALLS = ("open", "read_text", "write_text")  # builtin open(), Path.open(), Path.read_text/write_text()
NOT_TEXT = ("tarfile", "zipfile", "Image", "gzip", "bz2", "lzma", "py7zr", "webbrowser", "os")  # their own open()


def _binary(call: ast.Call, name: str) -> bool:
    """Opened in a binary mode: open(path, "rb"), path.open("ab" if resume else "wb"), mode="rb"."""
    position = 1 if name == "open" and isinstance(call.func, ast.Name) else 0
    given = next((k.value for k in call.keywords if k.arg == "mode"), None)
    if given is None and len(call.args) > position:
        given = call.args[position]
    modes = [c.value for c in ast.walk(given) if isinstance(c, ast.Constant)] if given is not None else []
    return bool(modes) and all(isinstance(m, str) and "b" in m for m in modes)


def unnamed_encodings(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name not in TEXT_CALLS:
            continue
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in NOT_TEXT:
            continue
        if any(k.arg == "encoding" for k in node.keywords) or _binary(node, name):
            continue
        found.append(f"{path.relative_to(ROOT)}:{node.lineno} {ast.unparse(node)[:80]}")
    return found


SOURCES = sorted([*(ROOT / "src" / "dlenv").rglob("*.py"), *(ROOT / "dlenv_lessons").rglob("*.py")])


@pytest.mark.parametrize("folder", ["src/dlenv", "dlenv_lessons"])
def test_every_text_file_is_opened_with_its_encoding(folder):
    found = [line for path in SOURCES if path.is_relative_to(ROOT / folder) for line in unnamed_encodings(path)]
    assert not found, "no encoding= (Windows would use its code page):\n" + "\n".join(found)


def test_the_check_sees_a_missing_encoding(tmp_path, monkeypatch):
    sample = ROOT / "src" / "dlenv" / "fileio.py"  # any file under ROOT, read through a stand-in
    text = 'p.write_text("x")\nopen(p, "rb")\nopen(p, "w", encoding="utf-8")\nPath(p).open(newline="")\n'
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: text)
    assert [line.split(" ", 1)[0] for line in unnamed_encodings(sample)] == [
        "src/dlenv/fileio.py:1",
        "src/dlenv/fileio.py:4",
    ]
