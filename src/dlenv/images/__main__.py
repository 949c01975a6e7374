"""`python -m dlenv.images`: what `nox -s "images(row=...)"` runs, and the size estimate for the README.

    python -m dlenv.images engine                 exit 0 when a Docker engine answers, else one line and 1
    python -m dlenv.images check ROW [--out DIR]  build the row's image, run it, write DIR/ROW.json
    python -m dlenv.images estimate [ROW...]      each row's wheels, summed from PyPI (a Markdown table)

Exit codes as everywhere in dlenv: 0 done, 1 the work failed (no engine, a check failed), 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from dlenv.cli.present import print_error
from dlenv.doctor.collect import nvidia_driver_loaded
from dlenv.errors import FAILED, DlenvError
from dlenv.fileio import atomic_write
from dlenv.images import engine, expect, sizes
from dlenv.matrix import Matrix, Row, load_matrix
from dlenv.paths import MATRIX_RELPATH, checkout_root

# The build context: the checkout dlenv runs from (the images session installs it editable).
ROOT = checkout_root() or Path.cwd()
DEFAULT_OUT = ROOT / "runs" / "images"


def _log(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def wants_gpu(row: Row, choice: str) -> bool:
    """Pass the GPU in for a CUDA row when the host has an NVIDIA driver loaded (or when told to)."""
    if row.cuda is None or choice == "no":
        return False
    return choice == "yes" or nvidia_driver_loaded()


def check(row: Row, root: Path, out: Path, gpu_choice: str) -> dict[str, Any]:
    """Build the row's image, run the three checks in it, record its size; the report, also on a failed check."""
    client = engine.connect()
    image = engine.build(client, row, root, _log)
    gpu = wants_gpu(row, gpu_choice)
    runs = [
        ("versions", expect.VERSIONS_COMMAND, False, lambda o: expect.check_versions(row, o)),
        ("doctor", expect.DOCTOR_COMMAND, gpu, lambda o: expect.check_doctor(row, o, gpu)),
        ("smoke", expect.SMOKE_COMMAND, False, lambda o: expect.check_smoke(row, o)),
    ]
    results = []
    for name, command, with_gpu, judge in runs:
        output = engine.run(client, row, command, with_gpu)
        try:
            results.append({"check": name, "ok": True, "message": judge(output)})
        except DlenvError as error:
            _log(output.stderr.rstrip())
            results.append({"check": name, "ok": False, "message": error.message})
        _log(("ok    " if results[-1]["ok"] else "FAIL  ") + results[-1]["message"])
    size = sizes.measured(row, image.id, image.attrs["Size"], image.history())
    report = {"row": row.name, "gpu": gpu, "ok": all(r["ok"] for r in results), "checks": results, "size": size}
    atomic_write(out / f"{row.name}.json", json.dumps(report, indent=2) + "\n")
    _log(f"{expect.image_tag(row)}: {size['size_mb']} MB; report in {out / (row.name + '.json')}")
    return report


def estimate_table(matrix: Matrix, names: list[str], root: Path) -> tuple[str, list[dict[str, Any]]]:
    rows = [sizes.estimate(matrix.row(name), root).as_json() for name in names]
    lines = ["| row | base image | wheels MB (compressed) | packages |", "| --- | --- | --- | --- |"]
    for r in rows:
        mb = r["wheels_mb"] if r["wheels_mb"] is not None else f"unknown: {r['unknown']}"
        lines.append(f"| `{r['row']}` | `{r['base_image']}` | {mb} | {r['packages']} |")
    return "\n".join(lines) + "\n", rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dlenv.images", description=__doc__.splitlines()[0])
    parser.add_argument("--matrix", type=Path, default=ROOT / MATRIX_RELPATH)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("engine", help="exit 0 when a Docker engine answers")
    run = commands.add_parser("check", help="build a row's image and run it")
    run.add_argument("row")
    run.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where ROW.json goes (default runs/images)")
    run.add_argument("--gpu", choices=("auto", "yes", "no"), default="auto", help="pass the GPU in (auto: a driver)")
    size = commands.add_parser("estimate", help="each row's wheels, summed from PyPI")
    size.add_argument("rows", nargs="*")
    size.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        matrix = load_matrix(args.matrix)
        if args.command == "engine":
            engine.connect()
        elif args.command == "check":
            report = check(matrix.row(args.row), ROOT, args.out, args.gpu)
            if not report["ok"]:
                failed = next(r for r in report["checks"] if not r["ok"])
                raise DlenvError(failed["message"], exit_code=FAILED)
        else:
            names = [matrix.row(name).name for name in args.rows] or list(matrix.rows)
            table, rows = estimate_table(matrix, names, ROOT)
            sys.stdout.write(json.dumps(rows, indent=2) + "\n" if args.json else table)
    except DlenvError as error:
        print_error(error.message, error.hint)
        return error.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
