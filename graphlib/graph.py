"""Graph, Operation and Tensor: the TF1-style mutable graph builder.

Every op enters a graph through `Graph.create_op`, the one funnel that names it (name
scopes, unique names), attaches control dependencies, infers output dtypes and shapes from
the op's registry entry, and records the user's source line for error messages.

May import: dtypes, shapes, registry, errors.
"""

from __future__ import annotations

import contextlib
import linecache
import os
import sys
import threading
from collections.abc import Mapping, Sequence

import numpy as np

from . import registry
from .dtypes import DType
from .registry import Spec
from .shapes import TensorShape, as_shape

_PACKAGE_ROOTS = tuple(
    os.path.realpath(os.path.join(os.path.dirname(__file__), "..", sub)) + os.sep
    for sub in ("graphjit", "graphlib", "compiler", "runtime")
)
_MAX_FRAMES = 12
_FOLD_AT_BUILD_LIMIT = 4096  # elements: build-time constant values stay cheap


_IS_INTERNAL: dict[str, bool] = {}


def _is_internal(filename: str) -> bool:
    known = _IS_INTERNAL.get(filename)
    if known is None:
        if filename.startswith("<"):
            known = filename.startswith("<frozen ")  # runpy, importlib: not user code
        else:
            known = os.path.realpath(filename).startswith(_PACKAGE_ROOTS)
        _IS_INTERNAL[filename] = known
    return known


def _user_frames() -> tuple:
    """The caller's stack outside graphjit, outermost first, as (file, line, function)."""
    frames = []
    frame = sys._getframe(2)
    while frame is not None and len(frames) < _MAX_FRAMES:
        code = frame.f_code
        if not _is_internal(code.co_filename):
            frames.append((code.co_filename, frame.f_lineno, code.co_name))
        frame = frame.f_back
    return tuple(reversed(frames))


class Tensor:
    """One output of an Operation: `name` is "op_name:index"."""

    __slots__ = ("_op", "_value_index", "_dtype", "_shape", "_consumers", "_const_cache",
                 "__weakref__")
    __array_priority__ = 100  # so `ndarray + tensor` defers to Tensor.__radd__

    def __init__(self, op: Operation, value_index: int, dtype: DType, shape: TensorShape):
        self._op = op
        self._value_index = value_index
        self._dtype = dtype
        self._shape = shape
        self._consumers: list[Operation] = []
        self._const_cache = None

    op = property(lambda self: self._op)
    value_index = property(lambda self: self._value_index)
    dtype = property(lambda self: self._dtype)
    graph = property(lambda self: self._op._graph)
    device = property(lambda self: self._op.device)

    @property
    def name(self) -> str:
        return f"{self._op.name}:{self._value_index}"

    @property
    def shape(self) -> TensorShape:
        return self._shape

    def get_shape(self) -> TensorShape:
        return self._shape

    def set_shape(self, shape) -> None:
        merged = self._shape.merge_with(as_shape(shape))
        self._shape = merged

    def consumers(self) -> list[Operation]:
        return list(self._consumers)

    def spec(self) -> Spec:
        return Spec(self._dtype, self._shape, const_fn=lambda: constant_value(self))

    def eval(self, feed_dict=None, session=None):
        from_session = session or _default_session()
        return from_session.run(self, feed_dict=feed_dict)

    def __repr__(self) -> str:
        return f"<gj.Tensor '{self.name}' shape={self._shape} dtype={self._dtype.name}>"

    __str__ = __repr__

    # Equality and hashing stay object identity (TF1 graph mode), at C speed.

    def __bool__(self):
        raise TypeError("Using a graphjit Tensor as a Python bool is not allowed in graph "
                        "mode; use gj.where or compare values after Session.run.")

    def __iter__(self):
        if self._shape.rank is None:
            raise TypeError("Cannot iterate over a tensor with unknown shape.")
        if self._shape.rank == 0:
            raise TypeError("Cannot iterate over a scalar tensor.")
        if self._shape[0] is None:
            raise TypeError("Cannot iterate over a tensor with unknown first dimension.")
        return iter(self[i] for i in range(self._shape[0]))

    def __len__(self):
        raise TypeError(f"len is not well defined for symbolic Tensors ({self.name}); "
                        "use gj.shape(x)[0] or x.shape[0].")

    @classmethod
    def _override_operator(cls, operator: str, func) -> None:
        setattr(cls, operator, func)


