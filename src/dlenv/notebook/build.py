"""`dlenv notebook LESSON --platform NAME`: a lesson as a notebook to read and edit, written from the lesson's
own files with jupytext (.ipynb, or a py:percent script):

1. the lesson's title, and the platform's bootstrap (platform/<name>/first_cell.ipy) naming the lesson;
2. the lesson's README (one language's half) as markdown;
3. the lesson's modules as `%%module` cells, in reading order: the lesson's READING_ORDER where it declares one,
   else model, data, the other parts, config, train (a module always after those it imports);
4. training in the kernel through the runner (progress, checkpoints, resume), then the metrics and plots.

Every cell that holds a lesson's text is that file's text, so the notebook cannot drift from the lesson.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path
from typing import Any

from dlenv.errors import DlenvError, shown, unknown
from dlenv.lessons_catalog import Lesson, lessons_dir
from dlenv.platforms.profiles import profiles, profiles_dir

# The first cells' stand-in for what %pip installs: a notebook says where dlenv comes from (no release
# is on PyPI yet, so a cell that ran `%pip install dlenv` would fail or, worse, install someone else's).
SOURCE_PLACEHOLDER = '"<where dlenv comes from: dlenv notebook --install-from SPEC writes it>"'
SOURCES = "a git URL (git+https://HOST/OWNER/dlenv@main), a wheel's path or URL (….whl), or pypi once released"

LANGUAGES = ("en", "zh")
# Not the lesson's teaching: the package marker, and the GPU memory plan the runner reads before a run.
NOT_READ = ("__init__.py", "memory.py")
# Reading order among modules that do not import each other; the rest come between data and config.
FIRST, LAST = ("model", "data"), ("config", "train")
ZH_ANCHOR = '<a id="zh"></a>'  # where a lesson README's Chinese half starts


def texts(language: str) -> dict[str, str]:
    """The notebook's own words in `language` (text.toml beside this module)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    if language not in LANGUAGES:
        raise unknown("language", language, LANGUAGES)
    return tomllib.loads((Path(__file__).with_name("text.toml")).read_text(encoding="utf-8"))[language]


def install_requirement(spec: str) -> str:
    """What %pip installs for --install-from SPEC: 'dlenv @ git+…' for a git URL, the wheel itself for a
    path or URL ending in .whl, 'dlenv' for pypi."""
    if spec == "pypi":
        return "dlenv"
    if spec.startswith("git+") and "://" in spec:
        return f"dlenv @ {spec}"
    if spec.endswith(".whl"):
        return spec
    raise DlenvError(f"--install-from {shown(spec)}: not a git URL, a wheel or pypi", hint=f"give {SOURCES}")


def first_cell(platform: str, lesson: str, install_from: str | None) -> str:
    """The platform's bootstrap cell, installing dlenv from `install_from` and naming the lesson to the bootstrap
    (a Keras lesson gets the row's TensorFlow)."""
    cell = (profiles_dir() / platform / "first_cell.ipy").read_text(encoding="utf-8").rstrip("\n")
    if SOURCE_PLACEHOLDER in cell:
        if install_from is None:
            raise DlenvError(
                f"--install-from is needed for {platform}: its first cell installs dlenv, and no release is on PyPI",
                hint=f"give {SOURCES}",
            )
        cell = cell.replace(SOURCE_PLACEHOLDER, json.dumps(install_requirement(install_from)))
    lessons = f"lessons=({json.dumps(lesson)},)"
    return re.sub(
        r"dlenv\.bootstrap\((.*?)\)", lambda m: f"dlenv.bootstrap({m[1]}{', ' if m[1] else ''}{lessons})", cell
    )


def reading_order(folder: Path) -> list[Path]:
    """The lesson's modules as a reader meets them: model, data, the other parts, config, train, except that a
    module always comes after the lesson's modules it imports (so its cell runs with theirs)."""
    modules = {path.stem: path for path in folder.glob("*.py") if path.name not in NOT_READ}
    needs = {name: imported_siblings(path, folder.name) & (modules.keys() - {name}) for name, path in modules.items()}
    declared = declared_order(folder / "__init__.py")

    def rank(name: str) -> tuple[int, int, str]:
        if name in declared:
            return 0, declared.index(name), name
        if name in FIRST:
            return 1, FIRST.index(name), name
        return (3, LAST.index(name), name) if name in LAST else (2, 0, name)

    order: list[str] = []
    while len(order) < len(modules):
        ready = [name for name in modules if name not in order and needs[name] <= set(order)]
        if not ready:
            raise DlenvError(f"lesson {folder.name}: its modules import each other in a circle")
        order.append(min(ready, key=rank))
    return [modules[name] for name in order]


