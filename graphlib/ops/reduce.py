"""Reductions, arg-reductions and scans: reduce_sum/mean/max/min/prod/any/all,
reduce_logsumexp (composite), argmax/argmin, cumsum/cumprod, and `broadcast_reduced`, the
inverse broadcast that reduction gradients use.

Every reduction op has kind="reduction" and two attrs the lowering can read: `axes` (a
sorted tuple of non-negative ints when the input rank is known at build time; the axes as
given when it is not, or None for "all axes" of an unknown rank) and `keepdims` (bool).
The combiner is OpDef.attrs["combiner"]: one of sum, mean, max, min, prod, any, all.

May import: dtypes, graph, registry, shapes, ops.core; ops.math and ops.array lazily
(inside gradient functions and composites), so that the op modules load in any order.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes
from ..graph import Tensor, constant_value
from ..registry import OpDef, Spec, register
from ..shapes import TensorShape
from .core import convert_to_tensor, ones_like, stop_gradient, zeros_like

# -- axes ---------------------------------------------------------------------------------


def _static_axes(axis) -> tuple[int, ...] | None:
    """`axis` (None, int, list, array or constant Tensor) as a tuple of Python ints."""
    if axis is None:
        return None
    if isinstance(axis, Tensor):
        value = constant_value(axis)
        if value is None:
            raise ValueError(f"axis must be known when the graph is built: {axis.name} is "
                             "not a constant (graphjit specializes reductions to static axes)")
        axis = value
    array = np.asarray(axis)
    # An empty list arrives as float64; any other non-integer axis is a mistake.
    if array.dtype.kind not in "iu" and (array.size or array.ndim != 1):
        raise TypeError(f"axis must be an int or a list of ints, got {axis!r}")
    return tuple(int(a) for a in array.reshape(-1))


def _check_axes(axes, rank: int) -> tuple[int, ...]:
    """Sorted non-negative axes; ValueError (TF's words) for out-of-range or duplicates."""
    seen: list[int] = []
    for a in axes:
        if not -rank <= a < rank:
            raise ValueError(f"Invalid reduction dimension {a} for input with {rank} "
                             "dimensions.")
        a %= rank
        if a in seen:
            raise ValueError("Invalid reduction arguments: Axes contains duplicate "
                             f"dimension: {a}")
        seen.append(a)
    return tuple(sorted(seen))


def _canonical_axes(axes, rank: int | None):
    """The `axes` attr: normalized when the rank is known and the axes fit it. Axes that do
    not fit are stored as given, so that infer (via create_op) reports them with the op
    name, input shapes and the user's line."""
    if rank is None:
        return axes
    if axes is None:
        return tuple(range(rank))
    try:
        return _check_axes(axes, rank)
    except ValueError:
        return axes


def _run_axes(axes, ndim: int) -> tuple[int, ...]:
    return tuple(range(ndim)) if axes is None else _check_axes(axes, ndim)


def _reduced_shape(shape: TensorShape, axes, keepdims: bool) -> TensorShape:
    if shape.rank is None:
        if axes is None and not keepdims:
            return TensorShape(())
        if axes == ():
            return shape
        return TensorShape(None)
    dims = shape.as_list()
    axes = _run_axes(axes, len(dims))
    if keepdims:
        return TensorShape([1 if i in axes else d for i, d in enumerate(dims)])
    return TensorShape([d for i, d in enumerate(dims) if i not in axes])


def _count(shape: TensorShape, axes) -> int | None:
    """The number of elements each output reduces over, when known at build time."""
    if shape.rank is None:
        return None
    n = 1
    for a in _run_axes(axes, shape.rank):
        if shape[a] is None:
            return None
        n *= shape[a]
    return n


def _lookup(new, old, new_name: str, old_name: str):
    """TF's deprecated_argument_lookup: one of the two spellings, never both."""
    if old is not None:
        if new is not None:
            raise ValueError(f"Cannot specify both '{old_name}' and '{new_name}'.")
        return old
    return new


# -- the seven reductions -----------------------------------------------------------------

_NUMERIC = (dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64)


def _check_dtype(x: Spec, allowed, op: str) -> None:
    if x.dtype not in allowed:
        names = ", ".join(d.name for d in allowed)
        raise TypeError(f"Value passed to parameter 'input' of {op} has DataType "
                        f"{x.dtype.name} not in list of allowed values: {names}")


def _reduction_infer(allowed, op: str):
    def infer(x: Spec, *, axes, keepdims):
        _check_dtype(x, allowed, op)
        return Spec(x.dtype, _reduced_shape(x.shape, axes, keepdims))
    return infer


def _empty_max(x: np.ndarray):
    return -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min


def _empty_min(x: np.ndarray):
    return np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).max


