"""Graphs to and from protobuf: GraphDef messages, graph files, and import into a Graph.

The format is TensorFlow's GraphDef (graphlib/proto/graph.proto: same layout and field
numbers, package `graphjit`). Export writes every op that has a TensorFlow equivalent as
that TF op type with TF's attrs (the table lives in tf_import.py) and every other op as
`graphjit>op_name` with graphjit's attrs. So that graphjit's own files round-trip
exactly, graphjit keeps what TF's form cannot say in internal attrs, which TensorFlow
ignores because their names start with "_":

  _graphjit_op            the graphjit op type of a TF-typed node
  _graphjit_attrs         graphjit attrs stored verbatim in same-named TF attrs
  _graphjit_attr/NAME     a graphjit attr in its natural AttrValue form
  _graphjit_json/NAME     a graphjit attr that has no exact AttrValue form (JSON, exact)
  _graphjit_num_inputs    how many inputs are graphjit's (the rest are synthetic consts)
  _graphjit_synthetic     a Const made only to give a TF op an input graphjit keeps as attr
  _graphjit_collections   JSON [[collection, position, kind], ...] of this node's items
  _graphjit_variable      JSON: the ops that make up the Variable whose handle this is
  _graphjit_external      JSON: where a large constant's bytes live outside the message
  _graphjit_output_shapes static shapes sharpened by set_shape beyond the op's own rule

Import validates the whole GraphDef first (versions, names, inputs, cycles, op types,
tensor bytes) and builds it into a scratch Graph before touching the target graph, so a
bad file raises ValueError naming the source and the node and never leaves a
half-imported graph behind.

May import: dtypes, shapes, registry, graph, tf_import, proto, ops (lazily).
"""

from __future__ import annotations

import heapq
import json
import os
import re
import tempfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from google.protobuf import message as _pb_message
from google.protobuf import text_format
from google.protobuf.unknown_fields import UnknownFieldSet

from . import dtypes, registry, tf_import
from .dtypes import DType
from .graph import Graph, Operation, Tensor, get_default_graph
from .proto import graph_pb2
from .shapes import TensorShape

GraphDef = graph_pb2.GraphDef
NodeDef = graph_pb2.NodeDef
AttrValue = graph_pb2.AttrValue
TensorProto = graph_pb2.TensorProto
TensorShapeProto = graph_pb2.TensorShapeProto

# The TensorFlow GraphDef version whose op semantics graphjit follows (TF 2.21's). A file
# is read when its min_consumer is at most this and this is not among its bad_consumers;
# TensorFlow reads graphjit's files because graphjit asks for min_consumer 0.
GRAPHDEF_VERSION = 2474
MIN_CONSUMER = 0

# Constants move to a side file when a graph's constants total more than this many bytes
# (protobuf messages cannot exceed 2 GiB). Tensors smaller than EXTERNAL_MIN_BYTES stay.
DEFAULT_EXTERNAL_DATA_THRESHOLD = 1 << 30
EXTERNAL_MIN_BYTES = 1024
_ALIGN = 64

NATIVE_PREFIX = "graphjit>"
A_OP = "_graphjit_op"
A_ATTRS = "_graphjit_attrs"
A_ATTR = "_graphjit_attr/"
A_JSON = "_graphjit_json/"
A_NUM_INPUTS = "_graphjit_num_inputs"
A_SYNTHETIC = "_graphjit_synthetic"
A_COLLECTIONS = "_graphjit_collections"
A_VARIABLE = "_graphjit_variable"
A_EXTERNAL = "_graphjit_external"
A_SHAPES = "_graphjit_output_shapes"

_TF_DEBUG_INFO_FIELD = 5  # GraphDef.debug_info: TensorFlow writes it, graphjit skips it


# == tensors =================================================================================

_DT_NAMES = {v.number: v.name for v in graph_pb2.DataType.DESCRIPTOR.values}
_TYPED_FIELD = {"float32": "float_val", "float64": "double_val", "int32": "int_val",
                "int64": "int64_val", "bool": "bool_val"}
_ALL_TYPED_FIELDS = ("half_val", "float_val", "double_val", "int_val", "string_val",
                     "scomplex_val", "int64_val", "bool_val", "dcomplex_val", "uint32_val",
                     "uint64_val")


def dtype_from_enum(enum: int, where: str) -> DType:
    """The graphjit DType of a TF DataType number; ValueError naming `where` if none."""
    if enum >= 100:
        enum -= 100  # a TF1 reference type reads as its value type
    try:
        return dtypes.as_dtype(int(enum))
    except (TypeError, ValueError):
        raise ValueError(f"{where}: dtype {_DT_NAMES.get(enum, enum)} is not supported by "
                         f"graphjit (it computes with float32, float64, int32, int64, "
                         "bool)") from None


def shape_to_proto(shape: TensorShape, proto: TensorShapeProto | None = None
                   ) -> TensorShapeProto:
    proto = TensorShapeProto() if proto is None else proto
    if shape.rank is None:
        proto.unknown_rank = True
    else:
        proto.SetInParent()
        for d in shape.as_list():
            proto.dim.add().size = -1 if d is None else d
    return proto


def shape_from_proto(proto: TensorShapeProto) -> TensorShape:
    if proto.unknown_rank:
        return TensorShape(None)
    return TensorShape([None if d.size < 0 else d.size for d in proto.dim])


def array_to_tensor_proto(array: np.ndarray, proto: TensorProto | None = None,
                          with_content: bool = True) -> TensorProto:
    """`array` as a TensorProto: dtype, shape and raw little-endian `tensor_content`."""
    proto = TensorProto() if proto is None else proto
    dtype = dtypes.as_dtype(array.dtype)
    proto.dtype = dtype.enum
    shape_to_proto(TensorShape(array.shape), proto.tensor_shape)
    if with_content and array.size:
        proto.tensor_content = _le_bytes(array)
    return proto


