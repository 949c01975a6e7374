"""`dlenv check --execute`: a notebook run top to bottom in a kernel of this environment (nbclient), in the
notebook's own folder, within a time limit for the whole notebook; the learner's file is never written."""

from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import Any

from dlenv.check.report import Execution
from dlenv.errors import DlenvError


def run_notebook(path: Path, timeout: float) -> Execution:
    """Run every code cell of `path` in order; pass, or the first cell that failed or ran out of time."""
    try:
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    except ImportError:
        raise DlenvError("--execute needs nbclient and ipykernel", hint="pip install 'dlenv[notebooks]'") from None
    notebook = load(path)
    client = NotebookClient(notebook, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
                            allow_errors=False)  # fmt: skip
    began = time.monotonic()
    deadline = began + timeout
    cell_number = None
    try:
        with client.setup_kernel():
            for index, cell in enumerate(notebook.cells):
                cell_number = index + 1
                if cell.cell_type != "code":
                    continue
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return Execution("timeout", cell_number, f"the notebook ran past {timeout:g} s", timeout)
                client.timeout = max(1, int(remaining + 0.999))  # nbclient's limit is per cell, in whole seconds
                client.execute_cell(cell, index)
    except CellTimeoutError:
        return Execution("timeout", cell_number, f"the notebook ran past {timeout:g} s", time.monotonic() - began)
    except CellExecutionError as error:
        return Execution("fail", cell_number, error_line(error), time.monotonic() - began)
    except DeadKernelError as error:
        return Execution("fail", cell_number, f"the kernel died: {error}", time.monotonic() - began)
    return Execution("pass", None, "", time.monotonic() - began)


def load(path: Path) -> Any:
    """The notebook at `path` as nbformat reads it; a .py script's cells as a new notebook."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    from dlenv.check.cells import read

    if path.suffix == ".ipynb":
        try:
            with warnings.catch_warnings():  # older notebooks' cells have no id; nbformat adds them in memory
                warnings.simplefilter("ignore")
                return nbformat.read(path, as_version=4)
        except Exception as error:  # nbformat raises several kinds for a file that is no notebook
            raise DlenvError(f"'{path}' cannot be run: {error}") from None
    return new_notebook(cells=[new_code_cell(cell.source) for cell in read(path) if cell.kind == "code"])


def error_line(error: Any) -> str:
    """`ModuleNotFoundError: No module named 'cv2'`: the exception's name and value."""
    name, value = getattr(error, "ename", ""), getattr(error, "evalue", "")
    return f"{name}: {value}" if name else str(error).strip().splitlines()[-1]