class Operation:
    """A node of the graph: `type` names its OpDef; `attrs` are its static arguments."""

    def __init__(self, graph: Graph, op_type: str, name: str, inputs: Sequence[Tensor],
                 attrs: Mapping, control_inputs: Sequence[Operation], output_specs, frames):
        self._graph = graph
        self._type = op_type
        self._name = name
        self._inputs = tuple(inputs)
        self._attrs = dict(attrs)
        self._control_inputs = list(control_inputs)
        self._outputs = tuple(Tensor(self, i, s.dtype, s.shape) for i, s in
                              enumerate(output_specs))
        self._frames = frames
        self._id = graph._next_id()
        self.device = ""
        for t in self._inputs:
            t._consumers.append(self)

    graph = property(lambda self: self._graph)
    type = property(lambda self: self._type)
    name = property(lambda self: self._name)
    inputs = property(lambda self: self._inputs)
    outputs = property(lambda self: list(self._outputs))
    attrs = property(lambda self: self._attrs)
    control_inputs = property(lambda self: list(self._control_inputs))
    traceback = property(lambda self: self._frames)

    @property
    def opdef(self) -> registry.OpDef:
        return registry.get(self._type)

    def values(self) -> tuple:
        return self._outputs

    def get_attr(self, name: str):
        if name not in self._attrs:
            raise ValueError(f"Operation {self._name!r} has no attr named {name!r}.")
        return self._attrs[name]

    def _add_control_input(self, op: Operation) -> None:
        if op not in self._control_inputs:
            self._control_inputs.append(op)

    def run(self, feed_dict=None, session=None) -> None:
        (session or _default_session()).run(self, feed_dict=feed_dict)

    def traceback_text(self) -> str:
        lines = []
        for filename, lineno, func in self._frames:
            lines.append(f'  File "{filename}", line {lineno}, in {func}')
            source = linecache.getline(filename, lineno).strip()
            if source:
                lines.append(f"    {source}")
        return "\n".join(lines)

    def user_location(self) -> str:
        """The innermost user frame, as "file:line"."""
        if not self._frames:
            return "<unknown>"
        filename, lineno, _ = self._frames[-1]
        return f"{os.path.basename(filename)}:{lineno}"

    def __repr__(self) -> str:
        return f"<gj.Operation '{self._name}' type={self._type}>"


