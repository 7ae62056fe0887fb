"""Shape and array ops: reshape, transpose, expand_dims, squeeze, concat, stack, unstack,
split, tile, pad, gather, one_hot, shape/size/rank, fill/zeros/ones, range, broadcast_to,
reverse, slice and strided_slice (the op behind `Tensor.__getitem__`, installed here on
Tensor and Variable), plus the ops that express their gradients: unsorted_segment_sum
(gather), strided_slice_grad, mirror_pad_grad and invert_permutation (transpose).

As in TensorFlow, shape-like arguments (shape, perm, axis, multiples, paddings, begin/end/
strides, ...) are int32/int64 *input tensors*, so programs may compute them at run time
and TF GraphDefs map onto these ops one to one. Shape inference reads their values from
`Spec.const` when they are known at build time and degrades to unknown dims (or unknown
rank) when they are not. Attrs hold only what TF keeps in attrs (masks, batch_dims, ...).

Kinds: "reshape" (reshape, expand_dims, squeeze) is a family whose output is the input's
row-major data under a new shape, so a backend may treat it as a free view; every other op
here is "opaque" (lowered through its reference kernel unless a backend has a kernel).

May import: graphlib core (dtypes, shapes, registry, graph), ops.core, ops._util,
ops.state; ops.math and ops.reduce lazily inside gradient functions (they import us).
"""

from __future__ import annotations

import builtins
import functools
import math as _pymath

import numpy as np

from .. import dtypes
from ..dtypes import DType
from ..graph import Tensor, constant_value, flatten_nested, get_default_graph
from ..registry import OpDef, Spec, register
from ..shapes import TensorShape
from ._util import graph_of
from .core import constant, convert_to_tensor, ones_like, sum_to_shape
from .state import Variable

newaxis = None

# This module defines `range` and `slice` (TF's names); internal code uses the builtins.
_builtin_range = builtins.range
_builtin_slice = builtins.slice


def _seq(*bounds) -> list[int]:
    """`list(range(*bounds))`, for axis permutations."""
    return list(_builtin_range(*bounds))

# -- helpers ------------------------------------------------------------------------------

_INDEX_DTYPES = (dtypes.int32, dtypes.int64)
_RANGE_DTYPES = (dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64)


def _check_int(spec: Spec, what: str, rank=None) -> None:
    """Index-like inputs are int32/int64 tensors of the given rank (an int or a tuple)."""
    if spec.dtype not in _INDEX_DTYPES:
        raise TypeError(f"{what} must be an int32 or int64 tensor, got {spec.dtype.name}")
    ranks = (rank,) if isinstance(rank, int) else rank
    if ranks is not None and spec.shape.rank is not None and spec.shape.rank not in ranks:
        raise ValueError(f"{what} must have rank {' or '.join(map(str, ranks))}, but has "
                         f"shape {spec.shape}")


def _ints(spec: Spec) -> list[int] | None:
    """The build-time value of an index tensor as a flat list, or None when unknown."""
    value = spec.const
    return None if value is None else [int(v) for v in np.asarray(value).reshape(-1)]


def _vector_len(spec: Spec) -> int | None:
    return spec.shape[0] if spec.shape.rank == 1 else None


def _dims(spec: Spec) -> list | None:
    return None if spec.shape.rank is None else spec.shape.as_list()


def _unknown(dtype: DType, rank: int | None) -> Spec:
    return Spec(dtype, None if rank is None else [None] * rank)


def _axis_in(axis: int, rank: int, what: str) -> int:
    if not -rank <= axis < rank:
        raise ValueError(f"{what} {axis} is out of range for a tensor of rank {rank}: it must "
                         f"be in [{-rank}, {rank})")
    return axis % rank


def _index_tensor(value, name: str = "Const") -> Tensor:
    """Converts a shape-like argument (list, TensorShape, array, tensor) to an int tensor."""
    if isinstance(value, TensorShape):
        if not value.is_fully_defined():
            raise ValueError(f"Cannot convert a partially known TensorShape {value} to a "
                             "Tensor")
        value = value.as_list()
    return convert_to_tensor(value, dtype_hint=dtypes.int32, name=name)


def _shape_tensor(x: Tensor, out_type=dtypes.int32) -> Tensor:
    """x's shape as a tensor: a constant when it is static, else a `shape` op."""
    if x.shape.is_fully_defined():
        return constant(np.array(x.shape.as_list(), dtypes.as_dtype(out_type).np))
    return shape(x, out_type=out_type)


def _partial_shape(t: Tensor) -> TensorShape:
    """What is known of the shape that the 1-D int tensor `t` holds, entry by entry (as
    TF's constant_value_as_shape): a packed list keeps its constant entries, `shape(x)`
    gives x's static shape, and -1 (to be inferred) counts as unknown."""
    value = constant_value(t)
    if value is not None:
        return TensorShape([None if int(d) == -1 else int(d) for d in value.reshape(-1)])
    op = t.op
    if op.type == "shape":
        return op.inputs[0].shape
    if op.type == "stack" and op.attrs["axis"] == 0:
        entries = [constant_value(item) for item in op.inputs]
        return TensorShape([None if e is None or e.ndim or int(e) == -1 else int(e)
                            for e in entries])
    if op.type == "concat" and all(i.shape.rank == 1 for i in op.inputs[:-1]) and \
            constant_value(op.inputs[-1]) is not None:
        result = TensorShape([])
        for part in op.inputs[:-1]:
            result = result.concatenate(_partial_shape(part))
        return result
    return TensorShape(None if t.shape.rank != 1 or t.shape[0] is None else [None] * t.shape[0])


def _with_partial_shape(out: Tensor, shape_tensor: Tensor) -> Tensor:
    known = _partial_shape(shape_tensor)
    if known.rank == out.shape.rank:
        out.set_shape(known)
    return out


def _same_dtype(specs, what: str) -> DType:
    first = specs[0].dtype
    for s in specs[1:]:
        if s.dtype != first:
            raise TypeError(f"{what}: all inputs must have the same dtype, got {first.name} "
                            f"and {s.dtype.name}")
    return first