def _le_bytes(array: np.ndarray) -> bytes:
    return np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).tobytes()


def tensor_proto_to_array(proto: TensorProto, where: str, content: bytes | None = None
                          ) -> np.ndarray:
    """A TensorProto's value as a read-only array, from any encoding TensorFlow writes:
    `tensor_content`, a typed value field, a splat (one value for the whole shape) or a
    shorter list (its last value repeated). `content` replaces tensor_content (external
    data). Raises ValueError naming `where` when dtype, shape and bytes do not fit."""
    dtype = dtype_from_enum(proto.dtype, where)
    shape = shape_from_proto(proto.tensor_shape)
    if not shape.is_fully_defined():
        raise ValueError(f"{where}: a constant needs a fully known shape, got {shape}")
    dims = shape.as_list()
    count = int(np.prod(dims, dtype=np.int64)) if dims else 1
    item = dtype.np.itemsize
    raw = proto.tensor_content if content is None else content
    if raw:
        if len(raw) != count * item:
            raise ValueError(f"{where}: the tensor's {len(raw)} bytes do not match its dtype "
                             f"{dtype.name} and shape {dims} ({count} x {item} = "
                             f"{count * item} bytes)")
        array = np.frombuffer(raw, dtype=dtype.np.newbyteorder("<")).astype(dtype.np)
        return _read_only(array.reshape(dims))
    name = _TYPED_FIELD[dtype.name]
    for other in _ALL_TYPED_FIELDS:
        if other != name and len(getattr(proto, other)):
            raise ValueError(f"{where}: a {dtype.name} tensor holds values in {other}, "
                             f"which is for another dtype")
    values = getattr(proto, name)
    if len(values) > count:
        raise ValueError(f"{where}: the tensor has {len(values)} values but its shape "
                         f"{dims} holds {count}")
    if not len(values):
        array = np.zeros(dims, dtype.np)
    elif len(values) == count:
        array = np.array(values, dtype=dtype.np).reshape(dims)
    else:
        head = np.array(values, dtype=dtype.np)
        array = np.concatenate([head, np.full(count - len(head), head[-1], dtype.np)])
        array = array.reshape(dims)
    return _read_only(array)