class Graph:
    """A TF1-style graph: the ops, their names, name scopes, control scopes, collections."""

    def __init__(self):
        self._ops: list[Operation] = []
        self._ops_by_name: dict[str, Operation] = {}
        self._names_in_use: dict[str, int] = {}
        self._name_stack = ""
        self._control_stack: list[list[Operation]] = []
        self._collections: dict[str, list] = {}
        self._finalized = False
        self._lock = threading.RLock()
        self._id_counter = 0
        self._version = 0
        self.seed = None
        self._last_random_seed = 0

    # -- naming -----------------------------------------------------------------------
    def _next_id(self) -> int:
        self._id_counter += 1
        return self._id_counter

    def unique_name(self, name: str, mark_as_used: bool = True) -> str:
        if self._name_stack:
            name = self._name_stack + "/" + name
        key = name.lower()
        count = self._names_in_use.get(key, 0)
        if mark_as_used:
            self._names_in_use[key] = count + 1
        if count > 0:
            base = key
            while key in self._names_in_use:
                key = f"{base}_{count}"
                count += 1
            if mark_as_used:
                self._names_in_use[key] = 1
            name = f"{name}_{count - 1}"
        return name

    def get_name_scope(self) -> str:
        return self._name_stack

    @contextlib.contextmanager
    def name_scope(self, name):
        old = self._name_stack
        if name is None or name == "":
            new = ""
        elif name.endswith("/"):
            new = name[:-1]
        else:
            new = self.unique_name(name)
        self._name_stack = new
        try:
            yield (new + "/") if new else ""
        finally:
            self._name_stack = old

    # -- default graph ----------------------------------------------------------------
    @contextlib.contextmanager
    def as_default(self):
        _default_graph_stack().append(self)
        try:
            yield self
        finally:
            _default_graph_stack().pop()

    # -- control dependencies ---------------------------------------------------------
    @contextlib.contextmanager
    def control_dependencies(self, control_inputs):
        if control_inputs is None:
            saved, self._control_stack = self._control_stack, []
            try:
                yield
            finally:
                self._control_stack = saved
            return
        ops = []
        for c in control_inputs:
            op = _as_operation(c)
            if op.graph is not self:
                raise ValueError(f"Control input {op.name!r} must be from the same graph.")
            ops.append(op)
        self._control_stack.append(ops)
        try:
            yield
        finally:
            self._control_stack.pop()

    def _current_control_inputs(self, inputs: Sequence[Tensor]) -> list[Operation]:
        if not self._control_stack:
            return []
        input_ops = {t.op for t in inputs}
        seen, result = set(), []
        for frame in self._control_stack:
            for op in frame:
                if op not in input_ops and op not in seen:
                    seen.add(op)
                    result.append(op)
        return result

    # -- the op funnel ----------------------------------------------------------------
    def create_op(self, op_type: str, inputs: Sequence[Tensor] = (), attrs: Mapping | None
                  = None, name: str | None = None) -> Operation:
        """Creates, names, shape-checks and adds one op; the only way ops enter a graph."""
        if self._finalized:
            raise RuntimeError("Graph is finalized and cannot be modified (an op was added "
                               f"after Graph.finalize(): {op_type} {name or ''}).")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Op names must be strings, got {type(name).__name__} {name!r} "
                            f"for a {op_type} op")
        opdef = registry.get(op_type)
        attrs = dict(attrs or {})
        for t in inputs:
            if not isinstance(t, Tensor):
                raise TypeError(f"Input to {op_type} must be a Tensor, got {type(t).__name__}")
            if t.graph is not self:
                raise ValueError(f"Tensor {t.name} must be from the same graph as the new "
                                 f"{op_type} op.")
        frames = _user_frames()
        with self._lock:
            if name is not None and name.endswith("/"):
                op_name = name[:-1]
                if op_name in self._ops_by_name:
                    raise ValueError(f"Duplicate node name in graph: {op_name!r}")
                self._names_in_use[op_name.lower()] = 1
            else:
                op_name = self.unique_name(_valid_op_name(name or opdef.name))
            try:
                specs = registry.infer_outputs(opdef, [t.spec() for t in inputs], attrs)
            except (ValueError, TypeError) as e:
                raise type(e)(_build_error(e, op_name, op_type, inputs, frames)) from None
            op = Operation(self, op_type, op_name, inputs, attrs,
                           self._current_control_inputs(inputs), specs, frames)
            self._ops.append(op)
            self._ops_by_name[op_name] = op
            self._version += 1
        return op

    # -- lookup -----------------------------------------------------------------------
    def get_operations(self) -> list[Operation]:
        return list(self._ops)

    @property
    def num_operations(self) -> int:
        """How many ops the graph holds (no copy): with `operations_since`, what a
        builder created."""
        return len(self._ops)

    def operations_since(self, count: int) -> list[Operation]:
        """The ops created after the graph held `count` of them, in creation order."""
        return self._ops[count:]

    def get_operation_by_name(self, name: str) -> Operation:
        if not isinstance(name, str):
            raise TypeError(f"Operation names are strings, got {type(name).__name__}")
        if ":" in name:
            raise ValueError(f"Name {name!r} appears to refer to a Tensor, not an Operation.")
        try:
            return self._ops_by_name[name]
        except KeyError:
            raise KeyError(f"The name {name!r} refers to an Operation not in the graph.") \
                from None

    def get_tensor_by_name(self, name: str) -> Tensor:
        if not isinstance(name, str):
            raise TypeError(f"Tensor names are strings, got {type(name).__name__}")
        op_name, sep, index = name.rpartition(":")
        if not sep or not index.isdigit():
            raise ValueError(f"The name {name!r} looks a like an Operation name, not a Tensor."
                             " Tensor names must be of the form \"<op_name>:<output_index>\".")
        op = self._ops_by_name.get(op_name)
        if op is None:
            raise KeyError(f"The name {name!r} refers to a Tensor which does not exist. The "
                           f"operation, {op_name!r}, does not exist in the graph.")
        i = int(index)
        if i >= len(op._outputs):
            raise KeyError(f"The name {name!r} refers to a Tensor which does not exist. The "
                           f"operation, {op_name!r}, exists but only has {len(op._outputs)} "
                           "outputs.")
        return op._outputs[i]

    def as_graph_element(self, obj, allow_tensor=True, allow_operation=True):
        if isinstance(obj, str):
            if ":" in obj and allow_tensor:
                return self.get_tensor_by_name(obj)
            if allow_operation:
                return self.get_operation_by_name(obj)
            return self.get_tensor_by_name(obj)
        if isinstance(obj, (Tensor, Operation)):
            if obj.graph is not self:
                raise ValueError(f"{obj!r} is not an element of this graph.")
            return obj
        converted = getattr(obj, "_as_graph_element", None)
        if converted is not None:
            return converted()
        raise TypeError(f"Can not convert a {type(obj).__name__} into a Tensor or Operation.")

    # -- collections ------------------------------------------------------------------
    def add_to_collection(self, name: str, value) -> None:
        self._collections.setdefault(name, []).append(value)

    def add_to_collections(self, names, value) -> None:
        for name in ([names] if isinstance(names, str) else names):
            self.add_to_collection(name, value)

    def get_collection(self, name: str, scope: str | None = None) -> list:
        items = list(self._collections.get(name, []))
        if scope is None:
            return items
        import re
        pattern = re.compile(scope)
        return [i for i in items if pattern.match(getattr(i, "name", ""))]

    def get_collection_ref(self, name: str) -> list:
        return self._collections.setdefault(name, [])

    def get_all_collection_keys(self) -> list[str]:
        return list(self._collections)

    def clear_collection(self, name: str) -> None:
        self._collections.pop(name, None)

    # -- serialization ----------------------------------------------------------------
    def as_graph_def(self, from_version=None, add_shapes=False):
        """The graph as a GraphDef protobuf message (wire compatible with TensorFlow's)."""
        from .serialization import graph_to_graph_def
        return graph_to_graph_def(self, add_shapes=add_shapes)

    # -- misc -------------------------------------------------------------------------
    def finalize(self) -> None:
        self._finalized = True

    @property
    def finalized(self) -> bool:
        return self._finalized

    def _unsafe_unfinalize(self) -> None:
        self._finalized = False

    @property
    def version(self) -> int:
        return self._version

    @contextlib.contextmanager
    def device(self, name):
        yield

    @contextlib.contextmanager
    def colocate_with(self, op, ignore_existing=False):
        yield

    def is_fetchable(self, tensor_or_op) -> bool:
        return True

    def is_feedable(self, tensor) -> bool:
        return True

    def __repr__(self) -> str:
        return f"<gj.Graph with {len(self._ops)} ops>"


