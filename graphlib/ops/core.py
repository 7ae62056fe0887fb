"""Leaves and plumbing: constants, placeholders, identity, no_op, add_n, and the two
broadcast helpers that every gradient uses (`sum_to_shape`, `broadcast_like`).

Also `convert_to_tensor`, the one conversion of Python/NumPy values into graph tensors.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes
from ..dtypes import DType
from ..graph import Operation, Tensor, get_default_graph
from ..registry import OpDef, Spec, register
from ..shapes import TensorShape, as_shape
from ._util import graph_of, same

# -- conversion ---------------------------------------------------------------------------


def _infer_numpy_value(value, dtype: DType | None, dtype_hint: DType | None) -> np.ndarray:
    if dtype is None and dtype_hint is not None:
        try:
            return _infer_numpy_value(value, dtype_hint, None)
        except (TypeError, ValueError):
            pass
    if dtype is not None:
        array = np.asarray(value)
        if array.dtype == object:
            raise TypeError(f"Cannot convert {value!r} to a tensor of type {dtype.name}")
        if dtype.is_integer and array.dtype.kind == "f":
            if not np.all(np.isfinite(array)) or np.any(array != np.trunc(array)):
                raise TypeError(f"Cannot convert {value!r} to a tensor of type {dtype.name}")
        if dtype.is_bool and array.dtype.kind != "b":
            raise TypeError(f"Cannot convert {value!r} to a tensor of type bool")
        if dtype.is_integer and array.dtype.kind in "iuf" and array.size:
            info = np.iinfo(dtype.np)
            if np.any(array > info.max) or np.any(array < info.min):
                raise TypeError(f"Cannot convert {value!r} to a tensor of type {dtype.name}: "
                                f"out of range [{info.min}, {info.max}]")
        if (dtype.is_integer or dtype.is_floating) and array.dtype.kind == "b" and \
                not isinstance(value, np.ndarray):
            raise TypeError(f"Cannot convert {value!r} to a tensor of type {dtype.name}")
        with np.errstate(all="ignore"):
            return array.astype(dtype.np)
    array = np.asarray(value)
    if array.dtype == object:
        raise TypeError(f"Cannot convert {value!r} (of type {type(value).__name__}) to a "
                        "Tensor; mixed or ragged values are not supported")
    if isinstance(value, np.ndarray | np.generic):
        if array.dtype.kind == "u" or array.dtype.itemsize < 4 and array.dtype.kind in "iu":
            return array.astype(np.int32 if array.dtype.itemsize < 4 else np.int64)
        if array.dtype == np.float16:
            return array.astype(np.float32)
        dtypes.as_dtype(array.dtype)
        return array
    if array.dtype.kind == "f":
        return array.astype(np.float32)
    if array.dtype.kind in "iu":
        if array.size and (array.max() > np.iinfo(np.int32).max
                           or array.min() < np.iinfo(np.int32).min):
            return array.astype(np.int64)
        return array.astype(np.int32)
    if array.dtype.kind == "b":
        return array
    raise TypeError(f"Cannot convert {value!r} to a Tensor of a supported dtype")


def convert_to_tensor(value, dtype=None, name=None, dtype_hint=None, preferred_dtype=None
                      ) -> Tensor:
    """Returns `value` as a Tensor: Tensors pass through, Variables read, values become
    constants, and lists containing tensors are stacked (TF's auto-packing)."""
    dtype = None if dtype is None else dtypes.as_dtype(dtype)
    hint = dtype_hint if dtype_hint is not None else preferred_dtype
    hint = None if hint is None else dtypes.as_dtype(hint)
    if isinstance(value, Tensor):
        if dtype is not None and value.dtype != dtype:
            raise ValueError(f"Tensor conversion requested dtype {dtype.name} for Tensor with "
                             f"dtype {value.dtype.name}: {value!r}")
        return value
    to_tensor = getattr(value, "_to_tensor", None)
    if to_tensor is not None:
        t = to_tensor()
        if dtype is not None and t.dtype != dtype:
            raise ValueError(f"Tensor conversion requested dtype {dtype.name} for Tensor with "
                             f"dtype {t.dtype.name}: {value!r}")
        return t
    if isinstance(value, Operation):
        raise TypeError(f"Can not convert an Operation ({value.name}) into a Tensor.")
    if isinstance(value, (list, tuple)) and _contains_tensor(value):
        items = [convert_to_tensor(v, dtype=dtype, dtype_hint=hint or _first_dtype(value))
                 for v in value]
        graph = graph_of(*items)
        return graph.create_op("stack", items, {"axis": 0}, name=name or "packed").outputs[0]
    return constant(value, dtype=dtype, name=name or "Const", _dtype_hint=hint)


def _contains_tensor(value) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Tensor) or hasattr(item, "_to_tensor"):
            return True
        if isinstance(item, (list, tuple)):
            stack.extend(item)
    return False


