"""TF1 breadth: index ops (gather_nd, scatter_nd, top_k, in_top_k), einsum, div_no_nan and
identity_n as primitives, and TF's composites over existing builders: tensordot,
sequence_mask, count_nonzero, eye and norm. Later rounds added segment max, matrix
band/diagonal ops, reverse_sequence, tensor scatters, special functions; then (round 4)
the inverse trigonometric functions and atan2, unique/unique_with_counts, setdiff1d,
dynamic_partition/dynamic_stitch, Assert and depthwise_conv2d_native with its two
gradient ops.

Each primitive is one `register(OpDef(...))` next to its TF-named builder, with TF's
gradient: gather_nd and scatter_nd are each other's adjoints; top_k scatters the values'
gradient back to the chosen indices (through scatter_nd); einsum differentiates into
einsums. Composites are built exactly as TF's Python builds them (same ops, same order),
so their gradients come from their parts.

Kinds: div_no_nan is "elementwise"; einsum is "contraction" (a family of one: a backend
may lower it to matmuls, otherwise it runs its reference); every other primitive here is
"opaque".

May import: graphlib core modules (dtypes, errors, shapes, registry, graph) and the
sibling op modules core, array, math, reduce, linalg, nn and debug (all loaded before this
one; nn's sliding-window helpers serve the depthwise convolution).
"""

from __future__ import annotations

import collections
import string

import numpy as np

from .. import dtypes, errors
from ..graph import Tensor, get_default_graph
from ..registry import OpDef, Spec, register
from ..shapes import TensorShape, broadcast_shapes
from . import array as array_ops
from . import math as math_ops
from . import nn as nn_ops
from . import reduce as reduce_ops
from .array import _check_int, _in_op_graph, _index_tensor, _ints, _on_input_graph
from .core import (
    broadcast_like,
    constant,
    convert_to_tensor,
    identity,
    ones_like,
    sum_to_shape,
    zeros_like,
)
from .linalg import matmul

_FLOAT = (dtypes.float32, dtypes.float64)
_NUMERIC = _FLOAT + (dtypes.int32, dtypes.int64)


def _rank(spec: Spec) -> int | None:
    return spec.shape.rank


def _check_bounds(indices: np.ndarray, limits, what: str) -> None:
    """Every index row of `indices` (last axis) lies inside `limits`, as TF's CPU checks."""
    limits = np.asarray(limits, np.int64).reshape(-1)[:indices.shape[-1]]
    bad = ((indices < 0) | (indices >= limits)).any(axis=-1)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise IndexError(f"{what}: indices{list(where)} = {indices[where].tolist()} does not "
                         f"index into shape {limits.tolist()}")


# -- gather_nd and scatter_nd -------------------------------------------------------------


def _gather_nd_infer(params, indices):
    _check_int(indices, "gather_nd: indices")
    pr, ir = _rank(params), _rank(indices)
    if ir == 0:
        raise ValueError("gather_nd: indices must be at least a vector, got a scalar")
    if pr is None or ir is None or indices.shape[-1] is None:
        return Spec(params.dtype, None)
    q = indices.shape[-1]
    if q > pr:
        raise ValueError(f"gather_nd: the last dimension of indices ({q}) must be at most the "
                         f"rank of params ({pr})")
    return Spec(params.dtype, indices.shape.as_list()[:-1] + params.shape.as_list()[q:])


def _gather_nd_reference(params, indices):
    q = indices.shape[-1]
    _check_bounds(indices, params.shape, "gather_nd")
    return params[tuple(indices[..., k] for k in range(q))]


@_in_op_graph
def _gather_nd_grad(op, grad):
    params, indices = op.inputs
    ref_shape = array_ops.shape(params, out_type=indices.dtype)
    return [scatter_nd(indices, grad, ref_shape), None]


register(OpDef(
    name="gather_nd", infer=_gather_nd_infer, reference=_gather_nd_reference,
    gradient=_gather_nd_grad,
    doc="Slices of params (first input) at the index rows of indices (second input, whose "
        "last axis indexes params' leading dims); out-of-range indices are a run-time "
        "error, as on TF's CPU (TF's GatherNd)."))


@_on_input_graph
def gather_nd(params, indices, name=None, batch_dims=0) -> Tensor:
    """`tf.gather_nd`: out[i...] = params[indices[i..., :]] (batch_dims must be 0)."""
    if batch_dims != 0:
        raise ValueError(f"gather_nd: graphjit supports batch_dims=0 only, got {batch_dims}")
    p = convert_to_tensor(params)
    i = convert_to_tensor(indices, dtype_hint=dtypes.int32)
    return p.graph.create_op("gather_nd", [p, i], name=name or "GatherNd").outputs[0]


def _scatter_nd_infer(indices, updates, shape):
    _check_int(indices, "scatter_nd: indices")
    _check_int(shape, "scatter_nd: shape", 1)
    if shape.dtype != indices.dtype:
        raise TypeError(f"scatter_nd: shape ({shape.dtype.name}) must have the dtype of "
                        f"indices ({indices.dtype.name})")
    if _rank(indices) == 0:
        raise ValueError("scatter_nd: indices must be at least a vector, got a scalar")
    target = _ints(shape)
    if target is None:
        n = shape.shape[0] if shape.shape.rank == 1 else None
        return Spec(updates.dtype, None if n is None else [None] * n)
    if any(d < 0 for d in target):
        raise ValueError(f"scatter_nd: shape {target} has a negative dimension")
    q = indices.shape[-1] if _rank(indices) is not None else None
    if q is not None and _rank(updates) is not None:
        if q > len(target):
            raise ValueError(f"scatter_nd: the last dimension of indices ({q}) must be at "
                             f"most the rank of shape ({len(target)})")
        expected = TensorShape(indices.shape.as_list()[:-1] + target[q:])
        if not updates.shape.is_compatible_with(expected):
            raise ValueError(f"scatter_nd: updates must have shape indices.shape[:-1] + "
                             f"shape[{q}:] = {expected}, got {updates.shape}")
    return Spec(updates.dtype, target)


def _scatter_nd_reference(indices, updates, shape):
    target = tuple(int(d) for d in shape)
    q = indices.shape[-1]
    expected = indices.shape[:-1] + target[q:]
    if updates.shape != expected:
        raise ValueError(f"scatter_nd: updates must have shape {expected}, got "
                         f"{updates.shape}")
    _check_bounds(indices, target, "scatter_nd")
    out = np.zeros(target, updates.dtype)
    np.add.at(out, tuple(indices[..., k] for k in range(q)), updates)
    return out


@_in_op_graph
def _scatter_nd_grad(op, grad):
    indices = op.inputs[0]
    return [None, gather_nd(grad, indices), None]


register(OpDef(
    name="scatter_nd", infer=_scatter_nd_infer, reference=_scatter_nd_reference,
    gradient=_scatter_nd_grad,
    doc="A zero tensor of `shape` (third input) with the updates (second) added at the "
        "index rows of indices (first); duplicate indices sum (TF's ScatterNd)."))


@_on_input_graph
def scatter_nd(indices, updates, shape, name=None) -> Tensor:
    """`tf.scatter_nd`: zeros of `shape` with `updates` summed in at `indices`."""
    i = convert_to_tensor(indices, dtype_hint=dtypes.int32)
    u = convert_to_tensor(updates)
    if isinstance(shape, TensorShape):
        shape = shape.as_list()
    s = shape if isinstance(shape, Tensor) else convert_to_tensor(shape, dtype=i.dtype)
    return i.graph.create_op("scatter_nd", [i, u, s], name=name or "ScatterNd").outputs[0]


# -- einsum -------------------------------------------------------------------------------

_ELLIPSIS = "."  # one token stands for "..."


def _tokens(term: str, equation: str) -> list[str]:
    if term.count("...") > 1 or term.replace("...", "").count("."):
        raise ValueError(f"einsum: bad ellipsis in {term!r} of equation {equation!r}")
    tokens = list(term.replace("...", _ELLIPSIS))
    for t in tokens:
        if t != _ELLIPSIS and t not in string.ascii_letters:
            raise ValueError(f"einsum: invalid subscript {t!r} in equation {equation!r}")
    return tokens


def _parse_equation(equation: str, n_inputs: int) -> tuple[list[list[str]], list[str]]:
    """The equation's input and output subscripts as token lists ('.' for an ellipsis);
    an implicit output is every letter used once, in alphabetical order (NumPy's rule)."""
    text = equation.replace(" ", "")
    lhs, arrow, rhs = text.partition("->")
    terms = lhs.split(",")
    if len(terms) != n_inputs:
        raise ValueError(f"einsum: equation {equation!r} names {len(terms)} operands but "
                         f"{n_inputs} were given")
    inputs = [_tokens(t, equation) for t in terms]
    if arrow:
        output = _tokens(rhs, equation)
        used = {t for term in inputs for t in term}
        for t in output:
            if t != _ELLIPSIS and t not in used:
                raise ValueError(f"einsum: output subscript {t!r} of {equation!r} does not "
                                 "appear in any input")
        if len(set(output)) != len(output):
            raise ValueError(f"einsum: output subscripts of {equation!r} repeat a letter")
    else:
        counts: dict[str, int] = {}
        for term in inputs:
            for t in term:
                counts[t] = counts.get(t, 0) + 1
        output = ([_ELLIPSIS] if _ELLIPSIS in counts else []) + sorted(
            t for t, c in counts.items() if c == 1 and t != _ELLIPSIS)
    if any(_ELLIPSIS in term for term in inputs) and _ELLIPSIS not in output:
        raise ValueError(f"einsum: {equation!r} has an ellipsis in an input, so its output "
                         "must keep the ellipsis ('...')")
    return inputs, output


def _text(tokens: list[str]) -> str:
    return "".join("..." if t == _ELLIPSIS else t for t in tokens)


def _explicit(inputs: list[list[str]], output: list[str]) -> str:
    return ",".join(_text(t) for t in inputs) + "->" + _text(output)


def _einsum_infer(*operands, equation):
    if not operands:
        raise ValueError("einsum needs at least one operand")
    dtype = operands[0].dtype
    for s in operands[1:]:
        if s.dtype != dtype:
            raise TypeError(f"einsum: all operands must have one dtype, got {dtype.name} "
                            f"and {s.dtype.name}")
    if dtype not in _NUMERIC:
        raise TypeError(f"einsum: unsupported dtype {dtype.name}")
    inputs, output = _parse_equation(equation, len(operands))
    sizes: dict[str, int | None] = {}
    ellipsis: TensorShape | None = TensorShape([])
    for term, s in zip(inputs, operands):
        letters = [t for t in term if t != _ELLIPSIS]
        rank = s.shape.rank
        if rank is None:
            if _ELLIPSIS in term:
                ellipsis = None
            continue
        extra = rank - len(letters)
        if extra < 0 or (extra and _ELLIPSIS not in term):
            raise ValueError(f"einsum: operand of shape {s.shape} does not fit subscripts "
                             f"{_text(term)!r}")
        dims, k = [], 0
        for t in term:
            if t == _ELLIPSIS:
                if ellipsis is not None:
                    ellipsis = broadcast_shapes(ellipsis, TensorShape(
                        s.shape.as_list()[k:k + extra]))
                k += extra
            else:
                dims.append((t, s.shape[k]))
                k += 1
        for t, d in dims:
            known = sizes.get(t)
            if known is not None and d is not None and known != d:
                raise ValueError(f"einsum: subscript {t!r} has size {known} in one place "
                                 f"and {d} in another")
            sizes[t] = known if known is not None else d
    if _ELLIPSIS in output and ellipsis is None:
        return Spec(dtype, None)
    dims = []
    for t in output:
        dims.extend(ellipsis.as_list() if t == _ELLIPSIS else [sizes.get(t)])
    return Spec(dtype, dims)


def _einsum_reference(*operands, equation):
    optimize = "greedy" if len(operands) > 1 else False
    return np.einsum(equation, *operands, optimize=optimize)


def _einsum_grad(op, grad):
    """d/dx_i: the output gradient contracted with the other operands onto x_i's
    subscripts; letters only x_i has (summed away) come back by broadcasting, and a
    broadcast ellipsis is summed back by sum_to_shape."""
    inputs, output = _parse_equation(op.attrs["equation"], len(op.inputs))
    grads = []
    with op.graph.as_default():
        for i, x in enumerate(op.inputs):
            term = inputs[i]
            letters = [t for t in term if t != _ELLIPSIS]
            if len(set(letters)) != len(letters):
                raise ValueError(f"The gradient of einsum {op.name} ({op.attrs['equation']}) "
                                 "is not supported: an operand repeats a subscript")
            others = [inputs[j] for j in range(len(inputs)) if j != i]
            available = set(output).union(*[set(o) for o in others])
            kept = [t for t in term if t in available]
            # An ellipsis that x lacks is broadcast over x: sum it away.
            summed = _ELLIPSIS in available and _ELLIPSIS not in term
            operands = [grad] + [op.inputs[j] for j in range(len(inputs)) if j != i]
            if others or kept != output:
                g = einsum(_explicit([output] + others, [_ELLIPSIS] * summed + kept),
                           *operands)
            else:
                g = grad
            if summed:
                if g.shape.rank is None:
                    raise ValueError(f"The gradient of einsum {op.name} needs the rank of "
                                     "its output")
                g = reduce_ops.reduce_sum(g, list(range(g.shape.rank - len(kept))))
            if kept != term:
                rank = x.shape.rank
                if rank is None:
                    raise ValueError(f"The gradient of einsum {op.name} needs the rank of "
                                     f"{x.name}")
                position = 0
                for t in term:
                    if t == _ELLIPSIS:
                        position += rank - len(letters)
                        continue
                    if t not in available:
                        g = array_ops.expand_dims(g, position)
                    position += 1
                g = broadcast_like(g, x)
            grads.append(sum_to_shape(g, x))
    return grads


register(OpDef(
    name="einsum", infer=_einsum_infer, reference=_einsum_reference, gradient=_einsum_grad,
    kind="contraction",
    doc="Einstein summation over the operands with the explicit `equation` attr (letters "
        "and '...'; an ellipsis in an input must stay in the output) (TF's Einsum)."))


