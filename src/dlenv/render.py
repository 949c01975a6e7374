"""Render every file derived from envs/matrix.toml, one function per kind of output.

`render_all` returns {relative path: text}; `write` puts them in place atomically and `stale`
lists the ones that differ from what is on disk (what `dlenv render --check` reports).
"""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment as Jinja
from jinja2 import FileSystemLoader, StrictUndefined

from dlenv.fileio import atomic_write
from dlenv.matrix import Matrix, Row
from dlenv.paths import PACKAGE_DIR
from dlenv.requirements import Environment, environments

HEADER = "# generated from envs/matrix.toml by `dlenv render` — do not edit"
README_FILES = ("README.md", "README.zh-CN.md")
TABLE_START = "<!-- dlenv:matrix:start (generated from envs/matrix.toml by `dlenv render` — do not edit) -->"
TABLE_END = "<!-- dlenv:matrix:end -->"

_jinja = Jinja(
    loader=FileSystemLoader(PACKAGE_DIR / "templates"),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


def summary(row: Row) -> str:
    """'CUDA 12.6, cuDNN 9.5.1.17, driver >= 560.28.03, Python 3.11/3.12/3.13' (or 'CPU only, ...')."""
    parts = [f"CUDA {row.cuda}", f"cuDNN {row.cudnn}", f"driver >= {row.min_driver}"] if row.cuda else ["CPU only"]
    return ", ".join([*parts, f"Python {'/'.join(row.python)}"])


def requirements_txt(env: Environment) -> str:
    return _jinja.get_template("requirements.txt.j2").render(header=HEADER, env=env, summary=summary(env.row))


def conda_yml(env: Environment) -> str:
    return _jinja.get_template("conda.yml.j2").render(header=HEADER, env=env, summary=summary(env.row))


def dockerfile(row: Row) -> str:
    envs = environments(row)
    tf_env = next((env for env in envs if env.suffix == "-tf"), None)
    return _jinja.get_template("Dockerfile.j2").render(header=HEADER, row=row, tf_env=tf_env, summary=summary(row))


def compose_yaml(matrix: Matrix) -> str:
    gpu_rows = [name for name, row in matrix.rows.items() if row.cuda]
    return _jinja.get_template("compose.yaml.j2").render(
        header=HEADER, gpu_row=matrix.defaults.gpu_row, gpu_rows=gpu_rows
    )


def _tensorflow_cell(row: Row, chinese: bool) -> str:
    if row.tensorflow is None:
        return "—"
    if row.tensorflow_env == "shared":
        return f"{row.tensorflow}（与 torch 同一环境）" if chinese else f"{row.tensorflow} (with torch)"
    return f"{row.tensorflow}（独立环境）" if chinese else f"{row.tensorflow} (own env)"


def matrix_table(matrix: Matrix, chinese: bool = False) -> str:
    head = (
        [
            "环境",
            "CUDA",
            "最低驱动",
            "cuDNN",
            "Python",
            "torch",
            "GPU 架构 (sm)",
            "TensorFlow",
            "transformers / peft / bitsandbytes",
        ]
        if chinese
        else [
            "row",
            "CUDA",
            "min driver",
            "cuDNN",
            "Python",
            "torch",
            "GPU archs (sm)",
            "TensorFlow",
            "transformers / peft / bitsandbytes",
        ]
    )
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for row in matrix.rows.values():
        archs = ", ".join(arch.replace(".", "") for arch in row.torch_arch) or "—"
        cells = [
            f"`{row.name}`",
            row.cuda or "—",
            row.min_driver or "—",
            row.cudnn or "—",
            ", ".join(row.python),
            row.torch,
            archs,
            _tensorflow_cell(row, chinese),
            f"{row.transformers} / {row.peft} / {row.bitsandbytes}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def with_table(readme: str, table: str) -> str:
    """The README with the text between its matrix markers replaced by `table`."""
    pattern = re.compile(re.escape(TABLE_START) + r".*?" + re.escape(TABLE_END), re.DOTALL)
    if not pattern.search(readme):
        return readme  # a README without the markers differs from the rendered one and is reported
    return pattern.sub(lambda _: f"{TABLE_START}\n{table}{TABLE_END}", readme, count=1)


def render_all(matrix: Matrix, root: Path) -> dict[str, str]:
    """Every derived file as {path relative to the project root: text}."""
    files: dict[str, str] = {}
    for row in matrix.rows.values():
        for env in environments(row):
            files[f"envs/requirements/{env.name}.txt"] = requirements_txt(env)
            files[f"envs/conda/{env.name}.yml"] = conda_yml(env)
        files[f"docker/{row.name}/Dockerfile"] = dockerfile(row)
    files["compose.yaml"] = compose_yaml(matrix)
    for readme, chinese in zip(README_FILES, (False, True), strict=True):
        path = root / readme
        current = path.read_text(encoding="utf-8") if path.is_file() else ""
        rendered = with_table(current, matrix_table(matrix, chinese))
        files[readme] = rendered if TABLE_START in rendered else rendered + f"\n{TABLE_START}\n{TABLE_END}\n"
    return files


def stale(matrix: Matrix, root: Path) -> list[str]:
    """Derived files that are missing or differ from what the matrix renders, plus orphans."""
    files = render_all(matrix, root)
    differ = [
        rel
        for rel, text in files.items()
        if not (root / rel).is_file() or (root / rel).read_text(encoding="utf-8") != text
    ]
    return differ + orphans(files, root)


def orphans(files: dict[str, str], root: Path) -> list[str]:
    """Generated files no row renders any more (a removed row's Dockerfile, say)."""
    found = [
        *root.glob("envs/requirements/*.txt"),
        *root.glob("envs/conda/*.yml"),
        *root.glob("docker/*/Dockerfile"),
    ]
    return sorted(
        str(path.relative_to(root))
        for path in found
        if str(path.relative_to(root)) not in files and HEADER in path.read_text(encoding="utf-8")
    )


def write(matrix: Matrix, root: Path) -> list[str]:
    """Write every derived file that changed; remove orphans. Returns the paths touched."""
    files = render_all(matrix, root)
    touched = []
    for rel, text in files.items():
        path = root / rel
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        atomic_write(path, text)
        touched.append(rel)
    for rel in orphans(files, root):
        (root / rel).unlink()
        touched.append(rel)
    return touched