def _mean(x: np.ndarray, axis, keepdims):
    total = np.sum(x, axis=axis, keepdims=keepdims, dtype=x.dtype)
    n = int(np.prod([x.shape[a] for a in axis]))
    if x.dtype.kind == "f":
        return total / x.dtype.type(n)
    if n == 0:  # TF's integer mean of nothing is 0 (no division happens)
        return np.zeros_like(total)
    # Integer mean truncates toward zero, as C integer division in TF's kernel does.
    quotient = total // n
    return quotient + ((total % n != 0) & (total < 0)).astype(x.dtype)


_COMBINERS = {
    "sum": lambda x, axis, keepdims: np.sum(x, axis=axis, keepdims=keepdims, dtype=x.dtype),
    "prod": lambda x, axis, keepdims: np.prod(x, axis=axis, keepdims=keepdims, dtype=x.dtype),
    "max": lambda x, axis, keepdims: np.max(x, axis=axis, keepdims=keepdims,
                                            initial=_empty_max(x)),
    "min": lambda x, axis, keepdims: np.min(x, axis=axis, keepdims=keepdims,
                                            initial=_empty_min(x)),
    "mean": _mean,
    "any": lambda x, axis, keepdims: np.any(x, axis=axis, keepdims=keepdims),
    "all": lambda x, axis, keepdims: np.all(x, axis=axis, keepdims=keepdims),
}


def _reduction_reference(combiner: str):
    combine = _COMBINERS[combiner]

    def reference(x: np.ndarray, *, axes, keepdims):
        axis = _run_axes(axes, x.ndim)
        return np.asarray(combine(x, axis, keepdims)).astype(x.dtype, copy=False)
    return reference


def _reduce(op_type: str, default_name: str, input_tensor, axis, keepdims, name,
            reduction_indices, keep_dims) -> Tensor:
    axis = _lookup(axis, reduction_indices, "axis", "reduction_indices")
    keepdims = bool(_lookup(keepdims, keep_dims, "keepdims", "keep_dims"))
    x = convert_to_tensor(input_tensor)
    axes = _canonical_axes(_static_axes(axis), x.shape.rank)
    return x.graph.create_op(op_type, [x], {"axes": axes, "keepdims": keepdims},
                             name=name or default_name).outputs[0]


def _sum_grad(op, grad):
    x = op.inputs[0]
    return [broadcast_reduced(grad, x, op.attrs["axes"], op.attrs["keepdims"])]


def _mean_grad(op, grad):
    from .math import divide
    x = op.inputs[0]
    axes, keepdims = op.attrs["axes"], op.attrs["keepdims"]
    spread = broadcast_reduced(grad, x, axes, keepdims)
    n = _count(x.shape, axes)
    if n is None:
        n = reduce_sum(ones_like(x), axes, keepdims=True)
    return [divide(spread, n)]


def _min_or_max_grad(op, grad):
    """TF's _MinOrMaxGrad: the gradient is split equally among the tied extrema."""
    from .math import cast, divide, equal, multiply
    x = op.inputs[0]
    axes, keepdims = op.attrs["axes"], op.attrs["keepdims"]
    y = broadcast_reduced(op.outputs[0], x, axes, keepdims)
    indicators = cast(equal(y, x), x.dtype)
    num_selected = reduce_sum(indicators, axes, keepdims=True)
    spread = broadcast_reduced(grad, x, axes, keepdims)
    return [multiply(divide(indicators, num_selected), spread)]


def _exclusive_products(x: Tensor, axis: int) -> Tensor:
    """Each element's product of the others along `axis`, without dividing (zeros safe)."""
    from .math import multiply
    return multiply(cumprod(x, axis, exclusive=True),
                    cumprod(x, axis, exclusive=True, reverse=True))


def _prod_grad(op, grad):
    """d prod / d x_i = product of the other reduced elements. Computed as TF's _ProdGrad
    does, with exclusive cumulative products (never x / prod, so zeros are exact), one
    reduced axis at a time: the product of the others over axes {a} + rest is the product
    of the others along `a` times the product of the others of prod(x, a) over the rest."""
    from .math import multiply
    x = op.inputs[0]
    axes, keepdims = op.attrs["axes"], op.attrs["keepdims"]
    spread = broadcast_reduced(grad, x, axes, keepdims)
    if axes is None:  # all axes of an unknown rank: work on the flattened input
        from .array import reshape, shape
        others = reshape(_exclusive_products(reshape(x, [-1]), 0), shape(x))
        return [multiply(spread, others)]
    others, partial = None, x
    for a in axes:
        factor = _exclusive_products(partial, a)
        others = factor if others is None else multiply(others, factor)
        partial = reduce_prod(partial, a, keepdims=True)
    return [spread if others is None else multiply(spread, others)]