def einsum(equation, *inputs, **kwargs) -> Tensor:
    """`tf.einsum`: Einstein summation; the implicit form ("ij,jk") sums letters used
    twice and orders the rest alphabetically."""
    if not isinstance(equation, str):
        raise TypeError(f"einsum: the equation must be a string, got {type(equation).__name__}")
    name = kwargs.pop("name", None)
    kwargs.pop("optimize", None)  # a contraction-order hint; the result is the same
    if kwargs:
        raise TypeError(f"einsum: unexpected keyword arguments {sorted(kwargs)}")
    if len(inputs) == 1 and isinstance(inputs[0], (list, tuple)):
        inputs = tuple(inputs[0])
    tensors = math_ops._convert_operands(*inputs)
    parsed = _parse_equation(equation, len(tensors))
    return tensors[0].graph.create_op("einsum", tensors, {"equation": _explicit(*parsed)},
                                      name=name or "Einsum").outputs[0]


# -- div_no_nan, identity_n ---------------------------------------------------------------


def _div_no_nan_infer(x, y):
    if y.dtype != x.dtype:
        raise TypeError(f"Input 'y' has type {y.dtype.name} that does not match type "
                        f"{x.dtype.name} of argument 'x'.")
    if x.dtype not in _FLOAT:
        raise TypeError(f"div_no_nan needs float32 or float64 operands, got {x.dtype.name}")
    return Spec(x.dtype, broadcast_shapes(x.shape, y.shape))


def _div_no_nan_reference(x, y):
    with np.errstate(all="ignore"):
        return np.where(y == 0, np.zeros((), x.dtype), x / y)


def _div_no_nan_grad(op, grad):
    x, y = op.inputs
    gx = div_no_nan(grad, y)
    gy = math_ops.multiply(grad, div_no_nan(div_no_nan(math_ops.negative(x), y), y))
    return [sum_to_shape(gx, x), sum_to_shape(gy, y)]


register(OpDef(
    name="div_no_nan", infer=_div_no_nan_infer, reference=_div_no_nan_reference,
    gradient=_div_no_nan_grad, kind="elementwise", scalar="where({1} == 0, 0, {0} / {1})",
    doc="x / y, and 0 where y is 0 (TF's DivNoNan)."))


def div_no_nan(x, y, name=None) -> Tensor:
    """`tf.div_no_nan`: x / y with 0 wherever y == 0 (even for x == 0 or inf)."""
    x, y = math_ops._convert_operands(x, y)
    return x.graph.create_op("div_no_nan", [x, y], name=name or "DivNoNan").outputs[0]


register(OpDef(
    name="identity_n", infer=lambda *specs: [Spec(s.dtype, s.shape) for s in specs],
    reference=lambda *arrays: tuple(arrays),
    gradient=lambda op, *grads: list(grads),
    doc="Each input unchanged, as one op with one output per input (TF's IdentityN)."))


def identity_n(input, name=None) -> list[Tensor]:
    """`tf.identity_n`: the tensors of `input` passed through one op."""
    tensors = [convert_to_tensor(t) for t in input]
    if not tensors:
        raise ValueError("identity_n needs at least one tensor")
    graph = tensors[0].graph
    return graph.create_op("identity_n", tensors, name=name or "IdentityN").outputs


# -- top_k and in_top_k -------------------------------------------------------------------


def _top_k_infer(x, k, *, sorted):
    if x.dtype not in _NUMERIC:
        raise TypeError(f"top_k: unsupported dtype {x.dtype.name}")
    _check_int(k, "top_k: k", 0)
    if k.dtype != dtypes.int32:
        raise TypeError(f"top_k: k must be int32, got {k.dtype.name}")
    known = _ints(k)
    kv = None if known is None else known[0]
    if kv is not None and kv < 0:
        raise ValueError(f"top_k: k must be non-negative, got {kv}")
    if x.shape.rank is None:
        return [Spec(x.dtype, None), Spec(dtypes.int32, None)]
    if x.shape.rank == 0:
        raise ValueError("top_k: input must have rank >= 1, got a scalar")
    last = x.shape[-1]
    if kv is not None and last is not None and last < kv:
        raise ValueError(f"top_k: input must have at least k={kv} columns, got {last}")
    dims = x.shape.as_list()[:-1] + [kv]
    return [Spec(x.dtype, dims), Spec(dtypes.int32, dims)]


def _top_k_reference(x, k, *, sorted):
    k = int(k)
    if x.shape[-1] < k:
        raise ValueError(f"top_k: input must have at least k={k} columns, got {x.shape[-1]}")
    # A stable sort of the negated values: ties keep the lower index first, as TF does.
    order = np.argsort(-x if x.dtype.kind == "f" else -x.astype(np.int64), axis=-1,
                       kind="stable")[..., :k]
    return np.take_along_axis(x, order, axis=-1), order.astype(np.int32)


@_in_op_graph
def _top_k_grad(op, grad, _):
    """Scatters the values' gradient to the chosen indices of the flattened input."""
    x = op.inputs[0]
    indices = op.outputs[1]
    if indices.shape.rank is not None and indices.shape[-1] == 0:
        return [zeros_like(x), None]  # k == 0 selects nothing (and [-1, 0] is no shape)
    in_shape = array_ops.shape(x)
    ind_shape = array_ops.shape(indices)
    ind_lastdim = array_ops.gather(math_ops.cast(ind_shape, dtypes.int64),
                                   array_ops.size(ind_shape) - 1)
    ind_2d = array_ops.reshape(indices, array_ops.stack([-1, ind_lastdim]))
    in_lastdim = array_ops.gather(math_ops.cast(in_shape, dtypes.int64),
                                  array_ops.size(in_shape) - 1)
    outerdim = array_ops.shape(ind_2d)[0]
    offsets = array_ops.range(0, math_ops.cast(outerdim, dtypes.int64) * in_lastdim,
                              in_lastdim)
    ind = array_ops.reshape(
        math_ops.add(ind_2d, math_ops.cast(array_ops.expand_dims(offsets, -1),
                                           dtypes.int32)), [-1])
    flat = scatter_nd(array_ops.expand_dims(ind, -1), array_ops.reshape(grad, [-1]),
                      array_ops.expand_dims(reduce_ops.reduce_prod(in_shape), 0))
    return [array_ops.reshape(flat, in_shape), None]


register(OpDef(
    name="top_k", infer=_top_k_infer, reference=_top_k_reference, gradient=_top_k_grad,
    doc="The k largest entries along the last axis, in descending order, and their int32 "
        "indices; ties keep the lower index first (TF's TopKV2)."))


@_on_input_graph
def top_k(input, k=1, sorted=True, name=None) -> tuple[Tensor, Tensor]:
    """`tf.nn.top_k` / `tf.math.top_k`: (values, indices) of the k largest entries along
    the last axis."""
    x = convert_to_tensor(input)
    k_t = convert_to_tensor(k, dtype=dtypes.int32) if not isinstance(k, Tensor) else k
    op = x.graph.create_op("top_k", [x, k_t], {"sorted": bool(sorted)}, name=name or "TopKV2")
    return tuple(op.outputs)


def _in_top_k_infer(predictions, targets, k):
    if predictions.dtype not in _FLOAT:
        raise TypeError(f"in_top_k: predictions must be float, got {predictions.dtype.name}")
    _check_int(targets, "in_top_k: targets", 1)
    _check_int(k, "in_top_k: k", 0)
    if k.dtype != targets.dtype:
        raise TypeError(f"in_top_k: k ({k.dtype.name}) must have the dtype of targets "
                        f"({targets.dtype.name})")
    if predictions.shape.rank not in (None, 2):
        raise ValueError(f"in_top_k: predictions must be a matrix, got shape "
                         f"{predictions.shape}")
    batch = predictions.shape[0] if predictions.shape.rank == 2 else None
    if not TensorShape([batch]).is_compatible_with(targets.shape):
        raise ValueError(f"in_top_k: targets of shape {targets.shape} do not match "
                         f"predictions of shape {predictions.shape}")
    known = targets.shape[0] if targets.shape.rank == 1 else None
    return Spec(dtypes.bool_, [batch if batch is not None else known])


def _in_top_k_reference(predictions, targets, k):
    if predictions.shape[0] != targets.shape[0]:
        raise ValueError(f"in_top_k: {targets.shape[0]} targets for {predictions.shape[0]} "
                         "rows of predictions")
    classes = predictions.shape[1]
    valid = (targets >= 0) & (targets < classes)
    safe = np.where(valid, targets, 0)
    target_value = predictions[np.arange(predictions.shape[0]), safe]
    valid &= np.isfinite(target_value)
    better = (predictions > target_value[:, None]).sum(axis=1)
    return valid & (better < int(k))


register(OpDef(
    name="in_top_k", infer=_in_top_k_infer, reference=_in_top_k_reference,
    no_gradient="boolean result",
    doc="Whether each row's target class is among its k largest predictions: fewer than k "
        "predictions are strictly greater (ties count as in); an out-of-range target or a "
        "non-finite target prediction gives False (TF's InTopKV2)."))


@_on_input_graph
def in_top_k(predictions, targets, k, name=None) -> Tensor:
    """`tf.nn.in_top_k`: bool [batch], whether targets[i] is in the top k of
    predictions[i]."""
    p = convert_to_tensor(predictions)
    t = convert_to_tensor(targets, dtype_hint=dtypes.int32)
    k_t = k if isinstance(k, Tensor) else convert_to_tensor(k, dtype=t.dtype)
    return p.graph.create_op("in_top_k", [p, t, k_t], name=name or "InTopKV2").outputs[0]


# -- composites: tensordot, sequence_mask, count_nonzero, eye, norm -----------------------


def _static_or_dynamic(x: Tensor, axes: list[int]) -> list | Tensor:
    """The sizes of `axes` of x: Python ints when static, else a gathered shape tensor."""
    dims = [x.shape[a] for a in axes]
    if None not in dims:
        return dims
    return array_ops.gather(array_ops.shape(x), axes)


def _prod(dims) -> int | Tensor:
    if isinstance(dims, list):
        return int(np.prod(dims, dtype=np.int64))
    return reduce_ops.reduce_prod(dims)


def _tensordot_reshape(a: Tensor, axes: list[int], flipped: bool = False):
    """a transposed so `axes` come last (first when flipped) and reshaped to a matrix,
    with the sizes of its free axes (TF's _tensordot_reshape)."""
    rank = a.shape.rank
    axes = [i if i >= 0 else i + rank for i in axes]
    free = [i for i in range(rank) if i not in axes]
    perm = axes + free if flipped else free + axes
    a_trans = a if perm == list(range(rank)) else array_ops.transpose(a, perm)
    free_dims = _static_or_dynamic(a, free)
    prod_free, prod_axes = _prod(free_dims), _prod(_static_or_dynamic(a, axes))
    if isinstance(prod_free, int) and isinstance(prod_axes, int):
        new_shape = [prod_axes, prod_free] if flipped else [prod_free, prod_axes]
        if a_trans.shape.as_list() == new_shape:
            return a_trans, free_dims
        return array_ops.reshape(a_trans, new_shape), free_dims
    new_shape = array_ops.stack([prod_axes, prod_free] if flipped else [prod_free, prod_axes])
    return array_ops.reshape(a_trans, new_shape), free_dims


def _tensordot_axes(axes, rank_a: int) -> tuple[list[int], list[int]]:
    if isinstance(axes, (int, np.integer)):
        axes = int(axes)
        if axes < 0:
            raise ValueError(f"'axes' must be at least 0, got {axes}")
        if axes > rank_a:
            raise ValueError(f"'axes' must not be larger than the rank of a ({rank_a}), got "
                             f"{axes}")
        return list(range(rank_a - axes, rank_a)), list(range(axes))
    if isinstance(axes, Tensor):
        raise TypeError("tensordot: graphjit needs `axes` as Python ints or lists")
    axes = list(axes)
    if len(axes) != 2:
        raise ValueError(f"'axes' must be an integer or have length 2, got {axes}")
    a_axes, b_axes = axes
    a_axes = [int(a_axes)] if isinstance(a_axes, (int, np.integer)) else [int(i) for i in a_axes]
    b_axes = [int(b_axes)] if isinstance(b_axes, (int, np.integer)) else [int(i) for i in b_axes]
    if len(a_axes) != len(b_axes):
        raise ValueError(f"Different number of contraction axes 'a' and 'b', {len(a_axes)} "
                         f"!= {len(b_axes)}")
    return a_axes, b_axes


def tensordot(a, b, axes, name=None) -> Tensor:
    """`tf.tensordot`: sums a[..., axes_a] * b[axes_b, ...] over the paired axes, by
    transposes, reshapes and one matmul as TF builds it."""
    a, b = math_ops._convert_operands(a, b)
    graph = a.graph
    with graph.as_default(), graph.name_scope(name or "Tensordot") as scope:
        if a.shape.rank is None or b.shape.rank is None:
            raise ValueError("tensordot: graphjit needs operands of known rank")
        a_axes, b_axes = _tensordot_axes(axes, a.shape.rank)
        a_reshape, a_free_dims = _tensordot_reshape(a, a_axes)
        b_reshape, b_free_dims = _tensordot_reshape(b, b_axes, True)
        ab_matmul = matmul(a_reshape, b_reshape)
        if isinstance(a_free_dims, list) and isinstance(b_free_dims, list):
            if ab_matmul.shape.is_fully_defined() and \
                    ab_matmul.shape.as_list() == a_free_dims + b_free_dims:
                return ab_matmul
            return array_ops.reshape(ab_matmul, a_free_dims + b_free_dims, name=scope[:-1])
        parts = [math_ops.cast(d, dtypes.int32) if isinstance(d, Tensor) else
                 constant(np.array(d, np.int32)) for d in (a_free_dims, b_free_dims)]
        return array_ops.reshape(ab_matmul, array_ops.concat(parts, 0), name=scope[:-1])


def sequence_mask(lengths, maxlen=None, dtype=dtypes.bool_, name=None) -> Tensor:
    """`tf.sequence_mask`: mask[i..., j] = j < lengths[i...], for j < maxlen (default:
    the largest length)."""
    graph = get_default_graph()
    with graph.name_scope(name or "SequenceMask"):
        lengths = convert_to_tensor(lengths)
        if maxlen is None:
            maxlen = reduce_ops.reduce_max(lengths, name="Max")
            maxlen = math_ops.maximum(constant(0, dtype=maxlen.dtype), maxlen)
        else:
            maxlen = convert_to_tensor(maxlen)
        if maxlen.shape.rank not in (None, 0):
            raise ValueError("maxlen must be scalar for sequence_mask")
        row_vector = array_ops.range(constant(0, dtype=maxlen.dtype), maxlen,
                                     constant(1, dtype=maxlen.dtype), name="Range")
        matrix = math_ops.cast(array_ops.expand_dims(lengths, -1), maxlen.dtype)
        result = math_ops.less(row_vector, matrix)
        dtype = dtypes.as_dtype(dtype)
        return result if dtype == dtypes.bool_ else math_ops.cast(result, dtype)