def _on_input_graph(fn):
    """Runs a builder with the graph of its tensor arguments as the default graph, so the
    constants it makes land next to its inputs (as TF's op_def_library does)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        leaves = flatten_nested(list(args) + list(kwargs.values()))
        with graph_of(*leaves).as_default():
            return fn(*args, **kwargs)
    return wrapper


def _in_op_graph(fn):
    """Runs a gradient function with the differentiated op's graph as the default, and
    gives each input gradient that input's static shape (run-time shape arguments such as
    a fed perm would otherwise leave it unknown)."""
    @functools.wraps(fn)
    def wrapper(op, *grads):
        with op.graph.as_default():
            in_grads = fn(op, *grads)
        for t, g in zip(op.inputs, in_grads):
            if isinstance(g, Tensor):
                g.set_shape(t.shape)
        return in_grads
    return wrapper


def _values_hint(values):
    for v in values:
        if isinstance(v, Tensor) or hasattr(v, "_to_tensor"):
            return v.dtype
    return None


def _convert_values(values) -> list[Tensor]:
    hint = _values_hint(values)
    return [convert_to_tensor(v, dtype_hint=hint) for v in values]


# -- reshape ------------------------------------------------------------------------------

def _reshape_infer(x, shape_):
    _check_int(shape_, "reshape: shape", 1)
    target = _ints(shape_)
    if target is None:
        return _unknown(x.dtype, _vector_len(shape_))
    if sum(d == -1 for d in target) > 1:
        raise ValueError(f"reshape: only one dimension can be -1, got shape {target}")
    if any(d < -1 for d in target):
        raise ValueError(f"reshape: dimensions must be non-negative or -1, got {target}")
    known = int(np.prod([d for d in target if d != -1]))
    total = x.shape.num_elements()
    if -1 not in target:
        if total is not None and total != known:
            raise ValueError(f"Cannot reshape a tensor with {total} elements to shape "
                             f"{target} ({known} elements)")
        return Spec(x.dtype, target)
    if total is None:
        return Spec(x.dtype, [None if d == -1 else d for d in target])
    if known == 0 or total % known:
        raise ValueError(f"Cannot reshape a tensor with {total} elements to shape {target}: "
                         f"{total} is not a multiple of {known}")
    return Spec(x.dtype, [total // known if d == -1 else d for d in target])


def _reshape_reference(x, shape_):
    return np.reshape(x, [int(d) for d in shape_])


@_in_op_graph
def _reshape_grad(op, grad):
    return [reshape(grad, _shape_tensor(op.inputs[0])), None]


register(OpDef(
    name="reshape", infer=_reshape_infer, reference=_reshape_reference,
    gradient=_reshape_grad, kind="reshape",
    doc="The input's elements under the shape given by the second input (one -1 allowed)."))


@_on_input_graph
def reshape(tensor, shape, name=None) -> Tensor:
    """`tf.reshape`: `shape` is a list (with at most one -1) or an int tensor."""
    x = convert_to_tensor(tensor)
    shape_t = _index_tensor(shape)
    out = x.graph.create_op("reshape", [x, shape_t], name=name or "Reshape").outputs[0]
    return _with_partial_shape(out, shape_t)


# -- transpose and invert_permutation -----------------------------------------------------

def _check_permutation(perm: list[int], what: str) -> None:
    if sorted(perm) != _seq(len(perm)):
        raise ValueError(f"{what} must be a permutation of 0..{len(perm) - 1}, got {perm}")


def _transpose_infer(x, perm):
    _check_int(perm, "transpose: perm", 1)
    rank = x.shape.rank
    n = _vector_len(perm)
    if rank is not None and n is not None and n != rank:
        raise ValueError(f"transpose: perm has {n} entries for a tensor of rank {rank}")
    p = _ints(perm)
    if p is None:
        return _unknown(x.dtype, rank if rank is not None else n)
    _check_permutation(p, "transpose: perm")
    dims = _dims(x) or [None] * len(p)
    return Spec(x.dtype, [dims[i] for i in p])


def _transpose_reference(x, perm):
    _check_permutation([int(i) for i in perm], "transpose: perm")
    return np.array(np.transpose(x, [int(i) for i in perm]), order="C")


@_in_op_graph
def _transpose_grad(op, grad):
    perm = op.inputs[1]
    p = _ints(perm.spec())
    inverse = (constant(np.argsort(p).astype(perm.dtype.np)) if p is not None
               else invert_permutation(perm))
    return [transpose(grad, inverse), None]


register(OpDef(
    name="transpose", infer=_transpose_infer, reference=_transpose_reference,
    gradient=_transpose_grad,
    doc="Permutes the dimensions: output dim i is input dim perm[i]."))


@_on_input_graph
def transpose(a, perm=None, name="transpose", conjugate=False) -> Tensor:
    """`tf.transpose`: with `perm=None` the dimensions are reversed."""
    x = convert_to_tensor(a)
    if perm is None:
        if x.shape.rank is not None:
            perm = _seq(x.shape.rank - 1, -1, -1)
        else:
            perm = reverse(range(rank(x)), [0])
    return x.graph.create_op("transpose", [x, _index_tensor(perm)],
                             name=name or "transpose").outputs[0]


def _invert_permutation_infer(x):
    _check_int(x, "invert_permutation: x", 1)
    return Spec(x.dtype, x.shape)


def _invert_permutation_reference(x):
    _check_permutation([int(i) for i in x], "invert_permutation: x")
    out = np.empty_like(x)
    out[x] = np.arange(x.size, dtype=x.dtype)
    return out


register(OpDef(
    name="invert_permutation", infer=_invert_permutation_infer,
    reference=_invert_permutation_reference,
    no_gradient="its output is an integer permutation"))


@_on_input_graph
def invert_permutation(x, name=None) -> Tensor:
    """`tf.invert_permutation`: y[x[i]] = i."""
    t = _index_tensor(x)
    return t.graph.create_op("invert_permutation", [t],
                             name=name or "InvertPermutation").outputs[0]


# -- expand_dims and squeeze --------------------------------------------------------------

def _expand_dims_infer(x, axis):
    _check_int(axis, "expand_dims: axis", (0, 1))
    if axis.shape.rank == 1 and axis.shape[0] not in (None, 1):
        raise ValueError(f"expand_dims: axis must be a scalar, got shape {axis.shape}")
    rank = x.shape.rank
    a = _ints(axis)
    if rank is None or a is None:
        return _unknown(x.dtype, None if rank is None else rank + 1)
    a = _axis_in(a[0], rank + 1, "expand_dims: axis")
    dims = x.shape.as_list()
    return Spec(x.dtype, dims[:a] + [1] + dims[a:])


def _expand_dims_reference(x, axis):
    axis = np.asarray(axis).reshape(-1)
    if axis.size != 1:
        raise ValueError(f"expand_dims: axis must be a single integer, got {axis.tolist()}")
    a = _axis_in(int(axis[0]), x.ndim + 1, "expand_dims: axis")
    return np.expand_dims(x, a)


@_in_op_graph
def _reshape_back_grad(op, grad):
    return [reshape(grad, _shape_tensor(op.inputs[0]))] + [None] * (len(op.inputs) - 1)


register(OpDef(
    name="expand_dims", infer=_expand_dims_infer, reference=_expand_dims_reference,
    gradient=_reshape_back_grad, kind="reshape",
    doc="Inserts a dimension of size 1 at `axis` (the second input)."))


@_on_input_graph
def expand_dims(input, axis=None, name=None, dim=None) -> Tensor:
    """`tf.expand_dims` (TF1 also accepts the deprecated `dim=`)."""
    if axis is None and dim is None:
        raise ValueError("Must specify an axis argument to tf.expand_dims()")
    if axis is not None and dim is not None:
        raise ValueError("Cannot specify both 'axis' and 'dim'")
    x = convert_to_tensor(input)
    axis_t = _index_tensor(dim if axis is None else axis)
    return x.graph.create_op("expand_dims", [x, axis_t], name=name or "ExpandDims").outputs[0]


def _squeeze_axes(axis, dims: list, strict_unknown: bool):
    """Normalized squeeze axes; raises for axes whose known size is not 1."""
    rank = len(dims)
    axes = set()
    for a in axis:
        if rank == 0:
            raise ValueError(f"squeeze: axis {a} is out of range for a scalar")
        a = _axis_in(a, rank, "squeeze: axis")
        d = dims[a]
        if (d is not None or strict_unknown) and d != 1:
            raise ValueError(f"Can not squeeze dim[{a}], expected a dimension of 1, got {d}")
        axes.add(a)
    return axes


def _squeeze_infer(x, *, axis):
    dims = _dims(x)
    if dims is None:
        return Spec(x.dtype, None)
    if axis:
        axes = _squeeze_axes(axis, dims, strict_unknown=False)
        return Spec(x.dtype, [d for i, d in enumerate(dims) if i not in axes])
    if any(d is None for d in dims):
        return Spec(x.dtype, None)  # which dims go depends on run-time sizes, as in TF
    return Spec(x.dtype, [d for d in dims if d != 1])


def _squeeze_reference(x, *, axis):
    if axis:
        return np.squeeze(x, tuple(_squeeze_axes(axis, list(x.shape), strict_unknown=True)))
    return np.squeeze(x)


register(OpDef(
    name="squeeze", infer=_squeeze_infer, reference=_squeeze_reference,
    gradient=_reshape_back_grad, kind="reshape",
    doc="Removes the size-1 dimensions listed in `axis` (all of them when empty)."))


@_on_input_graph
def squeeze(input, axis=None, name=None, squeeze_dims=None) -> Tensor:
    """`tf.squeeze`: removes size-1 dims (only those in `axis` when given)."""
    if squeeze_dims is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'squeeze_dims'")
        axis = squeeze_dims
    if axis is None:
        axis = ()
    elif isinstance(axis, (int, np.integer)):
        axis = (int(axis),)
    x = convert_to_tensor(input)
    return x.graph.create_op("squeeze", [x], {"axis": tuple(int(a) for a in axis)},
                             name=name or "Squeeze").outputs[0]


# -- concat, stack, unstack ---------------------------------------------------------------

def _merge_dim(a, b, axis: int, what: str):
    if a is None:
        return b
    if b is not None and a != b:
        raise ValueError(f"{what}: dimension {axis} in both shapes must be equal, but are "
                         f"{a} and {b}")
    return a


def _concat_infer(*specs):
    *values, axis = specs
    if not values:
        raise ValueError("concat needs at least one value")
    _check_int(axis, "concat: axis", 0)
    dtype = _same_dtype(values, "concat")
    ranks = {v.shape.rank for v in values} - {None}
    if len(ranks) > 1:
        raise ValueError(f"concat: all inputs must have the same rank, got ranks "
                         f"{sorted(ranks)}")
    if not ranks:
        return Spec(dtype, None)
    rank = ranks.pop()
    if rank == 0:
        raise ValueError("Can't concatenate scalars (use tf.stack instead)")
    a = _ints(axis)
    if a is None:
        return _unknown(dtype, rank)
    a = _axis_in(a[0], rank, "concat: axis")
    out = [None] * rank
    total = 0
    for v in values:
        dims = _dims(v) or [None] * rank
        for i, d in enumerate(dims):
            if i == a:
                total = None if total is None or d is None else total + d
            else:
                out[i] = _merge_dim(out[i], d, i, "concat")
    out[a] = total
    return Spec(dtype, out)


def _concat_reference(*arrays):
    *values, axis = arrays
    return np.concatenate(values, axis=int(axis))


@_in_op_graph
def _concat_grad(op, grad):
    *values, axis_t = op.inputs
    a = _ints(axis_t.spec())
    sizes = []
    for v in values:
        static = None
        if a is not None and v.shape.rank:
            static = v.shape[a[0] % v.shape.rank]
        sizes.append(static if static is not None else shape(v)[axis_t])
    if all(isinstance(s, int) for s in sizes):
        sizes = constant(np.array(sizes, np.int32))
    pieces = split(grad, sizes, axis=axis_t)
    return list(pieces) + [None]


register(OpDef(
    name="concat", infer=_concat_infer, reference=_concat_reference, gradient=_concat_grad,
    doc="Joins its inputs (all but the last) along the axis given by the last input "
        "(TF's ConcatV2)."))


@_on_input_graph
def concat(values, axis, name="concat") -> Tensor:
    """`tf.concat`: joins tensors along an existing axis."""
    if not isinstance(values, (list, tuple)):
        values = [values]
    if len(values) == 1:
        from .core import identity
        _index_tensor(axis)  # TF still checks that the axis is an integer
        return identity(values[0], name=name)
    tensors = _convert_values(values)
    axis_t = _index_tensor(axis)
    return tensors[0].graph.create_op("concat", tensors + [axis_t],
                                      name=name or "concat").outputs[0]


def _stack_infer(*values, axis):
    if not values:
        raise ValueError("stack needs at least one value")
    dtype = _same_dtype(values, "stack")
    merged = values[0].shape
    for v in values[1:]:
        try:
            merged = merged.merge_with(v.shape)
        except ValueError:
            raise ValueError(f"stack: shapes must be equal, got {values[0].shape} and "
                             f"{v.shape}") from None
    if merged.rank is None:
        return Spec(dtype, None)
    a = _axis_in(axis, merged.rank + 1, "stack: axis")
    dims = merged.as_list()
    return Spec(dtype, dims[:a] + [len(values)] + dims[a:])


@_in_op_graph
def _stack_grad(op, grad):
    return unstack(grad, num=len(op.inputs), axis=op.attrs["axis"])


register(OpDef(
    name="stack", infer=_stack_infer,
    reference=lambda *values, axis: np.stack(values, axis=axis),
    gradient=_stack_grad,
    doc="Stacks same-shaped inputs along a new dimension `axis` (TF's Pack)."))


@_on_input_graph
def stack(values, axis=0, name="stack") -> Tensor:
    """`tf.stack`: joins same-shaped tensors along a new axis."""
    tensors = _convert_values(values)
    if not tensors:
        raise ValueError("tf.stack needs at least one value")
    return tensors[0].graph.create_op("stack", tensors, {"axis": int(axis)},
                                      name=name or "stack").outputs[0]


def _unstack_infer(x, *, num, axis):
    dims = _dims(x)
    if dims is None:
        return [Spec(x.dtype, None)] * num
    if not dims:
        raise ValueError("Cannot unstack a scalar")
    a = _axis_in(axis, len(dims), "unstack: axis")
    if dims[a] is not None and dims[a] != num:
        raise ValueError(f"unstack: dimension {a} has size {dims[a]}, but num={num}")
    return [Spec(x.dtype, dims[:a] + dims[a + 1:])] * num


def _unstack_reference(x, *, num, axis):
    a = _axis_in(axis, x.ndim, "unstack: axis")
    if x.shape[a] != num:
        raise ValueError(f"unstack: dimension {a} has size {x.shape[a]}, but num={num}")
    return tuple(np.take(x, i, axis=a) for i in _builtin_range(num))


@_in_op_graph
def _unstack_grad(op, *grads):
    return [stack(list(grads), axis=op.attrs["axis"])]


register(OpDef(
    name="unstack", infer=_unstack_infer, reference=_unstack_reference,
    gradient=_unstack_grad,
    doc="Splits the input along `axis` into `num` outputs of one rank less (TF's Unpack)."))


@_on_input_graph
def unstack(value, num=None, axis=0, name="unstack") -> list[Tensor]:
    """`tf.unstack`: a list of the slices of `value` along `axis`."""
    x = convert_to_tensor(value)
    if num is None:
        dims = _dims(x.spec())
        if dims is None or not -len(dims) <= axis < len(dims) or dims[axis] is None:
            raise ValueError(f"Cannot infer argument `num` from shape {x.shape}")
        num = dims[axis]
    return x.graph.create_op("unstack", [x], {"num": int(num), "axis": int(axis)},
                             name=name or "unstack").outputs


# -- split --------------------------------------------------------------------------------

def _split_infer(axis, x, *, num_split):
    _check_int(axis, "split: axis", 0)
    if num_split < 1:
        raise ValueError(f"split: the number of splits must be positive, got {num_split}")
    dims = _dims(x)
    a = _ints(axis)
    if dims is None or a is None:
        return [_unknown(x.dtype, None if dims is None else len(dims))] * num_split
    a = _axis_in(a[0], len(dims), "split: axis")
    if dims[a] is not None:
        if dims[a] % num_split:
            raise ValueError(f"Dimension {a} in shape {x.shape} must be evenly divisible by "
                             f"{num_split}")
        dims[a] //= num_split
    return [Spec(x.dtype, dims)] * num_split


def _split_reference(axis, x, *, num_split):
    a = _axis_in(int(axis), x.ndim, "split: axis")
    if x.shape[a] % num_split:
        raise ValueError(f"Number of ways to split should evenly divide the split "
                         f"dimension, but got split_dim {a} (size = {x.shape[a]}) and "
                         f"num_split {num_split}")
    return tuple(np.split(x, num_split, axis=a))


@_in_op_graph
def _split_grad(op, *grads):
    return [None, concat(list(grads), axis=op.inputs[0])]


register(OpDef(
    name="split", infer=_split_infer, reference=_split_reference, gradient=_split_grad,
    doc="Splits the second input into `num_split` equal parts along the axis given by the "
        "first input (TF's Split, whose inputs come in this order)."))


def _resolve_sizes(sizes: list[int], dim: int | None) -> list:
    if sum(s == -1 for s in sizes) > 1:
        raise ValueError(f"split: at most one size may be -1, got {sizes}")
    if any(s < -1 for s in sizes):
        raise ValueError(f"split: sizes must be non-negative or -1, got {sizes}")
    known = sum(s for s in sizes if s != -1)
    if dim is None:
        return [None if s == -1 else s for s in sizes]
    if -1 in sizes:
        if known > dim:
            raise ValueError(f"split: sizes {sizes} add up to more than the dimension "
                             f"size {dim}")
        return [dim - known if s == -1 else s for s in sizes]
    if known != dim:
        raise ValueError(f"split: sizes {sizes} must add up to the dimension size {dim}, "
                         f"got {known}")
    return sizes


def _split_v_infer(x, size_splits, axis, *, num_split):
    _check_int(size_splits, "split: size_splits", 1)
    _check_int(axis, "split: axis", 0)
    n = _vector_len(size_splits)
    if n is not None and n != num_split:
        raise ValueError(f"split: size_splits has {n} entries, expected {num_split}")
    dims = _dims(x)
    a = _ints(axis)
    if dims is None or a is None:
        return [_unknown(x.dtype, None if dims is None else len(dims))] * num_split
    a = _axis_in(a[0], len(dims), "split: axis")
    sizes = _ints(size_splits)
    sizes = [None] * num_split if sizes is None else _resolve_sizes(sizes, dims[a])
    return [Spec(x.dtype, dims[:a] + [s] + dims[a + 1:]) for s in sizes]


def _split_v_reference(x, size_splits, axis, *, num_split):
    a = _axis_in(int(axis), x.ndim, "split: axis")
    sizes = _resolve_sizes([int(s) for s in size_splits], x.shape[a])
    return tuple(np.split(x, np.cumsum(sizes)[:-1], axis=a))


@_in_op_graph
def _split_v_grad(op, *grads):
    return [concat(list(grads), axis=op.inputs[2]), None, None]


register(OpDef(
    name="split_v", infer=_split_v_infer, reference=_split_v_reference,
    gradient=_split_v_grad,
    doc="Splits the input into pieces of the sizes given by the second input (one may be "
        "-1) along the axis given by the third (TF's SplitV)."))


@_on_input_graph
def split(value, num_or_size_splits, axis=0, num=None, name="split") -> list[Tensor]:
    """`tf.split`: an int splits evenly; a list (or 1-D tensor) gives the piece sizes."""
    x = convert_to_tensor(value)
    axis_t = _index_tensor(axis)
    if isinstance(num_or_size_splits, (int, np.integer)):
        return x.graph.create_op("split", [axis_t, x], {"num_split": int(num_or_size_splits)},
                                 name=name or "split").outputs
    sizes = _index_tensor(num_or_size_splits)
    if sizes.shape.rank == 0:
        count = _ints(sizes.spec())
        if count is None:
            raise ValueError("split: a scalar num_or_size_splits must be known at build time")
        return x.graph.create_op("split", [axis_t, x], {"num_split": count[0]},
                                 name=name or "split").outputs
    if num is None:
        num = _vector_len(sizes.spec())
        if num is None:
            raise ValueError(f"Cannot infer argument `num` from shape {sizes.shape}")
    return x.graph.create_op("split_v", [x, sizes, axis_t], {"num_split": int(num)},
                             name=name or "split").outputs


# -- tile ---------------------------------------------------------------------------------

def _tile_infer(x, multiples):
    _check_int(multiples, "tile: multiples", 1)
    rank = x.shape.rank
    n = _vector_len(multiples)
    if rank is not None and n is not None and n != rank:
        raise ValueError(f"tile: multiples has {n} entries for a tensor of rank {rank}")
    m = _ints(multiples)
    if m is None:
        return _unknown(x.dtype, rank if rank is not None else n)
    if any(v < 0 for v in m):
        raise ValueError(f"tile: multiples must be non-negative, got {m}")
    dims = _dims(x) or [None] * len(m)
    return Spec(x.dtype, [None if d is None else d * k for d, k in zip(dims, m)])


def _tile_reference(x, multiples):
    m = [int(v) for v in multiples]
    if len(m) != x.ndim:
        raise ValueError(f"tile: expected multiples of length {x.ndim}, got {m}")
    if any(v < 0 for v in m):
        raise ValueError(f"tile: multiples must be non-negative, got {m}")
    return np.tile(x, m)


@_in_op_graph
def _tile_grad(op, grad):
    from .reduce import reduce_sum
    x, multiples = op.inputs
    if x.shape.rank == 0:
        return [grad, None]
    m = _ints(multiples.spec())
    rank = x.shape.rank if x.shape.rank is not None else _vector_len(multiples.spec())
    if m is not None and x.shape.is_fully_defined():
        split_shape = [v for pair in zip(m, x.shape.as_list()) for v in pair]
    else:
        # Interleave [m0, d0, m1, d1, ...]: tile's output index along an axis is k*d + i.
        split_shape = reshape(transpose(stack([multiples, shape(x, out_type=multiples.dtype)])),
                              [-1])
    axes = _seq(0, 2 * rank, 2) if rank is not None else \
        range(0, size(split_shape), 2)
    return [reduce_sum(reshape(grad, split_shape), axis=axes), None]


register(OpDef(
    name="tile", infer=_tile_infer, reference=_tile_reference, gradient=_tile_grad,
    doc="Repeats the input multiples[i] times along dimension i."))


@_on_input_graph
def tile(input, multiples, name=None) -> Tensor:
    """`tf.tile`."""
    x = convert_to_tensor(input)
    return x.graph.create_op("tile", [x, _index_tensor(multiples)],
                             name=name or "Tile").outputs[0]


# -- pad ----------------------------------------------------------------------------------

def _pad_shape(x: Spec, paddings: Spec, what: str, mirror: str | None = None):
    _check_int(paddings, f"{what}: paddings", 2)
    dims = _dims(x)
    pshape = paddings.shape
    if pshape.rank == 2 and pshape[1] not in (None, 2):
        raise ValueError(f"{what}: paddings must have shape [rank, 2], got {pshape}")
    n = pshape[0] if pshape.rank == 2 else None
    if dims is not None and n is not None and n != len(dims):
        raise ValueError(f"{what}: paddings has {n} rows for a tensor of rank {len(dims)}")
    p = _ints(paddings)
    if p is None:
        return _unknown(x.dtype, len(dims) if dims is not None else n)
    pairs = list(zip(p[0::2], p[1::2]))
    dims = dims or [None] * len(pairs)
    for i, (d, (before, after)) in enumerate(zip(dims, pairs)):
        _check_padding(i, d, before, after, what, mirror)
    return Spec(x.dtype, [None if d is None else d + b + a for d, (b, a) in zip(dims, pairs)])


def _check_padding(axis: int, dim, before: int, after: int, what: str, mirror) -> None:
    if before < 0 or after < 0:
        raise ValueError(f"{what}: paddings must be non-negative, got [{before}, {after}] "
                         f"for dimension {axis}")
    if mirror is None or dim is None:
        return
    limit = dim - 1 if mirror == "REFLECT" else dim
    if before > limit or after > limit:
        raise ValueError(f"{what}: paddings must be no greater than the dimension size in "
                         f"{mirror} mode: {before}, {after} greater than {limit} for "
                         f"dimension {axis}")


def _pairs(x: np.ndarray, paddings: np.ndarray, what: str, mirror=None) -> list:
    paddings = np.asarray(paddings)
    if paddings.shape != (x.ndim, 2):
        raise ValueError(f"{what}: paddings must have shape [{x.ndim}, 2], got "
                         f"{list(paddings.shape)}")
    pairs = [(int(b), int(a)) for b, a in paddings]
    for i, (b, a) in enumerate(pairs):
        _check_padding(i, x.shape[i], b, a, what, mirror)
    return pairs


def _pad_infer(x, paddings, constant_values):
    if constant_values.dtype != x.dtype:
        raise TypeError(f"pad: constant_values has dtype {constant_values.dtype.name}, "
                        f"expected {x.dtype.name}")
    if constant_values.shape.rank not in (None, 0):
        raise ValueError(f"pad: constant_values must be a scalar, got shape "
                         f"{constant_values.shape}")
    return _pad_shape(x, paddings, "pad")


def _pad_reference(x, paddings, constant_values):
    pairs = _pairs(x, paddings, "pad")
    if x.ndim == 0:  # nothing to pad (np.pad cannot take an empty pad list)
        return x.copy()
    return np.pad(x, pairs, mode="constant", constant_values=constant_values)


@_in_op_graph
def _pad_grad(op, grad):
    x, paddings = op.inputs[0], op.inputs[1]
    p = _ints(paddings.spec())
    begin = constant(np.array(p[0::2], np.int32)) if p is not None else paddings[:, 0]
    return [slice(grad, begin, _shape_tensor(x))] + [None] * (len(op.inputs) - 1)


register(OpDef(
    name="pad", infer=_pad_infer, reference=_pad_reference, gradient=_pad_grad,
    doc="Pads with the scalar third input; paddings[i] = [before, after] for dimension i "
        "(TF's PadV2). The gradient flows to the input only, as in TF."))


def _mirror_pad_infer(x, paddings, *, mode):
    return _pad_shape(x, paddings, "mirror_pad", mirror=mode)


def _mirror_pad_reference(x, paddings, *, mode):
    pairs = _pairs(x, paddings, "mirror_pad", mirror=mode)
    return np.pad(x, pairs, mode="reflect" if mode == "REFLECT" else "symmetric")


@_in_op_graph
def _mirror_pad_grad(op, grad):
    return [mirror_pad_grad(grad, op.inputs[1], op.attrs["mode"]), None]


register(OpDef(
    name="mirror_pad", infer=_mirror_pad_infer, reference=_mirror_pad_reference,
    gradient=_mirror_pad_grad,
    doc="Pads by mirroring the input; `mode` is REFLECT (edge not repeated) or SYMMETRIC."))


@_on_input_graph
def pad(tensor, paddings, mode="CONSTANT", name=None, constant_values=0) -> Tensor:
    """`tf.pad`: mode CONSTANT (with `constant_values`), REFLECT or SYMMETRIC."""
    x = convert_to_tensor(tensor)
    p = _index_tensor(paddings)
    mode = str(mode).upper()
    if mode == "CONSTANT":
        default = "Pad" if not isinstance(constant_values, Tensor) and \
            np.all(np.asarray(constant_values) == 0) else "PadV2"
        if x.dtype.is_bool and default == "Pad":
            constant_values = False  # TF's Pad fills with the dtype's zero
        value = convert_to_tensor(constant_values, dtype_hint=x.dtype)
        return x.graph.create_op("pad", [x, p, value], name=name or default).outputs[0]
    if mode in ("REFLECT", "SYMMETRIC"):
        return x.graph.create_op("mirror_pad", [x, p], {"mode": mode},
                                 name=name or "MirrorPad").outputs[0]
    raise ValueError(f"Unknown padding mode: {mode!r}; use CONSTANT, REFLECT or SYMMETRIC")


def _mirror_pad_grad_infer(grad, paddings, *, mode):
    _check_int(paddings, "mirror_pad_grad: paddings", 2)
    dims = _dims(grad)
    p = _ints(paddings)
    if dims is None or p is None:
        return _unknown(grad.dtype, None if dims is None else len(dims))
    if len(p) != 2 * len(dims):
        raise ValueError(f"mirror_pad_grad: paddings has {len(p) // 2} rows for a tensor of "
                         f"rank {len(dims)}")
    out = [None if d is None else d - b - a for d, b, a in zip(dims, p[0::2], p[1::2])]
    if any(d is not None and d < 0 for d in out):
        raise ValueError(f"mirror_pad_grad: paddings {p} exceed the shape {grad.shape}")
    return Spec(grad.dtype, out)


def _mirror_pad_grad_reference(grad, paddings, *, mode):
    """Folds each padded border back onto the elements it mirrors, axis by axis."""
    shift = 1 if mode == "REFLECT" else 0
    for axis, (before, after) in enumerate(np.asarray(paddings).reshape(-1, 2)):
        before, after = int(before), int(after)
        n = grad.shape[axis] - before - after
        source = np.concatenate([before - np.arange(before) - 1 + shift, np.arange(n),
                                 n - 1 - np.arange(after) - shift]).astype(np.intp)
        if n < 0 or source.size and (source.min() < 0 or source.max() >= n):
            raise ValueError(f"mirror_pad_grad: paddings [{before}, {after}] do not fit "
                             f"dimension {axis} of size {grad.shape[axis]} in {mode} mode")
        moved = np.moveaxis(grad, axis, 0)
        folded = np.zeros((n,) + moved.shape[1:], grad.dtype)
        np.add.at(folded, source, moved)
        grad = np.moveaxis(folded, 0, axis)
    return np.array(grad, order="C")


@_in_op_graph
def _mirror_pad_grad_grad(op, grad):
    return [pad(grad, op.inputs[1], mode=op.attrs["mode"]), None]


register(OpDef(
    name="mirror_pad_grad", infer=_mirror_pad_grad_infer,
    reference=_mirror_pad_grad_reference, gradient=_mirror_pad_grad_grad,
    doc="The adjoint of mirror_pad: sums the padded borders back into the interior."))


@_on_input_graph
def mirror_pad_grad(input, paddings, mode, name=None) -> Tensor:
    """The gradient of a mirror pad: `input` has the padded shape (TF's MirrorPadGrad)."""
    g = convert_to_tensor(input)
    return g.graph.create_op("mirror_pad_grad", [g, _index_tensor(paddings)],
                             {"mode": str(mode).upper()},
                             name=name or "MirrorPadGrad").outputs[0]


# -- gather and unsorted_segment_sum ------------------------------------------------------

def _gather_infer(params, indices, axis, *, batch_dims):
    _check_int(indices, "gather: indices")
    _check_int(axis, "gather: axis", (0, 1))
    pdims, idims = _dims(params), _dims(indices)
    a = _ints(axis)
    b = batch_dims
    if b < 0:
        if idims is None:
            return Spec(params.dtype, None)
        b += len(idims)
    if pdims is None or idims is None:
        return Spec(params.dtype, None)
    if b > len(idims):
        raise ValueError(f"gather: batch_dims ({b}) must be no greater than rank(indices) "
                         f"({len(idims)})")
    if a is None:
        return _unknown(params.dtype, len(pdims) + len(idims) - 1 - b)
    a = _axis_in(a[0], len(pdims), "gather: axis")
    if a < b:
        raise ValueError(f"gather: batch_dims ({b}) must be no greater than axis ({a})")
    batch = [_merge_dim(p, i, k, "gather batch dims") for k, (p, i) in
             enumerate(zip(pdims[:b], idims[:b]))]
    return Spec(params.dtype, batch + pdims[b:a] + idims[b:] + pdims[a + 1:])


def _check_indices(indices: np.ndarray, limit: int, what: str) -> None:
    bad = (indices < 0) | (indices >= limit)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise IndexError(f"{what}: indices{list(where)} = {int(indices[where])} is not in "
                         f"[0, {limit})")


def _gather_reference(params, indices, axis, *, batch_dims):
    a = _axis_in(int(np.asarray(axis).reshape(-1)[0]), params.ndim, "gather: axis")
    b = batch_dims + indices.ndim if batch_dims < 0 else batch_dims
    _check_indices(indices, params.shape[a], "gather")
    if b == 0:
        return np.take(params, indices, axis=a)
    if params.shape[:b] != indices.shape[:b]:
        raise ValueError(f"gather: batch dimensions of params {params.shape[:b]} and "
                         f"indices {indices.shape[:b]} differ")
    out = np.empty(params.shape[:a] + indices.shape[b:] + params.shape[a + 1:], params.dtype)
    for k in np.ndindex(*params.shape[:b]):
        out[k] = np.take(params[k], indices[k], axis=a - b)
    return out


@_in_op_graph
def _gather_grad(op, grad):
    params, indices, axis_t = op.inputs
    a = _ints(axis_t.spec())
    pr, ir = params.shape.rank, indices.shape.rank
    if a is None or pr is None or ir is None:
        raise ValueError(f"The gradient of gather {op.name} needs a build-time axis and known "
                         "ranks of params and indices")
    a = a[0] % pr
    b = op.attrs["batch_dims"]
    b = b + ir if b < 0 else b
    if b:
        return [_batch_gather_grad(params, indices, grad, a, b), None, None]
    n = params.shape[a] if params.shape[a] is not None else shape(params)[a]
    values = grad
    if a:  # bring the indexed dims to the front: [indices..., params[:a], params[a+1:]]
        values = transpose(grad, _seq(a, a + ir) + _seq(a) +
                           _seq(a + ir, pr + ir - 1))
    summed = unsorted_segment_sum(values, indices, n)
    if a:
        summed = transpose(summed, _seq(1, a + 1) + [0] + _seq(a + 1, pr))
    return [summed, None, None]


def _batch_gather_grad(params, indices, grad, a: int, b: int):
    """Gather with batch dims: offset each batch's indices so one segment sum serves all."""
    from .math import add
    batch, n = params.shape.as_list()[:b], params.shape[a]
    if None in batch or n is None:
        raise ValueError("The gradient of gather with batch_dims needs static batch "
                         f"dimensions and axis size, got params shape {params.shape}")
    pr, ir = params.shape.rank, indices.shape.rank
    values = transpose(grad, _seq(b) + _seq(a, a + ir - b) + _seq(b, a)
                       + _seq(a + ir - b, pr + ir - b - 1))
    count = int(np.prod(batch))
    offsets = (np.arange(count).reshape(batch + [1] * (ir - b)) * n).astype(indices.dtype.np)
    summed = unsorted_segment_sum(values, add(indices, offsets), count * n)
    ps = _shape_tensor(params)
    unflat = reshape(summed, concat([ps[:b], ps[a:a + 1], ps[b:a], ps[a + 1:]], 0))
    return transpose(unflat, _seq(b) + _seq(b + 1, a + 1) + [b]
                     + _seq(a + 1, pr))


register(OpDef(
    name="gather", infer=_gather_infer, reference=_gather_reference, gradient=_gather_grad,
    doc="Slices of params (first input) along axis (third) at indices (second); the first "
        "`batch_dims` dims of params and indices are batch dims (TF's GatherV2). Indices "
        "out of range are a run-time error, as on TF's CPU."))


@_on_input_graph
def gather(params, indices, validate_indices=None, name=None, axis=None, batch_dims=0
           ) -> Tensor:
    """`tf.gather`: `params` sliced at `indices` along `axis` (default: `batch_dims`)."""
    p = convert_to_tensor(params)
    i = convert_to_tensor(indices, dtype_hint=dtypes.int32)
    axis_t = _index_tensor(batch_dims if axis is None else axis)
    return p.graph.create_op("gather", [p, i, axis_t], {"batch_dims": int(batch_dims)},
                             name=name or "GatherV2").outputs[0]


def _segment_sum_infer(data, segment_ids, num_segments):
    _check_int(segment_ids, "unsorted_segment_sum: segment_ids")
    _check_int(num_segments, "unsorted_segment_sum: num_segments", (0, 1))
    ddims, idims = _dims(data), _dims(segment_ids)
    n = _ints(num_segments)
    n = None if n is None else n[0]
    if n is not None and n < 0:
        raise ValueError(f"unsorted_segment_sum: num_segments must be >= 0, got {n}")
    if ddims is None or idims is None:
        return Spec(data.dtype, None)
    if len(idims) > len(ddims) or not TensorShape(ddims[:len(idims)]).is_compatible_with(
            idims):
        raise ValueError(f"unsorted_segment_sum: segment_ids shape {segment_ids.shape} must "
                         f"be a prefix of data shape {data.shape}")
    return Spec(data.dtype, [n] + ddims[len(idims):])


def segment_rows(data, segment_ids, num_segments, what: str):
    """(number of segments, flat ids, data as one row per id) for an unsorted segment
    reduction's reference kernel, after TF's checks (ids a prefix of data's shape, below
    num_segments; negative ids are the caller's to drop)."""
    n = int(np.asarray(num_segments).reshape(-1)[0])
    k = segment_ids.ndim
    if data.shape[:k] != segment_ids.shape:
        raise ValueError(f"{what}: segment_ids shape {segment_ids.shape} must be a prefix of "
                         f"data shape {data.shape}")
    ids = segment_ids.reshape(-1)
    if ids.size and ids.max() >= n:
        where = int(np.argmax(ids >= n))
        raise IndexError(f"{what}: segment_ids[{where}] = {int(ids[where])} is out of range "
                         f"[0, {n})")
    return n, ids, data.reshape((ids.size,) + data.shape[k:])


def _segment_sum_reference(data, segment_ids, num_segments):
    n, ids, rows = segment_rows(data, segment_ids, num_segments, "unsorted_segment_sum")
    keep = ids >= 0  # negative ids are dropped, as in TF
    out = np.zeros((n,) + rows.shape[1:], data.dtype)
    np.add.at(out, ids[keep], rows[keep])
    return out


@_in_op_graph
def _segment_sum_grad(op, grad):
    _, ids, _ = op.inputs
    known = _ints(ids.spec())
    if known is not None and min(known, default=0) >= 0:
        return [gather(grad, ids), None, None]
    # Rows of negative ids were dropped: gather at a clipped id, then zero those rows.
    from .math import cast, greater_equal, maximum, multiply
    gathered = gather(grad, maximum(ids, 0))
    keep = cast(greater_equal(ids, 0), grad.dtype)
    trailing = gathered.shape.rank - ids.shape.rank if gathered.shape.rank is not None and \
        ids.shape.rank is not None else None
    if trailing is None:
        raise ValueError(f"The gradient of unsorted_segment_sum {op.name} needs known ranks")
    keep = reshape(keep, concat([_shape_tensor(ids), np.ones(trailing, np.int32)], 0))
    return [multiply(gathered, keep), None, None]


register(OpDef(
    name="unsorted_segment_sum", infer=_segment_sum_infer, reference=_segment_sum_reference,
    gradient=_segment_sum_grad,
    doc="out[s] = sum of data[i...] over i with segment_ids[i...] == s (negative ids are "
        "dropped); the scatter-add that gather's gradient uses."))


@_on_input_graph
def unsorted_segment_sum(data, segment_ids, num_segments, name=None) -> Tensor:
    """`tf.unsorted_segment_sum`."""
    d = convert_to_tensor(data)
    ids = convert_to_tensor(segment_ids, dtype_hint=dtypes.int32)
    n = _index_tensor(num_segments)
    return d.graph.create_op("unsorted_segment_sum", [d, ids, n],
                             name=name or "UnsortedSegmentSum").outputs[0]


# -- one_hot ------------------------------------------------------------------------------

def _one_hot_infer(indices, depth, on_value, off_value, *, axis):
    _check_int(indices, "one_hot: indices")
    _check_int(depth, "one_hot: depth", 0)
    if on_value.dtype != off_value.dtype:
        raise TypeError(f"one_hot: on_value ({on_value.dtype.name}) and off_value "
                        f"({off_value.dtype.name}) must have the same dtype")
    for what, s in (("on_value", on_value), ("off_value", off_value)):
        if s.shape.rank not in (None, 0):
            raise ValueError(f"one_hot: {what} must be a scalar, got shape {s.shape}")
    d = _ints(depth)
    d = None if d is None else d[0]
    if d is not None and d < 0:
        raise ValueError(f"one_hot: depth must be non-negative, got {d}")
    dims = _dims(indices)
    if dims is None:
        return Spec(on_value.dtype, None)
    if not -1 <= axis <= len(dims):
        raise ValueError(f"Expected axis to be -1 or between [0, {len(dims) + 1}). But "
                         f"received: {axis}")
    a = len(dims) if axis == -1 else axis
    return Spec(on_value.dtype, dims[:a] + [d] + dims[a:])


def _one_hot_reference(indices, depth, on_value, off_value, *, axis):
    d = int(depth)
    if d < 0:
        raise ValueError(f"one_hot: depth must be non-negative, got {d}")
    out = np.where(indices[..., None] == np.arange(d), on_value, off_value)
    out = out.astype(on_value.dtype)
    return out if axis == -1 else np.moveaxis(out, -1, axis)


register(OpDef(
    name="one_hot", infer=_one_hot_infer, reference=_one_hot_reference,
    no_gradient="TF defines no gradient for one_hot (its gradient is None for every "
                "input)",
    doc="on_value where indices[...] == j along the new axis, off_value elsewhere; "
        "out-of-range indices give an all-off row."))


@_on_input_graph
def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None,
            name=None) -> Tensor:
    """`tf.one_hot`: the dtype comes from on/off values, else `dtype`, else float32."""
    dtype = None if dtype is None else dtypes.as_dtype(dtype)
    ind = convert_to_tensor(indices, dtype_hint=dtypes.int32)
    on = None if on_value is None else convert_to_tensor(on_value, dtype_hint=dtype)
    off = None if off_value is None else convert_to_tensor(off_value, dtype_hint=dtype)
    given = [t for t in (on, off) if t is not None]
    if dtype is not None:
        for what, t in (("on_value", on), ("off_value", off)):
            if t is not None and t.dtype != dtype:
                raise TypeError(f"dtype {t.dtype.name} of {what} does not match dtype "
                                f"parameter {dtype.name}")
    elif given:
        dtype = given[0].dtype
    else:
        dtype = dtypes.float32
    if on is None:
        on = constant(1, dtype=dtype, name="on_value")
    if off is None:
        off = constant(0, dtype=dtype, name="off_value")
    if on.dtype != off.dtype:
        raise TypeError(f"dtype {on.dtype.name} of on_value does not match dtype "
                        f"{off.dtype.name} of off_value")
    return ind.graph.create_op("one_hot", [ind, _index_tensor(depth), on, off],
                               {"axis": -1 if axis is None else int(axis)},
                               name=name or "one_hot").outputs[0]