_REDUCTIONS = {
    # registry name: (TF op type, combiner, allowed dtypes, gradient)
    "reduce_sum": ("Sum", "sum", _NUMERIC, _sum_grad),
    "reduce_mean": ("Mean", "mean", _NUMERIC, _mean_grad),
    "reduce_max": ("Max", "max", _NUMERIC, _min_or_max_grad),
    "reduce_min": ("Min", "min", _NUMERIC, _min_or_max_grad),
    "reduce_prod": ("Prod", "prod", _NUMERIC, _prod_grad),
    "reduce_any": ("Any", "any", (dtypes.bool_,), None),
    "reduce_all": ("All", "all", (dtypes.bool_,), None),
}

for _name, (_tf_name, _combiner, _allowed, _gradient) in _REDUCTIONS.items():
    register(OpDef(
        name=_name, infer=_reduction_infer(_allowed, _tf_name),
        reference=_reduction_reference(_combiner), gradient=_gradient,
        no_gradient=None if _gradient else "boolean results carry no gradient",
        kind="reduction", attrs={"combiner": _combiner},
        doc=f"`tf.{_name}` (TF op {_tf_name}): the {_combiner} over `axes`."))


def reduce_sum(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None) -> Tensor:
    """`tf.reduce_sum`: the sum over `axis` (all axes when None); keeps the dtype."""
    return _reduce("reduce_sum", "Sum", input_tensor, axis, keepdims, name,
                   reduction_indices, keep_dims)


def reduce_mean(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
                keep_dims=None) -> Tensor:
    """`tf.reduce_mean`: the mean over `axis`; integer means truncate toward zero."""
    return _reduce("reduce_mean", "Mean", input_tensor, axis, keepdims, name,
                   reduction_indices, keep_dims)


def reduce_max(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None) -> Tensor:
    """`tf.reduce_max`: the maximum over `axis` (-inf, or the dtype's min, when empty)."""
    return _reduce("reduce_max", "Max", input_tensor, axis, keepdims, name,
                   reduction_indices, keep_dims)


def reduce_min(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None) -> Tensor:
    """`tf.reduce_min`: the minimum over `axis` (inf, or the dtype's max, when empty)."""
    return _reduce("reduce_min", "Min", input_tensor, axis, keepdims, name,
                   reduction_indices, keep_dims)


def reduce_prod(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
                keep_dims=None) -> Tensor:
    """`tf.reduce_prod`: the product over `axis`."""
    return _reduce("reduce_prod", "Prod", input_tensor, axis, keepdims, name,
                   reduction_indices, keep_dims)


def reduce_any(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None) -> Tensor:
    """`tf.reduce_any`: logical or over `axis` of a bool tensor."""
    return _reduce("reduce_any", "Any", input_tensor, axis, keepdims, name,
                   reduction_indices, keep_dims)


def reduce_all(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None) -> Tensor:
    """`tf.reduce_all`: logical and over `axis` of a bool tensor."""
    return _reduce("reduce_all", "All", input_tensor, axis, keepdims, name,
                   reduction_indices, keep_dims)


def reduce_logsumexp(input_tensor, axis=None, keepdims=None, name=None,
                     reduction_indices=None, keep_dims=None) -> Tensor:
    """`tf.reduce_logsumexp`: log(sum(exp(x))) computed stably, as TF composes it: the
    (finite) maximum is subtracted before exp and added back after log."""
    from .math import add, exp, is_finite, log, subtract, where
    axis = _lookup(axis, reduction_indices, "axis", "reduction_indices")
    keepdims = bool(_lookup(keepdims, keep_dims, "keepdims", "keep_dims"))
    x = convert_to_tensor(input_tensor)
    if not x.dtype.is_floating:
        raise TypeError(f"reduce_logsumexp needs a float tensor, got {x.dtype.name}")
    axes = _canonical_axes(_static_axes(axis), x.shape.rank)
    with x.graph.name_scope(name or "ReduceLogSumExp") as scope:
        raw_max = reduce_max(x, axes, keepdims=keepdims)
        shift = stop_gradient(where(is_finite(raw_max), raw_max, zeros_like(raw_max)))
        shifted = subtract(x, broadcast_reduced(shift, x, axes, keepdims))
        return add(log(reduce_sum(exp(shifted), axes, keepdims=keepdims)), shift, name=scope)


