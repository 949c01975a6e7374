"""What a lesson's notebook runs in its kernel: `%%module` cells, training through the runner, the results."""

import importlib
import inspect
import signal
import sys

import pytest
from support import NO_POSIX_SIGNALS, posix_only

from dlenv.notebook.kernel import ProgressLine, curves_png, metrics_markdown, run_module_cell
from dlenv.runner.tb import Scalars, read_scalars


@pytest.fixture
def package(tmp_path, monkeypatch):
    """An importable package `shop` with modules `model` and `train` (train imports model), as a lesson is."""
    root = tmp_path / "shop"
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "model.py").write_text("def size():\n    return 1\n")
    (root / "train.py").write_text("from shop.model import size\n\ndef run():\n    return size()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield root
    for name in [name for name in sys.modules if name == "shop" or name.startswith("shop.")]:
        del sys.modules[name]


def test_a_module_cell_replaces_the_module_for_every_later_import(package):
    namespace = {}
    run_module_cell("shop.model", "from __future__ import annotations\n\ndef size():\n    return 2\n", namespace)
    train = importlib.import_module("shop.train")  # imports the cell's model, not the file's
    assert train.run() == 2
    from shop import model

    assert model.size() == 2 and model.__file__ == str(package / "model.py")  # files beside it are found
    assert namespace["size"]() == 2 and "annotations" not in namespace
    assert "def size():\n    return 2\n" in inspect.getsource(namespace["size"])  # tracebacks show the cell


def test_a_cell_that_fails_leaves_the_module_it_would_have_replaced(package):
    run_module_cell("shop.model", "def size():\n    return 3\n")
    with pytest.raises(ZeroDivisionError):
        run_module_cell("shop.model", "def size():\n    return 4\n\n1 / 0\n")
    assert importlib.import_module("shop.model").size() == 3


def test_a_module_cell_defines_dataclasses_and_is_picklable(package):
    import pickle

    cell = "from dataclasses import dataclass\n\n@dataclass\nclass Config:\n    steps: int = 5\n"
    module = run_module_cell("shop.config", cell)
    assert pickle.loads(pickle.dumps(module.Config(7))) == module.Config(7)


def test_a_bad_module_name_is_refused():
    with pytest.raises(ValueError, match="not a dotted module name"):
        run_module_cell("shop/model.py", "x = 1\n")


def test_the_magic_runs_a_cell_as_its_module(package):
    pytest.importorskip("IPython")
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        shell.run_line_magic("load_ext", "dlenv.notebook")
        result = shell.run_cell("%%module shop.model\ndef size():\n    return 5\n")
        assert result.success and importlib.import_module("shop.train").run() == 5
        assert shell.run_cell("size()").result == 5
    finally:
        InteractiveShell.clear_instance()


def test_training_in_the_kernel_writes_the_run_and_gives_the_interrupt_back(tmp_path):
    pytest.importorskip("torch")
    from dlenv.notebook import run_lesson

    before = signal.getsignal(signal.SIGINT)
    run = run_lesson("classification", smoke=True, steps=30, sets=["batch_size=32"], out=tmp_path)
    assert run.report["steps"] == 30 and run.report["smoke"] and (tmp_path / "metrics.json").is_file()
    assert signal.getsignal(signal.SIGINT) is before  # the runner's stop handler is gone again
    assert 0 <= run.metrics["accuracy"] <= 1 and run.metrics["accuracy"] == run.report["metrics"]["accuracy"]
    png = curves_png(tmp_path / "tb")
    assert png is not None and png.startswith(b"\x89PNG")


def test_a_bad_setting_is_the_runners_one_line_error_with_its_hint(tmp_path, capsys):
    from dlenv.errors import DlenvError
    from dlenv.notebook import run_lesson

    with pytest.raises(DlenvError) as error:
        run_lesson("classification", sets=["stepz=3"], out=tmp_path)
    assert "stepz" in error.value.message and not (tmp_path / "metrics.json").exists()
    assert error.value.hint and capsys.readouterr().err == f"hint: {error.value.hint}\n"


def test_progress_outside_a_notebook_is_one_line_on_stderr(capsys):
    line = ProgressLine("demo")
    line.update(10, 20, {"loss": 0.5})  # a first report has no rate yet
    line.update(20, 20, {"loss": 0.25})
    line.close()
    err = capsys.readouterr().err
    assert "demo: step 10/20 · loss 0.5" in err and "demo: step 20/20 · " in err and " steps/s · loss 0.25" in err


def test_scalars_read_back_per_part_and_a_cut_record_is_skipped(tmp_path):
    pytest.importorskip("tensorboard")
    for part, losses in (("", [3.0, 2.0]), ("bn", [1.5, 1.0])):
        scalars = Scalars(tmp_path / part if part else tmp_path)
        for step, loss in enumerate(losses, start=1):
            scalars.add(step, {"loss": loss})
        scalars.close()
    event_file = next((tmp_path / "bn").glob("events.out.tfevents.*"))
    event_file.write_bytes(event_file.read_bytes() + b"\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00")  # killed mid-write
    assert read_scalars(tmp_path) == {"": {"loss": [(1, 3.0), (2, 2.0)]}, "bn": {"loss": [(1, 1.5), (2, 1.0)]}}
    assert read_scalars(tmp_path / "missing") == {} and curves_png(tmp_path / "missing") is None


def test_metrics_show_numbers_in_a_table_and_lists_as_json():
    text = metrics_markdown({"accuracy": 0.91234, "label": "a|b", "examples": [{"source": "drei"}]})
    assert "| accuracy | 0.9123 |" in text and "| label | a/b |" in text
    assert '```json\n[\n  {\n    "source": "drei"\n  }\n]\n```' in text


@posix_only(NO_POSIX_SIGNALS)
def test_interrupting_the_kernel_stops_at_a_checkpoint_and_resume_finishes_the_run(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    import os

    from dlenv.notebook import kernel, run_lesson

    shown = kernel.ProgressLine.update

    def interrupt_at_the_first_scalars(self, step, total, values):  # the kernel's interrupt button, mid-training
        shown(self, step, total, values)
        os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(kernel.ProgressLine, "update", interrupt_at_the_first_scalars)
    with pytest.raises(KeyboardInterrupt, match=r"checkpoint saved in .*: run again with resume=True"):
        run_lesson("classification", smoke=True, steps=40, out=tmp_path)
    saved = [int(path.stem.split("-")[1]) for path in (tmp_path / "checkpoints").glob("step-*.ckpt")]
    assert saved and max(saved) < 40 and not (tmp_path / "metrics.json").exists()
    monkeypatch.setattr(kernel.ProgressLine, "update", shown)
    assert run_lesson("classification", smoke=True, steps=40, resume=True, out=tmp_path).report["steps"] == 40