def _first_dtype(values):
    for v in values:
        if isinstance(v, Tensor):
            return v.dtype
    return None


def convert_n(values, dtype=None) -> list[Tensor]:
    return [convert_to_tensor(v, dtype=dtype) for v in values]


# -- constants ----------------------------------------------------------------------------


def _const_infer(*, value, dtype):
    return Spec(dtype, value.shape, const=value)


register(OpDef(
    name="const", infer=_const_infer,
    reference=lambda *, value, dtype: value,
    no_gradient="constants have no inputs", kind="leaf",
    doc="A constant; `value` is a read-only NumPy array of `dtype`."))


def constant(value, dtype=None, shape=None, name="Const", verify_shape=False,
             _dtype_hint=None) -> Tensor:
    """`tf.constant`: a constant tensor; with `shape`, a scalar is filled out to it."""
    dtype = None if dtype is None else dtypes.as_dtype(dtype)
    if isinstance(value, Tensor):
        raise TypeError("tf.constant does not accept Tensors; use tf.identity or tf.cast.")
    array = _infer_numpy_value(value, dtype, _dtype_hint)
    if shape is not None:
        shape = [int(d) for d in as_shape(shape).as_list()]
        size = int(np.prod(shape))
        if array.size == 1:
            array = np.full(shape, array.reshape(()), dtype=array.dtype)
        elif array.size == size and not verify_shape:
            array = array.reshape(shape)
        else:
            raise TypeError(f"Expected Tensor's shape: {tuple(shape)}, but got "
                            f"{array.shape} ({array.size} elements) for constant {name}.")
    array = np.array(array, copy=True)
    array.setflags(write=False)
    graph = get_default_graph()
    op = graph.create_op("const", [], {"value": array, "dtype": dtypes.as_dtype(array.dtype)},
                         name=name or "Const")
    return op.outputs[0]


# -- placeholders -------------------------------------------------------------------------

register(OpDef(
    name="placeholder",
    infer=lambda *, dtype, shape: Spec(dtype, shape),
    reference=lambda *, dtype, shape: _missing_feed(),
    no_gradient="placeholders are fed, not computed", kind="leaf",
    doc="A value that must be fed."))


def _missing_feed():
    raise LookupError("placeholder was not fed")


def placeholder(dtype, shape=None, name=None) -> Tensor:
    """`tf.placeholder`: a tensor that must be fed; `shape` may have `None` dimensions."""
    dtype = dtypes.as_dtype(dtype)
    op = get_default_graph().create_op(
        "placeholder", [], {"dtype": dtype, "shape": as_shape(shape)},
        name=name or "Placeholder")
    return op.outputs[0]


def _placeholder_with_default_infer(default, *, shape):
    shape = as_shape(shape)
    if not default.shape.is_compatible_with(shape) and shape.rank is not None:
        raise ValueError(f"Shape {default.shape} of the default is not compatible with the "
                         f"placeholder shape {shape}")
    return Spec(default.dtype, shape)


register(OpDef(
    name="placeholder_with_default", infer=_placeholder_with_default_infer,
    reference=lambda default, *, shape: default,
    gradient=lambda op, grad: [grad],
    doc="The default input unless the output is fed."))


