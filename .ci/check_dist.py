"""Check a built dlenv wheel before it is published (.github/workflows/release.yml runs this).

    python .ci/check_dist.py dist/dlenv-X.Y.Z-py3-none-any.whl [--python /tmp/clean/bin/python]

The wheel must carry the version matrix, every platform profile and first cell, every lesson of this
checkout and the tiny model the LLM lessons ship; and `dlenv lessons --json`, run from the wheel and
not from this checkout, must list every lesson. Without --python the wheel is unpacked into a
temporary folder put first on PYTHONPATH; with it, that interpreter (a clean venv the wheel was
installed into) runs the command. Prints one line per problem and exits 1 when there is any.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def lessons_of_checkout() -> set[str]:
    found = (ROOT / "dlenv_lessons").glob("*/train.py")
    return {path.parent.name for path in found if not path.parent.name.startswith("_")}


def required_files() -> list[str]:
    """What an installed dlenv reads from its own package: dlenv.paths' bundled data, the lessons' code and weights."""
    files = ["dlenv/data/matrix.toml"]
    for profile in sorted((ROOT / "platform").glob("*/profile.toml")):
        files += [f"dlenv/data/platform/{profile.parent.name}/{name}" for name in ("profile.toml", "first_cell.ipy")]
    files += [f"dlenv_lessons/{lesson}/{name}" for lesson in sorted(lessons_of_checkout())
              for name in ("__init__.py", "config.py", "train.py")]  # fmt: skip
    base = ROOT / "dlenv_lessons" / "_llm" / "tiny_base"
    files += [f"dlenv_lessons/_llm/tiny_base/{path.name}" for path in sorted(base.iterdir()) if path.is_file()]
    return files


def listed_lessons(python: str, env: dict[str, str], cwd: str) -> tuple[set[str], str]:
    """The lessons `dlenv lessons --json` lists, and where that dlenv was imported from."""
    code = "import dlenv, dlenv_lessons; print(dlenv.__file__); print(dlenv_lessons.__file__)"
    run = {"capture_output": True, "text": True, "env": env, "cwd": cwd}
    where = subprocess.run([python, "-c", code], check=True, **run).stdout
    proc = subprocess.run([python, "-m", "dlenv", "lessons", "--json"], **run)
    if proc.returncode != 0:
        raise RuntimeError(f"dlenv lessons --json exited {proc.returncode}: {proc.stderr.strip()[-500:]}")
    return {lesson["name"] for lesson in json.loads(proc.stdout)["lessons"]}, where


def problems(wheel: Path, python: str | None = None) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        found = [f"missing from the wheel: {name}" for name in required_files() if name not in names]
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ}
            env.pop("PYTHONPATH", None)
            if python is None:
                archive.extractall(tmp)
                env["PYTHONPATH"] = tmp
            try:
                listed, where = listed_lessons(python or sys.executable, env, cwd=tmp)
            except (RuntimeError, subprocess.CalledProcessError) as error:
                return [*found, str(error)]
            if python is None and not all(line.startswith(tmp) for line in where.split()):
                found.append(f"dlenv was imported from {where.split()} instead of the unpacked wheel")
    expected = lessons_of_checkout()
    if listed != expected:
        found.append(f"dlenv lessons lists {sorted(listed)}; the checkout has {sorted(expected)}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path)
    parser.add_argument("--python", help="an interpreter the wheel is installed for (default: unpack it here)")
    args = parser.parse_args(argv)
    found = problems(args.wheel, args.python)
    for problem in found:
        print(problem)
    if not found:
        count = len(lessons_of_checkout())
        print(f"{args.wheel.name}: matrix, platform profiles, {count} lessons; dlenv lessons lists them all")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
