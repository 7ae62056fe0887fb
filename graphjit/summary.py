"""`gj.summary`: TF1's summary ops (`scalar`, `histogram`, `image`, `merge`, `merge_all`)
and `FileWriter`, which writes TensorBoard event files.

graphjit has no string dtype, so a summary tensor is an int32 vector holding the bytes of the
serialized `Summary` protobuf that TF's op would produce (one byte per element; encoded by
hand below, so the ops need no protobuf package). The ops are `py_func`s: they run on their
NumPy kernels in every executor, and a kernel's ValueError becomes TF's
InvalidArgumentError. `FileWriter.add_summary` accepts such a vector as well as bytes, and
`summary_bytes` turns one into the `bytes` TF's Session.run returns.

May import: graphjit.graphlib; tensorboard (lazily, with a clear error when missing).
"""

from __future__ import annotations

import os
import re
import struct
import time
import zlib

import numpy as np

from .graphlib import dtypes
from .graphlib.graph import Graph, GraphKeys, Tensor, get_default_graph, name_scope
from .graphlib.ops.core import convert_to_tensor
from .graphlib.ops.pyfunc import py_func

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
        """Writes a Summary message, its serialized bytes, or a summary op's value."""
        if isinstance(summary, np.ndarray):
            summary = summary_bytes(summary)
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




# --- protobuf wire format (proto3: zero scalars are omitted, fields in number order) ---