def placeholder_with_default(input, shape, name=None) -> Tensor:
    """`tf.placeholder_with_default`: `input` unless this tensor is fed."""
    value = convert_to_tensor(input)
    return value.graph.create_op("placeholder_with_default", [value],
                                 {"shape": as_shape(shape)},
                                 name=name or "PlaceholderWithDefault").outputs[0]


# -- identity, stop_gradient, no_op, add_n ------------------------------------------------

register(OpDef(
    name="identity", infer=same, reference=lambda x: x,
    gradient=lambda op, grad: [grad], kind="elementwise", scalar="{0}"))

register(OpDef(
    name="stop_gradient", infer=same, reference=lambda x: x,
    no_gradient="stop_gradient blocks gradients by definition", kind="elementwise",
    scalar="{0}"))


def identity(input, name=None) -> Tensor:
    """`tf.identity`: the same value (a new op, so control dependencies can attach)."""
    x = convert_to_tensor(input)
    return x.graph.create_op("identity", [x], name=name or "Identity").outputs[0]


def stop_gradient(input, name=None) -> Tensor:
    """`tf.stop_gradient`: the same value; gradients do not flow through it."""
    x = convert_to_tensor(input)
    return x.graph.create_op("stop_gradient", [x], name=name or "StopGradient").outputs[0]


register(OpDef(
    name="no_op", infer=lambda: [], reference=lambda: (),
    no_gradient="no_op has no outputs", kind="leaf"))


def no_op(name=None) -> Operation:
    """`tf.no_op`: does nothing; useful as a target of control dependencies."""
    return get_default_graph().create_op("no_op", [], name=name or "NoOp")


def group(*inputs, name=None) -> Operation:
    """`tf.group`: one op that runs after all of `inputs`."""
    if len(inputs) == 1 and isinstance(inputs[0], (list, tuple)):
        inputs = tuple(inputs[0])
    graph = graph_of(*inputs)
    deps = [i for i in inputs if i is not None]
    with graph.control_dependencies(deps):
        return graph.create_op("no_op", [], name=name or "group_deps")


def tuple_(tensors, name=None, control_inputs=None) -> list:
    """`tf.tuple`: the same tensors, each available only after all of them are computed."""
    tensors = [None if t is None else convert_to_tensor(t) for t in tensors]
    deps = [t for t in tensors if t is not None] + list(control_inputs or [])
    gate = group(*deps, name=name or "tuple")
    graph = gate.graph
    with graph.control_dependencies([gate]):
        return [None if t is None else identity(t) for t in tensors]


def _add_n_infer(*inputs):
    if not inputs:
        raise ValueError("add_n needs at least one input")
    first = inputs[0]
    shape = first.shape
    for s in inputs[1:]:
        if s.dtype != first.dtype:
            raise TypeError(f"add_n inputs must have one dtype, got {first.dtype.name} and "
                            f"{s.dtype.name}")
        shape = shape.merge_with(s.shape)
    return Spec(first.dtype, shape)


def _add_n_reference(*arrays):
    total = arrays[0].copy()
    for a in arrays[1:]:
        total += a
    return total


register(OpDef(
    name="add_n", infer=_add_n_infer, reference=_add_n_reference,
    gradient=lambda op, grad: [grad] * len(op.inputs), kind="elementwise",
    doc="Sum of same-shaped tensors; the scalar expression is built per arity by lowering."))


def add_n(inputs, name=None) -> Tensor:
    """`tf.add_n`: elementwise sum of a list of same-shaped tensors."""
    tensors = convert_n(inputs)
    if not tensors:
        raise ValueError("inputs must be a non-empty list of tensors")
    if len(tensors) == 1 and name is None:
        return tensors[0]
    return tensors[0].graph.create_op("add_n", tensors, name=name or "AddN").outputs[0]


# -- broadcast helpers used by gradients --------------------------------------------------


def _sum_to_shape_infer(grad, like):
    return Spec(grad.dtype, like.shape)