# -- shape, size, rank --------------------------------------------------------------------

def _index_dtype(out_type) -> DType:
    out_type = dtypes.as_dtype(out_type)
    if out_type not in _INDEX_DTYPES:
        raise TypeError(f"out_type must be int32 or int64, got {out_type.name}")
    return out_type


def _shape_static(x, *, out_type):
    if not x.shape.is_fully_defined():
        return None
    return np.array(x.shape.as_list(), out_type.np)


register(OpDef(
    name="shape", infer=lambda x, *, out_type: Spec(out_type, [x.shape.rank]),
    reference=lambda x, *, out_type: np.array(x.shape, out_type.np),
    no_gradient="its output is an integer shape", attrs={"static_value": _shape_static},
    doc="The input's dynamic shape as a 1-D int tensor."))


@_on_input_graph
def shape(input, name=None, out_type=dtypes.int32) -> Tensor:
    """`tf.shape`: the dynamic shape (a constant at build time when the shape is static)."""
    x = convert_to_tensor(input)
    return x.graph.create_op("shape", [x], {"out_type": _index_dtype(out_type)},
                             name=name or "Shape").outputs[0]


def _size_static(x, *, out_type):
    n = x.shape.num_elements()
    return None if n is None else np.array(n, out_type.np)


register(OpDef(
    name="size", infer=lambda x, *, out_type: Spec(out_type, []),
    reference=lambda x, *, out_type: np.array(x.size, out_type.np),
    no_gradient="its output is an integer count", attrs={"static_value": _size_static},
    doc="The number of elements of the input."))