def count_nonzero(input_tensor=None, axis=None, keepdims=None, dtype=dtypes.int64, name=None,
                  reduction_indices=None, keep_dims=None, input=None) -> Tensor:
    """`tf.count_nonzero`: how many elements are not zero (not False) along `axis`."""
    if input_tensor is None:
        input_tensor = input
    if input_tensor is None:
        raise ValueError("count_nonzero needs input_tensor")
    if axis is None:
        axis = reduction_indices
    if keepdims is None:
        keepdims = bool(keep_dims)
    graph = get_default_graph()
    with graph.name_scope(name or "count_nonzero"):
        x = convert_to_tensor(input_tensor, name="input")
        zero = array_ops.zeros([], dtype=x.dtype)
        nonzero = math_ops.cast(math_ops.not_equal(x, zero), dtypes.int64)
        counted = reduce_ops.reduce_sum(nonzero, axis=axis, keepdims=keepdims)
        dtype = dtypes.as_dtype(dtype)
        return counted if dtype == dtypes.int64 else math_ops.cast(counted, dtype)


def eye(num_rows, num_columns=None, batch_shape=None, dtype=dtypes.float32, name=None
        ) -> Tensor:
    """`tf.eye`: ones on the diagonal of [*batch_shape, num_rows, num_columns]."""
    dtype = dtypes.as_dtype(dtype)
    graph = get_default_graph()
    with graph.name_scope(name or "eye"):
        num_columns = num_rows if num_columns is None else num_columns
        for what, n in (("num_rows", num_rows), ("num_columns", num_columns)):
            if not isinstance(n, (Tensor, int, np.integer)) or isinstance(n, bool):
                raise TypeError(f"Arguments `num_rows` and `num_columns` must be positive "
                                f"integer values. Received: {what}={n!r}")
        rows = array_ops.expand_dims(array_ops.range(num_rows), -1)
        cols = array_ops.range(num_columns)
        matrix = math_ops.cast(math_ops.equal(rows, cols), dtype)
        if batch_shape is None:
            return matrix
        target = array_ops.concat([_index_tensor(batch_shape),
                                   array_ops.shape(matrix)], 0)
        return array_ops.broadcast_to(matrix, target)


def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None, keep_dims=None
         ) -> Tensor:
    """`tf.norm`: vector norms (euclidean/2, 1, inf, any p > 0) over all elements or one
    axis, and matrix norms ('fro'/'euclidean', 1, inf) over a pair of axes."""
    keepdims = bool(keep_dims) if keepdims is None else keepdims
    is_matrix_norm = isinstance(axis, (tuple, list)) and len(axis) == 2
    if is_matrix_norm:
        axis = tuple(axis)
        if not all(isinstance(a, int) for a in axis) or axis[0] == axis[1]:
            raise ValueError("'axis' must be None, an integer, or a tuple of 2 unique "
                             f"integers, got {axis}")
        if ord in (2, 2.0):
            raise ValueError("graphjit's norm has no matrix 2-norm (it needs an SVD); "
                             "supported matrix norms: 'euclidean', 'fro', 1, np.inf")
        if ord not in ("euclidean", "fro", 1, np.inf):
            raise ValueError("'ord' must be a supported matrix norm in ['euclidean', 'fro', "
                             f"1, 2, inf], got {ord}")
    else:
        if not (isinstance(axis, int) or axis is None):
            raise ValueError("'axis' must be None, an integer, or a tuple of 2 unique "
                             f"integers, got {axis}")
        if ord not in ("euclidean", 1, 2, np.inf) and (
                isinstance(ord, str) or not np.isreal(ord) or ord <= 0):
            raise ValueError(f"'ord' must be a supported vector norm, got {ord}")
        if axis is not None:
            axis = (axis,)
    graph = get_default_graph()
    with graph.name_scope(name or "norm"):
        x = convert_to_tensor(tensor)
        if ord in ("fro", "euclidean", 2, 2.0):
            result = math_ops.sqrt(reduce_ops.reduce_sum(math_ops.multiply(x, x), axis,
                                                         keepdims=True))
        else:
            result = math_ops.abs(x)
            if ord == 1:
                result = reduce_ops.reduce_sum(result, None if axis is None else axis[0],
                                               keepdims=True)
                if is_matrix_norm:
                    result = reduce_ops.reduce_max(result, axis[-1], keepdims=True)
            elif ord == np.inf:
                if is_matrix_norm:
                    result = reduce_ops.reduce_sum(result, axis[1], keepdims=True)
                result = reduce_ops.reduce_max(result, None if axis is None else axis[0],
                                               keepdims=True)
            else:
                result = math_ops.pow(
                    reduce_ops.reduce_sum(math_ops.pow(result, ord), axis, keepdims=True),
                    1.0 / ord)
        if not keepdims:
            result = array_ops.squeeze(result, axis)
        return result



# -- segment reductions ---------------------------------------------------------------------


def _segment_max_reference(data, segment_ids, num_segments):
    n, ids, rows = array_ops.segment_rows(data, segment_ids, num_segments,
                                          "unsorted_segment_max")
    lowest = (np.finfo(data.dtype).min if data.dtype.kind == "f"
              else np.iinfo(data.dtype).min)
    out = np.full((n,) + rows.shape[1:], lowest, data.dtype)
    keep = ids >= 0  # TF drops negative ids
    np.maximum.at(out, ids[keep], rows[keep])
    return out


@_in_op_graph
def _segment_max_grad(op, grad):
    data, ids, num = op.inputs
    zero = zeros_like(ids)
    positive = math_ops.greater_equal(ids, zero)
    clipped = math_ops.maximum(ids, zero)
    chosen = math_ops.logical_and(
        math_ops.equal(data, array_ops.gather(op.outputs[0], clipped)),
        broadcast_like(_expand_to(positive, data), data))
    count = array_ops.unsorted_segment_sum(math_ops.cast(chosen, grad.dtype), ids, num)
    share = array_ops.gather(math_ops.truediv(grad, count), clipped)
    return [math_ops.where_v2(chosen, share, zeros_like(share)), None, None]


def _expand_to(x: Tensor, like: Tensor) -> Tensor:
    for _ in range(like.shape.rank - x.shape.rank):
        x = array_ops.expand_dims(x, -1)
    return x


register(OpDef(
    name="unsorted_segment_max", infer=lambda d, i, n: array_ops._segment_sum_infer(d, i, n),
    reference=_segment_max_reference, gradient=_segment_max_grad,
    doc="The largest of the rows of data (first input) with each segment id (second); the "
        "lowest value of the dtype where a segment is empty; negative ids are dropped. The "
        "gradient is shared among the rows that attain the maximum (TF's rule)."))


def unsorted_segment_max(data, segment_ids, num_segments, name=None) -> Tensor:
    """`tf.math.unsorted_segment_max`: the maximum of data's rows per segment id."""
    data = convert_to_tensor(data)
    ids = convert_to_tensor(segment_ids, dtype_hint=dtypes.int32)
    num = convert_to_tensor(num_segments, dtype_hint=dtypes.int32)
    return data.graph.create_op("unsorted_segment_max", [data, ids, num],
                                name=name or "UnsortedSegmentMax").outputs[0]


def unsorted_segment_min(data, segment_ids, num_segments, name=None) -> Tensor:
    """`tf.math.unsorted_segment_min`: -max(-data) per segment id (the largest value of the
    dtype where a segment is empty, as TF)."""
    graph = get_default_graph()
    with graph.name_scope(name or "UnsortedSegmentMin"):
        data = convert_to_tensor(data)
        return math_ops.negative(unsorted_segment_max(math_ops.negative(data), segment_ids,
                                                      num_segments))


def _segment_count(ids: Tensor, num, dtype) -> Tensor:
    """How many rows fall in each segment (at least 1), shaped to broadcast over data."""
    ones = ones_like(ids, dtype=dtype)
    return math_ops.maximum(array_ops.unsorted_segment_sum(ones, ids, num),
                            constant(1, dtype=dtype))


def _per_segment(x: Tensor, data: Tensor, ids: Tensor) -> Tensor:
    for _ in range(data.shape.rank - ids.shape.rank):
        x = array_ops.expand_dims(x, -1)
    return x


def unsorted_segment_mean(data, segment_ids, num_segments, name=None) -> Tensor:
    """`tf.math.unsorted_segment_mean`: the mean of data's rows per segment id (0 where a
    segment is empty)."""
    graph = get_default_graph()
    with graph.name_scope(name or "UnsortedSegmentMean"):
        data = convert_to_tensor(data)
        ids = convert_to_tensor(segment_ids, dtype_hint=dtypes.int32)
        total = array_ops.unsorted_segment_sum(data, ids, num_segments)
        count = _segment_count(ids, num_segments, data.dtype)
        return math_ops.truediv(total, _per_segment(count, data, ids))


def _sorted_segments(segment_ids) -> tuple[Tensor, Tensor]:
    """Sorted 1-D segment ids and their number: the last id plus one (TF's Segment* ops)."""
    ids = convert_to_tensor(segment_ids, dtype_hint=dtypes.int32)
    if ids.shape.rank not in (None, 1):
        raise ValueError(f"segment_ids should be a vector, got shape {ids.shape}")
    size = array_ops.size(ids, out_type=ids.dtype)
    last = array_ops.gather(ids, math_ops.maximum(size - 1, constant(0, dtype=ids.dtype)))
    num = math_ops.where_v2(math_ops.greater(size, constant(0, dtype=ids.dtype)), last + 1,
                            constant(0, dtype=ids.dtype))
    return ids, num


def segment_sum(data, segment_ids, name=None) -> Tensor:
    """`tf.math.segment_sum`: sums of data's rows over sorted segment ids (ids that do not
    occur give 0)."""
    with get_default_graph().name_scope(name or "SegmentSum"):
        ids, num = _sorted_segments(segment_ids)
        return array_ops.unsorted_segment_sum(data, ids, num)


def segment_mean(data, segment_ids, name=None) -> Tensor:
    """`tf.math.segment_mean`: means of data's rows over sorted segment ids (0 where empty)."""
    with get_default_graph().name_scope(name or "SegmentMean"):
        ids, num = _sorted_segments(segment_ids)
        return unsorted_segment_mean(data, ids, num)


def _segment_extreme(data, segment_ids, fn) -> Tensor:
    data = convert_to_tensor(data)
    ids, num = _sorted_segments(segment_ids)
    result = fn(data, ids, num)
    present = array_ops.unsorted_segment_sum(ones_like(ids), ids, num)
    present = broadcast_like(_per_segment(math_ops.greater(present, zeros_like(present)),
                                          data, ids), result)
    return math_ops.where_v2(present, result, zeros_like(result))


def segment_max(data, segment_ids, name=None) -> Tensor:
    """`tf.math.segment_max`: maxima of data's rows over sorted segment ids (0 where
    empty)."""
    with get_default_graph().name_scope(name or "SegmentMax"):
        return _segment_extreme(data, segment_ids, unsorted_segment_max)


def segment_min(data, segment_ids, name=None) -> Tensor:
    """`tf.math.segment_min`: minima of data's rows over sorted segment ids (0 where
    empty)."""
    with get_default_graph().name_scope(name or "SegmentMin"):
        return _segment_extreme(data, segment_ids, unsorted_segment_min)


# -- matrix band, diagonals, reverse_sequence -----------------------------------------------


def _check_matrix(x: Spec, what: str) -> None:
    if x.shape.rank is not None and x.shape.rank < 2:
        raise ValueError(f"{what}: input must be at least rank 2, got shape {x.shape}")


def _band_part_infer(x, num_lower, num_upper):
    _check_matrix(x, "matrix_band_part")
    _check_int(num_lower, "matrix_band_part: num_lower", 0)
    _check_int(num_upper, "matrix_band_part: num_upper", 0)
    return Spec(x.dtype, x.shape)


def _band_part_reference(x, num_lower, num_upper):
    lower, upper = int(num_lower), int(num_upper)
    m, n = x.shape[-2:]
    offset = np.arange(m)[:, None] - np.arange(n)[None, :]
    keep = ((lower < 0) | (offset <= lower)) & ((upper < 0) | (-offset <= upper))
    return np.where(keep, x, np.zeros((), x.dtype))


register(OpDef(
    name="matrix_band_part", infer=_band_part_infer, reference=_band_part_reference,
    gradient=lambda op, grad: [matrix_band_part(grad, op.inputs[1], op.inputs[2]), None, None],
    doc="The band of each innermost matrix: num_lower subdiagonals and num_upper "
        "superdiagonals (negative: all), zeros elsewhere (TF's MatrixBandPart)."))


def matrix_band_part(input, num_lower, num_upper, name=None) -> Tensor:  # noqa: A002
    """`tf.linalg.band_part`: keeps num_lower subdiagonals and num_upper superdiagonals of
    each innermost matrix (negative: keep all)."""
    x = convert_to_tensor(input)
    lower = convert_to_tensor(num_lower, dtype_hint=dtypes.int64)
    upper = convert_to_tensor(num_upper, dtype_hint=dtypes.int64)
    return x.graph.create_op("matrix_band_part", [x, lower, upper],
                             name=name or "MatrixBandPart").outputs[0]


def _diag_part_infer(x):
    _check_matrix(x, "matrix_diag_part")
    if x.shape.rank is None:
        return Spec(x.dtype, None)
    m, n = x.shape[-2], x.shape[-1]
    k = None if m is None or n is None else min(m, n)
    return Spec(x.dtype, x.shape.as_list()[:-2] + [k])


@_in_op_graph
def _diag_part_grad(op, grad):
    m, n = op.inputs[0].shape.as_list()[-2:]
    if m is None or n is None:
        raise ValueError("The gradient of matrix_diag_part needs static matrix dimensions, "
                         f"got {op.inputs[0].shape}")
    return [matrix_diag(grad, num_rows=m, num_cols=n)]


register(OpDef(
    name="matrix_diag_part", infer=_diag_part_infer,
    reference=lambda x: np.ascontiguousarray(np.diagonal(x, axis1=-2, axis2=-1)),
    gradient=_diag_part_grad,
    doc="The main diagonal of each innermost matrix (TF's MatrixDiagPart, k=0)."))