def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field_bytes(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _field_double(number: int, value: float) -> bytes:
    return _varint(number << 3 | 1) + struct.pack("<d", value) if value != 0 else b""


def _field_int(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value) if value else b""


def _value(tag: str, payload: bytes) -> bytes:
    """One `Summary.value` entry (Summary field 1): `tag`, then the encoded value fields."""
    return _field_bytes(1, _field_bytes(1, tag.encode()) + payload)


def _scalar_value(tag: str, x: float) -> bytes:
    # simple_value is in a oneof, so proto3 writes it even when it is 0
    return _value(tag, _varint(2 << 3 | 5) + struct.pack("<f", np.float32(x)))


def _bucket_limits() -> np.ndarray:
    """TF's default histogram buckets: +-1e-12 growing by 10% up to 1e20, 0 and +-DBL_MAX."""
    positive, v = [], 1.0e-12
    while v < 1.0e20:
        positive.append(v)
        v *= 1.1
    positive.append(np.finfo(np.float64).max)
    return np.array([-x for x in reversed(positive)] + [0.0] + positive)


_LIMITS = _bucket_limits()


def _histogram_value(tag: str, values: np.ndarray) -> bytes:
    data = np.asarray(values, np.float64).ravel()
    if not np.all(np.isfinite(data)):
        raise ValueError(f"Nan in summary histogram for: {tag}")
    counts = np.bincount(np.searchsorted(_LIMITS, data, side="right"),
                         minlength=len(_LIMITS)).astype(np.float64)
    # TF's EncodeToProto: a run of empty buckets is one bucket ending at the run's last limit
    limits, kept, i = [], [], 0
    while i < len(counts):
        end, count, j = _LIMITS[i], counts[i], i + 1
        while count <= 0 and j < len(counts) and counts[j] <= 0:
            end, count, j = _LIMITS[j], counts[j], j + 1
        limits.append(end)
        kept.append(count)
        i = j
    big = float(np.finfo(np.float64).max)
    lo, hi = (float(data.min()), float(data.max())) if data.size else (big, -big)
    # sequential sums in float64, in element order, as TF's Histogram::Add accumulates
    total = float(np.cumsum(data)[-1]) if data.size else 0.0
    squares = float(np.cumsum(data * data)[-1]) if data.size else 0.0
    histo = (_field_double(1, lo) + _field_double(2, hi) + _field_double(3, float(data.size))
             + _field_double(4, total) + _field_double(5, squares)
             + _field_bytes(6, struct.pack(f"<{len(limits)}d", *limits))
             + _field_bytes(7, struct.pack(f"<{len(kept)}d", *kept)))
    return _value(tag, _field_bytes(5, histo))


def _png(image: np.ndarray) -> bytes:
    """An 8-bit PNG of a (height, width, channels) uint8 image (channels 1, 3 or 4)."""
    height, width, channels = image.shape
    color_type = {1: 0, 2: 4, 3: 2, 4: 6}[channels]
    rows = b"".join(b"\x00" + image[r].tobytes() for r in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def _as_uint8_image(image: np.ndarray) -> np.ndarray:
    """TF's ImageSummary scaling: floats with a negative value map 0 to 128 and the largest
    magnitude to 127 away; otherwise the largest value to 255."""
    if image.dtype == np.uint8:
        return image
    x = image
    finite = np.isfinite(x)
    lo = np.float32(x[finite].min()) if finite.any() else np.float32(0)
    hi = np.float32(x[finite].max()) if finite.any() else np.float32(0)
    # TF's kernel computes scale and offset in float32 and applies them in the image's dtype
    if lo < 0:
        biggest = max(abs(lo), abs(hi))
        scale = np.float32(0) if biggest < 1e-6 else np.float32(127) / biggest
        offset = np.float32(128)
    else:
        scale = np.float32(0) if hi < 1e-6 else np.float32(255) / hi
        offset = np.float32(0)
    scaled = np.clip(x * scale + offset, 0, 255)
    out = np.where(finite, scaled, 0).astype(np.uint8)
    if not finite.all():  # TF paints non-finite pixels red
        red = np.zeros(image.shape[-1], np.uint8)
        red[0] = 255
        out[~finite.all(axis=-1)] = red
    return out


def _image_value(tag: str, images: np.ndarray, max_outputs: int) -> bytes:
    out = b""
    count = min(max_outputs, len(images))
    for k in range(count):
        pixels = _as_uint8_image(images[k])
        name = f"{tag}/image" if max_outputs == 1 else f"{tag}/image/{k}"
        height, width, channels = pixels.shape
        image = (_field_int(1, height) + _field_int(2, width) + _field_int(3, channels)
                 + _field_bytes(4, _png(pixels)))
        out += _value(name, _field_bytes(4, image))
    return out


def _read_varint(data: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        byte = data[i]
        value |= (byte & 0x7F) << shift
        shift, i = shift + 7, i + 1
        if byte < 0x80:
            return value, i


def _tags(data: bytes) -> list[str]:
    """The tags of a serialized Summary's values."""
    tags, i = [], 0
    while i < len(data):
        key, i = _read_varint(data, i)
        length, i = _read_varint(data, i)
        entry, i = data[i:i + length], i + length
        if key == (1 << 3 | 2):
            j = 0
            while j < len(entry):
                field, j = _read_varint(entry, j)
                if field & 7 == 0:
                    _, j = _read_varint(entry, j)
                    continue
                if field & 7 in (1, 5):
                    j += 8 if field & 7 == 1 else 4
                    continue
                size, j = _read_varint(entry, j)
                if field == (1 << 3 | 2):
                    tags.append(entry[j:j + size].decode())
                j += size
    return tags


def _as_vector(data: bytes) -> np.ndarray:
    return np.frombuffer(data, np.uint8).astype(np.int32)


def summary_bytes(value) -> bytes:
    """The serialized Summary (TF's Session.run value) of a summary op's fetched value."""
    if isinstance(value, bytes):
        return value
    array = np.asarray(value)
    if array.dtype.kind not in "iu" or array.ndim != 1:
        raise TypeError(f"expected a summary op's int32 byte vector, got {array.dtype} "
                        f"of shape {array.shape}")
    return array.astype(np.uint8).tobytes()


# --- the summary ops ---

def _clean_tag(name: str | None) -> str | None:
    if name is None:
        return None
    cleaned = re.sub(r"[^-/\w\.]", "_", name).lstrip("/")
    return cleaned


def _summary_op(name: str, family: str | None, values: list, kernel,
                collections) -> Tensor:
    """Builds a summary op named by TF's summary_scope and adds it to its collections."""
    name, family = _clean_tag(name), _clean_tag(family)
    base = name if family is None else f"{family}/{name}"
    tensors = [convert_to_tensor(v) for v in values]
    with name_scope(base) as scope:
        tag = scope.rstrip("/") if family is None else f"{family}/{scope.rstrip('/')}"
        out = py_func(lambda *arrays: _as_vector(kernel(tag, *arrays)), tensors,
                      dtypes.int32, name=scope)
    for key in [GraphKeys.SUMMARIES] if collections is None else collections:
        out.graph.add_to_collection(key, out)
    return out


def _real(tensor: Tensor, what: str) -> Tensor:
    if not tensor.dtype.is_numeric:
        raise TypeError(f"{what} expects a real number tensor, got {tensor.dtype.name}")
    return tensor


def scalar(name: str, tensor, collections=None, family=None) -> Tensor:
    """`tf.summary.scalar`: a Summary with the scalar `tensor`'s value under tag `name`."""
    tensor = _real(convert_to_tensor(tensor), "tf.summary.scalar")
    if tensor.shape.ndims not in (None, 0):
        raise ValueError(f"tags and values are not the same shape: [] != "
                         f"{tensor.shape} (tag '{name}')")

    def kernel(tag, x):
        if x.ndim != 0:
            raise ValueError(f"tags and values are not the same shape: [] != {list(x.shape)}")
        return _scalar_value(tag, x)
    return _summary_op(name, family, [tensor], kernel, collections)


def histogram(name: str, values, collections=None, family=None) -> Tensor:
    """`tf.summary.histogram`: `values` in TF's exponential buckets (+-1e-12 * 1.1^k)."""
    tensor = _real(convert_to_tensor(values), "tf.summary.histogram")
    return _summary_op(name, family, [tensor], _histogram_value,
                       collections)


def image(name: str, tensor, max_outputs: int = 3, collections=None, family=None) -> Tensor:
    """`tf.summary.image`: up to `max_outputs` of a [batch, height, width, 1|3|4] batch as
    PNGs (floats scaled as TF's ImageSummary does). int32/int64 inputs are unsupported as
    in TF (which accepts only uint8, float32 and float64)."""
    tensor = convert_to_tensor(tensor)
    if not tensor.dtype.is_floating:
        raise TypeError(f"tf.summary.image expects float32 or float64, got "
                        f"{tensor.dtype.name}")
    shape = tensor.shape
    if shape.ndims is not None and (shape.ndims != 4 or shape.as_list()[-1] not in
                                    (None, 1, 3, 4)):
        raise ValueError(f"Tensor must be 4-D with last dim 1, 3, or 4, not {shape}")
    return _summary_op(name, family, [tensor],
                       lambda tag, x: _image_value(tag, x, int(max_outputs)), collections)


def merge(inputs, collections=None, name=None) -> Tensor:
    """`tf.summary.merge`: one Summary with the values of `inputs` (summary op outputs), in
    order; a tag that occurs twice is an InvalidArgumentError when it runs, as in TF."""
    tensors = [convert_to_tensor(t) for t in inputs]

    def kernel(*vectors):
        data = b"".join(summary_bytes(v) for v in vectors)
        tags = _tags(data)
        seen = set()
        for tag in tags:
            if tag in seen:
                raise ValueError(f"Duplicate tag {tag} found in summary inputs")
            seen.add(tag)
        return _as_vector(data)

    with name_scope(name, "Merge", tensors):
        # as in TF, the op takes `name` again inside its scope: "n/n", else "Merge/MergeSummary"
        out = py_func(kernel, tensors, dtypes.int32, name=name or "MergeSummary")
    for key in collections or []:
        out.graph.add_to_collection(key, out)
    return out


def merge_all(key: str = GraphKeys.SUMMARIES, scope=None, name=None) -> Tensor | None:
    """`tf.summary.merge_all`: `merge` of the `key` collection, None when it is empty."""
    summaries = get_default_graph().get_collection(key, scope)
    return merge(summaries, name=name) if summaries else None


__all__ = ["FileWriter", "histogram", "image", "merge", "merge_all", "scalar",
           "summary_bytes"]