@_on_input_graph
def size(input, name=None, out_type=dtypes.int32) -> Tensor:
    """`tf.size`."""
    x = convert_to_tensor(input)
    return x.graph.create_op("size", [x], {"out_type": _index_dtype(out_type)},
                             name=name or "Size").outputs[0]


def _rank_static(x):
    return None if x.shape.rank is None else np.array(x.shape.rank, np.int32)


register(OpDef(
    name="rank", infer=lambda x: Spec(dtypes.int32, []),
    reference=lambda x: np.array(x.ndim, np.int32),
    no_gradient="its output is an integer rank", attrs={"static_value": _rank_static},
    doc="The number of dimensions of the input, as an int32 scalar."))


@_on_input_graph
def rank(input, name=None) -> Tensor:
    """`tf.rank`."""
    x = convert_to_tensor(input)
    return x.graph.create_op("rank", [x], name=name or "Rank").outputs[0]


# -- fill, zeros, ones --------------------------------------------------------------------

def _fill_infer(dims, value):
    _check_int(dims, "fill: dims", 1)
    if value.shape.rank not in (None, 0):
        raise ValueError(f"fill: value must be a scalar, got shape {value.shape}")
    d = _ints(dims)
    if d is None:
        return _unknown(value.dtype, _vector_len(dims))
    if any(v < 0 for v in d):
        raise ValueError(f"fill: dims must be non-negative, got {d}")
    return Spec(value.dtype, d)