def _matrix_diag_infer(d, *, num_rows, num_cols):
    if d.shape.rank == 0:
        raise ValueError("matrix_diag: diagonal must be at least rank 1")
    if d.shape.rank is None:
        return Spec(d.dtype, None)
    k = d.shape[-1]
    rows = k if num_rows < 0 else num_rows
    cols = k if num_cols < 0 else num_cols
    if k is not None and rows is not None and cols is not None and min(rows, cols) != k:
        raise ValueError(f"matrix_diag: a diagonal of length {k} does not fit a {rows}x{cols} "
                         "matrix (min(num_rows, num_cols) must equal it)")
    return Spec(d.dtype, d.shape.as_list()[:-1] + [rows, cols])


def _matrix_diag_reference(d, *, num_rows, num_cols):
    k = d.shape[-1]
    rows = k if num_rows < 0 else num_rows
    cols = k if num_cols < 0 else num_cols
    if min(rows, cols) != k:
        raise ValueError(f"matrix_diag: a diagonal of length {k} does not fit a {rows}x{cols} "
                         "matrix")
    out = np.zeros(d.shape[:-1] + (rows, cols), d.dtype)
    idx = np.arange(k)
    out[..., idx, idx] = d
    return out


register(OpDef(
    name="matrix_diag", infer=_matrix_diag_infer, reference=_matrix_diag_reference,
    gradient=lambda op, grad: [matrix_diag_part(grad)],
    attrs={"num_rows": -1, "num_cols": -1},
    doc="Matrices with the last axis of the input on their main diagonal, zeros elsewhere "
        "(TF's MatrixDiag, k=0); num_rows/num_cols default to the diagonal's length."))


def matrix_diag(diagonal, name=None, k=0, num_rows=-1, num_cols=-1, padding_value=0,
                align="RIGHT_LEFT") -> Tensor:
    """`tf.linalg.diag`: a (batch of) matrix with `diagonal` on its main diagonal."""
    if k != 0 or padding_value != 0:
        raise ValueError("graphjit's matrix_diag supports the main diagonal only (k=0, "
                         "padding_value=0)")
    d = convert_to_tensor(diagonal)
    return d.graph.create_op("matrix_diag", [d], {"num_rows": int(num_rows),
                                                  "num_cols": int(num_cols)},
                             name=name or "MatrixDiag").outputs[0]


def matrix_diag_part(input, name=None, k=0, padding_value=0,  # noqa: A002
                     align="RIGHT_LEFT") -> Tensor:
    """`tf.linalg.diag_part`: the main diagonal of each innermost matrix."""
    if k != 0:
        raise ValueError("graphjit's matrix_diag_part supports the main diagonal only (k=0)")
    x = convert_to_tensor(input)
    return x.graph.create_op("matrix_diag_part", [x],
                             name=name or "MatrixDiagPart").outputs[0]


def trace(x, name=None) -> Tensor:
    """`tf.linalg.trace`: the sum of each innermost matrix's main diagonal."""
    with get_default_graph().name_scope(name or "Trace"):
        return reduce_ops.reduce_sum(matrix_diag_part(x), -1)


def diag(diagonal, name=None) -> Tensor:
    """`tf.diag`: a tensor of rank 2k with `diagonal` (rank k, static shape) on its
    diagonal: out[i1..ik, i1..ik] = diagonal[i1..ik]."""
    d = convert_to_tensor(diagonal)
    if not d.shape.is_fully_defined() or d.shape.rank == 0:
        raise ValueError(f"diag needs a diagonal of static rank >= 1 shape, got {d.shape}")
    with d.graph.name_scope(name or "Diag"):
        dims = d.shape.as_list()
        square = matrix_diag(array_ops.reshape(d, [-1]))
        return square if len(dims) == 1 else array_ops.reshape(square, dims + dims)


def diag_part(input, name=None) -> Tensor:  # noqa: A002
    """`tf.diag_part`: the inverse of `diag`, for a tensor of static shape [*s, *s]."""
    x = convert_to_tensor(input)
    dims = x.shape.as_list() if x.shape.is_fully_defined() else None
    half = None if dims is None else len(dims) // 2
    if dims is None or len(dims) % 2 or not dims or dims[:half] != dims[half:]:
        raise ValueError(f"diag_part needs a static shape [*s, *s], got {x.shape}")
    with x.graph.name_scope(name or "DiagPart"):
        n = int(np.prod(dims[:half]))
        part = matrix_diag_part(array_ops.reshape(x, [n, n]))
        return part if half == 1 else array_ops.reshape(part, dims[:half])


def _reverse_sequence_infer(x, lengths, *, seq_dim, batch_dim):
    _check_int(lengths, "reverse_sequence: seq_lengths", 1)
    rank = x.shape.rank
    if rank is not None:
        for what, d in (("seq_dim", seq_dim), ("batch_dim", batch_dim)):
            if not 0 <= d < rank:
                raise ValueError(f"reverse_sequence: {what} {d} is out of range for a tensor "
                                 f"of rank {rank}")
        if seq_dim == batch_dim:
            raise ValueError("reverse_sequence: seq_dim and batch_dim must differ")
        if not TensorShape([x.shape[batch_dim]]).is_compatible_with(lengths.shape):
            raise ValueError(f"reverse_sequence: seq_lengths {lengths.shape} must have one "
                             f"length per batch entry ({x.shape[batch_dim]})")
    return Spec(x.dtype, x.shape)


def _reverse_sequence_reference(x, lengths, *, seq_dim, batch_dim):
    out = x.copy()
    for b, n in enumerate(np.asarray(lengths).reshape(-1)):
        n = int(n)
        if not 0 <= n <= x.shape[seq_dim]:
            raise IndexError(f"reverse_sequence: seq_lengths[{b}] = {n} is out of range "
                             f"[0, {x.shape[seq_dim]}]")
        index = [slice(None)] * x.ndim
        index[batch_dim] = b
        index[seq_dim] = slice(0, n)
        source = x[tuple(index)]
        axis = seq_dim - (seq_dim > batch_dim)
        out[tuple(index)] = np.flip(source, axis)
    return out


register(OpDef(
    name="reverse_sequence", infer=_reverse_sequence_infer,
    reference=_reverse_sequence_reference,
    gradient=lambda op, grad: [reverse_sequence(grad, op.inputs[1],
                                                seq_axis=op.attrs["seq_dim"],
                                                batch_axis=op.attrs["batch_dim"]), None],
    doc="Reverses the first seq_lengths[b] entries along seq_dim of each batch entry b "
        "(TF's ReverseSequence)."))


def reverse_sequence(input, seq_lengths, seq_axis=None, batch_axis=None, name=None,  # noqa: A002
                     seq_dim=None, batch_dim=None) -> Tensor:
    """`tf.reverse_sequence`: reverses the first seq_lengths[b] steps along seq_axis of
    each entry b along batch_axis (default 0)."""
    seq_axis = seq_dim if seq_axis is None else seq_axis
    batch_axis = (0 if batch_dim is None else batch_dim) if batch_axis is None else batch_axis
    if seq_axis is None:
        raise ValueError("reverse_sequence needs seq_axis")
    x = convert_to_tensor(input)
    lengths = convert_to_tensor(seq_lengths, dtype_hint=dtypes.int64)
    rank = x.shape.rank
    if rank is not None:
        seq_axis, batch_axis = seq_axis % rank, batch_axis % rank
    return x.graph.create_op("reverse_sequence", [x, lengths],
                             {"seq_dim": int(seq_axis), "batch_dim": int(batch_axis)},
                             name=name or "ReverseSequence").outputs[0]


# -- tensor scatters and sparse variable updates ---------------------------------------------
# The variable forms (scatter_update, ...) read the variable, scatter into the value with a
# pure op and assign the result, so every backend runs them with its ordinary state ops.


def _tensor_scatter_infer(tensor, indices, updates):
    _check_int(indices, "tensor_scatter_nd: indices")
    if updates.dtype != tensor.dtype:
        raise TypeError(f"tensor_scatter_nd: updates have dtype {updates.dtype.name}, the "
                        f"tensor {tensor.dtype.name}")
    if indices.shape.rank == 0:
        raise ValueError("tensor_scatter_nd: indices must be at least a vector")
    q = indices.shape[-1] if indices.shape.rank else None
    if q is not None and tensor.shape.rank is not None:
        if q > tensor.shape.rank:
            raise ValueError(f"tensor_scatter_nd: index depth {q} exceeds the tensor's rank "
                             f"{tensor.shape.rank}")
        expect = indices.shape[:-1].concatenate(tensor.shape[q:])
        if not updates.shape.is_compatible_with(expect):
            raise ValueError(f"tensor_scatter_nd: updates must have shape {expect}, got "
                             f"{updates.shape}")
    return Spec(tensor.dtype, tensor.shape)


def _tensor_scatter_kernel(combine):
    def reference(tensor, indices, updates):
        _check_bounds(indices, tensor.shape, "tensor_scatter_nd")
        out = tensor.copy()
        combine(out, tuple(indices[..., k] for k in range(indices.shape[-1])), updates)
        return out
    return reference


def _set_at(out, where, updates):
    out[where] = updates


def _sub_at(out, where, updates):
    np.subtract.at(out, where, updates)


@_in_op_graph
def _tensor_scatter_update_grad(op, grad):
    _, indices, updates = op.inputs
    return [tensor_scatter_nd_update(grad, indices, zeros_like(updates)), None,
            gather_nd(grad, indices)]


@_in_op_graph
def _tensor_scatter_add_grad(op, grad):
    return [grad, None, gather_nd(grad, op.inputs[1])]


@_in_op_graph
def _tensor_scatter_sub_grad(op, grad):
    return [grad, None, math_ops.negative(gather_nd(grad, op.inputs[1]))]


_TENSOR_SCATTERS = {
    "tensor_scatter_nd_update": ("TensorScatterUpdate", _set_at, _tensor_scatter_update_grad,
                                 "replaced by"),
    "tensor_scatter_nd_add": ("TensorScatterAdd", np.add.at, _tensor_scatter_add_grad,
                              "plus"),
    "tensor_scatter_nd_sub": ("TensorScatterSub", _sub_at, _tensor_scatter_sub_grad,
                              "minus"),
}

for _name, (_, _combine, _grad, _how) in _TENSOR_SCATTERS.items():
    register(OpDef(
        name=_name, infer=_tensor_scatter_infer, reference=_tensor_scatter_kernel(_combine),
        gradient=_grad,
        doc=f"A copy of the tensor (first input) with the elements or slices at the index "
            f"rows `indices` {_how} `updates` (repeated rows accumulate for add/sub)."))


def _tensor_scatter(kind: str, tensor, indices, updates, name) -> Tensor:
    t = convert_to_tensor(tensor)
    idx = convert_to_tensor(indices, dtype_hint=dtypes.int32)
    upd = convert_to_tensor(updates, dtype_hint=t.dtype)
    return t.graph.create_op(kind, [t, idx, upd],
                             name=name or _TENSOR_SCATTERS[kind][0]).outputs[0]


def tensor_scatter_nd_update(tensor, indices, updates, name=None) -> Tensor:
    """`tf.tensor_scatter_nd_update`: tensor with tensor[indices[i]] = updates[i]."""
    return _tensor_scatter("tensor_scatter_nd_update", tensor, indices, updates, name)


def tensor_scatter_nd_add(tensor, indices, updates, name=None) -> Tensor:
    """`tf.tensor_scatter_nd_add`: tensor with updates[i] added at indices[i]."""
    return _tensor_scatter("tensor_scatter_nd_add", tensor, indices, updates, name)


def tensor_scatter_nd_sub(tensor, indices, updates, name=None) -> Tensor:
    """`tf.tensor_scatter_nd_sub`: tensor with updates[i] subtracted at indices[i]."""
    return _tensor_scatter("tensor_scatter_nd_sub", tensor, indices, updates, name)


def _variable_scatter(kind: str, ref, indices, updates, name, rows: bool) -> Tensor:
    from .state import Variable, assign

    if not isinstance(ref, Variable):
        raise TypeError(f"{kind} needs a Variable, got {type(ref).__name__}")
    with ref.graph.as_default(), ref.graph.name_scope(name or kind):
        idx = convert_to_tensor(indices, dtype_hint=dtypes.int32)
        if rows:
            idx = array_ops.expand_dims(idx, -1)
        upd = convert_to_tensor(updates, dtype_hint=ref.dtype)
        if rows and upd.shape.rank == 0:  # a scalar update fills every indexed row
            target = array_ops.concat([array_ops.shape(idx)[:-1],
                                       array_ops.shape(ref.value())[1:]], 0)
            upd = array_ops.broadcast_to(upd, target)
        scatter = {"update": tensor_scatter_nd_update, "add": tensor_scatter_nd_add,
                   "sub": tensor_scatter_nd_sub}[kind.rsplit("_", 1)[-1]]
        return assign(ref, scatter(ref.value(), idx, upd))


def scatter_update(ref, indices, updates, use_locking=True, name=None) -> Tensor:
    """`tf.scatter_update`: ref[indices] = updates; the variable's new value."""
    return _variable_scatter("scatter_update", ref, indices, updates, name, rows=True)


def scatter_add(ref, indices, updates, use_locking=False, name=None) -> Tensor:
    """`tf.scatter_add`: ref[indices] += updates (repeated indices add up)."""
    return _variable_scatter("scatter_add", ref, indices, updates, name, rows=True)


def scatter_sub(ref, indices, updates, use_locking=False, name=None) -> Tensor:
    """`tf.scatter_sub`: ref[indices] -= updates (repeated indices add up)."""
    return _variable_scatter("scatter_sub", ref, indices, updates, name, rows=True)


def scatter_nd_update(ref, indices, updates, use_locking=True, name=None) -> Tensor:
    """`tf.scatter_nd_update`: ref[indices[i]] = updates[i] for each index row."""
    return _variable_scatter("scatter_nd_update", ref, indices, updates, name, rows=False)


def scatter_nd_add(ref, indices, updates, use_locking=False, name=None) -> Tensor:
    """`tf.scatter_nd_add`: ref[indices[i]] += updates[i] for each index row."""
    return _variable_scatter("scatter_nd_add", ref, indices, updates, name, rows=False)


def scatter_nd_sub(ref, indices, updates, use_locking=False, name=None) -> Tensor:
    """`tf.scatter_nd_sub`: ref[indices[i]] -= updates[i] for each index row."""
    return _variable_scatter("scatter_nd_sub", ref, indices, updates, name, rows=False)


register(OpDef(
    name="is_variable_initialized", infer=lambda handle: Spec(dtypes.bool_, ()),
    reference=lambda ctx, handle: np.array(ctx.current(handle) is not None),
    stateful=True, side_effects=False, uses_context=True, kind="state",
    no_gradient="a boolean about state",
    doc="Whether the variable (its handle) has a value in this session (TF's "
        "VarIsInitializedOp)."))


