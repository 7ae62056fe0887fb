"""`train.Saver` checkpoints: variables by name with dtype and shape, written atomically.

A checkpoint with prefix P is P.index (a CheckpointIndex message, graphlib/proto/
checkpoint.proto) plus the data file it names, P.data-<token>, holding the raw
little-endian bytes of each variable. The data file gets a fresh name on every save and
the index is replaced last with os.replace, so the index is the commit point: a save that
dies part way leaves the previous P.index and its data file intact. The directory's
`checkpoint` file (TensorFlow's CheckpointState text format) names the latest prefix.

Saving reads the variables through read ops and restoring assigns them through
placeholder-fed assign ops, all made when the Saver is built (as TF does), and both run
with `sess.run`, so they work with any executor.

May import: graphjit.graphlib.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
import time
import zlib

import numpy as np
from google.protobuf import message as _pb_message
from google.protobuf import text_format

from ..graphlib import dtypes, errors
from ..graphlib.graph import GraphKeys, get_default_graph
from ..graphlib.proto import checkpoint_pb2
from ..graphlib.serialization import shape_from_proto, shape_to_proto

FORMAT_VERSION = 1
STATE_FILE = "checkpoint"
_ALIGN = 64


def _variable_name(var) -> str:
    return var.op.name


class Saver:
    """`tf.train.Saver`: saves and restores variables of the default graph.

    `var_list` is a list of Variables (saved under their op names) or a dict from
    checkpoint name to Variable; None means every global variable. `max_to_keep` old
    checkpoints are kept (None or 0 keeps all).
    """

    def __init__(self, var_list=None, reshape=False, sharded=False, max_to_keep=5,
                 keep_checkpoint_every_n_hours=10000.0, name=None, restore_sequentially=False,
                 saver_def=None, builder=None, defer_build=False, allow_empty=False,
                 write_version=2, pad_step_number=False, save_relative_paths=False,
                 filename=None):
        graph = get_default_graph()
        if var_list is None:
            var_list = graph.get_collection(GraphKeys.GLOBAL_VARIABLES)
        if isinstance(var_list, dict):
            named = sorted(var_list.items())
        else:
            named = sorted((_variable_name(v), v) for v in var_list)
        seen = set()
        for key, _ in named:
            if key in seen:
                raise ValueError(f"At least two variables have the same name: {key}")
            seen.add(key)
        if not named and not allow_empty:
            raise ValueError("No variables to save")
        self._graph = graph
        self._names = [k for k, _ in named]
        self._variables = [v for _, v in named]
        self._max_to_keep = max_to_keep
        self._last: list[tuple[str, float]] = []
        self._pad_step_number = pad_step_number
        with graph.name_scope(name or "save"):
            from ..graphlib.ops.core import group, placeholder
            self._reads = [v.read_value() for v in self._variables]
            self._feeds = []
            assigns = []
            for key, var in named:
                ph = placeholder(var.dtype, var.shape, name="restore_" + _safe(key))
                self._feeds.append(ph)
                assigns.append(var.assign(ph, read_value=False))
            self._restore_op = group(*assigns, name="restore_all") if assigns else None

    # -- saving -------------------------------------------------------------------------
    def save(self, sess, save_path: str, global_step=None, latest_filename=None,
             meta_graph_suffix="meta", write_meta_graph=True, write_state=True,
             strip_default_attrs=False, save_debug_info=False) -> str:
        """Writes the variables' values to `save_path` (plus "-<step>") and returns the
        prefix; updates the directory's `checkpoint` file unless `write_state=False`."""
        if sess.graph is not self._graph:
            raise ValueError("The session's graph is not the Saver's graph.")
        step = None
        if global_step is not None:
            step = int(np.asarray(sess.run(global_step)) if not isinstance(
                global_step, (int, np.integer)) else global_step)
            prefix = f"{save_path}-{step:08d}" if self._pad_step_number else \
                f"{save_path}-{step}"
        else:
            prefix = save_path
        folder = os.path.dirname(os.path.abspath(prefix))
        if not os.path.isdir(folder):
            raise errors.NotFoundError(None, None, f"Parent directory of {save_path} doesn't "
                                       "exist, can't save.")
        values = sess.run(self._reads) if self._reads else []
        write_checkpoint(prefix, dict(zip(self._names, values)), global_step=step)
        if write_state:
            self._remember(prefix)
            update_checkpoint_state(folder, prefix, [p for p, _ in self._last],
                                    latest_filename or STATE_FILE)
        return prefix

    def _remember(self, prefix: str) -> None:
        self._last = [(p, t) for p, t in self._last if p != prefix]
        self._last.append((prefix, time.time()))
        if self._max_to_keep:
            while len(self._last) > self._max_to_keep:
                old, _ = self._last.pop(0)
                delete_checkpoint(old)

    @property
    def last_checkpoints(self) -> list[str]:
        return [p for p, _ in self._last]

    # -- restoring ----------------------------------------------------------------------
    def restore(self, sess, save_path: str) -> None:
        """Assigns every saved variable its value from the checkpoint at `save_path`."""
        if save_path is None:
            raise ValueError("Can't load save_path when it is None.")
        stored = read_checkpoint(save_path)
        feed = {}
        for key, var, ph in zip(self._names, self._variables, self._feeds):
            if key not in stored:
                raise errors.NotFoundError(
                    None, None, f"Key {key} not found in checkpoint {save_path}")
            value = stored[key]
            if value.dtype != var.dtype.np:
                raise errors.InvalidArgumentError(
                    None, None, f"tensor_name = {key}; expected dtype {var.dtype.name} does "
                    f"not equal original dtype {value.dtype.name} in checkpoint {save_path}")
            if not var.shape.is_compatible_with(value.shape):
                raise errors.InvalidArgumentError(
                    None, None, f"tensor_name = {key}; shape in checkpoint {value.shape} "
                    f"does not match the variable's shape {var.shape} ({save_path})")
            feed[ph] = value
        if self._restore_op is not None:
            sess.run(self._restore_op, feed)

    def recover_last_checkpoints(self, checkpoint_paths) -> None:
        self._last = [(p, time.time()) for p in checkpoint_paths]