# -- the inverse broadcast of reductions --------------------------------------------------


def _broadcast_reduced_infer(value: Spec, like: Spec, *, axes, keepdims):
    expected = _reduced_shape(like.shape, axes, keepdims)
    if not value.shape.is_compatible_with(expected):
        raise ValueError(f"broadcast_reduced: a value of shape {value.shape} is not the "
                         f"reduction of shape {like.shape} over axes {axes} "
                         f"(expected {expected})")
    return Spec(value.dtype, like.shape)


def _broadcast_reduced_reference(value, like, *, axes, keepdims):
    if not keepdims:
        value = np.expand_dims(value, _run_axes(axes, like.ndim))
    return np.broadcast_to(value, like.shape).copy()


register(OpDef(
    name="broadcast_reduced", infer=_broadcast_reduced_infer,
    reference=_broadcast_reduced_reference,
    gradient=lambda op, grad: [reduce_sum(grad, op.attrs["axes"],
                                          keepdims=op.attrs["keepdims"]), None],
    kind="opaque", attrs={"shape_only_inputs": (1,)},
    doc="Broadcasts the result of a reduction over `axes` (with `keepdims`) back to the "
        "shape of the second input (whose values are unused); the adjoint of reduce_sum."))


def broadcast_reduced(input, like, axis=None, keepdims=False, name=None) -> Tensor:
    """Spreads `input`, the reduction of a tensor shaped like `like` over `axis`, back over
    the reduced axes to `like`'s shape (the gradient of a reduction, TF's reshape + tile)."""
    like = convert_to_tensor(like)
    value = convert_to_tensor(input, dtype_hint=like.dtype)
    axes = _canonical_axes(_static_axes(axis), like.shape.rank)
    return value.graph.create_op("broadcast_reduced", [value, like],
                                 {"axes": axes, "keepdims": bool(keepdims)},
                                 name=name or "BroadcastReduced").outputs[0]


# -- argmax / argmin ----------------------------------------------------------------------


def _arg_infer(op: str):
    def infer(x: Spec, *, axis, output_type):
        _check_dtype(x, (*_NUMERIC, dtypes.bool_), op)
        if output_type not in (dtypes.int32, dtypes.int64):
            raise TypeError(f"{op} output_type must be int32 or int64, got "
                            f"{output_type.name}")
        if x.shape.rank is None:
            return Spec(output_type, TensorShape(None))
        rank = x.shape.rank
        if not -rank <= axis < rank:
            raise ValueError(f"Expected dimension in the range [{-rank}, {rank}), but got "
                             f"{axis}")
        dims = x.shape.as_list()
        del dims[axis % rank]
        return Spec(output_type, dims)
    return infer


def _arg_reference(pick, nan_as: float):
    def reference(x: np.ndarray, *, axis, output_type):
        if not -x.ndim <= axis < x.ndim:
            raise ValueError(f"Expected dimension in the range [{-x.ndim}, {x.ndim}), but "
                             f"got {axis}")
        if x.shape[axis] == 0:
            raise ValueError(f"Reduction axis {axis % x.ndim} is empty in shape "
                             f"{list(x.shape)}")
        if x.dtype.kind == "f":
            # TF's kernel compares with `>`/`<`, so NaN never wins: the first extremum
            # among the other values (index 0 when all are NaN).
            x = np.where(np.isnan(x), nan_as, x)
        return pick(x, axis=axis).astype(output_type.np)
    return reference


register(OpDef(
    name="argmax", infer=_arg_infer("ArgMax"), reference=_arg_reference(np.argmax, -np.inf),
    no_gradient="indices are integers", kind="opaque",
    doc="The index of the first maximum along `axis`; `output_type` int32 or int64."))

register(OpDef(
    name="argmin", infer=_arg_infer("ArgMin"), reference=_arg_reference(np.argmin, np.inf),
    no_gradient="indices are integers", kind="opaque",
    doc="The index of the first minimum along `axis`; `output_type` int32 or int64."))


def _single_axis(axis, rank: int | None, op_type: str) -> int:
    """One static axis, non-negative when it fits a known rank (else infer reports it)."""
    axes = _static_axes(axis)
    if axes is None or len(axes) != 1:
        raise ValueError(f"{op_type} axis must be a single int, got {axis!r}")
    (a,) = axes
    if rank is not None and -rank <= a < rank:
        a %= rank
    return a