def is_variable_initialized(variable) -> Tensor:
    """`tf.is_variable_initialized`: a bool scalar, true once the variable has a value."""
    from .state import Variable

    if not isinstance(variable, Variable):
        raise TypeError(f"is_variable_initialized needs a Variable, got "
                        f"{type(variable).__name__}")
    return variable.graph.create_op("is_variable_initialized", [variable.handle],
                                    name="VarIsInitializedOp").outputs[0]



# -- special functions ------------------------------------------------------------------------
# Elementwise, but graphlib/scalar.py has no erf/lgamma/digamma functions for the code
# generators, so these are "opaque": every backend runs their reference kernels.


def _float_unary_infer(what: str):
    def infer(x):
        if x.dtype not in _FLOAT:
            raise TypeError(f"{what} needs a float32 or float64 tensor, got {x.dtype.name}")
        return Spec(x.dtype, x.shape)
    return infer


def _vectorized(fn):
    ufunc = np.vectorize(fn, otypes=[np.float64])

    def reference(x):
        return ufunc(x.astype(np.float64)).astype(x.dtype) if x.size else x.copy()
    return reference


def _lgamma(v: float) -> float:
    import math

    if v <= 0 and v == int(v):
        return np.inf
    return math.lgamma(v)


def _erf(v: float) -> float:
    import math

    return math.erf(v)


def _digamma(x: np.ndarray) -> np.ndarray:
    """psi(x): reflection below 1/2, the recurrence up to 10, then the asymptotic series."""
    x = np.asarray(x, np.float64)
    with np.errstate(all="ignore"):
        reflect = x < 0.5
        y = np.where(reflect, 1.0 - x, x)
        acc = np.zeros_like(y)
        for _ in range(10):
            small = y < 10.0
            acc -= np.where(small, 1.0 / y, 0.0)
            y = np.where(small, y + 1.0, y)
        inv2 = 1.0 / (y * y)
        series = (np.log(y) - 0.5 / y - inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (
            1 / 252 - inv2 * (1 / 240 - inv2 * (1 / 132))))))
        result = acc + series
        result = np.where(reflect, result - np.pi / np.tan(np.pi * x), result)
        return np.where((x <= 0) & (x == np.floor(x)), np.nan, result)


# Bernoulli numbers B_2k for the asymptotic series of the polygamma functions.
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6)


def _polygamma(n: np.ndarray, x: np.ndarray) -> np.ndarray:
    """psi^(n)(x) for integer n >= 1 and x > 0 (NaN elsewhere): the recurrence up to 20,
    then the asymptotic series; n = 0 is digamma."""
    from math import factorial

    n, x = np.broadcast_arrays(np.asarray(n, np.float64), np.asarray(x, np.float64))
    out = np.full(x.shape, np.nan)
    for order in np.unique(n[np.isfinite(n)]):
        sel = n == order
        if order == 0:
            out[sel] = _digamma(x[sel])
            continue
        if order < 0 or order != int(order):
            continue
        k = int(order)
        y = x[sel].copy()
        valid = y > 0
        y = np.where(valid, y, 1.0)
        sign = (-1.0) ** (k + 1)
        acc = np.zeros_like(y)
        for _ in range(20):
            small = y < 20.0
            acc += np.where(small, sign * factorial(k) / y ** (k + 1), 0.0)
            y = np.where(small, y + 1.0, y)
        series = factorial(k - 1) / y ** k + factorial(k) / (2 * y ** (k + 1))
        for j, b in enumerate(_BERNOULLI, start=1):
            series += b * factorial(2 * j + k - 1) / (factorial(2 * j) * y ** (2 * j + k))
        out[sel] = np.where(valid, acc + sign * series, np.nan)
    return out


def _special(name: str, op_type: str, doc: str):
    def builder(x, name=None) -> Tensor:
        x = convert_to_tensor(x)
        return x.graph.create_op(_name, [x], name=name or op_type).outputs[0]
    _name = name
    builder.__name__ = name
    builder.__doc__ = doc
    return builder


register(OpDef(
    name="erf", infer=_float_unary_infer("erf"), reference=_vectorized(_erf),
    gradient=lambda op, grad: [math_ops.multiply(grad, math_ops.multiply(
        math_ops.exp(math_ops.negative(math_ops.square(op.inputs[0]))),
        constant(2 / np.sqrt(np.pi), dtype=grad.dtype)))],
    doc="The error function 2/sqrt(pi) * integral_0^x exp(-t^2) dt."))
register(OpDef(
    name="lgamma", infer=_float_unary_infer("lgamma"), reference=_vectorized(_lgamma),
    gradient=lambda op, grad: [math_ops.multiply(grad, digamma(op.inputs[0]))],
    doc="log|Gamma(x)| (inf at the poles 0, -1, ...)."))
register(OpDef(
    name="digamma", infer=_float_unary_infer("digamma"),
    reference=lambda x: _digamma(x).astype(x.dtype),
    gradient=lambda op, grad: [math_ops.multiply(grad, polygamma(
        constant(1, dtype=op.inputs[0].dtype), op.inputs[0]))],
    doc="psi(x) = d/dx lgamma(x) (NaN at the poles)."))


def _polygamma_infer(a, x):
    if a.dtype != x.dtype or x.dtype not in _FLOAT:
        raise TypeError(f"polygamma needs a and x of one float dtype, got {a.dtype.name} and "
                        f"{x.dtype.name}")
    return Spec(x.dtype, broadcast_shapes(a.shape, x.shape))


@_in_op_graph
def _polygamma_grad(op, grad):
    a, x = op.inputs
    partial = polygamma(math_ops.add(a, constant(1, dtype=a.dtype)), x)
    return [None, sum_to_shape(math_ops.multiply(grad, partial), x)]


register(OpDef(
    name="polygamma", infer=_polygamma_infer,
    reference=lambda a, x: _polygamma(a, x).astype(x.dtype), gradient=_polygamma_grad,
    doc="The a-th derivative of digamma at x, for integer a >= 0 and x > 0 (NaN elsewhere); "
        "like TF, no gradient w.r.t. a."))

erf = _special("erf", "Erf", "`tf.math.erf`: the error function.")
lgamma = _special("lgamma", "Lgamma", "`tf.math.lgamma`: log|Gamma(x)|.")
digamma = _special("digamma", "Digamma", "`tf.math.digamma`: the derivative of lgamma.")


def polygamma(a, x, name=None) -> Tensor:
    """`tf.math.polygamma`: the a-th derivative of digamma (integer a >= 0, x > 0)."""
    x = convert_to_tensor(x)
    a = convert_to_tensor(a, dtype_hint=x.dtype)
    return x.graph.create_op("polygamma", [a, x], name=name or "Polygamma").outputs[0]


def erfc(x, name=None) -> Tensor:
    """`tf.math.erfc`: 1 - erf(x)."""
    with get_default_graph().name_scope(name or "Erfc"):
        x = convert_to_tensor(x)
        return math_ops.subtract(constant(1, dtype=x.dtype), erf(x))


# -- math composites ----------------------------------------------------------------------------


def log_sigmoid(x, name=None) -> Tensor:
    """`tf.math.log_sigmoid`: -softplus(-x), stable for large |x|."""
    from .nn import softplus

    with get_default_graph().name_scope(name or "LogSigmoid"):
        x = convert_to_tensor(x)
        return math_ops.negative(softplus(math_ops.negative(x)))


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None) -> Tensor:
    """`tf.math.reduce_variance`: the mean squared deviation from the mean over `axis`."""
    with get_default_graph().name_scope(name or "reduce_variance"):
        x = convert_to_tensor(input_tensor)
        means = reduce_ops.reduce_mean(x, axis, keepdims=True)
        deviations = math_ops.square(math_ops.subtract(x, means))
        return reduce_ops.reduce_mean(deviations, axis, keepdims=keepdims)


def reduce_std(input_tensor, axis=None, keepdims=False, name=None) -> Tensor:
    """`tf.math.reduce_std`: sqrt(reduce_variance)."""
    with get_default_graph().name_scope(name or "reduce_std"):
        return math_ops.sqrt(reduce_variance(input_tensor, axis, keepdims))


def xlogy(x, y, name=None) -> Tensor:
    """`tf.math.xlogy`: x * log(y), and 0 wherever x == 0 (even for y == 0)."""
    with get_default_graph().name_scope(name or "Xlogy"):
        x, y = math_ops._convert_operands(x, y)
        zero = math_ops.equal(x, zeros_like(x))
        safe_y = math_ops.where_v2(zero, ones_like(y), y)
        return math_ops.where_v2(zero, zeros_like(x), math_ops.multiply(x, math_ops.log(safe_y)))


def is_inf(x, name=None) -> Tensor:
    """`tf.math.is_inf`: whether each element is +inf or -inf."""
    with get_default_graph().name_scope(name or "IsInf"):
        x = convert_to_tensor(x)
        return math_ops.equal(math_ops.abs(x), constant(np.inf, dtype=x.dtype))


def saturate_cast(value, dtype, name=None) -> Tensor:
    """`tf.saturate_cast`: cast with values clamped to the target dtype's range first."""
    dtype = dtypes.as_dtype(dtype)
    with get_default_graph().name_scope(name or "saturate_cast"):
        x = convert_to_tensor(value, name="value")
        src, dst = x.dtype.np, dtype.np
        if src.kind in "iuf" and dst.kind in "iuf" and not (
                dst.kind == "f" and (src.kind != "f" or dst.itemsize >= src.itemsize)):
            # clamp to the target's range, as values of the source dtype that convert
            # without overflow (a float bound rounded up past the range steps back down)
            info = np.finfo if dst.kind == "f" else np.iinfo
            low = np.asarray(max(info(dst).min, x.dtype.min), src)
            high = np.asarray(min(info(dst).max, x.dtype.max), src)
            if src.kind == "f" and float(high) > float(info(dst).max):
                high = np.nextafter(high, np.asarray(-np.inf, src))
            if src.kind == "f" and float(low) < float(info(dst).min):
                low = np.nextafter(low, np.asarray(np.inf, src))
            x = math_ops.clip_by_value(x, constant(low), constant(high))
        return math_ops.cast(x, dtype)


def _sort_keys(x: Tensor, direction: str, axis: int):
    """The values to take top_k of (the input's order reversed for ascending) and the
    permutation that brings `axis` last."""
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(f"Unknown direction: {direction!r}")
    rank = x.shape.rank
    if rank is None:
        raise ValueError("sort needs a tensor of known rank")
    axis = axis % rank
    perm = None
    if axis != rank - 1:
        perm = list(range(rank))
        perm[axis], perm[-1] = perm[-1], perm[axis]
        x = array_ops.transpose(x, perm)
    if direction == "ASCENDING":
        x = math_ops.invert(x) if x.dtype.is_integer else math_ops.negative(x)
    return x, perm


def sort(values, axis=-1, direction="ASCENDING", name=None) -> Tensor:
    """`tf.sort` (through top_k over all of `axis`, as TF)."""
    with get_default_graph().name_scope(name or "sort"):
        x = convert_to_tensor(values)
        keys, perm = _sort_keys(x, direction, axis)
        result, _ = top_k(keys, array_ops.shape(keys)[-1])
        if direction == "ASCENDING":
            result = math_ops.invert(result) if x.dtype.is_integer else math_ops.negative(result)
        return result if perm is None else array_ops.transpose(result, perm)


def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None) -> Tensor:
    """`tf.argsort`: the int32 indices that sort `values` along `axis` (ties keep index
    order, so the result is also stable)."""
    with get_default_graph().name_scope(name or "argsort"):
        x = convert_to_tensor(values)
        keys, perm = _sort_keys(x, direction, axis)
        _, indices = top_k(keys, array_ops.shape(keys)[-1])
        return indices if perm is None else array_ops.transpose(indices, perm)


def linspace(start, stop, num, name=None, axis=0) -> Tensor:
    """`tf.linspace` (TF1's LinSpace): `num` evenly spaced values from start to stop
    (scalars), both included."""
    if axis != 0:
        raise ValueError("graphjit's linspace takes scalar start/stop (axis=0)")
    with get_default_graph().name_scope(name or "LinSpace"):
        start = convert_to_tensor(start)
        stop = convert_to_tensor(stop, dtype_hint=start.dtype)
        if start.dtype not in _FLOAT or start.shape.rank not in (None, 0):
            raise TypeError(f"linspace needs float scalars, got {start.dtype.name} "
                            f"{start.shape}")
        num = convert_to_tensor(num, dtype_hint=dtypes.int32)
        steps = math_ops.cast(array_ops.range(num), start.dtype)
        intervals = math_ops.cast(math_ops.maximum(num - 1, constant(1, dtype=num.dtype)),
                                  start.dtype)
        step = math_ops.truediv(math_ops.subtract(stop, start), intervals)
        return math_ops.add(start, math_ops.multiply(steps, step))


lin_space = linspace


def meshgrid(*args, **kwargs) -> list[Tensor]:
    """`tf.meshgrid`: N-D coordinate grids from 1-D tensors ('xy' or 'ij' indexing)."""
    indexing = kwargs.pop("indexing", "xy")
    name = kwargs.pop("name", "meshgrid")
    if kwargs:
        raise TypeError(f"Invalid keyword arguments: {sorted(kwargs)}")
    if indexing not in ("xy", "ij"):
        raise ValueError("indexing parameter must be either 'xy' or 'ij'")
    with get_default_graph().name_scope(name):
        tensors = [convert_to_tensor(a) for a in args]
        ndim = len(tensors)
        ones = [1] * ndim
        output = [array_ops.reshape(t, ones[:i] + [-1] + ones[i + 1:])
                  for i, t in enumerate(tensors)]
        sizes = [array_ops.size(t) for t in tensors]
        if indexing == "xy" and ndim > 1:
            output[0] = array_ops.reshape(output[0], [1, -1] + [1] * (ndim - 2))
            output[1] = array_ops.reshape(output[1], [-1, 1] + [1] * (ndim - 2))
            sizes[0], sizes[1] = sizes[1], sizes[0]
        shape = array_ops.stack(sizes)
        return [math_ops.multiply(t, array_ops.ones(shape, dtype=t.dtype)) for t in output]



# -- inverse trigonometric and hyperbolic functions -----------------------------------------
# graphlib/scalar.py has no asin/acos/atan/... functions for the code generators, so these
# are "opaque" like erf: every backend runs their NumPy reference kernels.