def _read_only(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


# == attribute values ========================================================================


def encode_attr(value) -> AttrValue | None:
    """The natural AttrValue of a Python attr value, or None when it has none."""
    av = AttrValue()
    if isinstance(value, np.generic):
        value = value.item()
    if value is None:
        return av
    if isinstance(value, bool):
        av.b = value
    elif isinstance(value, int):
        if not -(1 << 63) <= value < (1 << 63):
            return None
        av.i = value
    elif isinstance(value, float):
        av.f = value
    elif isinstance(value, str):
        av.s = value.encode("utf-8")
    elif isinstance(value, DType):
        av.type = value.enum
    elif isinstance(value, TensorShape):
        shape_to_proto(value, av.shape)
    elif isinstance(value, np.ndarray):
        try:
            array_to_tensor_proto(value, av.tensor)
        except TypeError:
            return None
    elif isinstance(value, tuple):
        return _encode_list(value)
    else:
        return None
    return av


def _encode_list(values: tuple) -> AttrValue | None:
    av = AttrValue()
    av.list.SetInParent()
    items = [v.item() if isinstance(v, np.generic) else v for v in values]
    if not items:
        return av
    kinds = {type(v) for v in items}
    if kinds == {bool}:
        av.list.b.extend(items)
    elif kinds == {int}:
        if not all(-(1 << 63) <= v < (1 << 63) for v in items):
            return None
        av.list.i.extend(items)
    elif kinds == {float}:
        av.list.f.extend(items)
    elif kinds == {str}:
        av.list.s.extend(v.encode("utf-8") for v in items)
    elif all(isinstance(v, DType) for v in items):
        av.list.type.extend(v.enum for v in items)
    elif kinds == {TensorShape}:
        for v in items:
            shape_to_proto(v, av.list.shape.add())
    elif all(isinstance(v, np.ndarray) for v in items):
        for v in items:
            array_to_tensor_proto(v, av.list.tensor.add())
    else:
        return None
    return av


def decode_attr(av: AttrValue, where: str):
    """An AttrValue as a Python value (lists become tuples; nothing set is None)."""
    kind = av.WhichOneof("value")
    if kind is None:
        return None
    if kind == "s":
        return av.s.decode("utf-8", errors="replace")
    if kind in ("i", "b"):
        return getattr(av, kind)
    if kind == "f":
        return float(av.f)
    if kind == "type":
        return dtype_from_enum(av.type, where)
    if kind == "shape":
        return shape_from_proto(av.shape)
    if kind == "tensor":
        return tensor_proto_to_array(av.tensor, where)
    if kind == "list":
        lv = av.list
        filled = [n for n in ("s", "i", "f", "b", "type", "shape", "tensor", "func")
                  if len(getattr(lv, n))]
        if not filled:
            return ()
        if len(filled) > 1:
            raise ValueError(f"{where}: a list attr mixes {' and '.join(filled)} values")
        n = filled[0]
        if n == "s":
            return tuple(s.decode("utf-8", errors="replace") for s in lv.s)
        if n in ("i", "b"):
            return tuple(getattr(lv, n))
        if n == "f":
            return tuple(float(f) for f in lv.f)
        if n == "type":
            return tuple(dtype_from_enum(t, where) for t in lv.type)
        if n == "shape":
            return tuple(shape_from_proto(s) for s in lv.shape)
        if n == "tensor":
            return tuple(tensor_proto_to_array(t, where) for t in lv.tensor)
    raise ValueError(f"{where}: function-valued attrs ({kind}) are not supported")


def same_value(a, b) -> bool:
    """Strict equality of attr values: same types all the way down, arrays bit-equal."""
    if isinstance(a, np.generic):
        a = a.item()
    if isinstance(b, np.generic):
        b = b.item()
    if type(a) is not type(b) and not (isinstance(a, DType) and isinstance(b, DType)):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and \
            a.tobytes() == np.ascontiguousarray(b).tobytes()
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return a == b or (a != a and b != b)
    if isinstance(a, DType):
        return a is b
    return a == b


def to_json(value):
    """An exact JSON form of any attr value graphjit allows (floats via repr, tagged
    tuples, dtypes, shapes and arrays)."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, tuple):
        return {"tuple": [to_json(v) for v in value]}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, DType):
        return {"dtype": value.name}
    if isinstance(value, TensorShape):
        return {"shape": value.dims}
    if isinstance(value, np.ndarray):
        return {"ndarray": value.tolist(), "dtype": value.dtype.name, "shape": list(value.shape)}
    if isinstance(value, dict):
        return {"dict": [[to_json(k), to_json(v)] for k, v in value.items()]}
    raise TypeError(f"attr value {value!r} of type {type(value).__name__} cannot be "
                    "serialized: attrs must be plain Python data, DType, TensorShape or "
                    "NumPy arrays")


def from_json(data):
    if isinstance(data, list):
        return [from_json(v) for v in data]
    if isinstance(data, dict):
        if "tuple" in data:
            return tuple(from_json(v) for v in data["tuple"])
        if "dtype" in data and "ndarray" not in data:
            return dtypes.as_dtype(data["dtype"])
        if "shape" in data and "ndarray" not in data:
            return TensorShape(data["shape"])
        if "ndarray" in data:
            array = np.array(data["ndarray"], dtype=data["dtype"]).reshape(data["shape"])
            return _read_only(array)
        if "dict" in data:
            return {from_json(k): from_json(v) for k, v in data["dict"]}
        raise ValueError(f"unknown JSON attr form {sorted(data)}")
    return data


def _store_attr(node: NodeDef, key: str, value, natural_key: str | None) -> None:
    """Stores a graphjit attr under `natural_key` when its AttrValue decodes back exactly,
    else as exact JSON under `_graphjit_json/key`."""
    av = encode_attr(value)
    if natural_key is not None and av is not None:
        try:
            if same_value(decode_attr(av, key), value):
                node.attr[natural_key].CopyFrom(av)
                return
        except ValueError:
            pass
    node.attr[A_JSON + key].s = json.dumps(to_json(value)).encode()


# == export ==================================================================================


def _tensor_ref(t: Tensor) -> str:
    return t.op.name if t.value_index == 0 else f"{t.op.name}:{t.value_index}"


class _ExportContext(tf_import.ExportContext):
    """What an exporter may ask for: synthetic const inputs and consumer information."""

    def __init__(self, graph: Graph, taken: set):
        self.graph = graph
        self.taken = taken
        self.extra_nodes: list[NodeDef] = []

    def const_input(self, op: Operation, suffix: str, value: np.ndarray) -> str:
        name = f"{op.name}/{suffix}"
        k = 1
        while name in self.taken:
            name = f"{op.name}/{suffix}_{k}"
            k += 1
        self.taken.add(name)
        node = NodeDef(name=name, op="Const")
        array = np.asarray(value)
        array_to_tensor_proto(array, node.attr["value"].tensor)
        node.attr["dtype"].type = dtypes.as_dtype(array.dtype).enum
        node.attr[A_SYNTHETIC].b = True
        self.extra_nodes.append(node)
        return name


class _ExternalSink:
    """Writes large constants to a side file and describes where each one went."""

    def __init__(self, path: str, min_bytes: int):
        self.path = path
        self.location = os.path.basename(path)
        self.min_bytes = min_bytes
        self.file = None
        self.offset = 0

    def take(self, array: np.ndarray) -> dict | None:
        if array.nbytes < self.min_bytes:
            return None
        if self.file is None:
            self.file = open(self.path + ".tmp", "wb")  # noqa: SIM115 - closed in finish()
        pad = -self.offset % _ALIGN
        self.file.write(b"\0" * pad)
        self.offset += pad
        data = _le_bytes(array)
        self.file.write(data)
        ref = {"location": self.location, "offset": self.offset, "length": len(data),
               "crc32": zlib.crc32(data)}
        self.offset += len(data)
        return ref

    def finish(self) -> None:
        if self.file is not None:
            self.file.flush()
            os.fsync(self.file.fileno())
            self.file.close()
            os.replace(self.path + ".tmp", self.path)

    def abort(self) -> None:
        if self.file is not None:
            self.file.close()
            os.unlink(self.path + ".tmp")


def graph_to_graph_def(graph: Graph, add_shapes: bool = False, external: _ExternalSink |
                       None = None) -> GraphDef:
    """The graph as a GraphDef: nodes in creation order, TF op types where they exist."""
    gd = GraphDef()
    gd.versions.producer = GRAPHDEF_VERSION
    gd.versions.min_consumer = MIN_CONSUMER
    ops = graph.get_operations()
    ctx = _ExportContext(graph, {op.name for op in ops})
    membership = _collection_membership(graph)
    for op in ops:
        node = _export_op(op, ctx, external)
        gd.node.extend(ctx.extra_nodes)
        ctx.extra_nodes = []
        items = membership.get(op)
        if items:
            node.attr[A_COLLECTIONS].s = json.dumps(items).encode()
        variable = membership.get(("variable", op))
        if variable is not None:
            node.attr[A_VARIABLE].s = json.dumps(variable).encode()
        if add_shapes:
            shapes = node.attr["_output_shapes"].list
            shapes.SetInParent()
            for t in op.outputs:
                shape_to_proto(t.shape, shapes.shape.add())
        gd.node.append(node)
    return gd


def _export_op(op: Operation, ctx: _ExportContext, external: _ExternalSink | None
               ) -> NodeDef:
    node = NodeDef(name=op.name, device=op.device or "")
    node.input.extend(_tensor_ref(t) for t in op.inputs)
    exporter = tf_import.EXPORTERS.get(op.type)
    exported = exporter(op, ctx) if exporter is not None else None
    if exported is None:
        node.op = NATIVE_PREFIX + op.type
        for key, value in op.attrs.items():
            _store_attr(node, key, value, key)
    else:
        node.op = exported.op
        node.input.extend(exported.extra_inputs)
        for key, value in exported.attrs.items():
            av = encode_attr(value)
            if av is None:
                raise TypeError(f"exporter for {op.type} made attr {key}={value!r}, which "
                                "has no AttrValue form")
            node.attr[key].CopyFrom(av)
        node.attr[A_OP].s = op.type.encode()
        verbatim = node.attr[A_ATTRS].list
        verbatim.SetInParent()
        for key, value in op.attrs.items():
            tf_value = exported.attrs.get(key, _MISSING)
            if tf_value is value and isinstance(value, np.ndarray) or (
                    tf_value is not _MISSING and same_value(
                        decode_attr(node.attr[key], key), value)):
                verbatim.s.append(key.encode())
            else:
                _store_attr(node, key, value, A_ATTR + key)
        if exported.extra_inputs:
            node.attr[A_NUM_INPUTS].i = len(op.inputs)
    if external is not None and node.op == "Const" and "value" in node.attr:
        ref = external.take(op.attrs["value"])
        if ref is not None:
            node.attr["value"].tensor.ClearField("tensor_content")
            node.attr[A_EXTERNAL].s = json.dumps(ref).encode()
    node.input.extend("^" + c.name for c in op.control_inputs)
    refined = _refined_shapes(op)
    if refined is not None:
        shapes = node.attr[A_SHAPES].list
        shapes.SetInParent()
        for shape in refined:
            shape_to_proto(shape, shapes.shape.add())
    return node


def _refined_shapes(op: Operation) -> list | None:
    """The output shapes when set_shape made them sharper than the op's own rule says
    (re-inference on import would lose that), else None."""
    try:
        inferred = registry.infer_outputs(registry.get(op.type),
                                          [t.spec() for t in op.inputs], op.attrs)
    except (ValueError, TypeError):
        inferred = None
    shapes = [t.shape for t in op.outputs]
    if inferred is not None and [s.shape for s in inferred] == shapes:
        return None
    return shapes


_MISSING = object()


def _collection_membership(graph: Graph) -> dict:
    """op -> [[collection, position, kind]] for graph elements in collections, and
    ("variable", handle op) -> the names that rebuild that Variable."""
    found: dict = {}
    for key in graph.get_all_collection_keys():
        for pos, item in enumerate(graph.get_collection(key)):
            if isinstance(item, Operation):
                op, kind = item, "op"
            elif isinstance(item, Tensor):
                op, kind = item.op, item.value_index
            elif _is_variable(item):
                op, kind = item.handle.op, "variable"
                found[("variable", op)] = {
                    "initializer": item.initializer.name,
                    "snapshot": item._as_graph_element().name,
                    "initial_value": item.initial_value.name,
                    "trainable": bool(item.trainable)}
            else:
                continue  # Python objects in collections are not graph data
            if op.graph is graph:
                found.setdefault(op, []).append([key, pos, kind])
    return found


def _is_variable(item) -> bool:
    return isinstance(getattr(item, "handle", None), Tensor) and \
        getattr(item, "initializer", None) is not None


# == validation ==============================================================================

_INPUT_RE = re.compile(r"^(\^)?([^:^][^:]*)(?::(\d+))?$")


@dataclass
class _Node:
    index: int
    proto: NodeDef
    data: list[tuple[str, int]] = field(default_factory=list)
    control: list[str] = field(default_factory=list)
    gj_type: str | None = None       # graphjit op type when graphjit wrote it
    value: np.ndarray | None = None  # a Const's decoded value


@dataclass
class _Parsed:
    source: str
    nodes: dict[str, _Node]
    order: list[_Node]


def _where(source: str, node: NodeDef) -> str:
    return f"{source}: node {node.name!r} ({node.op})"


def validate_graph_def(graph_def: GraphDef, source: str = "graph_def",
                       input_map: Mapping | None = None) -> _Parsed:
    """Checks a GraphDef completely (versions, names, inputs, cycles, op types, tensor
    bytes, then a build into a scratch Graph for output indices, dtypes and shapes);
    raises ValueError naming `source` and the node. `input_map` as in import_graph_def."""
    parsed = _check_structure(graph_def, source)
    scratch = Graph()
    with scratch.as_default():
        stand_ins = {k: _stand_in(scratch, v) for k, v in (input_map or {}).items()}
        builder = _Builder(scratch, parsed, "", stand_ins)
        builder.build()
        try:
            builder.restore_collections()
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as e:
            message = e.args[0] if e.args else str(e)
            raise ValueError(f"{source}: the recorded variables or collections are "
                             f"malformed: {message}") from e
    return parsed


def _check_structure(graph_def: GraphDef, source: str) -> _Parsed:
    v = graph_def.versions
    if v.min_consumer > GRAPHDEF_VERSION:
        raise ValueError(f"{source}: the graph needs a reader of GraphDef version "
                         f"{v.min_consumer} or newer (written by producer version "
                         f"{v.producer}); this graphjit reads version {GRAPHDEF_VERSION}")
    if GRAPHDEF_VERSION in v.bad_consumers:
        raise ValueError(f"{source}: the graph's producer (version {v.producer}) marks "
                         f"readers of version {GRAPHDEF_VERSION} as unable to read it")
    nodes: dict[str, _Node] = {}
    for i, proto in enumerate(graph_def.node):
        if not proto.name or ":" in proto.name or proto.name.startswith("^"):
            raise ValueError(f"{source}: node #{i} has an invalid name {proto.name!r}")
        if proto.name in nodes:
            raise ValueError(f"{source}: duplicate node name {proto.name!r} (nodes "
                             f"#{nodes[proto.name].index} and #{i})")
        nodes[proto.name] = _Node(i, proto)
    unsupported: dict[str, list[str]] = {}
    for node in nodes.values():
        proto = node.proto
        for ref in proto.input:
            m = _INPUT_RE.match(ref)
            if m is None:
                raise ValueError(f"{_where(source, proto)}: malformed input {ref!r}")
            control, name, index = m.group(1), m.group(2), m.group(3)
            if name not in nodes:
                raise ValueError(f"{_where(source, proto)}: input {ref!r} names a node that "
                                 "is not in the graph")
            if control:
                node.control.append(name)
            elif node.control:
                raise ValueError(f"{_where(source, proto)}: data input {ref!r} comes after "
                                 "a control input")
            else:
                node.data.append((name, int(index or 0)))
        if proto.op.startswith(NATIVE_PREFIX):
            node.gj_type = proto.op[len(NATIVE_PREFIX):]
        elif A_OP in proto.attr:
            node.gj_type = proto.attr[A_OP].s.decode("utf-8", errors="replace")
        if node.gj_type is not None:
            if node.gj_type not in registry.all_ops():
                unsupported.setdefault(f"{proto.op} (graphjit op {node.gj_type!r})",
                                       []).append(proto.name)
        elif tf_import.importer(proto.op) is None:
            unsupported.setdefault(proto.op or "<empty op type>", []).append(proto.name)
    if unsupported:
        lines = [f"  {op}: {', '.join(repr(n) for n in names[:5])}"
                 + (f" and {len(names) - 5} more" if len(names) > 5 else "")
                 for op, names in sorted(unsupported.items())]
        raise ValueError(f"{source}: {len(unsupported)} unsupported op type(s) (see "
                         "docs/tensorflow-models.md for the supported ones):\n"
                         + "\n".join(lines))
    order = _topological_order(nodes, source)
    for node in order:
        proto = node.proto
        if proto.op == "Const" or (node.gj_type == "const"):
            node.value = _const_value(proto, source)
        for key, av in proto.attr.items():
            if key.startswith(A_JSON):
                try:
                    from_json(json.loads(av.s))
                except (ValueError, TypeError, KeyError) as e:
                    raise ValueError(f"{_where(source, proto)}: attr {key} is not valid "
                                     f"graphjit JSON ({e})") from None
    return _Parsed(source, nodes, order)


def _topological_order(nodes: dict[str, _Node], source: str) -> list[_Node]:
    """Kahn's algorithm, taking ready nodes in file order (so graphjit's creation order
    survives); nodes left over sit on a cycle."""
    pending = {}
    users: dict[str, list[str]] = {}
    for name, node in nodes.items():
        deps = {d for d, _ in node.data} | set(node.control)
        pending[name] = len(deps)
        for d in deps:
            users.setdefault(d, []).append(name)
    ready = [(n.index, name) for name, n in nodes.items() if pending[name] == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        _, name = heapq.heappop(ready)
        order.append(nodes[name])
        for u in users.get(name, ()):
            pending[u] -= 1
            if pending[u] == 0:
                heapq.heappush(ready, (nodes[u].index, u))
    if len(order) != len(nodes):
        stuck = sorted((n for n, c in pending.items() if c > 0), key=lambda n: nodes[n].index)
        raise ValueError(f"{source}: the graph has a cycle through node(s) "
                         f"{', '.join(repr(n) for n in stuck[:8])}"
                         + (" ..." if len(stuck) > 8 else "")
                         + " (TF control flow such as while loops is not supported)")
    return order


def _const_value(proto: NodeDef, source: str) -> np.ndarray:
    where = _where(source, proto)
    if "value" not in proto.attr or proto.attr["value"].WhichOneof("value") != "tensor":
        raise ValueError(f"{where}: a Const needs a tensor-valued 'value' attr")
    content = None
    if A_EXTERNAL in proto.attr:
        content = _read_external(json.loads(proto.attr[A_EXTERNAL].s), where)
    value = tensor_proto_to_array(proto.attr["value"].tensor, where, content)
    if "dtype" in proto.attr and proto.attr["dtype"].WhichOneof("value") == "type":
        declared = dtype_from_enum(proto.attr["dtype"].type, where)
        if declared.np != value.dtype:
            raise ValueError(f"{where}: attr dtype {declared.name} does not match the "
                             f"tensor's dtype {value.dtype.name}")
    return value


def _read_external(ref: dict, where: str) -> bytes:
    path = ref.get("location", "")
    try:
        with open(path, "rb") as f:
            f.seek(int(ref["offset"]))
            data = f.read(int(ref["length"]))
    except (OSError, KeyError, ValueError) as e:
        raise ValueError(f"{where}: cannot read the constant's external data from "
                         f"{path!r}: {e}") from None
    if len(data) != int(ref["length"]) or zlib.crc32(data) != int(ref.get("crc32", 0)):
        raise ValueError(f"{where}: the external data in {path!r} is truncated or does not "
                         "match its checksum")
    return data


# == import ==================================================================================


def _as_graph_def(graph_def) -> GraphDef:
    if isinstance(graph_def, GraphDef):
        return graph_def
    if isinstance(graph_def, _pb_message.Message):  # e.g. TensorFlow's own GraphDef class
        return GraphDef.FromString(graph_def.SerializeToString())
    raise TypeError(f"graph_def must be a GraphDef protobuf, got {type(graph_def).__name__}")


class _Builder(tf_import.ImportContext):
    """Creates the nodes of a validated GraphDef in one graph."""

    def __init__(self, graph: Graph, parsed: _Parsed, prefix: str, input_map: dict):
        self.graph = graph
        self.parsed = parsed
        self.prefix = prefix
        self.input_map = input_map
        self.ops: dict[str, Operation] = {}
        self.node: _Node | None = None

    def full_name(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    # -- ImportContext ------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.full_name(self.node.proto.name) + "/"

    def attr(self, key: str, default=tf_import.REQUIRED):
        proto = self.node.proto
        if key not in proto.attr:
            if default is tf_import.REQUIRED:
                raise ValueError(f"missing attr {key!r}")
            return default
        return decode_attr(proto.attr[key], key)

    def const(self, index: int):
        from .graph import constant_value

        name, out = self.node.data[index]
        src = self.parsed.nodes[name]
        if src.value is not None and out == 0 and f"{name}:0" not in self.input_map:
            return src.value
        value = constant_value(self.inputs[index])
        if value is None:
            raise ValueError(f"input {index} ({name}) must be a constant")
        return value

    def const_self(self) -> np.ndarray:
        return self.node.value

    @property
    def node_op(self) -> str:
        return self.node.proto.op

    # -- building -----------------------------------------------------------------------
    def tensor(self, name: str, index: int) -> Tensor:
        mapped = self.input_map.get(f"{name}:{index}")
        if mapped is not None:
            return mapped
        op = self.ops.get(name)
        if op is None:
            raise ValueError(f"input {name}:{index} refers to a node that was not built "
                             "(a synthetic constant?)")
        if index >= len(op.outputs):
            raise ValueError(f"input {name}:{index} does not exist: {name} has "
                             f"{len(op.outputs)} output(s)")
        return op.outputs[index]

    def build(self) -> None:
        graph = self.graph
        with graph.name_scope(""), graph.control_dependencies(None):
            for name in self.parsed.nodes:
                graph.unique_name(self.full_name(name))  # auto-named helpers avoid these
            for node in self.parsed.order:
                if A_SYNTHETIC in node.proto.attr and node.proto.attr[A_SYNTHETIC].b:
                    continue
                self.node = node
                try:
                    self._build_node(node)
                except (ValueError, TypeError, KeyError, IndexError, AttributeError) as e:
                    # AttributeError: an attr of the wrong kind (e.g. a missing dtype)
                    # reached an op's shape rule; the file is malformed at this node.
                    message = e.args[0] if e.args else str(e)
                    raise ValueError(f"{_where(self.parsed.source, node.proto)}: "
                                     f"{message}") from e

    def _build_node(self, node: _Node) -> None:
        proto = node.proto
        self.inputs = [self.tensor(n, i) for n, i in
                       node.data[:self._num_inputs(node)]]
        controls = []
        for n in node.control:
            mapped = self.input_map.get("^" + n)
            controls.append(mapped if mapped is not None else self.ops[n])
        graph = self.graph
        exact = self.full_name(proto.name) + "/"
        with graph.control_dependencies(controls):
            if node.gj_type is not None:
                attrs = self._graphjit_attrs(node)
                if "key" in attrs and registry.get(node.gj_type).uses_context:
                    # a random op's generator is keyed by its op's name: the imported
                    # copy draws from its own stream, as a separate op does in TF
                    attrs["key"] = exact[:-1]
                op = graph.create_op(node.gj_type, self.inputs, attrs, name=exact)
                if A_SHAPES in proto.attr:
                    for t, shape in zip(op.outputs, proto.attr[A_SHAPES].list.shape):
                        t.set_shape(shape_from_proto(shape))
            else:
                with graph.name_scope(exact):
                    result = tf_import.importer(proto.op)(self)
                op = self._named_result(result, exact[:-1])
        op.device = proto.device
        self.ops[proto.name] = op

    def _num_inputs(self, node: _Node) -> int:
        if A_NUM_INPUTS in node.proto.attr:
            return node.proto.attr[A_NUM_INPUTS].i
        return len(node.data)

    def _graphjit_attrs(self, node: _Node) -> dict:
        proto = node.proto
        attrs = {}
        if node.proto.op.startswith(NATIVE_PREFIX):
            names = [k for k in proto.attr if not k.startswith("_")]
        else:
            names = [s.decode() for s in proto.attr[A_ATTRS].list.s] if A_ATTRS in \
                proto.attr else []
        for key in names:
            if key == "value" and node.value is not None:
                attrs[key] = node.value
            else:
                attrs[key] = decode_attr(proto.attr[key], key)
        for key, av in proto.attr.items():
            if key.startswith(A_ATTR):
                attrs[key[len(A_ATTR):]] = decode_attr(av, key)
            elif key.startswith(A_JSON):
                attrs[key[len(A_JSON):]] = from_json(json.loads(av.s))
        return attrs

    def _named_result(self, result, exact: str) -> Operation:
        """The op named `exact` that an importer made; an identity gives that name to a
        tensor the importer returned from elsewhere (e.g. a builder that folded)."""
        try:
            return self.graph.get_operation_by_name(exact)
        except KeyError:
            pass
        if isinstance(result, Operation):
            from .ops.core import group
            return group(result, name=exact + "/")
        if isinstance(result, (list, tuple)):
            if len(result) != 1:
                raise ValueError(f"the importer made {len(result)} outputs under other names")
            result = result[0]
        from .ops.core import identity
        return identity(result, name=exact + "/").op

    def restore_collections(self) -> None:
        """Re-creates Variables and collection membership recorded by graphjit."""
        entries = []
        variables = {}
        for name, op in self.ops.items():
            proto = self.parsed.nodes[name].proto
            if A_VARIABLE in proto.attr:
                info = json.loads(proto.attr[A_VARIABLE].s)
                variables[name] = self._variable(op, info)
            if A_COLLECTIONS in proto.attr:
                for key, pos, kind in json.loads(proto.attr[A_COLLECTIONS].s):
                    if kind == "variable":
                        item = variables.get(name)
                    elif kind == "op":
                        item = op
                    else:
                        item = op.outputs[int(kind)]
                    if item is not None:
                        entries.append((key, pos, item))
        first_seen: dict[str, int] = {}
        for key, _, _ in entries:
            first_seen.setdefault(key, len(first_seen))
        for key, _, item in sorted(entries, key=lambda e: (first_seen[e[0]], e[1])):
            self.graph.add_to_collection(key, item)

    def _variable(self, handle_op: Operation, info: dict):
        from .ops.state import Variable

        def element(name):
            return self.graph.as_graph_element(self._mapped_name(name))

        return Variable._from_graph(handle_op.outputs[0], element(info["initializer"]),
                                    element(info["snapshot"]), element(info["initial_value"]),
                                    bool(info["trainable"]))

    def _mapped_name(self, name: str) -> str:
        op_name, sep, index = name.partition(":")
        if sep:
            mapped = self.input_map.get(name)
            if mapped is not None:
                return mapped.name
        return self.full_name(op_name) + sep + index


def import_graph_def(graph_def, input_map: Mapping | None = None,
                     return_elements: Sequence[str] | None = None, name: str | None = None,
                     op_dict=None, producer_op_list=None, source: str = "graph_def"):
    """`tf.import_graph_def`: adds the GraphDef's nodes to the default graph under the name
    scope `name` ("import" when None; "" for none) and returns `return_elements`.

    `input_map` maps tensor names of the GraphDef ("x:0", or "x" for "x:0"; "^x" for a
    control input) to Tensors (Operations) of the default graph that replace them.
    Variables and collection membership that graphjit recorded are restored (TensorFlow
    does that only through a MetaGraphDef). Everything is validated, and built once into a
    scratch graph, before the default graph is touched.
    """
    gd = _as_graph_def(graph_def)
    graph = get_default_graph()
    if graph.finalized:
        raise RuntimeError("Graph is finalized and cannot be modified (import_graph_def).")
    input_map = _normalize_input_map(input_map, graph)
    parsed = _check_structure(gd, source)
    missing = [k for k in input_map if k.lstrip("^").rpartition(":")[0] not in parsed.nodes
               and k.lstrip("^") not in parsed.nodes]
    if missing:
        raise ValueError(f"{source}: input_map names tensors that are not in the graph: "
                         f"{missing}")
    for key, value in input_map.items():
        if isinstance(value, Tensor):
            _check_mapped(parsed, key, value, source)
    wanted = list(return_elements or [])
    for element in wanted:
        op_name = element.partition(":")[0]
        if op_name not in parsed.nodes:
            raise ValueError(f"{source}: return_elements names {element!r}, which is not in "
                             "the graph")

    validate_graph_def(gd, source, input_map)

    prefix = ""
    if name is None:
        name = "import"
    if name:
        prefix = graph.unique_name(name.rstrip("/"))
    with graph.as_default():
        builder = _Builder(graph, parsed, prefix, input_map)
        builder.build()
        builder.restore_collections()
    if return_elements is None:
        return None
    results = []
    for element in wanted:
        op_name, sep, index = element.partition(":")
        op = builder.ops[op_name]
        results.append(op.outputs[int(index)] if sep else op)
    return results


def _normalize_input_map(input_map, graph: Graph) -> dict:
    result = {}
    for key, value in (input_map or {}).items():
        if not isinstance(key, str):
            raise TypeError(f"input_map keys must be tensor names, got {key!r}")
        if key.startswith("^"):
            if not isinstance(value, Operation):
                raise TypeError(f"input_map[{key!r}] must be an Operation")
        else:
            if ":" not in key:
                key += ":0"
            from .ops.core import convert_to_tensor
            value = convert_to_tensor(value)
            if value.graph is not graph:
                raise ValueError(f"input_map[{key!r}] must be a tensor of the default graph")
        result[key] = value
    return result


def _check_mapped(parsed: _Parsed, key: str, value: Tensor, source: str) -> None:
    node = parsed.nodes[key.rpartition(":")[0]]
    proto = node.proto
    for attr in ("dtype", "T"):
        if attr in proto.attr and proto.attr[attr].WhichOneof("value") == "type":
            declared = dtype_from_enum(proto.attr[attr].type, _where(source, proto))
            if declared != value.dtype and proto.op in ("Placeholder", "Const", "Identity"):
                raise ValueError(f"{_where(source, proto)}: input_map[{key!r}] has dtype "
                                 f"{value.dtype.name} but the graph's tensor is "
                                 f"{declared.name}")


def _stand_in(scratch: Graph, value):
    if isinstance(value, Operation):
        return scratch.create_op("no_op", [], name="input_map_stand_in")
    return scratch.create_op("placeholder", [], {"dtype": value.dtype, "shape": value.shape},
                             name="input_map_stand_in").outputs[0]


# == files ===================================================================================

_TEXT_SUFFIXES = (".pbtxt", ".pbtext", ".txt", ".prototxt")


def write_graph(graph_or_graph_def, logdir: str, name: str, as_text: bool = True,
                external_data_threshold: int | None = None) -> str:
    """`tf.train.write_graph`: writes a text (`.pbtxt`) or binary GraphDef file atomically
    and returns its path. When the graph's constants total more than
    `external_data_threshold` bytes (default DEFAULT_EXTERNAL_DATA_THRESHOLD), constants of
    at least EXTERNAL_MIN_BYTES go to a side file `<name>.data` next to it."""
    threshold = DEFAULT_EXTERNAL_DATA_THRESHOLD if external_data_threshold is None \
        else external_data_threshold
    if logdir and not os.path.isdir(logdir):
        os.makedirs(logdir, exist_ok=True)
    path = os.path.join(logdir, name)
    sink = _ExternalSink(path + ".data", EXTERNAL_MIN_BYTES)
    try:
        if isinstance(graph_or_graph_def, Graph):
            graph = graph_or_graph_def
            total = sum(op.attrs["value"].nbytes for op in graph.get_operations()
                        if op.type == "const")
            gd = graph_to_graph_def(graph, external=sink if total > threshold else None)
        else:
            gd = GraphDef()
            gd.CopyFrom(_as_graph_def(graph_or_graph_def))
            total = sum(len(n.attr["value"].tensor.tensor_content) for n in gd.node
                        if n.op == "Const" and "value" in n.attr)
            if total > threshold:
                _externalize(gd, sink)
        data = text_format.MessageToString(gd).encode() if as_text else gd.SerializeToString()
        _atomic_write(path, data)
        sink.finish()
    except BaseException:
        sink.abort()
        raise
    return path


def _externalize(gd: GraphDef, sink: _ExternalSink) -> None:
    for node in gd.node:
        if node.op != "Const" or "value" not in node.attr:
            continue
        tensor = node.attr["value"].tensor
        if len(tensor.tensor_content) < sink.min_bytes:
            continue
        array = tensor_proto_to_array(tensor, node.name)
        node.attr[A_EXTERNAL].s = json.dumps(sink.take(array)).encode()
        tensor.ClearField("tensor_content")


def _atomic_write(path: str, data: bytes) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_graph(path: str, validate: bool = True) -> GraphDef:
    """Reads a binary or text GraphDef file (graphjit's or TensorFlow's) and, unless
    `validate=False`, checks it completely; errors are ValueErrors naming the file."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise ValueError(f"{path}: cannot read the graph file: {e}") from None
    if not data:
        raise ValueError(f"{path}: the file is empty")
    gd = _parse(path, data)
    if gd.node and not gd.HasField("versions"):
        raise ValueError(f"{path}: the file has nodes but no versions record, which "
                         "TensorFlow and graphjit write after the nodes: it looks "
                         "truncated")
    base = os.path.dirname(os.path.abspath(path))
    for node in gd.node:
        if A_EXTERNAL in node.attr:
            try:
                ref = json.loads(node.attr[A_EXTERNAL].s)
                ref["location"] = os.path.join(base, os.path.basename(ref["location"]))
            except (ValueError, TypeError, KeyError) as e:
                raise ValueError(f"{_where(path, node)}: bad external data record "
                                 f"({e})") from None
            node.attr[A_EXTERNAL].s = json.dumps(ref).encode()
    if validate:
        validate_graph_def(gd, path)
    return gd