def _valid_op_name(name: str) -> str:
    if not isinstance(name, str) or not name:
        raise ValueError(f"Op names must be non-empty strings, got {name!r}")
    return name


def _build_error(err: Exception, op_name: str, op_type: str, inputs, frames) -> str:
    shapes = ", ".join(_shape_text(t) for t in inputs)
    names = ", ".join(t.name for t in inputs)
    where = ""
    if frames:
        filename, lineno, _ = frames[-1]
        where = f" (created at {filename}:{lineno})"
    return (f"{err} for '{{{{node {op_name}}}}} = {op_type}({names})' with input shapes: "
            f"{shapes}{where}.")


def _shape_text(t: Tensor) -> str:
    if t.shape.rank is None:
        return "?"
    return "[" + ",".join("?" if d is None else str(d) for d in t.shape.as_list()) + "]"


def _as_operation(obj) -> Operation:
    if isinstance(obj, Operation):
        return obj
    if isinstance(obj, Tensor):
        return obj.op
    op = getattr(obj, "op", None)
    if isinstance(op, Operation):
        return op
    raise TypeError(f"Can not convert a {type(obj).__name__} into an Operation.")


def constant_value(tensor: Tensor):
    """The tensor's value if it is computable at build time from constants, else None."""
    if tensor._const_cache is not None:
        return tensor._const_cache
    value = _compute_constant(tensor)
    if value is not None:
        tensor._const_cache = value
    return value