def _numpy_unary(fn):
    def reference(x):
        return fn(x).astype(x.dtype)
    return reference


def _one(x: Tensor) -> Tensor:
    return constant(1, dtype=x.dtype)


def _inverse_trig_grads():
    """TF's math_grad rules; asinh/acosh use 1/sqrt(x^2 +- 1), which equals TF's
    1/cosh(y) and 1/sinh(y) of the output y."""
    def one_minus_x2(x):
        return math_ops.subtract(_one(x), math_ops.square(x))

    return {
        "asin": lambda op, g: [math_ops.multiply(g, math_ops.reciprocal(
            math_ops.sqrt(one_minus_x2(op.inputs[0]))))],
        "acos": lambda op, g: [math_ops.negative(math_ops.multiply(g, math_ops.reciprocal(
            math_ops.sqrt(one_minus_x2(op.inputs[0])))))],
        "atan": lambda op, g: [math_ops.multiply(g, math_ops.reciprocal(
            math_ops.add(_one(op.inputs[0]), math_ops.square(op.inputs[0]))))],
        "asinh": lambda op, g: [math_ops.multiply(g, math_ops.rsqrt(
            math_ops.add(math_ops.square(op.inputs[0]), _one(op.inputs[0]))))],
        "acosh": lambda op, g: [math_ops.multiply(g, math_ops.rsqrt(
            math_ops.subtract(math_ops.square(op.inputs[0]), _one(op.inputs[0]))))],
        "atanh": lambda op, g: [math_ops.multiply(g, math_ops.reciprocal(
            one_minus_x2(op.inputs[0])))],
    }


_INVERSE_TRIG = {
    "asin": (np.arcsin, "Asin", "the inverse sine, in [-pi/2, pi/2] (NaN outside [-1, 1])"),
    "acos": (np.arccos, "Acos", "the inverse cosine, in [0, pi] (NaN outside [-1, 1])"),
    "atan": (np.arctan, "Atan", "the inverse tangent, in (-pi/2, pi/2)"),
    "asinh": (np.arcsinh, "Asinh", "the inverse hyperbolic sine"),
    "acosh": (np.arccosh, "Acosh", "the inverse hyperbolic cosine (NaN below 1)"),
    "atanh": (np.arctanh, "Atanh", "the inverse hyperbolic tangent (NaN outside [-1, 1])"),
}

for _op_name, (_fn, _type, _what) in _INVERSE_TRIG.items():
    register(OpDef(
        name=_op_name, infer=_float_unary_infer(_op_name), reference=_numpy_unary(_fn),
        gradient=_in_op_graph(_inverse_trig_grads()[_op_name]), doc=f"Elementwise {_what}."))

asin = _special("asin", "Asin", "`tf.math.asin`: the inverse sine.")
acos = _special("acos", "Acos", "`tf.math.acos`: the inverse cosine.")
atan = _special("atan", "Atan", "`tf.math.atan`: the inverse tangent.")
asinh = _special("asinh", "Asinh", "`tf.math.asinh`: the inverse hyperbolic sine.")
acosh = _special("acosh", "Acosh", "`tf.math.acosh`: the inverse hyperbolic cosine.")
atanh = _special("atanh", "Atanh", "`tf.math.atanh`: the inverse hyperbolic tangent.")


def _atan2_infer(y, x):
    if y.dtype != x.dtype or x.dtype not in _FLOAT:
        raise TypeError(f"atan2 needs y and x of one float dtype, got {y.dtype.name} and "
                        f"{x.dtype.name}")
    return Spec(x.dtype, broadcast_shapes(y.shape, x.shape))


@_in_op_graph
def _atan2_grad(op, grad):
    # TF's rule (d/dy = x / (x^2 + y^2), d/dx = -y / (x^2 + y^2)), broadcasting reduced
    y, x = op.inputs
    grad_inv = math_ops.truediv(grad, math_ops.add(math_ops.square(x), math_ops.square(y)))
    return [sum_to_shape(math_ops.multiply(x, grad_inv), y),
            sum_to_shape(math_ops.negative(math_ops.multiply(y, grad_inv)), x)]


register(OpDef(
    name="atan2", infer=_atan2_infer,
    reference=lambda y, x: np.arctan2(y, x).astype(x.dtype), gradient=_atan2_grad,
    doc="The angle of the point (x, y) (first input y, second x), in [-pi, pi], with "
        "NumPy broadcasting."))


def atan2(y, x, name=None) -> Tensor:
    """`tf.math.atan2`: elementwise arctan(y / x) in the quadrant of (x, y)."""
    if isinstance(y, Tensor) or not isinstance(x, Tensor):
        y = convert_to_tensor(y)
        x = convert_to_tensor(x, dtype_hint=y.dtype)
    else:
        x = convert_to_tensor(x)
        y = convert_to_tensor(y, dtype_hint=x.dtype)
    return x.graph.create_op("atan2", [y, x], name=name or "Atan2").outputs[0]


# -- unique, setdiff1d, dynamic_partition, dynamic_stitch ----------------------------------
# Data-dependent output sizes: the first dimension of their results is unknown until run
# time (dynamic_stitch's is known when its indices are constants).

UniqueOutput = collections.namedtuple("Unique", ["y", "idx"])
UniqueWithCountsOutput = collections.namedtuple("UniqueWithCounts", ["y", "idx", "count"])
ListDiffOutput = collections.namedtuple("ListDiff", ["out", "idx"])


def _check_vector(s: Spec, what: str) -> None:
    if s.shape.rank is not None and s.shape.rank != 1:
        raise ValueError(f"{what} must be a vector, got shape {s.shape}")


def _check_index_dtype(dtype, what: str):
    dtype = dtypes.as_dtype(dtype)
    if dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"{what} must be int32 or int64, got {dtype.name}")
    return dtype


def _unique_infer(x, *, out_idx, counts):
    _check_vector(x, "unique: x")
    outs = [Spec(x.dtype, [None]), Spec(out_idx, x.shape)]
    return outs + [Spec(out_idx, [None])] if counts else outs


def _unique_reference(x, *, out_idx, counts):
    values, first, inverse, count = np.unique(x, return_index=True, return_inverse=True,
                                              return_counts=True)
    # TF orders the unique values by first occurrence, NumPy sorts them
    order = np.argsort(first, kind="stable")
    position = np.empty_like(order)
    position[order] = np.arange(order.size)
    outs = (values[order].astype(x.dtype), position[inverse.reshape(-1)].astype(out_idx.np))
    return outs + (count[order].astype(out_idx.np),) if counts else outs


register(OpDef(
    name="unique", infer=_unique_infer, reference=_unique_reference,
    no_gradient="TF defines no gradient for Unique (its outputs select, they do not "
                "compute)",
    doc="The distinct values of a vector in order of first occurrence, the index of each "
        "input element among them, and with `counts` how often each occurs (TF's Unique "
        "and UniqueWithCounts)."))


def unique(x, out_idx=dtypes.int32, name=None) -> UniqueOutput:
    """`tf.unique`: (y, idx) with y the distinct values of vector `x` in order of first
    occurrence and x == gather(y, idx)."""
    x = convert_to_tensor(x)
    attrs = {"out_idx": _check_index_dtype(out_idx, "out_idx"), "counts": False}
    return UniqueOutput(*x.graph.create_op("unique", [x], attrs, name=name or "Unique")
                        .outputs)


def unique_with_counts(x, out_idx=dtypes.int32, name=None) -> UniqueWithCountsOutput:
    """`tf.unique_with_counts`: `unique` plus how often each distinct value occurs."""
    x = convert_to_tensor(x)
    attrs = {"out_idx": _check_index_dtype(out_idx, "out_idx"), "counts": True}
    return UniqueWithCountsOutput(*x.graph.create_op(
        "unique", [x], attrs, name=name or "UniqueWithCounts").outputs)


def _setdiff1d_infer(x, y, *, out_idx):
    _check_vector(x, "setdiff1d: x")
    _check_vector(y, "setdiff1d: y")
    if x.dtype != y.dtype:
        raise TypeError(f"setdiff1d: x and y must have one dtype, got {x.dtype.name} and "
                        f"{y.dtype.name}")
    return [Spec(x.dtype, [None]), Spec(out_idx, [None])]


def _setdiff1d_reference(x, y, *, out_idx):
    keep = ~np.isin(x, y)
    return x[keep], np.flatnonzero(keep).astype(out_idx.np)


register(OpDef(
    name="setdiff1d", infer=_setdiff1d_infer, reference=_setdiff1d_reference,
    no_gradient="TF defines no gradient for ListDiff",
    doc="The elements of vector x (first input) not in y (second), in x's order, and "
        "their positions in x (TF's ListDiff)."))


def setdiff1d(x, y, index_dtype=dtypes.int32, name=None) -> ListDiffOutput:
    """`tf.setdiff1d`: (out, idx): the values of `x` not in `y`, and where they are in x."""
    x = convert_to_tensor(x)
    y = convert_to_tensor(y, dtype_hint=x.dtype)
    attrs = {"out_idx": _check_index_dtype(index_dtype, "index_dtype")}
    return ListDiffOutput(*x.graph.create_op("setdiff1d", [x, y], attrs,
                                             name=name or "ListDiff").outputs)


def _dynamic_partition_infer(data, partitions, *, num_partitions):
    if partitions.dtype != dtypes.int32:
        raise TypeError(f"dynamic_partition: partitions must be int32, got "
                        f"{partitions.dtype.name}")
    if num_partitions < 1:
        raise ValueError(f"dynamic_partition: num_partitions must be at least 1, got "
                         f"{num_partitions}")
    if data.shape.rank is None or partitions.shape.rank is None:
        return [Spec(data.dtype, None)] * num_partitions
    k = partitions.shape.rank
    if not data.shape[:k].is_compatible_with(partitions.shape):
        raise ValueError(f"dynamic_partition: data.shape {data.shape} must start with "
                         f"partitions.shape {partitions.shape}")
    return [Spec(data.dtype, [None] + data.shape.as_list()[k:])] * num_partitions


def _dynamic_partition_reference(data, partitions, *, num_partitions):
    bad = (partitions < 0) | (partitions >= num_partitions)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"partitions{list(where)} = {int(partitions[where])} is not in "
                         f"[0, {num_partitions})")
    return tuple(data[partitions == p] for p in range(num_partitions))


@_in_op_graph
def _dynamic_partition_grad(op, *grads):
    # TF's rule: partition the positions of data's leading elements as data was
    # partitioned, then stitch the gradients back to those positions.
    data, partitions = op.inputs
    prefix = array_ops.shape(partitions)
    positions = array_ops.reshape(array_ops.range(reduce_ops.reduce_prod(prefix)), prefix)
    partitioned = dynamic_partition(positions, partitions, op.attrs["num_partitions"])
    stitched = dynamic_stitch(partitioned, list(grads))
    return [array_ops.reshape(stitched, array_ops.shape(data)), None]


register(OpDef(
    name="dynamic_partition", infer=_dynamic_partition_infer,
    reference=_dynamic_partition_reference, gradient=_dynamic_partition_grad,
    doc="Splits data (first input) into `num_partitions` outputs by the int32 partition "
        "ids (second input, a prefix of data's shape), keeping the order within each."))


def dynamic_partition(data, partitions, num_partitions, name=None) -> list[Tensor]:
    """`tf.dynamic_partition`: outputs[i] = data[partitions == i]."""
    data = convert_to_tensor(data)
    partitions = convert_to_tensor(partitions, dtype_hint=dtypes.int32)
    return data.graph.create_op("dynamic_partition", [data, partitions],
                                {"num_partitions": int(num_partitions)},
                                name=name or "DynamicPartition").outputs


def _stitch_inputs(specs) -> tuple[list, list]:
    if len(specs) % 2 or not specs:
        raise ValueError("dynamic_stitch needs as many data tensors as index tensors")
    n = len(specs) // 2
    return list(specs[:n]), list(specs[n:])


def _dynamic_stitch_infer(*specs):
    indices, data = _stitch_inputs(specs)
    for s in indices:
        if s.dtype != dtypes.int32:
            raise TypeError(f"dynamic_stitch: indices must be int32, got {s.dtype.name}")
    suffix = None
    for i, d in zip(indices, data):
        if d.dtype != data[0].dtype:
            raise TypeError(f"dynamic_stitch: data must have one dtype, got "
                            f"{data[0].dtype.name} and {d.dtype.name}")
        if i.shape.rank is None or d.shape.rank is None:
            continue
        if not d.shape[:i.shape.rank].is_compatible_with(i.shape):
            raise ValueError(f"dynamic_stitch: data shape {d.shape} must start with its "
                             f"indices' shape {i.shape}")
        rest = d.shape[i.shape.rank:]
        if suffix is not None and not suffix.is_compatible_with(rest):
            raise ValueError(f"dynamic_stitch: data shapes disagree after the indices' "
                             f"dimensions: {suffix} and {rest}")
        suffix = rest if suffix is None else suffix.merge_with(rest)
    values = [s.const for s in indices]
    first = None
    if all(v is not None for v in values):
        first = max([int(np.max(v)) + 1 for v in values if np.size(v)] + [0])
    if suffix is None:
        return Spec(data[0].dtype, None)
    return Spec(data[0].dtype, [first] + suffix.as_list())


def _dynamic_stitch_reference(*arrays):
    n = len(arrays) // 2
    indices, data = arrays[:n], arrays[n:]
    suffix = data[0].shape[indices[0].ndim:]
    size = max([int(i.max()) + 1 for i in indices if i.size] + [0])
    if any(int(i.min()) < 0 for i in indices if i.size):
        raise ValueError("dynamic_stitch: indices must be non-negative")
    out = np.zeros((size,) + suffix, data[0].dtype)
    for i, d in zip(indices, data):  # a later index wins, as in TF
        if d.shape != i.shape + suffix:
            raise ValueError(f"dynamic_stitch: data shape {d.shape} does not match "
                             f"indices shape {i.shape} + {suffix}")
        out[i.reshape(-1)] = d.reshape((-1,) + suffix)
    return out


@_in_op_graph
def _dynamic_stitch_grad(op, grad):
    n = len(op.inputs) // 2
    indices = op.inputs[:n]
    return [None] * n + [array_ops.gather(grad, i) for i in indices]


register(OpDef(
    name="dynamic_stitch", infer=_dynamic_stitch_infer, reference=_dynamic_stitch_reference,
    gradient=_dynamic_stitch_grad,
    doc="Inputs: N int32 index tensors, then N data tensors; merged[indices[m][i...]] = "
        "data[m][i...] (a later index wins; positions no index names are zero)."))