def _fill_reference(dims, value):
    d = [int(v) for v in dims]
    if any(v < 0 for v in d):
        raise ValueError(f"fill: dims must be non-negative, got {d}")
    return np.full(d, value, dtype=value.dtype)


@_in_op_graph
def _fill_grad(op, grad):
    from .reduce import reduce_sum
    return [None, reduce_sum(grad)]


register(OpDef(
    name="fill", infer=_fill_infer, reference=_fill_reference, gradient=_fill_grad,
    doc="A tensor of shape `dims` (first input) filled with the scalar second input."))


@_on_input_graph
def fill(dims, value, name=None) -> Tensor:
    """`tf.fill`."""
    v = convert_to_tensor(value)
    dims_t = _index_tensor(dims)
    out = v.graph.create_op("fill", [dims_t, v], name=name or "Fill").outputs[0]
    return _with_partial_shape(out, dims_t)


def _static_dims(shape_) -> list[int] | None:
    """A shape argument as a list of ints when it holds no tensors, else None."""
    if isinstance(shape_, Tensor) or hasattr(shape_, "_to_tensor"):
        return None
    if isinstance(shape_, TensorShape):
        if not shape_.is_fully_defined():
            raise ValueError(f"Cannot create a tensor of partially known shape {shape_}")
        return shape_.as_list()
    if any(isinstance(d, Tensor) or hasattr(d, "_to_tensor")
           for d in flatten_nested(shape_ if isinstance(shape_, (list, tuple)) else [])):
        return None
    return [int(d) for d in np.asarray(shape_, dtype=np.int64).reshape(-1)]