def _arg(op_type: str, default_name: str, input, axis, name, dimension, output_type):
    axis = _lookup(axis, dimension, "axis", "dimension")
    x = convert_to_tensor(input)
    a = _single_axis(0 if axis is None else axis, x.shape.rank, op_type)
    return x.graph.create_op(op_type, [x], {"axis": a,
                                            "output_type": dtypes.as_dtype(output_type)},
                             name=name or default_name).outputs[0]


def argmax(input, axis=None, name=None, dimension=None, output_type=dtypes.int64) -> Tensor:
    """`tf.argmax`: the index of the largest value along `axis` (0 when None, as in TF1);
    ties give the first index."""
    return _arg("argmax", "ArgMax", input, axis, name, dimension, output_type)


def argmin(input, axis=None, name=None, dimension=None, output_type=dtypes.int64) -> Tensor:
    """`tf.argmin`: the index of the smallest value along `axis` (0 when None, as in TF1);
    ties give the first index."""
    return _arg("argmin", "ArgMin", input, axis, name, dimension, output_type)


# -- cumsum / cumprod ---------------------------------------------------------------------


def _scan_infer(op: str):
    def infer(x: Spec, *, axis, exclusive, reverse):
        _check_dtype(x, _NUMERIC, op)
        rank = x.shape.rank
        if rank is not None and not -rank <= axis < rank:
            raise ValueError(f"ScanOp: Expected scan axis in the range [{-rank}, {rank}), "
                             f"but got {axis}")
        return Spec(x.dtype, x.shape)
    return infer


def _scan_reference(accumulate, identity: int):
    def reference(x: np.ndarray, *, axis, exclusive, reverse):
        if not -x.ndim <= axis < x.ndim:
            raise ValueError(f"ScanOp: Expected scan axis in the range [{-x.ndim}, "
                             f"{x.ndim}), but got {axis}")
        if reverse:
            x = np.flip(x, axis)
        out = accumulate(x, axis=axis, dtype=x.dtype)
        if exclusive:
            # Shift by one along the axis, starting from the combiner's identity.
            out = np.roll(out, 1, axis=axis)
            first = [slice(None)] * x.ndim
            first[axis] = 0
            out[tuple(first)] = identity
        return np.flip(out, axis) if reverse else out
    return reference


def _cumsum_grad(op, grad):
    attrs = op.attrs
    return [cumsum(grad, attrs["axis"], exclusive=attrs["exclusive"],
                   reverse=not attrs["reverse"])]


def _cumprod_grad(op, grad):
    """TF's _CumprodGrad (it divides by x, so like TF it is not finite where x is 0)."""
    from .math import divide, multiply
    attrs = op.attrs
    x = op.inputs[0]
    summed = cumsum(multiply(op.outputs[0], grad), attrs["axis"],
                    exclusive=attrs["exclusive"], reverse=not attrs["reverse"])
    return [divide(summed, x)]


register(OpDef(
    name="cumsum", infer=_scan_infer("Cumsum"), reference=_scan_reference(np.cumsum, 0),
    gradient=_cumsum_grad, kind="scan", attrs={"combiner": "sum"},
    doc="Running sum along `axis` (kind 'scan': attrs axis, exclusive, reverse; the "
        "combiner is OpDef.attrs['combiner'])."))

register(OpDef(
    name="cumprod", infer=_scan_infer("Cumprod"), reference=_scan_reference(np.cumprod, 1),
    gradient=_cumprod_grad, kind="scan", attrs={"combiner": "prod"},
    doc="Running product along `axis` (kind 'scan', as cumsum)."))


def _scan(op_type: str, default_name: str, x, axis, exclusive, reverse, name) -> Tensor:
    x = convert_to_tensor(x)
    a = _single_axis(axis, x.shape.rank, op_type)
    return x.graph.create_op(op_type, [x], {"axis": a, "exclusive": bool(exclusive),
                                            "reverse": bool(reverse)},
                             name=name or default_name).outputs[0]


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None) -> Tensor:
    """`tf.cumsum`: running sums along `axis`; `exclusive` starts from 0, `reverse` runs
    from the end."""
    return _scan("cumsum", "Cumsum", x, axis, exclusive, reverse, name)


def cumprod(x, axis=0, exclusive=False, reverse=False, name=None) -> Tensor:
    """`tf.cumprod`: running products along `axis` (`exclusive` starts from 1)."""
    return _scan("cumprod", "Cumprod", x, axis, exclusive, reverse, name)


__all__ = ["reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod",
           "reduce_any", "reduce_all", "reduce_logsumexp", "argmax", "argmin", "cumsum",
           "cumprod", "broadcast_reduced"]
