"""`gj.summary.FileWriter`: TensorBoard event files (TF1's `tf.summary.FileWriter`).

The writer uses the `tensorboard` package (the optional `viz` extra), which ships the
event protos and an event file writer and needs no TensorFlow. A graph is stored as
TensorFlow's GraphDef (graphjit's serialization is wire compatible), with output shapes
on every node, so TensorBoard's graph dashboard shows it with scopes and shapes.

May import: graphjit.graphlib; tensorboard (lazily, with a clear error when missing).
"""

from __future__ import annotations

import os
import time

from .graphlib.graph import Graph

_MISSING = ("gj.summary.FileWriter needs the `tensorboard` package: pip install "
            "'graphjit[viz]' (or pip install tensorboard)")


def _tensorboard():
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
    except ImportError as e:
        raise ImportError(_MISSING) from e
    return event_pb2, summary_pb2, EventFileWriter


class FileWriter:
    """Writes events (the graph, summaries) to an event file in `logdir`.

    `FileWriter(logdir, graph)` writes `graph` (a gj.Graph or a GraphDef message) at once.
    Usable as a context manager; `close()` flushes and closes the file."""

    def __init__(self, logdir: str, graph=None, max_queue: int = 10,
                 flush_secs: float = 120, filename_suffix: str = "", session=None,
                 graph_def=None):
        self._event_pb2, self._summary_pb2, writer_class = _tensorboard()
        self._logdir = os.fspath(logdir)
        os.makedirs(self._logdir, exist_ok=True)
        self._writer = writer_class(self._logdir, max_queue_size=max_queue,
                                    flush_secs=flush_secs, filename_suffix=filename_suffix)
        if session is not None and graph is None:
            graph = session.graph
        if graph is not None or graph_def is not None:
            self.add_graph(graph, graph_def=graph_def)

    def get_logdir(self) -> str:
        return self._logdir

    def add_event(self, event) -> None:
        self._writer.add_event(event)

    def add_graph(self, graph=None, global_step: int | None = None, graph_def=None) -> None:
        """Writes the graph (a gj.Graph, or a GraphDef message via either argument)."""
        source = graph if graph is not None else graph_def
        if source is None:
            raise ValueError("add_graph needs a Graph or a GraphDef")
        if isinstance(source, Graph):
            message = source.as_graph_def(add_shapes=True)
        elif hasattr(source, "SerializeToString") and hasattr(source, "node"):
            message = source
        else:
            raise TypeError(f"add_graph expects a gj.Graph or a GraphDef, got "
                            f"{type(source).__name__}")
        event = self._event_pb2.Event(graph_def=message.SerializeToString(),
                                      wall_time=time.time())
        if global_step is not None:
            event.step = int(global_step)
        self.add_event(event)

    def add_summary(self, summary, global_step: int | None = None) -> None:
        """Writes a Summary message (or its serialized bytes)."""
        if isinstance(summary, bytes):
            summary = self._summary_pb2.Summary.FromString(summary)
        event = self._event_pb2.Event(summary=summary, wall_time=time.time())
        if global_step is not None:
            event.step = int(global_step)
        self.add_event(event)

    def add_scalar(self, tag: str, value: float, global_step: int | None = None) -> None:
        """graphjit's shortcut for a one-value Summary (TF1 built these by hand)."""
        summary = self._summary_pb2.Summary(
            value=[self._summary_pb2.Summary.Value(tag=tag, simple_value=float(value))])
        self.add_summary(summary, global_step)

    def flush(self) -> None:
        self._writer.flush()

    def close(self) -> None:
        self._writer.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


__all__ = ["FileWriter"]