_CONSTANT_LIMIT = 1000  # elements: above this TF (and we) build a fill op, not a constant


def _filled(shape_, dtype, scalar, name: str) -> Tensor:
    dtype = dtypes.as_dtype(dtype)
    value = np.array(scalar).astype(dtype.np)
    static = _static_dims(shape_)
    if static is not None and _pymath.prod(static) < _CONSTANT_LIMIT:
        return constant(value, dtype=dtype, shape=static, name=name)
    graph = get_default_graph()
    with graph.name_scope(name) as scope:
        return fill(shape_, constant(value, dtype=dtype), name=scope)


@_on_input_graph
def zeros(shape, dtype=dtypes.float32, name=None) -> Tensor:
    """`tf.zeros`."""
    return _filled(shape, dtype, 0, name or "zeros")


@_on_input_graph
def ones(shape, dtype=dtypes.float32, name=None) -> Tensor:
    """`tf.ones`."""
    return _filled(shape, dtype, 1, name or "ones")


def boolean_mask(tensor, mask, name="boolean_mask", axis=None) -> Tensor:
    """`tf.boolean_mask`: the entries of `tensor` where the k-D boolean `mask` is true,
    mask dimensions starting at `axis` (default 0) flattened into one of unknown size."""
    from .math import where

    x = convert_to_tensor(tensor)
    m = convert_to_tensor(mask, dtype=dtypes.bool_)
    k = m.shape.rank
    if k is None or k == 0:
        raise ValueError("mask cannot be scalar, and its rank must be known statically")
    if x.shape.rank is None:
        raise ValueError("boolean_mask needs a tensor of known rank")
    axis = 0 if axis is None else int(axis) % x.shape.rank
    if not x.shape[axis:axis + k].is_compatible_with(m.shape):
        raise ValueError(f"Shapes {x.shape[axis:axis + k]} and {m.shape} are incompatible")
    with x.graph.name_scope(name) as scope:
        lead, rest = x.shape[:axis], x.shape[axis + k:]
        if lead.concatenate(rest).is_fully_defined():
            flat_shape = lead.as_list() + [-1] + rest.as_list()
        else:
            dims = shape(x)
            flat_shape = concat([dims[:axis], [-1], dims[axis + k:]], 0)
        flat = reshape(x, flat_shape)
        indices = reshape(where(reshape(m, [-1])), [-1])
        return gather(flat, indices, axis=axis, name=scope)


# -- range --------------------------------------------------------------------------------

def _range_size(start, limit, delta) -> int:
    if delta == 0:
        raise ValueError("range: requires delta != 0")
    if delta > 0 and start > limit:
        raise ValueError(f"range: requires start <= limit when delta > 0: {start}/{limit}")
    if delta < 0 and start < limit:
        raise ValueError(f"range: requires start >= limit when delta < 0: {start}/{limit}")
    if np.asarray(start).dtype.kind in "iu":
        start, limit, delta = int(start), int(limit), int(delta)
        return (abs(limit - start) + abs(delta) - 1) // abs(delta)
    with np.errstate(all="ignore"):
        return int(np.ceil(np.abs((limit - start) / delta)))  # in the op's own precision


