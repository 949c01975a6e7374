"""TensorBoard scalars without a framework: the tensorboard package's own event-file writer
(what torch.utils.tensorboard and Keras use underneath)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any


class Scalars:
    def __init__(self, logdir: Path) -> None:
        try:
            from tensorboard.compat.proto.event_pb2 import Event
            from tensorboard.compat.proto.summary_pb2 import Summary
            from tensorboard.summary.writer.event_file_writer import EventFileWriter
        except ImportError:
            self._writer: Any = None  # no tensorboard installed: scalars still reach metrics.json
            return
        logdir.mkdir(parents=True, exist_ok=True)
        self._event, self._summary = Event, Summary
        self._writer = EventFileWriter(str(logdir))

    def add(self, step: int, values: dict[str, float]) -> None:
        if self._writer is None:
            return
        summary = self._summary(value=[self._summary.Value(tag=k, simple_value=float(v)) for k, v in values.items()])
        self._writer.add_event(self._event(wall_time=time.time(), step=step, summary=summary))

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