def dynamic_stitch(indices, data, name=None) -> Tensor:
    """`tf.dynamic_stitch`: interleaves `data` into one tensor at `indices`."""
    data = [convert_to_tensor(d) for d in data]
    indices = [convert_to_tensor(i, dtype_hint=dtypes.int32) for i in indices]
    if len(indices) != len(data) or not data:
        raise ValueError(f"dynamic_stitch: got {len(indices)} index tensors and {len(data)} "
                         "data tensors; they must be as many, and at least one")
    graph = data[0].graph
    return graph.create_op("dynamic_stitch", indices + data,
                           name=name or "DynamicStitch").outputs[0]


# -- Assert --------------------------------------------------------------------------------


def _assert_infer(condition, *data, template, summarize):
    if condition.dtype != dtypes.bool_:
        raise TypeError(f"Assert: condition must be a bool tensor, got "
                        f"{condition.dtype.name}")
    if condition.shape.rank not in (None, 0):
        raise ValueError(f"Assert: condition must be a scalar, got shape {condition.shape}")
    return []


def _assert_reference(condition, *data, template, summarize):
    if bool(condition):
        return ()
    from .debug import summarize_v1

    values = iter(data)
    pieces = [summarize_v1(np.asarray(next(values)), summarize) if piece is None else piece
              for piece in template]
    raise errors.InvalidArgumentError(
        None, None, "assertion failed: " + " ".join(f"[{p}]" for p in pieces))


register(OpDef(
    name="assert", infer=_assert_infer, reference=_assert_reference,
    no_gradient="Assert has no outputs", stateful=True,
    doc="Fails the run with InvalidArgumentError when its scalar bool condition (first "
        "input) is false; the message lists `template`, whose None entries are the other "
        "inputs' values (the first `summarize` of each) and str entries literal text. "
        "Stateful so that no pass drops or merges it."))


def Assert(condition, data, summarize=None, name=None):  # noqa: N802 - TF's name
    """`tf.Assert`: an op that fails the run with InvalidArgumentError ("assertion failed:
    [data0] [data1] ...") when `condition` is false; strings in `data` are printed as
    they are. Run it, or make it a control dependency."""
    condition = convert_to_tensor(condition)
    graph = condition.graph
    with graph.name_scope(name or "Assert"):
        template, tensors = [], []
        for item in data:
            if isinstance(item, (str, bytes)):
                template.append(item.decode() if isinstance(item, bytes) else item)
            else:
                tensors.append(convert_to_tensor(item))
                template.append(None)
        attrs = {"template": tuple(template), "summarize": 3 if summarize is None else
                 int(summarize)}
        return graph.create_op("assert", [condition] + tensors, attrs, name="Assert")


# -- depthwise convolution ------------------------------------------------------------------
# A primitive with its two gradient ops, as in TF: each input channel is convolved with its
# own `channel_multiplier` filters (filter [kh, kw, in, multiplier]); output channel
# c * multiplier + m. The sliding-window helpers are conv2d's (graphlib/ops/nn.py).


def _depthwise_out_shape(xs, fs, strides, padding, explicit_paddings, dilations, what):
    n, h, w, c = xs
    kh, kw, fc, m = fs
    if c is not None and fc is not None and c != fc:
        raise ValueError(f"{what}: input depth {c} does not match filter depth {fc}")
    c = c if c is not None else fc
    out_c = None if c is None or m is None else c * m
    if kh is None or kw is None:
        return [n, None, None, out_c]
    (oh, ow), _ = nn_ops._geometry((h, w), (kh, kw), strides, dilations, padding,
                                   explicit_paddings)
    return [n, oh, ow, out_c]


def _depthwise_infer(x, f, *, strides, padding, explicit_paddings, dilations, data_format):
    nn_ops._check_float(x, f, what="depthwise_conv2d_native")
    shape = _depthwise_out_shape(nn_ops._nhwc(x.shape, "depthwise_conv2d input"),
                                 nn_ops._nhwc(f.shape, "depthwise_conv2d filter"), strides,
                                 padding, explicit_paddings, dilations,
                                 "depthwise_conv2d_native")
    return Spec(x.dtype, shape)


def _depthwise_reference(x, f, *, strides, padding, explicit_paddings, dilations,
                         data_format):
    out_hw, pads = nn_ops._geometry(x.shape[1:3], f.shape[:2], strides, dilations, padding,
                                    explicit_paddings)
    cols = nn_ops._windows(nn_ops._pad(x, pads), f.shape[:2], out_hw, strides, dilations)
    out = np.einsum("nhwijc,ijcm->nhwcm", cols, f)
    return out.reshape(out.shape[:3] + (-1,)).astype(x.dtype)


def _depthwise_attrs(op) -> dict:
    return {k: op.attrs[k] for k in ("strides", "padding", "explicit_paddings", "dilations",
                                     "data_format")}


def _depthwise_create(op_type: str, inputs, attrs, name) -> Tensor:
    return inputs[-1].graph.create_op(op_type, inputs, attrs, name=name).outputs[0]


@_in_op_graph
def _depthwise_grad(op, grad):
    x, f = op.inputs
    attrs = _depthwise_attrs(op)
    return [_depthwise_create("depthwise_conv2d_native_backprop_input",
                              [nn_ops._shape_tensor(x), f, grad], attrs,
                              "DepthwiseConv2dNativeBackpropInput"),
            _depthwise_create("depthwise_conv2d_native_backprop_filter",
                              [x, nn_ops._shape_tensor(f), grad], attrs,
                              "DepthwiseConv2dNativeBackpropFilter")]


register(OpDef(
    name="depthwise_conv2d_native", infer=_depthwise_infer, reference=_depthwise_reference,
    gradient=_depthwise_grad,
    doc="Depthwise 2-D convolution of NHWC input (first) with a [kh, kw, in, multiplier] "
        "filter (second); padding and dilations as conv2d (TF's DepthwiseConv2dNative)."))


def _depthwise_input_infer(sizes, f, dy, *, strides, padding, explicit_paddings, dilations,
                           data_format):
    nn_ops._check_float(f, dy, what="depthwise_conv2d_native_backprop_input")
    shape = nn_ops._sizes_from_spec(sizes, "input_sizes")
    fs = nn_ops._nhwc(f.shape, "filter")
    shape[3] = shape[3] if shape[3] is not None else fs[2]
    if None not in shape[1:3]:
        expect = _depthwise_out_shape(shape, fs, strides, padding, explicit_paddings,
                                      dilations, "depthwise_conv2d_native_backprop_input")
        if not TensorShape(expect).is_compatible_with(nn_ops._nhwc(dy.shape,
                                                                   "out_backprop")):
            raise ValueError(f"depthwise_conv2d_native_backprop_input: out_backprop shape "
                             f"{dy.shape} does not match the convolution output {expect}")
    return Spec(f.dtype, shape)


def _depthwise_input_reference(sizes, f, dy, *, strides, padding, explicit_paddings,
                               dilations, data_format):
    shape = tuple(int(v) for v in sizes)
    out_hw, pads = nn_ops._geometry(shape[1:3], f.shape[:2], strides, dilations, padding,
                                    explicit_paddings)
    if dy.shape[1:3] != out_hw or dy.shape[3] != f.shape[2] * f.shape[3]:
        raise ValueError(f"out_backprop shape {dy.shape} does not match the depthwise "
                         f"convolution output for input {shape} and filter {f.shape}")
    grouped = dy.reshape(dy.shape[:3] + f.shape[2:])
    cols = np.einsum("nhwcm,ijcm->nhwijc", grouped, f)
    acc = nn_ops._scatter_windows(cols, nn_ops._padded_shape(shape, pads), out_hw, strides,
                                  dilations)
    return nn_ops._crop(acc, pads, shape[1:3]).astype(f.dtype)


@_in_op_graph
def _depthwise_input_grad(op, grad):
    _, f, dy = op.inputs
    attrs = _depthwise_attrs(op)
    return [None,
            _depthwise_create("depthwise_conv2d_native_backprop_filter",
                              [grad, nn_ops._shape_tensor(f), dy], attrs,
                              "DepthwiseConv2dNativeBackpropFilter"),
            _depthwise_create("depthwise_conv2d_native", [grad, f], attrs,
                              "DepthwiseConv2dNative")]


register(OpDef(
    name="depthwise_conv2d_native_backprop_input", infer=_depthwise_input_infer,
    reference=_depthwise_input_reference, gradient=_depthwise_input_grad,
    doc="Inputs (input_sizes, filter, out_backprop): the gradient of depthwise_conv2d_native "
        "w.r.t. its input."))


def _depthwise_filter_infer(x, sizes, dy, *, strides, padding, explicit_paddings, dilations,
                            data_format):
    nn_ops._check_float(x, dy, what="depthwise_conv2d_native_backprop_filter")
    shape = nn_ops._sizes_from_spec(sizes, "filter_sizes")
    xs = nn_ops._nhwc(x.shape, "input")
    shape[2] = shape[2] if shape[2] is not None else xs[3]
    if None not in shape[:2]:
        expect = _depthwise_out_shape(xs, shape, strides, padding, explicit_paddings,
                                      dilations, "depthwise_conv2d_native_backprop_filter")
        if not TensorShape(expect).is_compatible_with(nn_ops._nhwc(dy.shape,
                                                                   "out_backprop")):
            raise ValueError(f"depthwise_conv2d_native_backprop_filter: out_backprop shape "
                             f"{dy.shape} does not match the convolution output {expect}")
    return Spec(x.dtype, shape)


def _depthwise_filter_reference(x, sizes, dy, *, strides, padding, explicit_paddings,
                                dilations, data_format):
    k = tuple(int(v) for v in sizes)
    out_hw, pads = nn_ops._geometry(x.shape[1:3], k[:2], strides, dilations, padding,
                                    explicit_paddings)
    if dy.shape[1:3] != out_hw or dy.shape[3] != k[2] * k[3]:
        raise ValueError(f"out_backprop shape {dy.shape} does not match the depthwise "
                         f"convolution output for input {x.shape} and filter {k}")
    cols = nn_ops._windows(nn_ops._pad(x, pads), k[:2], out_hw, strides, dilations)
    grouped = dy.reshape(dy.shape[:3] + k[2:])
    return np.einsum("nhwijc,nhwcm->ijcm", cols, grouped).astype(x.dtype)


@_in_op_graph
def _depthwise_filter_grad(op, grad):
    x, _, dy = op.inputs
    attrs = _depthwise_attrs(op)
    return [_depthwise_create("depthwise_conv2d_native_backprop_input",
                              [nn_ops._shape_tensor(x), grad, dy], attrs,
                              "DepthwiseConv2dNativeBackpropInput"),
            None,
            _depthwise_create("depthwise_conv2d_native", [x, grad], attrs,
                              "DepthwiseConv2dNative")]


register(OpDef(
    name="depthwise_conv2d_native_backprop_filter", infer=_depthwise_filter_infer,
    reference=_depthwise_filter_reference, gradient=_depthwise_filter_grad,
    doc="Inputs (input, filter_sizes, out_backprop): the gradient of "
        "depthwise_conv2d_native w.r.t. its filter."))


def _depthwise_builder_attrs(strides, padding, dilations, data_format) -> dict:
    attrs = nn_ops._conv_builder_attrs(strides, padding, dilations, data_format)
    if attrs["strides"][1] != attrs["strides"][2]:
        raise ValueError(f"depthwise_conv2d: the row and column strides must be equal, got "
                         f"{attrs['strides']}")
    return attrs


def depthwise_conv2d_native(input, filter, strides, padding, data_format="NHWC",  # noqa: A002
                            dilations=(1, 1, 1, 1), name=None) -> Tensor:
    """`tf.nn.depthwise_conv2d_native`: NHWC input, [kh, kw, in, multiplier] filter."""
    attrs = _depthwise_builder_attrs(strides, padding, dilations, data_format)
    x = convert_to_tensor(input)
    f = convert_to_tensor(filter, dtype_hint=x.dtype)
    return x.graph.create_op("depthwise_conv2d_native", [x, f], attrs,
                             name=name or "DepthwiseConv2dNative").outputs[0]


def depthwise_conv2d_native_backprop_input(input_sizes, filter, out_backprop, strides,  # noqa: A002
                                           padding, data_format="NHWC",
                                           dilations=(1, 1, 1, 1), name=None) -> Tensor:
    """`tf.nn.depthwise_conv2d_native_backprop_input`."""
    attrs = _depthwise_builder_attrs(strides, padding, dilations, data_format)
    f = convert_to_tensor(filter)
    dy = convert_to_tensor(out_backprop, dtype_hint=f.dtype)
    sizes = convert_to_tensor(input_sizes, dtype_hint=dtypes.int32)
    return f.graph.create_op("depthwise_conv2d_native_backprop_input", [sizes, f, dy], attrs,
                             name=name or "DepthwiseConv2dNativeBackpropInput").outputs[0]


def depthwise_conv2d_native_backprop_filter(input, filter_sizes, out_backprop, strides,  # noqa: A002
                                            padding, data_format="NHWC",
                                            dilations=(1, 1, 1, 1), name=None) -> Tensor:
    """`tf.nn.depthwise_conv2d_native_backprop_filter`."""
    attrs = _depthwise_builder_attrs(strides, padding, dilations, data_format)
    x = convert_to_tensor(input)
    dy = convert_to_tensor(out_backprop, dtype_hint=x.dtype)
    sizes = convert_to_tensor(filter_sizes, dtype_hint=dtypes.int32)
    return x.graph.create_op("depthwise_conv2d_native_backprop_filter", [x, sizes, dy], attrs,
                             name=name or "DepthwiseConv2dNativeBackpropFilter").outputs[0]


# -- round 5: TF1 composites (roll, batch_gather, truncated division, euclidean norm, average
# norm clipping, space/depth rearrangements, bincount, histograms, searchsorted) -----------

def _static_int(value, what: str) -> int:
    """A Python int from an int, NumPy integer or a constant int tensor."""
    if isinstance(value, Tensor):
        known = value.op.attrs.get("value") if value.op.type == "const" else None
        if known is None or np.ndim(known) != 0:
            raise ValueError(f"{what} must be a constant scalar integer")
        value = known
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        raise TypeError(f"{what} must be an integer, got {value!r}")
    return int(value)


def _static_dim(x: Tensor, axis: int) -> int | Tensor:
    dim = x.shape.dims[axis] if x.shape.rank is not None else None
    return dim if dim is not None else array_ops.shape(x)[axis]


