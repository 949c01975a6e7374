import math
import struct
import subprocess
import sys

import pytest

from dlenv.runner.context import Context, Diverged, fresh_start


@pytest.fixture
def ctx(tmp_path):
    return Context(
        lesson="x", out=tmp_path, device="cpu", seed=0, steps=100, checkpoint_every=10, resume=True, smoke=False
    )


def test_checkpoints_are_renamed_into_place_and_only_the_newest_kept(ctx):
    for step in (10, 20, 30):
        ctx.save(step, lambda path, step=step: path.write_text(str(step)))
    assert [step for step, _ in ctx.checkpoints()] == [20, 30]
    assert ctx.latest().read_text() == "30"
    assert not list(ctx.checkpoint_dir.glob(".*"))  # no partial file left behind


def test_a_write_that_dies_leaves_no_checkpoint_under_the_final_name(ctx):
    def crash(path):
        path.write_text("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ctx.save(40, crash)
    assert ctx.checkpoints() == []


def test_without_resume_there_is_nothing_to_resume_and_old_checkpoints_go(ctx):
    ctx.save(10, lambda path: path.write_text("10"))
    ctx.resume = False
    assert ctx.latest() is None
    fresh_start(ctx)
    assert ctx.checkpoints() == []


def test_a_non_finite_scalar_stops_the_run_naming_the_step(ctx):
    ctx.divergence_hint = "lower the learning rate, e.g. --set lr=0.01"
    with pytest.raises(Diverged) as error:
        ctx.log(37, loss=math.nan)
    assert error.value.message == "training diverged at step 37: loss is nan"
    assert error.value.exit_code == 1 and "--set lr=0.01" in error.value.hint


def read_events(path):
    """TFRecord framing: length (8 bytes), its masked CRC, the Event proto, the proto's masked CRC."""
    from tensorboard.compat.proto.event_pb2 import Event

    data, events = path.read_bytes(), []
    while data:
        (length,) = struct.unpack("<Q", data[:8])
        events.append(Event.FromString(data[12 : 12 + length]))
        data = data[12 + length + 4 :]
    return events


def test_scalars_reach_tensorboard_without_importing_tensorflow(ctx):
    pytest.importorskip("tensorboard")
    ctx.log(1, loss=0.5)
    ctx.log(2, loss=0.25, accuracy=0.75)
    ctx.close()
    (path,) = (ctx.out / "tb").glob("events.out.tfevents.*")
    events = read_events(path)
    assert events[0].file_version == "brain.Event:2"
    scalars = [(e.step, v.tag, v.simple_value) for e in events[1:] for v in e.summary.value]
    assert scalars == [(1, "loss", 0.5), (2, "loss", 0.25), (2, "accuracy", 0.75)]


def test_writing_scalars_does_not_import_tensorflow(tmp_path):
    """A PyTorch lesson must not pay for TensorFlow's import (seconds, a gigabyte) where it is installed."""
    pytest.importorskip("tensorboard")
    code = (
        "import sys, pathlib; from dlenv.runner.tb import Scalars; "
        f"s = Scalars(pathlib.Path({str(tmp_path)!r})); s.add(1, {{'loss': 1.0}}); s.close(); "
        "print('tensorflow' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


def test_a_part_keeps_its_own_checkpoints_and_scalars_and_hears_the_runs_stop_signal(ctx, tmp_path):
    head = ctx.part("head", steps=7)
    assert (head.steps, head.checkpoint_dir, head.seed) == (7, tmp_path / "head" / "checkpoints", ctx.seed)
    head.save(5, lambda path: path.write_text("5"))
    head.log(5, val_accuracy=0.5)
    head.close()
    assert list((tmp_path / "tb" / "head").glob("events.out.tfevents.*"))  # beside the other parts' runs
    assert ctx.part("head").latest().read_text() == "5"  # --resume: where the part was
    assert ctx.checkpoints() == []
    ctx._stop_signal = 15  # what the run's SIGTERM handler sets
    assert head.stop_requested() == 15


def test_a_fresh_run_starts_each_part_from_nothing(ctx, tmp_path):
    ctx.part("scratch").save(5, lambda path: path.write_text("5"))
    ctx.resume = False
    assert ctx.part("scratch").checkpoints() == []