def _range_infer(start, limit, delta):
    dtype = _same_dtype([start, limit, delta], "range")
    if dtype not in _RANGE_DTYPES:
        raise TypeError(f"range: unsupported dtype {dtype.name}")
    for what, s in (("start", start), ("limit", limit), ("delta", delta)):
        if s.shape.rank not in (None, 0):
            raise ValueError(f"range: {what} must be a scalar, got shape {s.shape}")
    values = [s.const for s in (start, limit, delta)]
    if any(v is None for v in values):
        return Spec(dtype, [None])
    return Spec(dtype, [_range_size(*(np.asarray(v)[()] for v in values))])


def _range_reference(start, limit, delta):
    n = _range_size(start[()], limit[()], delta[()])
    if n == 0:
        return np.zeros(0, start.dtype)
    # TF accumulates `value += delta` in the output type; a sequential cumsum does too.
    steps = np.full(n, delta, start.dtype)
    steps[0] = start
    return np.cumsum(steps, dtype=start.dtype)


register(OpDef(
    name="range", infer=_range_infer, reference=_range_reference,
    no_gradient="TF defines no gradient for range",
    doc="[start, start + delta, ...) up to limit (exclusive), as TF's Range."))


@_on_input_graph
def range(start, limit=None, delta=1, dtype=None, name="range") -> Tensor:  # noqa: A001
    """`tf.range`: the dtype is `dtype`, else the widest of the arguments' dtypes in the
    order int32 < int64 < float32 < float64."""
    if limit is None:
        start, limit = 0, start
    args = [start, limit, delta]
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)
        tensors = [convert_to_tensor(a, dtype=None if isinstance(a, Tensor) else dtype)
                   for a in args]
    else:
        tensors = [convert_to_tensor(a) for a in args]
        for t in tensors:
            if t.dtype not in _RANGE_DTYPES:
                raise TypeError(f"range: unsupported dtype {t.dtype.name}")
        dtype = max((t.dtype for t in tensors), key=_RANGE_DTYPES.index)
    if any(t.dtype != dtype for t in tensors):
        from .math import cast
        tensors = [t if t.dtype == dtype else cast(t, dtype) for t in tensors]
    return tensors[0].graph.create_op("range", tensors, name=name or "range").outputs[0]


# -- broadcast_to, reverse ----------------------------------------------------------------

def _broadcast_to_infer(x, shape_):
    _check_int(shape_, "broadcast_to: shape", 1)
    target = _ints(shape_)
    if target is None:
        return _unknown(x.dtype, _vector_len(shape_))
    dims = _dims(x)
    if dims is not None:
        fits = len(dims) <= len(target) and all(
            d is None or d == 1 or d == t for d, t in zip(dims[::-1], target[::-1]))
        if not fits:
            raise ValueError(f"Unable to broadcast tensor of shape {x.shape} to tensor of "
                             f"shape {target}")
    return Spec(x.dtype, target)


register(OpDef(
    name="broadcast_to", infer=_broadcast_to_infer,
    reference=lambda x, shape_: np.broadcast_to(x, [int(d) for d in shape_]).copy(),
    gradient=_in_op_graph(lambda op, grad: [sum_to_shape(grad, op.inputs[0]), None]),
    doc="Broadcasts the input to the shape given by the second input (NumPy rules)."))


@_on_input_graph
def broadcast_to(input, shape, name=None) -> Tensor:
    """`tf.broadcast_to`."""
    x = convert_to_tensor(input)
    shape_t = _index_tensor(shape)
    out = x.graph.create_op("broadcast_to", [x, shape_t], name=name or "BroadcastTo").outputs[0]
    return _with_partial_shape(out, shape_t)


def _reverse_axes(axes: list[int], rank: int) -> tuple:
    seen = []
    for a in axes:
        a = _axis_in(a, rank, "reverse: axis")
        if a in seen:
            raise ValueError(f"reverse: axis {a} specified more than once")
        seen.append(a)
    return tuple(seen)


def _reverse_infer(x, axis):
    _check_int(axis, "reverse: axis", 1)
    a = _ints(axis)
    if a is not None and x.shape.rank is not None:
        _reverse_axes(a, x.shape.rank)
    return Spec(x.dtype, x.shape)


register(OpDef(
    name="reverse", infer=_reverse_infer,
    reference=lambda x, axis: np.flip(x, _reverse_axes([int(a) for a in axis], x.ndim)).copy(),
    gradient=_in_op_graph(lambda op, grad: [reverse(grad, op.inputs[1]), None]),
    doc="Reverses the dimensions listed in the second input (TF's ReverseV2)."))


@_on_input_graph
def reverse(tensor, axis, name=None) -> Tensor:
    """`tf.reverse`: reverses the listed axes."""
    x = convert_to_tensor(tensor)
    if isinstance(axis, (int, np.integer)):
        axis = [int(axis)]
    return x.graph.create_op("reverse", [x, _index_tensor(axis)],
                             name=name or "ReverseV2").outputs[0]


# -- slice --------------------------------------------------------------------------------

def _slice_bounds(dims: list, begin: list[int], sizes: list[int]) -> list:
    """Checks begin/size against known dims; returns the output dims (None if unknown)."""
    out = []
    for i, (d, b, s) in enumerate(zip(dims, begin, sizes)):
        if d is None:
            out.append(None if s == -1 else s)
            continue
        if not 0 <= b <= d:
            raise ValueError(f"Expected begin[{i}] in [0, {d}], but got {b}")
        s = d - b if s == -1 else s
        if not 0 <= s <= d - b:
            raise ValueError(f"Expected size[{i}] in [0, {d - b}], but got {s}")
        out.append(s)
    return out


def _slice_infer(x, begin, size_):
    _check_int(begin, "slice: begin", 1)
    _check_int(size_, "slice: size", 1)
    rank = x.shape.rank
    for what, s in (("begin", begin), ("size", size_)):
        n = _vector_len(s)
        if rank is not None and n is not None and n != rank:
            raise ValueError(f"slice: {what} has {n} entries for a tensor of rank {rank}")
        rank = n if rank is None else rank
    if rank is None:
        return Spec(x.dtype, None)
    b, s = _ints(begin), _ints(size_)
    dims = _dims(x) or [None] * rank
    if s is None:
        return _unknown(x.dtype, rank)
    if b is None:
        return Spec(x.dtype, [None if v == -1 else v for v in s])
    return Spec(x.dtype, _slice_bounds(dims, b, s))


def _slice_reference(x, begin, size_):
    if len(begin) != x.ndim or len(size_) != x.ndim:
        raise ValueError(f"slice: begin and size must have {x.ndim} entries, got "
                         f"{len(begin)} and {len(size_)}")
    b = [int(v) for v in begin]
    s = _slice_bounds(list(x.shape), b, [int(v) for v in size_])
    index = tuple(_builtin_slice(i, i + n) for i, n in zip(b, s))
    return np.array(x[index], order="C")


@_in_op_graph
def _slice_grad(op, grad):
    x, begin, _ = op.inputs
    out = op.outputs[0]
    b = _ints(begin.spec())
    if b is not None and x.shape.is_fully_defined() and out.shape.is_fully_defined():
        after = [d - i - n for d, i, n in zip(x.shape.as_list(), b, out.shape.as_list())]
        paddings = constant(np.array(list(zip(b, after)), np.int32).reshape(-1, 2))
    else:
        from .math import subtract
        after = subtract(subtract(shape(x, out_type=begin.dtype),
                                  shape(out, out_type=begin.dtype)), begin)
        paddings = stack([begin, after], axis=1)
    return [pad(grad, paddings), None, None]


register(OpDef(
    name="slice", infer=_slice_infer, reference=_slice_reference, gradient=_slice_grad,
    doc="The block starting at `begin` of extent `size` (-1: to the end) of the input."))

@_on_input_graph
def slice(input_, begin, size, name=None) -> Tensor:  # noqa: A001
    """`tf.slice`: `size[i] == -1` takes everything from begin[i] on."""
    x = convert_to_tensor(input_)
    return x.graph.create_op("slice", [x, _index_tensor(begin), _index_tensor(size)],
                             name=name or "Slice").outputs[0]


# -- strided_slice and Tensor.__getitem__ -------------------------------------------------

_MASKS = ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask")


def _strided_index(begin, end, strides, *, begin_mask, end_mask, ellipsis_mask,
                   new_axis_mask, shrink_axis_mask) -> tuple:
    """The NumPy index equal to a strided slice spec (NumPy clamps slices as TF does)."""
    index = []
    for i, (b, e, s) in enumerate(zip(begin, end, strides)):
        bit = 1 << i
        if ellipsis_mask & bit:
            if Ellipsis in index:
                raise ValueError("Multiple ellipses in slice spec not allowed")
            index.append(Ellipsis)
        elif new_axis_mask & bit:
            index.append(None)
        elif shrink_axis_mask & bit:
            index.append(int(b))  # TF ignores `end` of a shrunk axis
        else:
            if int(s) == 0:
                raise ValueError(f"strided_slice: strides[{i}] must be non-zero")
            index.append(_builtin_slice(None if begin_mask & bit else int(b),
                                        None if end_mask & bit else int(e), int(s)))
    return tuple(index)


