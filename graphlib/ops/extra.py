"""TF1 breadth: index ops (gather_nd, scatter_nd, top_k, in_top_k), einsum, div_no_nan and
identity_n as primitives, and TF's composites over existing builders: tensordot,
sequence_mask, count_nonzero, eye and norm.

Each primitive is one `register(OpDef(...))` next to its TF-named builder, with TF's
gradient: gather_nd and scatter_nd are each other's adjoints; top_k scatters the values'
gradient back to the chosen indices (through scatter_nd); einsum differentiates into
einsums. Composites are built exactly as TF's Python builds them (same ops, same order),
so their gradients come from their parts.

Kinds: div_no_nan is "elementwise"; einsum is "contraction" (a family of one: a backend
may lower it to matmuls, otherwise it runs its reference); every other primitive here is
"opaque".

May import: graphlib core modules (dtypes, shapes, registry, graph) and the sibling op
modules core, array, math, reduce, linalg (all loaded before this one).
"""

from __future__ import annotations

import string

import numpy as np

from .. import dtypes
from ..graph import Tensor, get_default_graph
from ..registry import OpDef, Spec, register
from ..shapes import TensorShape, broadcast_shapes
from . import array as array_ops
from . import math as math_ops
from . import reduce as reduce_ops
from .array import _check_int, _in_op_graph, _index_tensor, _ints, _on_input_graph
from .core import broadcast_like, constant, convert_to_tensor, sum_to_shape, zeros_like
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


__all__ = ["gather_nd", "scatter_nd", "einsum", "tensordot", "div_no_nan", "identity_n",
           "top_k", "in_top_k", "sequence_mask", "count_nonzero", "eye", "norm"]