def declared_order(init: Path) -> tuple[str, ...]:
    """`READING_ORDER` in the lesson's __init__.py (read with ast: the package is not imported), where the
    lesson's parts have an order of their own (dedup: shingles, then MinHash, then LSH)."""
    if not init.is_file():
        return ()
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "READING_ORDER" for t in node.targets):
            return tuple(ast.literal_eval(node.value))
    return ()


def imported_siblings(path: Path, lesson: str) -> set[str]:
    """The modules of the same lesson that `path` imports, at any depth in the file."""
    package = f"dlenv_lessons.{lesson}"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            if base == package or base == ".":
                found |= {alias.name for alias in node.names}
            elif base.startswith((f"{package}.", ".")):
                found.add(base.removeprefix(f"{package}.").lstrip(".").split(".")[0])
        elif isinstance(node, ast.Import):
            found |= {alias.name.split(".")[2] for alias in node.names if alias.name.startswith(f"{package}.")}
    return found


def readme_half(readme: str, language: str) -> tuple[str, str]:
    """(title, body) of one language's half of a lesson README: English before the Chinese anchor, Chinese after."""
    english, _, chinese = readme.partition(ZH_ANCHOR)
    half = chinese if language == "zh" and chinese else english
    lines = [line for line in half.strip().splitlines() if line.strip() != "[中文](#zh)"]
    while lines and lines[-1].strip() in ("", "---"):
        lines.pop()
    title = lines[0].removeprefix("# ").strip() if lines and lines[0].startswith("# ") else ""
    return title, "\n".join(lines[1:] if title else lines).strip()


def module_cell(lesson: str, path: Path) -> str:
    """A `%%module` cell: the file's text, run as its module."""
    return f"%%module dlenv_lessons.{lesson}.{path.stem}\n" + path.read_text(encoding="utf-8").rstrip("\n")


def training_cell(lesson: str, smoke: bool, text: dict[str, str]) -> str:
    return "\n".join(
        [
            f"SMOKE = {smoke}  # {text['smoke']}",
            f"SETS = []  # {text['sets']}",
            f"RESUME = False  # {text['resume']}",
            f"OUT = None  # {text['out'].format(lesson=lesson)}",
            "",
            "from dlenv.notebook import run_lesson, show",
            "",
            f'run = run_lesson("{lesson}", smoke=SMOKE, sets=SETS, resume=RESUME, out=OUT)',
        ]
    )


def build(
    lesson: Lesson,
    platform: str,
    install_from: str | None = None,
    *,
    language: str = "en",
    smoke: bool = False,
    root: Path | None = None,
) -> Any:
    """The notebook (an nbformat node) for `lesson` on `platform`; `root`: the lessons' folder (the installed
    dlenv_lessons by default)."""
    try:
        import jupytext  # noqa: F401 - brings nbformat, and writes the result
        from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
    except ImportError:
        raise DlenvError("writing notebooks needs jupytext", hint="pip install jupytext") from None
    if platform not in profiles():
        raise unknown("platform", platform, profiles())
    text = texts(language)
    folder = (root or lessons_dir()) / lesson.name
    readme = folder / "README.md"
    title, body = readme_half(readme.read_text(encoding="utf-8"), language) if readme.is_file() else ("", "")
    intro = text["intro"].format(lesson=lesson.name, platform=profiles()[platform].title)
    cells = [
        new_markdown_cell(f"# {title or lesson.title or lesson.name}\n\n{intro}"),
        new_code_cell(first_cell(platform, lesson.name, install_from)),
    ]
    if body:
        cells.append(new_markdown_cell(body))
    cells += [new_markdown_cell(text["code"]), new_code_cell("%load_ext dlenv.notebook")]
    for path in reading_order(folder):
        cells += [new_markdown_cell(f"### `{path.name}`"), new_code_cell(module_cell(lesson.name, path))]
    cells += [
        new_markdown_cell(text["train"].format(lesson=lesson.name)),
        new_code_cell(training_cell(lesson.name, smoke, text)),
        new_markdown_cell(text["results"]),
        new_code_cell("show(run)"),
    ]
    return new_notebook(
        cells=cells,
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )


def write(notebook: Any, path: Path) -> Path:
    import jupytext

    from dlenv.fileio import atomic_write

    fmt = "py:percent" if path.suffix == ".py" else "ipynb"
    atomic_write(path, jupytext.writes(notebook, fmt=fmt))
    return path
