"""TensorBoard scalars without a framework: event records written with the tensorboard package's
own record framing (length, masked CRC32C, payload), the format torch.utils.tensorboard and Keras write.

tensorboard's EventFileWriter is not used: it opens files through `tf.io.gfile`, which imports all of
TensorFlow wherever it is installed (seconds and a gigabyte before a PyTorch lesson's first step).
"""

from __future__ import annotations

import os
import socket
import struct
import time
from pathlib import Path
from typing import Any


class Scalars:
    def __init__(self, logdir: Path) -> None:
        try:
            from tensorboard.compat.proto.event_pb2 import Event
            from tensorboard.compat.proto.summary_pb2 import Summary
            from tensorboard.summary.writer.record_writer import RecordWriter
        except ImportError:
            self._file: Any = None  # no tensorboard installed: scalars still reach metrics.json
            return
        logdir.mkdir(parents=True, exist_ok=True)
        self._event, self._summary = Event, Summary
        # TensorBoard finds event files by this name: events.out.tfevents.<time>.<host>.<pid>
        name = f"events.out.tfevents.{time.time():.6f}.{socket.gethostname()}.{os.getpid()}"
        self._file = (logdir / name).open("ab")
        self._records = RecordWriter(self._file)
        self._write(Event(wall_time=time.time(), file_version="brain.Event:2"))

    def _write(self, event: Any) -> None:
        self._records.write(event.SerializeToString())
        self._file.flush()  # a crashed run keeps every scalar it logged

    def add(self, step: int, values: dict[str, float]) -> None:
        if self._file is None:
            return
        summary = self._summary(value=[self._summary.Value(tag=k, simple_value=float(v)) for k, v in values.items()])
        self._write(self._event(wall_time=time.time(), step=step, summary=summary))

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def read_scalars(logdir: Path) -> dict[str, dict[str, list[tuple[int, float]]]]:
    """The scalars under `logdir` as {part: {tag: [(step, value), ...]}}, part "" for the run's own folder and
    the sub-folder's name for each part (OUT/tb/<part>); {} without tensorboard or event files. A step logged
    again (a resumed run) keeps its last value."""
    try:
        from tensorboard.compat.proto.event_pb2 import Event
    except ImportError:
        return {}
    found: dict[str, dict[str, dict[int, float]]] = {}
    for path in sorted(logdir.rglob("events.out.tfevents.*")) if logdir.is_dir() else ():
        part = path.parent.relative_to(logdir).as_posix()
        series = found.setdefault("" if part == "." else part, {})
        for payload in records(path.read_bytes()):
            event = Event.FromString(payload)
            for value in event.summary.value:
                if value.HasField("simple_value"):
                    series.setdefault(value.tag, {})[event.step] = value.simple_value
    return {part: {tag: sorted(points.items()) for tag, points in tags.items()} for part, tags in found.items()}


def records(data: bytes) -> list[bytes]:
    """The payloads of TFRecord framing: length (8 bytes), its CRC (4), payload, its CRC (4). A record cut
    short (a run killed mid-write) ends the list."""
    payloads, at = [], 0
    while at + 12 <= len(data):
        (length,) = struct.unpack_from("<Q", data, at)
        end = at + 12 + length
        if end + 4 > len(data):
            break
        payloads.append(data[at + 12 : end])
        at = end + 4
    return payloads