def _parse(path: str, data: bytes) -> GraphDef:
    gd = GraphDef()
    if not path.endswith(_TEXT_SUFFIXES):
        try:
            gd.ParseFromString(data)
            unknown = [f.field_number for f in UnknownFieldSet(gd)
                       if f.field_number != _TF_DEBUG_INFO_FIELD]
            if not unknown:
                return gd
            binary_error = f"unknown top-level field(s) {sorted(set(unknown))}"
        except _pb_message.DecodeError as e:
            binary_error = str(e) or "DecodeError"
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"{path}: not a GraphDef: the binary parse failed "
                             f"({binary_error}) and the file is not text") from None
    else:
        binary_error = None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ValueError(f"{path}: a text GraphDef must be UTF-8 ({e})") from None
    gd = GraphDef()
    try:
        text_format.Parse(text, gd)
    except text_format.ParseError as e:
        try:  # TensorFlow may write fields graphjit does not define (e.g. debug_info)
            gd = GraphDef()
            text_format.Parse(text, gd, allow_unknown_field=True)
        except text_format.ParseError:
            prefix = f"the binary parse failed ({binary_error}) and " if binary_error else ""
            raise ValueError(f"{path}: not a GraphDef: {prefix}the text parse failed "
                             f"({e})") from None
    return gd


__all__ = ["GraphDef", "NodeDef", "AttrValue", "TensorProto", "graph_to_graph_def",
           "import_graph_def", "validate_graph_def", "write_graph", "read_graph",
           "array_to_tensor_proto", "tensor_proto_to_array", "GRAPHDEF_VERSION"]