def _strided_slice_dims(dims, n: int, begin, end, strides, masks: dict) -> list | None:
    """Static output dims of a strided slice of `dims`; begin/end/strides may be None
    (unknown at build time); raises for indices that can never be valid."""
    if dims is None:
        return None
    ellipsis_mask, new_axis_mask = masks["ellipsis_mask"], masks["new_axis_mask"]
    specs = []
    for i in _builtin_range(n):
        bit = 1 << i
        if ellipsis_mask & bit:
            if "..." in specs:
                raise ValueError("Multiple ellipses in slice spec not allowed")
            specs.append("...")
        else:
            specs.append("new" if new_axis_mask & bit else "dim")
    consumed = specs.count("dim")
    if consumed > len(dims):
        raise ValueError(f"Index out of range using input dim {len(dims)}; input has only "
                         f"{len(dims)} dims")
    out, k = [], 0
    for i, kind in enumerate(specs):
        bit = 1 << i
        if kind == "...":
            extra = len(dims) - consumed
            out.extend(dims[k:k + extra])
            k += extra
            continue
        if kind == "new":
            out.append(1)
            continue
        d = dims[k]
        k += 1
        stride = None if strides is None else strides[i]
        if stride == 0:
            raise ValueError(f"strided_slice: strides[{i}] must be non-zero")
        if masks["shrink_axis_mask"] & bit:
            if begin is not None and d is not None and not -d <= begin[i] < d:
                raise ValueError(f"slice index {begin[i]} of dimension {k - 1} out of bounds.")
            continue
        b = None if masks["begin_mask"] & bit else (None if begin is None else begin[i])
        e = None if masks["end_mask"] & bit else (None if end is None else end[i])
        known = d is not None and stride is not None and \
            (b is not None or masks["begin_mask"] & bit) and \
            (e is not None or masks["end_mask"] & bit)
        out.append(len(_builtin_range(*_builtin_slice(b, e, stride).indices(d)))
                   if known else None)
    if "..." not in specs:
        out.extend(dims[k:])
    return out


def _strided_slice_infer(x, begin, end, strides, **masks):
    for what, s in (("begin", begin), ("end", end), ("strides", strides)):
        _check_int(s, f"strided_slice: {what}", 1)
    lengths = {_vector_len(s) for s in (begin, end, strides)} - {None}
    if len(lengths) > 1:
        raise ValueError(f"strided_slice: begin, end and strides must have the same length, "
                         f"got {sorted(lengths)}")
    if not lengths:
        return Spec(x.dtype, None)
    dims = _strided_slice_dims(_dims(x), lengths.pop(), _ints(begin), _ints(end),
                               _ints(strides), masks)
    return Spec(x.dtype, dims)


def _strided_slice_reference(x, begin, end, strides, **masks):
    return np.array(x[_strided_index(begin, end, strides, **masks)], order="C")


@_in_op_graph
def _strided_slice_grad(op, grad):
    x, begin, end, strides = op.inputs
    masks = {k: op.attrs[k] for k in _MASKS}
    dx = strided_slice_grad(_shape_tensor(x, out_type=begin.dtype), begin, end, strides,
                            grad, **masks)
    return [dx, None, None, None]


register(OpDef(
    name="strided_slice", infer=_strided_slice_infer, reference=_strided_slice_reference,
    gradient=_strided_slice_grad,
    doc="Python-style slicing: per index i, begin[i]:end[i]:strides[i], where bit i of the "
        "masks means: begin_mask/end_mask ignore begin/end, ellipsis_mask is `...`, "
        "new_axis_mask is `None`, shrink_axis_mask is a single index (TF's StridedSlice)."))


@_on_input_graph
def strided_slice(input_, begin, end, strides=None, begin_mask=0, end_mask=0,
                  ellipsis_mask=0, new_axis_mask=0, shrink_axis_mask=0, var=None, name=None
                  ) -> Tensor:
    """`tf.strided_slice` (`var` is accepted for TF compatibility; slices are read-only)."""
    x = convert_to_tensor(input_)
    b, e = _index_tensor(begin), _index_tensor(end)
    s = ones_like(b) if strides is None else _index_tensor(strides)
    masks = dict(zip(_MASKS, (int(begin_mask), int(end_mask), int(ellipsis_mask),
                              int(new_axis_mask), int(shrink_axis_mask))))
    return x.graph.create_op("strided_slice", [x, b, e, s], masks,
                             name=name or "StridedSlice").outputs[0]


def _strided_slice_grad_infer(shape_, begin, end, strides, dy, **masks):
    _check_int(shape_, "strided_slice_grad: shape", 1)
    dims = _ints(shape_)
    if dims is None:
        return _unknown(dy.dtype, _vector_len(shape_))
    n = _vector_len(begin)
    if n is not None:
        sliced = _strided_slice_dims(dims, n, _ints(begin), _ints(end), _ints(strides), masks)
        if not dy.shape.is_compatible_with(sliced):
            raise ValueError(f"strided_slice_grad: dy has shape {dy.shape}, but the slice of "
                             f"shape {dims} has shape {TensorShape(sliced)}")
    return Spec(dy.dtype, dims)


def _strided_slice_grad_reference(shape_, begin, end, strides, dy, **masks):
    out = np.zeros([int(d) for d in shape_], dy.dtype)
    out[_strided_index(begin, end, strides, **masks)] = dy
    return out


@_in_op_graph
def _strided_slice_grad_grad(op, grad):
    _, begin, end, strides, _ = op.inputs
    masks = {k: op.attrs[k] for k in _MASKS}
    return [None, None, None, None, strided_slice(grad, begin, end, strides, **masks)]


register(OpDef(
    name="strided_slice_grad", infer=_strided_slice_grad_infer,
    reference=_strided_slice_grad_reference, gradient=_strided_slice_grad_grad,
    doc="The adjoint of strided_slice: zeros of `shape` with dy written into the slice."))


@_on_input_graph
def strided_slice_grad(shape, begin, end, strides, dy, begin_mask=0, end_mask=0,
                       ellipsis_mask=0, new_axis_mask=0, shrink_axis_mask=0, name=None
                       ) -> Tensor:
    """The gradient of strided_slice (TF's StridedSliceGrad)."""
    g = convert_to_tensor(dy)
    inputs = [_index_tensor(shape), _index_tensor(begin), _index_tensor(end),
              _index_tensor(strides), g]
    masks = dict(zip(_MASKS, (int(begin_mask), int(end_mask), int(ellipsis_mask),
                              int(new_axis_mask), int(shrink_axis_mask))))
    return g.graph.create_op("strided_slice_grad", inputs, masks,
                             name=name or "StridedSliceGrad").outputs[0]


_BAD_INDEX = ("Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar "
              "tf.int32/tf.int64 tensors are valid indices, got {!r}")


def _check_index(value) -> None:
    if isinstance(value, (int, np.integer)):
        return
    if isinstance(value, Tensor) or hasattr(value, "_to_tensor"):
        if value.dtype in _INDEX_DTYPES and value.shape.rank in (None, 0):
            return
    raise TypeError(_BAD_INDEX.format(value))


def _pack_index(values: list) -> Tensor:
    if any(isinstance(v, Tensor) or hasattr(v, "_to_tensor") for v in values):
        return stack(values, name="stack")
    return constant(np.array(values, np.int64 if any(
        abs(int(v)) > np.iinfo(np.int32).max for v in values) else np.int32).reshape(-1))


def _getitem(tensor, slice_spec) -> Tensor:
    """`tensor[slice_spec]` as one strided_slice op, as TF's `_slice_helper` builds it."""
    x = convert_to_tensor(tensor)
    if not isinstance(slice_spec, tuple):
        slice_spec = (slice_spec,)
    begin, end, strides = [], [], []
    masks = dict.fromkeys(_MASKS, 0)
    for i, s in enumerate(slice_spec):
        bit = 1 << i
        if isinstance(s, _builtin_slice):
            for part, what in ((s.start, "begin"), (s.stop, "end")):
                if part is None:
                    masks[f"{what}_mask"] |= bit
                else:
                    _check_index(part)
                (begin if what == "begin" else end).append(0 if part is None else part)
            if s.step is not None:
                _check_index(s.step)
            strides.append(1 if s.step is None else s.step)
        elif s is Ellipsis:
            begin.append(0), end.append(0), strides.append(1)
            masks["ellipsis_mask"] |= bit
        elif s is None:
            begin.append(0), end.append(0), strides.append(1)
            masks["new_axis_mask"] |= bit
        else:
            _check_index(s)
            begin.append(s)
            # The kernel ignores `end` on a shrunk axis; TF stores begin + 1.
            end.append(int(s) + 1 if isinstance(s, (int, np.integer)) else s)
            strides.append(1)
            masks["shrink_axis_mask"] |= bit
    with x.graph.as_default():
        return strided_slice(x, _pack_index(begin), _pack_index(end), _pack_index(strides),
                             name="strided_slice", **masks)


def _variable_getitem(var, slice_spec) -> Tensor:
    return _getitem(var.value(), slice_spec)


Tensor._override_operator("__getitem__", _getitem)
Variable.__getitem__ = _variable_getitem


__all__ = ["reshape", "transpose", "invert_permutation", "expand_dims", "squeeze", "concat",
           "stack", "unstack", "split", "tile", "pad", "gather", "unsorted_segment_sum",
           "one_hot", "shape", "size", "rank", "fill", "zeros", "ones", "range",
           "broadcast_to", "reverse", "slice", "strided_slice", "newaxis", "boolean_mask"]