def sum_to_shape_reference(grad: np.ndarray, like: np.ndarray) -> np.ndarray:
    """Sums `grad` over the axes along which `like` was broadcast to grad's shape."""
    target = like.shape
    if grad.shape == target:
        return grad
    lead = grad.ndim - len(target)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, d in enumerate(target) if d == 1 and grad.shape[lead + i] != 1)
    summed = grad.sum(axis=axes, keepdims=True, dtype=grad.dtype) if axes else grad
    return summed.reshape(target)


def _broadcast_like_infer(value, like):
    return Spec(value.dtype, like.shape)


register(OpDef(
    name="sum_to_shape", infer=_sum_to_shape_infer, reference=sum_to_shape_reference,
    gradient=lambda op, grad: [broadcast_like(grad, op.inputs[0]), None],
    kind="reduction", attrs={"shape_only_inputs": (1,)},
    doc="Reduces a broadcast gradient back to the shape of its second input."))

register(OpDef(
    name="broadcast_like", infer=_broadcast_like_infer,
    reference=lambda value, like: np.broadcast_to(value, like.shape).copy(),
    gradient=lambda op, grad: [sum_to_shape(grad, op.inputs[0]), None],
    kind="elementwise", scalar="{0}", attrs={"shape_only_inputs": (1,)},
    doc="Broadcasts the first input to the shape of the second (whose values are unused)."))


def sum_to_shape(grad: Tensor, like: Tensor) -> Tensor:
    """The gradient `grad` summed down to `like`'s shape (no op when the shapes match)."""
    grad, like = convert_to_tensor(grad), convert_to_tensor(like)
    if grad.shape.is_fully_defined() and like.shape.is_fully_defined() and \
            grad.shape == like.shape:
        return grad
    return grad.graph.create_op("sum_to_shape", [grad, like], name="SumToShape").outputs[0]


def broadcast_like(value: Tensor, like: Tensor) -> Tensor:
    """`value` broadcast to `like`'s shape (no op when the shapes match)."""
    value, like = convert_to_tensor(value), convert_to_tensor(like)
    if value.shape.is_fully_defined() and like.shape.is_fully_defined() and \
            value.shape == like.shape:
        return value
    return value.graph.create_op("broadcast_like", [value, like],
                                 name="BroadcastLike").outputs[0]


# -- zeros_like / ones_like ---------------------------------------------------------------

def _like_infer(x, *, dtype=None):
    return Spec(dtype or x.dtype, x.shape)


register(OpDef(
    name="zeros_like", infer=_like_infer,
    reference=lambda x, *, dtype=None: np.zeros(x.shape, (dtype or dtypes.as_dtype(x.dtype)).np),
    no_gradient="the result does not depend on the input's values",
    kind="elementwise", scalar="0"))

register(OpDef(
    name="ones_like", infer=_like_infer,
    reference=lambda x, *, dtype=None: np.ones(x.shape, (dtype or dtypes.as_dtype(x.dtype)).np),
    no_gradient="the result does not depend on the input's values",
    kind="elementwise", scalar="1"))


def zeros_like(tensor, dtype=None, name=None, optimize=True) -> Tensor:
    """`tf.zeros_like`."""
    x = convert_to_tensor(tensor)
    attrs = {"dtype": dtypes.as_dtype(dtype)} if dtype is not None else {}
    return x.graph.create_op("zeros_like", [x], attrs, name=name or "zeros_like").outputs[0]


def ones_like(tensor, dtype=None, name=None, optimize=True) -> Tensor:
    """`tf.ones_like`."""
    x = convert_to_tensor(tensor)
    attrs = {"dtype": dtypes.as_dtype(dtype)} if dtype is not None else {}
    return x.graph.create_op("ones_like", [x], attrs, name=name or "ones_like").outputs[0]


__all__ = ["convert_to_tensor", "constant", "placeholder", "placeholder_with_default",
           "identity", "stop_gradient", "no_op", "group", "add_n", "zeros_like", "ones_like",
           "sum_to_shape", "broadcast_like", "TensorShape"]