def _safe(name: str) -> str:
    return name.replace("/", "_").replace(":", "_")


# == files ===================================================================================


def write_checkpoint(prefix: str, values: dict, global_step: int | None = None) -> None:
    """Writes `values` (name -> array) as checkpoint `prefix`, atomically."""
    folder = os.path.dirname(os.path.abspath(prefix))
    base = os.path.basename(prefix)
    data_name = f"{base}.data-{secrets.token_hex(4)}"
    index = checkpoint_pb2.CheckpointIndex(format_version=FORMAT_VERSION, data_file=data_name,
                                           global_step=-1 if global_step is None
                                           else global_step)
    offset = 0
    data_tmp = _temp_path(folder, data_name)
    try:
        with open(data_tmp, "wb") as f:
            for name in sorted(values):
                array = np.asarray(values[name])
                dtype = dtypes.as_dtype(array.dtype)
                raw = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).tobytes()
                pad = -offset % _ALIGN
                f.write(b"\0" * pad)
                offset += pad
                entry = index.tensor.add(name=name, dtype=dtype.enum, offset=offset,
                                         length=len(raw), crc32=zlib.crc32(raw))
                shape_to_proto(_shape(array), entry.shape)
                f.write(raw)
                offset += len(raw)
            f.flush()
            os.fsync(f.fileno())
        index.data_length = offset
        os.replace(data_tmp, os.path.join(folder, data_name))
        _atomic_write(prefix + ".index", index.SerializeToString())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(data_tmp)
        raise
    _remove_stale_data(folder, base, keep=data_name)


def _shape(array: np.ndarray):
    from ..graphlib.shapes import TensorShape
    return TensorShape(array.shape)


def _temp_path(folder: str, name: str) -> str:
    fd, path = tempfile.mkstemp(prefix=name + ".", suffix=".tmp", dir=folder)
    os.close(fd)
    return path


def _atomic_write(path: str, data: bytes) -> None:
    tmp = _temp_path(os.path.dirname(os.path.abspath(path)), os.path.basename(path))
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _remove_stale_data(folder: str, base: str, keep: str) -> None:
    """Data files of this prefix that its index no longer names (and temp files left by
    saves that died) are garbage once the new index is in place."""
    for name in os.listdir(folder):
        if name != keep and name.startswith(base + ".data-"):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(folder, name))