def roll(input, shift, axis, name=None) -> Tensor:  # noqa: A002
    """`tf.roll`: elements shifted by `shift` along `axis` (both scalars or equal-length
    lists), wrapping around. A gather of `(i - shift) mod n` per axis, so the gradient is
    the opposite roll (gather's scatter-add)."""
    x = convert_to_tensor(input)
    shifts = shift if isinstance(shift, (list, tuple)) else [shift]
    axes = axis if isinstance(axis, (list, tuple)) else [axis]
    if len(shifts) != len(axes):
        raise ValueError(f"roll: shift and axis must have the same length, got "
                         f"{len(shifts)} and {len(axes)}")
    with x.graph.name_scope(name or "Roll"):
        for s, a in zip(shifts, axes):
            a = _static_int(a, "roll: axis")
            if x.shape.rank is not None and not -x.shape.rank <= a < x.shape.rank:
                raise ValueError(f"roll: axis {a} is out of range for rank {x.shape.rank}")
            n = _static_dim(x, a)
            s = convert_to_tensor(s, dtype_hint=dtypes.int32)
            index = math_ops.floormod(
                array_ops.range(0, n) - math_ops.cast(s, dtypes.int32), n)
            x = array_ops.gather(x, index, axis=a)
        return x


def reverse_v2(tensor, axis, name=None) -> Tensor:
    """`tf.reverse_v2`: the same op as `tf.reverse`."""
    return array_ops.reverse(tensor, axis, name=name)


def batch_gather(params, indices, name=None) -> Tensor:
    """`tf.batch_gather` (deprecated in TF1): gather along the axis after the batch axes
    shared by `params` and `indices`, i.e. `gather(..., batch_dims=rank(indices) - 1)`."""
    i = convert_to_tensor(indices)
    if i.shape.rank is None:
        raise ValueError("batch_gather: the rank of indices must be known")
    p = convert_to_tensor(params)
    batch = max(i.shape.rank - 1, 0)
    return array_ops.gather(p, i, axis=batch, batch_dims=batch, name=name or "BatchGather")


def _sign_mismatch(r: Tensor, x: Tensor, y: Tensor) -> Tensor:
    """Where floor and truncated division differ: a nonzero remainder and x, y of opposite
    signs."""
    zero = zeros_like(r)
    return math_ops.logical_and(math_ops.not_equal(r, zero),
                                math_ops.not_equal(math_ops.less(x, zeros_like(x)),
                                                   math_ops.less(y, zeros_like(y))))


def _binary_args(x, y) -> tuple[Tensor, Tensor]:
    if isinstance(x, Tensor) or not isinstance(y, Tensor):
        x = convert_to_tensor(x)
        return x, convert_to_tensor(y, dtype_hint=x.dtype)
    y = convert_to_tensor(y)
    return convert_to_tensor(x, dtype_hint=y.dtype), y


def truncatediv(x, y, name=None) -> Tensor:
    """`tf.truncatediv`: x / y rounded toward zero (C semantics), for integers and floats.
    Built as floordiv plus one where the signs differ and the division is inexact."""
    x, y = _binary_args(x, y)
    if x.dtype != y.dtype:
        raise TypeError(f"truncatediv: x and y must have the same dtype, got {x.dtype.name} "
                        f"and {y.dtype.name}")
    with x.graph.name_scope(name or "TruncateDiv"):
        q = math_ops.floordiv(x, y)
        mismatch = _sign_mismatch(math_ops.floormod(x, y), x, y)
        return q + math_ops.cast(mismatch, x.dtype)


def truncatemod(x, y, name=None) -> Tensor:
    """`tf.truncatemod`: the remainder of truncated division (C's `%` / `fmod`), with the
    sign of x. Built as floormod minus y where the signs differ, so it is exact."""
    x, y = _binary_args(x, y)
    if x.dtype != y.dtype:
        raise TypeError(f"truncatemod: x and y must have the same dtype, got {x.dtype.name} "
                        f"and {y.dtype.name}")
    with x.graph.name_scope(name or "TruncateMod"):
        r = math_ops.floormod(x, y)
        return r - math_ops.where(_sign_mismatch(r, x, y), broadcast_like(y, r),
                                   zeros_like(r))


def reduce_euclidean_norm(input_tensor, axis=None, keepdims=False, name=None) -> Tensor:
    """`tf.math.reduce_euclidean_norm`: sqrt(sum(x**2)) over `axis`. Integer inputs give
    the truncated integer norm, as TF's EuclideanNorm kernel."""
    x = convert_to_tensor(input_tensor)
    with x.graph.name_scope(name or "EuclideanNorm"):
        y = math_ops.cast(x, dtypes.float64) if x.dtype.is_integer else x
        out = math_ops.sqrt(reduce_ops.reduce_sum(math_ops.square(y), axis,
                                                  keepdims=bool(keepdims)))
        return math_ops.cast(out, x.dtype) if x.dtype.is_integer else out


def clip_by_average_norm(t, clip_norm, name=None) -> Tensor:
    """`tf.clip_by_average_norm`: t scaled so that its L2 norm divided by its number of
    elements is at most clip_norm; built as TF's Python builds it."""
    t = convert_to_tensor(t)
    with t.graph.name_scope(name or "clip_by_average_norm"):
        clip_norm = convert_to_tensor(clip_norm, dtype_hint=t.dtype)
        n_element = math_ops.cast(array_ops.size(t), t.dtype)
        l2norm_inv = math_ops.rsqrt(reduce_ops.reduce_sum(
            t * t, list(range(t.shape.rank)) if t.shape.rank is not None else None))
        return identity(
            t * clip_norm * math_ops.minimum(l2norm_inv * n_element, 1.0 / clip_norm),
            name="clip_by_average_norm")


def _shape_of(dims: list) -> list | Tensor:
    """A shape argument from static ints and scalar tensors: a list when all are static."""
    if all(isinstance(d, int) for d in dims):
        return dims
    return array_ops.stack([convert_to_tensor(d, dtype_hint=dtypes.int32) for d in dims])


def _nhwc(x: Tensor, data_format: str, what: str) -> list:
    if data_format != "NHWC":
        raise ValueError(f"{what}: only data_format='NHWC' is supported, got {data_format!r}")
    if x.shape.rank is not None and x.shape.rank != 4:
        raise ValueError(f"{what}: input must be 4-D (NHWC), got shape {x.shape}")
    return [_static_dim(x, k) for k in range(4)]


def space_to_depth(input, block_size, name=None, data_format="NHWC") -> Tensor:  # noqa: A002
    """`tf.space_to_depth`: each block_size x block_size spatial block moved into the
    channels (row-major in the block, then channel), as a reshape/transpose/reshape."""
    x = convert_to_tensor(input)
    b = _static_int(block_size, "block_size")
    if b < 2:
        raise ValueError(f"space_to_depth: block_size must be at least 2, got {b}")
    n, h, w, c = _nhwc(x, data_format, "space_to_depth")
    for dim, what in ((h, "height"), (w, "width")):
        if isinstance(dim, int) and dim % b:
            raise ValueError(f"space_to_depth: {what} {dim} is not divisible by "
                             f"block_size {b}")
    with x.graph.name_scope(name or "SpaceToDepth"):
        y = array_ops.reshape(x, _shape_of([n, h // b, b, w // b, b, c]))
        y = array_ops.transpose(y, [0, 1, 3, 2, 4, 5])
        return array_ops.reshape(y, _shape_of([n, h // b, w // b, c * (b * b)]))


def depth_to_space(input, block_size, name=None, data_format="NHWC") -> Tensor:  # noqa: A002
    """`tf.depth_to_space`: the inverse of space_to_depth (channels spread into
    block_size x block_size spatial blocks)."""
    x = convert_to_tensor(input)
    b = _static_int(block_size, "block_size")
    if b < 2:
        raise ValueError(f"depth_to_space: block_size must be at least 2, got {b}")
    n, h, w, c = _nhwc(x, data_format, "depth_to_space")
    if isinstance(c, int) and c % (b * b):
        raise ValueError(f"depth_to_space: depth {c} is not divisible by block_size**2 "
                         f"= {b * b}")
    with x.graph.name_scope(name or "DepthToSpace"):
        y = array_ops.reshape(x, _shape_of([n, h, w, b, b, c // (b * b)]))
        y = array_ops.transpose(y, [0, 1, 3, 2, 4, 5])
        return array_ops.reshape(y, _shape_of([n, h * b, w * b, c // (b * b)]))


def _counts(ids: Tensor, weights: Tensor, size: Tensor) -> Tensor:
    """Per-bin sums of `weights` at `ids` for bins [0, size); ids >= size are dropped (as
    TF's Bincount) by routing them to an extra bin that is sliced off."""
    ids = math_ops.cast(ids, dtypes.int32)
    ids = math_ops.where(math_ops.less(ids, size), ids, broadcast_like(size, ids))
    summed = array_ops.unsorted_segment_sum(weights, ids, size + 1)
    return array_ops.slice(summed, [0], array_ops.reshape(size, [1]))


def bincount(arr, weights=None, minlength=None, maxlength=None, dtype=dtypes.int32,
             name=None) -> Tensor:
    """`tf.bincount` / `tf.math.bincount`: how often (or with what total weight) each value
    0..max(arr) occurs; the length is max(arr) + 1 raised to `minlength` and capped at
    `maxlength` (values past the cap are dropped). The result has the dtype of `weights`,
    else `dtype`."""
    arr = convert_to_tensor(arr, dtype_hint=dtypes.int32)
    if arr.dtype != dtypes.int32:
        raise TypeError(f"bincount: arr must be int32, got {arr.dtype.name}")
    with arr.graph.name_scope(name or "bincount"):
        flat = array_ops.reshape(arr, [-1])
        nonempty = math_ops.cast(math_ops.greater(array_ops.size(flat), 0), dtypes.int32)
        size = nonempty * (reduce_ops.reduce_max(flat) + 1)
        if minlength is not None:
            size = math_ops.maximum(convert_to_tensor(minlength, dtype_hint=dtypes.int32),
                                    size)
        if maxlength is not None:
            size = math_ops.minimum(convert_to_tensor(maxlength, dtype_hint=dtypes.int32),
                                    size)
        if weights is None:
            w = ones_like(flat, dtype=dtypes.as_dtype(dtype))
        else:
            w = array_ops.reshape(convert_to_tensor(weights), [-1])
        return _counts(flat, w, size)


def histogram_fixed_width(values, value_range, nbins=100, dtype=dtypes.int32,
                          name=None) -> Tensor:
    """`tf.histogram_fixed_width`: counts of `values` in `nbins` equal bins spanning
    value_range; values below/above the range land in the first/last bin."""
    v = convert_to_tensor(values)
    with v.graph.name_scope(name or "histogram_fixed_width"):
        if v.dtype.is_integer:
            v = math_ops.cast(v, dtypes.float64)
        lo_hi = math_ops.cast(convert_to_tensor(value_range, dtype_hint=v.dtype), v.dtype)
        nbins_t = convert_to_tensor(nbins, dtype_hint=dtypes.int32)
        nbins_float = math_ops.cast(nbins_t, v.dtype)
        scaled = (array_ops.reshape(v, [-1]) - lo_hi[0]) / (lo_hi[1] - lo_hi[0])
        index = math_ops.clip_by_value(math_ops.floor(nbins_float * scaled), 0.0,
                                       nbins_float - 1.0)
        index = math_ops.cast(index, dtypes.int32)
        return array_ops.unsorted_segment_sum(ones_like(index, dtype=dtypes.as_dtype(dtype)),
                                             index, nbins_t)


def searchsorted(sorted_sequence, values, side="left", out_type=dtypes.int32,
                 name=None) -> Tensor:
    """`tf.searchsorted`: per row of the innermost axis, the insertion index of each value
    in the sorted sequence (`side="left"`: first such index, `"right"`: last). Counts the
    sequence entries below (or not above) each value."""
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    seq = convert_to_tensor(sorted_sequence)
    v = convert_to_tensor(values, dtype_hint=seq.dtype)
    if seq.dtype != v.dtype:
        raise TypeError(f"searchsorted: sorted_sequence and values must have the same dtype, "
                        f"got {seq.dtype.name} and {v.dtype.name}")
    if seq.shape.rank is not None and v.shape.rank is not None and (
            seq.shape.rank != v.shape.rank or
            not seq.shape[:-1].is_compatible_with(v.shape[:-1])):
        raise ValueError(f"searchsorted: sorted_sequence {seq.shape} and values {v.shape} "
                         "must share all but the innermost dimension")
    with seq.graph.name_scope(name or ("LowerBound" if side == "left" else "UpperBound")):
        compare = math_ops.less if side == "left" else math_ops.less_equal
        hits = compare(array_ops.expand_dims(seq, -2), array_ops.expand_dims(v, -1))
        return reduce_ops.reduce_sum(math_ops.cast(hits, dtypes.as_dtype(out_type)), -1)


__all__ = ["gather_nd", "scatter_nd", "einsum", "tensordot", "div_no_nan", "identity_n",
           "top_k", "in_top_k", "sequence_mask", "count_nonzero", "eye", "norm",
           "unsorted_segment_max", "unsorted_segment_min", "unsorted_segment_mean",
           "segment_sum", "segment_mean", "segment_max", "segment_min", "matrix_band_part",
           "matrix_diag", "matrix_diag_part", "trace", "diag", "diag_part",
           "reverse_sequence", "tensor_scatter_nd_update", "tensor_scatter_nd_add",
           "tensor_scatter_nd_sub", "scatter_update", "scatter_add", "scatter_sub",
           "scatter_nd_update", "scatter_nd_add", "scatter_nd_sub", "is_variable_initialized",
           "erf", "erfc",
           "lgamma", "digamma", "polygamma", "log_sigmoid", "reduce_variance", "reduce_std",
           "xlogy",
           "is_inf", "saturate_cast", "sort", "argsort", "linspace", "lin_space", "meshgrid",
           "asin", "acos", "atan", "asinh", "acosh", "atanh", "atan2", "unique",
           "unique_with_counts", "setdiff1d", "dynamic_partition", "dynamic_stitch", "Assert",
           "depthwise_conv2d_native", "depthwise_conv2d_native_backprop_input",
           "depthwise_conv2d_native_backprop_filter", "roll", "reverse_v2", "batch_gather",
           "truncatediv", "truncatemod", "reduce_euclidean_norm", "clip_by_average_norm",
           "space_to_depth", "depth_to_space", "bincount", "histogram_fixed_width",
           "searchsorted"]