def _compute_constant(tensor: Tensor):
    op = tensor.op
    if op.type in _FEEDABLE_DEFAULTS:
        return None  # a feed replaces it: its default is not its value (TF agrees)
    opdef = registry.get(op.type)
    if opdef.stateful or opdef.uses_context or opdef.kind in ("leaf", "state"):
        if op.type == "const":
            return op.attrs["value"]
        return None
    static = getattr(opdef, "attrs", {}).get("static_value")
    if static is not None:
        value = static(*[t.spec() for t in op.inputs], **op.attrs)
        if value is not None:
            return value
    values = []
    sentinel = False
    for k, t in enumerate(op.inputs):
        v = constant_value(t)
        if v is None and k == 0 and op.type in _SELECTING_OPS:
            v = _known_dims(t)
            sentinel = True
        if v is None:
            return None
        values.append(v)
    total = sum(np.size(v) for v in values)
    if total > _FOLD_AT_BUILD_LIMIT:
        return None
    try:
        with np.errstate(all="ignore"):
            outs = registry.run_reference(opdef, values, op.attrs)
    except Exception:
        return None
    value = np.asarray(outs[tensor.value_index])
    if sentinel and np.any(value == _UNKNOWN_DIM):
        return None
    return value


_FEEDABLE_DEFAULTS = frozenset({"placeholder_with_default"})

# Ops that only pick entries of their first input: applied to a partly known shape (the
# unknown dimensions as a sentinel), what they pick is constant when it holds no
# sentinel, as TF's shape inference finds `tf.shape(x)[1]` for x of shape [None, 7].
_SELECTING_OPS = frozenset({"strided_slice", "slice", "gather", "squeeze", "identity",
                            "unstack"})
_UNKNOWN_DIM = -1


def _known_dims(tensor: Tensor):
    """`shape(x)`'s value with each unknown dimension as _UNKNOWN_DIM, or None when it is
    not a shape op or x's rank is unknown."""
    op = tensor.op
    if op.type != "shape" or op.inputs[0].shape.rank is None:
        return None
    dims = [_UNKNOWN_DIM if d is None else d for d in op.inputs[0].shape.as_tuple()]
    return np.array(dims, dtype=op.outputs[0].dtype.np)


# -- default graph stack (per thread, as in TF) --------------------------------------------
_global_default_graph: Graph | None = None
_thread_state = threading.local()


def _default_graph_stack() -> list:
    stack = getattr(_thread_state, "graphs", None)
    if stack is None:
        stack = _thread_state.graphs = []
    return stack


def get_default_graph() -> Graph:
    global _global_default_graph
    stack = _default_graph_stack()
    if stack:
        return stack[-1]
    if _global_default_graph is None:
        _global_default_graph = Graph()
    return _global_default_graph


def reset_default_graph() -> None:
    global _global_default_graph
    if _default_graph_stack():
        raise AssertionError("Do not use reset_default_graph() inside a graph context "
                             "(with graph.as_default()).")
    _global_default_graph = Graph()


def _default_session_stack() -> list:
    stack = getattr(_thread_state, "sessions", None)
    if stack is None:
        stack = _thread_state.sessions = []
    return stack


def _default_session():
    stack = _default_session_stack()
    if not stack:
        raise ValueError("Cannot evaluate tensor using `eval()`: No default session is "
                         "registered. Use `with sess.as_default()` or pass an explicit "
                         "session to `eval(session=sess)`")
    return stack[-1]


def name_scope(name, default_name=None, values=None):
    """`tf.name_scope` on the default graph (or the graph of `values`)."""
    graph = get_default_graph()
    if values:
        for v in values:
            if isinstance(v, Tensor):
                graph = v.graph
                break
    return graph.name_scope(name if name is not None else default_name)


def control_dependencies(control_inputs):
    return get_default_graph().control_dependencies(control_inputs)


def flatten_nested(structure) -> list:
    """Leaves of lists/tuples (iteratively, in order)."""
    out, stack = [], [structure]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        else:
            out.append(item)
    return out


__all__ = ["Graph", "Operation", "Tensor", "get_default_graph", "reset_default_graph",
           "name_scope", "control_dependencies", "constant_value"]


class GraphKeys:
    """Standard collection names, as `tf.GraphKeys`."""

    GLOBAL_VARIABLES = "variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    LOCAL_VARIABLES = "local_variables"
    MODEL_VARIABLES = "model_variables"
    GLOBAL_STEP = "global_step"
    TRAIN_OP = "train_op"
    LOSSES = "losses"
    SUMMARIES = "summaries"
    UPDATE_OPS = "update_ops"
    REGULARIZATION_LOSSES = "regularization_losses"
    MOVING_AVERAGE_VARIABLES = "moving_average_variables"
    METRIC_VARIABLES = "metric_variables"