def _read_index(prefix: str) -> checkpoint_pb2.CheckpointIndex:
    path = prefix + ".index"
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise errors.NotFoundError(None, None, f"Failed to find any matching files for "
                                   f"{prefix} ({e.strerror})") from None
    try:
        index = checkpoint_pb2.CheckpointIndex.FromString(data)
    except _pb_message.DecodeError as e:
        raise errors.DataLossError(None, None, f"{path}: not a graphjit checkpoint index "
                                   f"({e})") from None
    if index.format_version != FORMAT_VERSION:
        raise errors.DataLossError(None, None, f"{path}: checkpoint format version "
                                   f"{index.format_version} is not {FORMAT_VERSION}")
    return index


def read_checkpoint(prefix: str) -> dict[str, np.ndarray]:
    """The arrays of checkpoint `prefix`, by variable name; checksums are verified."""
    index = _read_index(prefix)
    data_path = os.path.join(os.path.dirname(os.path.abspath(prefix)), index.data_file)
    try:
        with open(data_path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise errors.DataLossError(None, None, f"{prefix}: cannot read its data file "
                                   f"{data_path}: {e.strerror}") from None
    if len(data) != index.data_length:
        raise errors.DataLossError(None, None, f"{data_path}: {len(data)} bytes, the index "
                                   f"says {index.data_length}")
    values = {}
    for entry in index.tensor:
        raw = data[entry.offset:entry.offset + entry.length]
        if zlib.crc32(raw) != entry.crc32:
            raise errors.DataLossError(None, None, f"{data_path}: checksum mismatch for "
                                       f"{entry.name}")
        dtype = dtypes.as_dtype(int(entry.dtype))
        shape = shape_from_proto(entry.shape).as_list()
        array = np.frombuffer(raw, dtype=dtype.np.newbyteorder("<")).astype(dtype.np)
        values[entry.name] = array.reshape(shape)
    return values


def list_variables(prefix: str) -> list[tuple[str, list[int]]]:
    """`tf.train.list_variables`: (name, shape) of each saved variable."""
    return [(e.name, shape_from_proto(e.shape).as_list()) for e in _read_index(prefix).tensor]


def checkpoint_exists(prefix: str) -> bool:
    return os.path.exists(prefix + ".index")


def delete_checkpoint(prefix: str) -> None:
    folder = os.path.dirname(os.path.abspath(prefix))
    base = os.path.basename(prefix)
    for name in os.listdir(folder):
        if name == base + ".index" or name.startswith(base + ".data-"):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(folder, name))


# == the `checkpoint` state file =============================================================


def update_checkpoint_state(folder: str, latest: str, all_paths, state_name: str = STATE_FILE
                            ) -> None:
    """Writes `folder/checkpoint` (TF's text CheckpointState), paths relative to folder."""
    def rel(p):
        return os.path.relpath(p, folder) if os.path.isabs(p) or os.path.dirname(p) else p
    state = checkpoint_pb2.CheckpointState(model_checkpoint_path=rel(os.path.abspath(latest)))
    state.all_model_checkpoint_paths.extend(rel(os.path.abspath(p)) for p in all_paths)
    _atomic_write(os.path.join(folder, state_name),
                  text_format.MessageToString(state).encode())


def get_checkpoint_state(checkpoint_dir: str, latest_filename: str | None = None):
    """`tf.train.get_checkpoint_state`: the CheckpointState (absolute paths) or None."""
    path = os.path.join(checkpoint_dir, latest_filename or STATE_FILE)
    if not os.path.exists(path):
        return None
    state = checkpoint_pb2.CheckpointState()
    try:
        with open(path) as f:
            text_format.Parse(f.read(), state)
    except (OSError, text_format.ParseError, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: not a checkpoint state file ({e})") from None
    def absolute(p):
        return p if os.path.isabs(p) else os.path.join(checkpoint_dir, p)
    state.model_checkpoint_path = absolute(state.model_checkpoint_path)
    paths = [absolute(p) for p in state.all_model_checkpoint_paths]
    del state.all_model_checkpoint_paths[:]
    state.all_model_checkpoint_paths.extend(paths)
    return state


def latest_checkpoint(checkpoint_dir: str, latest_filename: str | None = None) -> str | None:
    """`tf.train.latest_checkpoint`: the newest checkpoint prefix in the directory, or None
    when there is none (or its index is gone)."""
    state = get_checkpoint_state(checkpoint_dir, latest_filename)
    if state is None or not state.model_checkpoint_path:
        return None
    prefix = state.model_checkpoint_path
    return prefix if checkpoint_exists(prefix) else None


__all__ = ["Saver", "latest_checkpoint", "get_checkpoint_state", "list_variables",
           "checkpoint_exists", "read_checkpoint", "write_checkpoint"]
