"""Op family 'math': elementwise arithmetic, comparisons, logic, casts and selection, plus
the Python operator overloads (`+ - * / // % ** unary- abs < <= > >= & | ^ ~`) of Tensor
and Variable.

Each op is one `register(OpDef(...))` next to its TF-named builder. Every op here except
`where_indices` is elementwise: its inputs broadcast as in NumPy, and its `scalar`
expression (graphlib/scalar.py's language) is what the code generators lower; the NumPy
reference must agree with it on every dtype the op accepts, NaN and inf included
(tests/test_math.py checks this for every elementwise op of the registry).

Dtype rules follow TF: both operands of a binary op have one dtype (TypeError at build time
otherwise); `truediv` of integers casts them to float64; integer `floordiv`/`mod` floor as
Python does; comparisons give bool; logical ops take bool only. Gradients follow TF's
conventions at ties and kinks and are built from the public builders, so they can be
differentiated again.

May import: graphlib core modules (dtypes, shapes, registry, graph), ops.core, ops._util,
ops.state (to give Variable the operators) and, lazily, ops.array (reshape, for the rank-1
condition of `where`).
"""

from __future__ import annotations

import numpy as np

from .. import dtypes
from ..dtypes import DType
from ..graph import Tensor
from ..registry import OpDef, Spec, register
from ..scalar import ieee_pow
from ..shapes import TensorShape, broadcast_shapes
from .core import convert_to_tensor, identity, ones_like, sum_to_shape, zeros_like
from .state import Variable

_FLOAT = (dtypes.float32, dtypes.float64)
_INT = (dtypes.int32, dtypes.int64)
_NUMERIC = _FLOAT + _INT
_ANY = _NUMERIC + (dtypes.bool_,)


# -- shape and dtype rules ----------------------------------------------------------------


def _check_dtype(arg: str, spec: Spec, allowed: tuple) -> None:
    if not any(spec.dtype is d for d in allowed):
        names = ", ".join(d.name for d in allowed)
        raise TypeError(f"Value passed to parameter '{arg}' has DataType {spec.dtype.name} "
                        f"not in list of allowed values: {names}")


def _check_same_dtype(x: Spec, y: Spec, arg: str = "y") -> None:
    if y.dtype is not x.dtype:
        raise TypeError(f"Input '{arg}' has type {y.dtype.name} that does not match type "
                        f"{x.dtype.name} of argument 'x'.")


def _unary_infer(allowed: tuple, out: DType | None = None):
    def infer(x: Spec) -> Spec:
        _check_dtype("x", x, allowed)
        return Spec(out or x.dtype, x.shape)
    return infer


def _binary_infer(allowed: tuple, out: DType | None = None):
    def infer(x: Spec, y: Spec) -> Spec:
        _check_same_dtype(x, y)
        _check_dtype("x", x, allowed)
        return Spec(out or x.dtype, broadcast_shapes(x.shape, y.shape))
    return infer


# -- operand conversion -------------------------------------------------------------------


def _is_tensor_like(value) -> bool:
    return isinstance(value, Tensor) or hasattr(value, "_to_tensor")


def _convert_operands(*values) -> list[Tensor]:
    """Tensors for `values`: Python/NumPy values become constants of the first tensor's
    dtype when they fit (so `x + 1` works for float32 x), in that tensor's graph."""
    tensors = [convert_to_tensor(v) if _is_tensor_like(v) else None for v in values]
    first = next((t for t in tensors if t is not None), None)
    if first is None:
        return [convert_to_tensor(v) for v in values]
    with first.graph.as_default():
        return [t if t is not None else convert_to_tensor(v, dtype_hint=first.dtype)
                for t, v in zip(tensors, values)]


def _convert_select(condition, x, y) -> list[Tensor]:
    """`where`'s operands: x and y as `_convert_operands`; a bool condition."""
    x, y = _convert_operands(x, y)
    with x.graph.as_default():
        return [convert_to_tensor(condition), x, y]


def _unary(op_type: str, x, name: str) -> Tensor:
    x = convert_to_tensor(x)
    return x.graph.create_op(op_type, [x], name=name).outputs[0]


def _binary(op_type: str, x, y, name: str) -> Tensor:
    x, y = _convert_operands(x, y)
    return x.graph.create_op(op_type, [x, y], name=name).outputs[0]


def _reduced(gx, x: Tensor, gy, y: Tensor) -> list:
    """Binary-op gradients summed back over the axes each input was broadcast along."""
    return [None if gx is None else sum_to_shape(gx, x),
            None if gy is None else sum_to_shape(gy, y)]


# -- arithmetic ---------------------------------------------------------------------------

register(OpDef(
    name="add", infer=_binary_infer(_NUMERIC), reference=lambda x, y: x + y,
    gradient=lambda op, g: _reduced(g, op.inputs[0], g, op.inputs[1]),
    kind="elementwise", scalar="{0} + {1}", doc="x + y (TF's AddV2)."))


def add(x, y, name=None) -> Tensor:
    """`tf.add`: x + y with NumPy broadcasting."""
    return _binary("add", x, y, name or "Add")


register(OpDef(
    name="subtract", infer=_binary_infer(_NUMERIC), reference=lambda x, y: x - y,
    gradient=lambda op, g: _reduced(g, op.inputs[0], negative(g), op.inputs[1]),
    kind="elementwise", scalar="{0} - {1}", doc="x - y (TF's Sub)."))


def subtract(x, y, name=None) -> Tensor:
    """`tf.subtract`: x - y with NumPy broadcasting."""
    return _binary("subtract", x, y, name or "Sub")


def _multiply_grad(op, g):
    x, y = op.inputs
    return _reduced(multiply(g, y), x, multiply(x, g), y)


register(OpDef(
    name="multiply", infer=_binary_infer(_NUMERIC), reference=lambda x, y: x * y,
    gradient=_multiply_grad, kind="elementwise", scalar="{0} * {1}", doc="x * y (TF's Mul)."))


def multiply(x, y, name=None) -> Tensor:
    """`tf.multiply`: x * y with NumPy broadcasting."""
    return _binary("multiply", x, y, name or "Mul")


def scalar_mul(scalar, x, name=None) -> Tensor:
    """`tf.scalar_mul`: a rank-0 `scalar` times `x`."""
    x = convert_to_tensor(x)
    scalar = _convert_operands(x, scalar)[1]
    if scalar.shape.rank is not None and scalar.shape.rank != 0:
        raise ValueError(f"Only scalar multiply works, got shape {scalar.shape}")
    return multiply(scalar, x, name=name)


def _truediv_grad(op, g):
    x, y = op.inputs
    return _reduced(truediv(g, y), x, multiply(g, truediv(truediv(negative(x), y), y)), y)


register(OpDef(
    name="truediv", infer=_binary_infer(_FLOAT), reference=lambda x, y: x / y,
    gradient=_truediv_grad, kind="elementwise", scalar="{0} / {1}",
    doc="x / y on floats (TF's RealDiv); the `truediv` builder casts integers to float64."))


def truediv(x, y, name=None) -> Tensor:
    """`tf.truediv`: x / y; int32/int64 operands are cast to float64 first, as in TF."""
    x, y = _convert_operands(x, y)
    graph = x.graph
    with graph.name_scope(name or "truediv") as scope:
        if x.dtype.is_integer and y.dtype is x.dtype:
            x, y = cast(x, dtypes.float64), cast(y, dtypes.float64)
        return graph.create_op("truediv", [x, y], name=scope).outputs[0]


def divide(x, y, name=None) -> Tensor:
    """`tf.divide`: Python 3 division, `x / y` (the same op as `truediv`)."""
    return truediv(x, y, name=name)


def div(x, y, name=None) -> Tensor:
    """`tf.div` (TF1): floor division for integers, true division for floats."""
    x, y = _convert_operands(x, y)
    graph = x.graph
    with graph.name_scope(name or "div") as scope:
        op_type = "truediv" if x.dtype.is_floating else "floordiv"
        return graph.create_op(op_type, [x, y], name=scope).outputs[0]


def _floordiv_reference(x, y):
    if x.dtype.kind in "iu":
        return np.floor_divide(x, y, where=y != 0, out=np.zeros(np.broadcast(x, y).shape,
                                                                  x.dtype))
    return np.floor(x / y)  # TF's floor(x / y), not NumPy's divmod-based quotient


register(OpDef(
    name="floordiv", infer=_binary_infer(_NUMERIC), reference=_floordiv_reference,
    no_gradient="piecewise constant; TF's FloorDiv gradient is None",
    kind="elementwise", scalar="floordiv({0}, {1})",
    doc="floor(x / y): integers floor as Python does (x // 0 is 0 where TF's CPU kernel "
        "raises); floats are floor(x / y) as in TF."))


def floordiv(x, y, name=None) -> Tensor:
    """`tf.floordiv`: x // y, rounding toward negative infinity."""
    return _binary("floordiv", x, y, name or "floordiv")


def _mod_reference(x, y):
    if x.dtype.kind in "iu":
        return np.mod(x, y, where=y != 0, out=np.zeros(np.broadcast(x, y).shape, x.dtype))
    return np.mod(x, y)


def _mod_grad(op, g):
    x, y = op.inputs
    return _reduced(g, x, multiply(g, negative(floordiv(x, y))), y)


register(OpDef(
    name="mod", infer=_binary_infer(_NUMERIC), reference=_mod_reference, gradient=_mod_grad,
    kind="elementwise", scalar="floormod({0}, {1})",
    doc="Floored remainder, with the divisor's sign (TF's FloorMod); integer x % 0 is 0."))


def mod(x, y, name=None) -> Tensor:
    """`tf.mod` / `tf.floormod`: x - floor(x / y) * y."""
    return _binary("mod", x, y, name or "FloorMod")


floormod = mod


def _pow_grad(op, g):
    x, y = op.inputs
    z = op.outputs[0]
    gx = multiply(multiply(g, y), pow(x, subtract(y, 1)))
    # As TF: x <= 0 has no real log, so the gradient w.r.t. the exponent is 0 there.
    positive = greater(x, 0)
    safe_x = where_v2(positive, x, 1)
    log_x = where_v2(positive, log(safe_x), 0)
    gy = multiply(multiply(g, z), log_x)
    return _reduced(gx, x, gy, y)


register(OpDef(
    name="pow", infer=_binary_infer(_NUMERIC), reference=ieee_pow,
    gradient=_pow_grad, kind="elementwise", scalar="pow({0}, {1})",
    doc="x ** y; integers to negative integer powers are an error, as in TF."))


def pow(x, y, name=None) -> Tensor:
    """`tf.pow`: x ** y elementwise."""
    return _binary("pow", x, y, name or "Pow")


def _squared_difference_grad(op, g):
    x, y = op.inputs
    gx = multiply(scalar_mul(2.0, g), subtract(x, y))
    return _reduced(gx, x, negative(gx), y)


register(OpDef(
    name="squared_difference", infer=_binary_infer(_NUMERIC),
    reference=lambda x, y: (x - y) * (x - y), gradient=_squared_difference_grad,
    kind="elementwise", scalar="({0} - {1}) * ({0} - {1})", doc="(x - y) ** 2."))


def squared_difference(x, y, name=None) -> Tensor:
    """`tf.squared_difference`: (x - y) * (x - y)."""
    return _binary("squared_difference", x, y, name or "SquaredDifference")


def _max_min_grad(selects_x):
    """TF's convention: the gradient goes to x where `selects_x(x, y)`, else to y."""
    def gradient(op, g):
        x, y = op.inputs
        mask = selects_x(x, y)
        zeros = zeros_like(g)
        return _reduced(where_v2(mask, g, zeros), x, where_v2(mask, zeros, g), y)
    return gradient


register(OpDef(
    name="maximum", infer=_binary_infer(_NUMERIC), reference=np.maximum,
    gradient=_max_min_grad(lambda x, y: greater_equal(x, y)),
    kind="elementwise", scalar="maximum({0}, {1})",
    doc="Elementwise max (NaN wins); at ties the gradient goes to x."))


def maximum(x, y, name=None) -> Tensor:
    """`tf.maximum`: the larger of x and y, elementwise."""
    return _binary("maximum", x, y, name or "Maximum")


register(OpDef(
    name="minimum", infer=_binary_infer(_NUMERIC), reference=np.minimum,
    gradient=_max_min_grad(lambda x, y: less_equal(x, y)),
    kind="elementwise", scalar="minimum({0}, {1})",
    doc="Elementwise min (NaN wins); at ties the gradient goes to x."))


def minimum(x, y, name=None) -> Tensor:
    """`tf.minimum`: the smaller of x and y, elementwise."""
    return _binary("minimum", x, y, name or "Minimum")


# -- unary arithmetic ---------------------------------------------------------------------

register(OpDef(
    name="negative", infer=_unary_infer(_NUMERIC), reference=np.negative,
    gradient=lambda op, g: [negative(g)], kind="elementwise", scalar="-{0}"))


def negative(x, name=None) -> Tensor:
    """`tf.negative`: -x."""
    return _unary("negative", x, name or "Neg")


register(OpDef(
    name="abs", infer=_unary_infer(_NUMERIC), reference=np.abs,
    gradient=lambda op, g: [multiply(g, sign(op.inputs[0]))],
    kind="elementwise", scalar="abs({0})", doc="|x|; the gradient at 0 is 0 (sign(0))."))


def abs(x, name=None) -> Tensor:
    """`tf.abs`: |x| for floats and integers."""
    return _unary("abs", x, name or "Abs")


register(OpDef(
    name="sign", infer=_unary_infer(_NUMERIC), reference=np.sign,
    gradient=lambda op, g: [zeros_like(op.inputs[0])],
    kind="elementwise", scalar="sign({0})",
    doc="-1, 0 or 1 (NaN for NaN); its gradient is zero, as in TF."))


def sign(x, name=None) -> Tensor:
    """`tf.sign`."""
    return _unary("sign", x, name or "Sign")


register(OpDef(
    name="square", infer=_unary_infer(_NUMERIC), reference=lambda x: x * x,
    gradient=lambda op, g: [multiply(g, multiply(2.0, op.inputs[0]))],
    kind="elementwise", scalar="{0} * {0}"))


def square(x, name=None) -> Tensor:
    """`tf.square`: x * x."""
    return _unary("square", x, name or "Square")


register(OpDef(
    name="reciprocal", infer=_unary_infer(_FLOAT), reference=lambda x: 1 / x,
    gradient=lambda op, g: [multiply(negative(g), square(op.outputs[0]))],
    kind="elementwise", scalar="reciprocal({0})"))


def reciprocal(x, name=None) -> Tensor:
    """`tf.reciprocal`: 1 / x."""
    return _unary("reciprocal", x, name or "Reciprocal")


register(OpDef(
    name="sqrt", infer=_unary_infer(_FLOAT), reference=np.sqrt,
    # TF's SqrtGrad is 0.5 * dy / y: inf at x == 0.
    gradient=lambda op, g: [truediv(multiply(g, 0.5), op.outputs[0])],
    kind="elementwise", scalar="sqrt({0})"))


def sqrt(x, name=None) -> Tensor:
    """`tf.sqrt`."""
    return _unary("sqrt", x, name or "Sqrt")


def _rsqrt_grad(op, g):
    y = op.outputs[0]
    return [multiply(multiply(multiply(g, y), square(y)), -0.5)]


register(OpDef(
    name="rsqrt", infer=_unary_infer(_FLOAT), reference=lambda x: 1 / np.sqrt(x),
    gradient=_rsqrt_grad, kind="elementwise", scalar="rsqrt({0})", doc="1 / sqrt(x)."))


def rsqrt(x, name=None) -> Tensor:
    """`tf.rsqrt`: 1 / sqrt(x)."""
    return _unary("rsqrt", x, name or "Rsqrt")


register(OpDef(
    name="exp", infer=_unary_infer(_FLOAT), reference=np.exp,
    gradient=lambda op, g: [multiply(g, op.outputs[0])], kind="elementwise",
    scalar="exp({0})"))


def exp(x, name=None) -> Tensor:
    """`tf.exp`."""
    return _unary("exp", x, name or "Exp")


register(OpDef(
    name="log", infer=_unary_infer(_FLOAT), reference=np.log,
    gradient=lambda op, g: [multiply(g, reciprocal(op.inputs[0]))], kind="elementwise",
    scalar="log({0})", doc="Natural logarithm."))


def log(x, name=None) -> Tensor:
    """`tf.log`: natural logarithm."""
    return _unary("log", x, name or "Log")


register(OpDef(
    name="log1p", infer=_unary_infer(_FLOAT), reference=np.log1p,
    gradient=lambda op, g: [multiply(g, reciprocal(add(1.0, op.inputs[0])))],
    kind="elementwise", scalar="log1p({0})"))


def log1p(x, name=None) -> Tensor:
    """`tf.log1p`: log(1 + x), accurate near 0."""
    return _unary("log1p", x, name or "Log1p")


register(OpDef(
    name="expm1", infer=_unary_infer(_FLOAT), reference=np.expm1,
    gradient=lambda op, g: [multiply(g, exp(op.inputs[0]))], kind="elementwise",
    scalar="expm1({0})"))


def expm1(x, name=None) -> Tensor:
    """`tf.expm1`: exp(x) - 1, accurate near 0."""
    return _unary("expm1", x, name or "Expm1")


register(OpDef(
    name="sin", infer=_unary_infer(_FLOAT), reference=np.sin,
    gradient=lambda op, g: [multiply(g, cos(op.inputs[0]))], kind="elementwise",
    scalar="sin({0})"))


def sin(x, name=None) -> Tensor:
    """`tf.sin`."""
    return _unary("sin", x, name or "Sin")


register(OpDef(
    name="cos", infer=_unary_infer(_FLOAT), reference=np.cos,
    gradient=lambda op, g: [multiply(negative(g), sin(op.inputs[0]))], kind="elementwise",
    scalar="cos({0})"))


def cos(x, name=None) -> Tensor:
    """`tf.cos`."""
    return _unary("cos", x, name or "Cos")


register(OpDef(
    name="tanh", infer=_unary_infer(_FLOAT), reference=np.tanh,
    gradient=lambda op, g: [multiply(g, subtract(1.0, square(op.outputs[0])))],
    kind="elementwise", scalar="tanh({0})"))


def tanh(x, name=None) -> Tensor:
    """`tf.tanh` (also `gj.nn.tanh`)."""
    return _unary("tanh", x, name or "Tanh")


def _sigmoid_reference(x):
    return 1 / (1 + np.exp(-x))


def _sigmoid_grad(op, g):
    y = op.outputs[0]
    return [multiply(g, multiply(y, subtract(1.0, y)))]


register(OpDef(
    name="sigmoid", infer=_unary_infer(_FLOAT), reference=_sigmoid_reference,
    gradient=_sigmoid_grad, kind="elementwise", scalar="sigmoid({0})",
    doc="1 / (1 + exp(-x))."))


def sigmoid(x, name=None) -> Tensor:
    """`tf.sigmoid` (also `gj.nn.sigmoid`): 1 / (1 + exp(-x))."""
    return _unary("sigmoid", x, name or "Sigmoid")


register(OpDef(
    name="floor", infer=_unary_infer(_FLOAT), reference=np.floor,
    no_gradient="piecewise constant; TF's Floor gradient is None",
    kind="elementwise", scalar="floor({0})"))


def floor(x, name=None) -> Tensor:
    """`tf.floor`."""
    return _unary("floor", x, name or "Floor")


register(OpDef(
    name="ceil", infer=_unary_infer(_FLOAT), reference=np.ceil,
    no_gradient="piecewise constant; TF's Ceil gradient is None",
    kind="elementwise", scalar="ceil({0})"))


def ceil(x, name=None) -> Tensor:
    """`tf.ceil`."""
    return _unary("ceil", x, name or "Ceil")


register(OpDef(
    name="round", infer=_unary_infer(_FLOAT), reference=np.rint,
    no_gradient="piecewise constant; TF's Round gradient is None",
    kind="elementwise", scalar="rint({0})", doc="Round half to even."))


def round(x, name=None) -> Tensor:
    """`tf.round`: half to even; integers are returned unchanged, as in TF."""
    x = convert_to_tensor(x)
    if x.dtype.is_integer:
        return x
    return _unary("round", x, name or "Round")


# -- casts --------------------------------------------------------------------------------


def _cast_infer(x: Spec, *, dtype: DType) -> Spec:
    _check_dtype("x", x, _ANY)
    _check_dtype("dtype", Spec(dtype, ()), _ANY)
    return Spec(dtype, x.shape)


def _cast_grad(op, g):
    source = op.inputs[0].dtype
    if source.is_floating and op.outputs[0].dtype.is_floating:
        return [cast(g, source)]
    return [None]


register(OpDef(
    name="cast", infer=_cast_infer, reference=lambda x, *, dtype: x.astype(dtype.np),
    gradient=_cast_grad, kind="elementwise", scalar="{0}",
    doc="Converts to `dtype` (the generators convert the scalar result to the output "
        "dtype): float to int truncates toward zero, nonzero to bool is True."))


def cast(x, dtype, name=None) -> Tensor:
    """`tf.cast`: `x` as `dtype`; returns `x` itself when it already has that dtype."""
    dtype = dtypes.as_dtype(dtype)
    x = convert_to_tensor(x)
    if x.dtype is dtype:
        return x
    return x.graph.create_op("cast", [x], {"dtype": dtype}, name=name or "Cast").outputs[0]


def to_float(x, name="ToFloat") -> Tensor:
    """`tf.to_float` (TF1): cast to float32."""
    return cast(x, dtypes.float32, name=name)


def to_double(x, name="ToDouble") -> Tensor:
    """`tf.to_double` (TF1): cast to float64."""
    return cast(x, dtypes.float64, name=name)


def to_int32(x, name="ToInt32") -> Tensor:
    """`tf.to_int32` (TF1): cast to int32."""
    return cast(x, dtypes.int32, name=name)


def to_int64(x, name="ToInt64") -> Tensor:
    """`tf.to_int64` (TF1): cast to int64."""
    return cast(x, dtypes.int64, name=name)


# -- clipping -----------------------------------------------------------------------------


def _clip_infer(t: Spec, lo: Spec, hi: Spec) -> Spec:
    _check_dtype("t", t, _NUMERIC)
    _check_same_dtype(t, lo, "clip_value_min")
    _check_same_dtype(t, hi, "clip_value_max")
    shape = broadcast_shapes(broadcast_shapes(t.shape, lo.shape), hi.shape)
    if not shape.is_compatible_with(t.shape):
        raise ValueError(f"Shapes {t.shape} and {shape} are incompatible: the clip values "
                         "may not broadcast the clipped tensor to a larger shape")
    return Spec(t.dtype, t.shape.merge_with(shape))


def _clip_grad(op, g):
    # TF computes maximum(minimum(t, hi), lo); this is that composition's gradient.
    t, lo, hi = op.inputs
    zeros = zeros_like(g)
    inside_lo = greater_equal(minimum(t, hi), lo)
    g_min = where_v2(inside_lo, g, zeros)
    below_hi = less_equal(t, hi)
    return [sum_to_shape(where_v2(below_hi, g_min, zeros), t),
            sum_to_shape(where_v2(inside_lo, zeros, g), lo),
            sum_to_shape(where_v2(below_hi, zeros, g_min), hi)]


register(OpDef(
    name="clip_by_value", infer=_clip_infer,
    reference=lambda t, lo, hi: np.maximum(np.minimum(t, hi), lo), gradient=_clip_grad,
    kind="elementwise", scalar="maximum(minimum({0}, {2}), {1})",
    doc="maximum(minimum(t, hi), lo): the gradient passes where lo <= t <= hi."))


def clip_by_value(t, clip_value_min, clip_value_max, name=None) -> Tensor:
    """`tf.clip_by_value`: t clipped to [clip_value_min, clip_value_max]."""
    t, lo, hi = _convert_operands(t, clip_value_min, clip_value_max)
    return t.graph.create_op("clip_by_value", [t, lo, hi],
                             name=name or "clip_by_value").outputs[0]


def clip_by_norm(t, clip_norm, axes=None, name=None) -> Tensor:
    """`tf.clip_by_norm`: t scaled down so its L2 norm (over `axes`, default all) is at most
    `clip_norm`; TF's composite, with a finite gradient where the norm is 0."""
    from .reduce import reduce_sum

    t = convert_to_tensor(t)
    with t.graph.name_scope(name or "clip_by_norm") as scope:
        l2sum = reduce_sum(multiply(t, t), axes, keepdims=True)
        positive = greater(l2sum, zeros_like(l2sum))
        l2norm = where(positive, sqrt(where(positive, l2sum, ones_like(l2sum))), l2sum)
        clip_norm = convert_to_tensor(clip_norm, dtype_hint=t.dtype)
        clipped = truediv(multiply(t, clip_norm), maximum(l2norm, clip_norm))
        return identity(clipped, name=scope)


def global_norm(t_list, name=None) -> Tensor:
    """`tf.global_norm`: sqrt of the sum of the squared L2 norms of the (non-None) tensors."""
    from .array import stack
    from .nn import l2_loss
    from .reduce import reduce_sum

    tensors = [convert_to_tensor(t) for t in t_list if t is not None]
    if not tensors:
        raise ValueError("global_norm needs at least one tensor")
    with tensors[0].graph.name_scope(name or "global_norm") as scope:
        half_squared = reduce_sum(stack([l2_loss(t) for t in tensors]))
        return sqrt(multiply(half_squared, 2.0), name=scope)


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None) -> tuple:
    """`tf.clip_by_global_norm`: (the tensors scaled by clip_norm / max(global_norm,
    clip_norm), the global norm); None entries stay None."""
    if isinstance(t_list, Tensor) or not isinstance(t_list, (list, tuple)):
        raise TypeError("t_list should be a sequence")
    t_list = [None if t is None else convert_to_tensor(t) for t in t_list]
    present = [t for t in t_list if t is not None]
    graph = present[0].graph
    with graph.name_scope(name or "clip_by_global_norm") as scope:
        use_norm = global_norm(present, name) if use_norm is None else \
            convert_to_tensor(use_norm)
        clip_norm = convert_to_tensor(clip_norm, dtype_hint=use_norm.dtype)
        one = convert_to_tensor(1.0, dtype=use_norm.dtype)
        scale = multiply(clip_norm, minimum(truediv(one, use_norm), truediv(one, clip_norm)))
        scale = add(scale, subtract(use_norm, use_norm))  # NaN when the norm is infinite
        clipped = [None if t is None else
                   identity(multiply(t, cast(scale, t.dtype)), name=f"{scope[:-1]}_{i}")
                   for i, t in enumerate(t_list)]
    return clipped, use_norm


# -- comparisons --------------------------------------------------------------------------

register(OpDef(
    name="equal", infer=_binary_infer(_ANY, dtypes.bool_), reference=np.equal,
    no_gradient="boolean result", kind="elementwise", scalar="{0} == {1}"))


def equal(x, y, name=None) -> Tensor:
    """`tf.equal`: x == y elementwise (bool)."""
    return _binary("equal", x, y, name or "Equal")


register(OpDef(
    name="not_equal", infer=_binary_infer(_ANY, dtypes.bool_), reference=np.not_equal,
    no_gradient="boolean result", kind="elementwise", scalar="{0} != {1}"))


def not_equal(x, y, name=None) -> Tensor:
    """`tf.not_equal`: x != y elementwise (bool)."""
    return _binary("not_equal", x, y, name or "NotEqual")


register(OpDef(
    name="less", infer=_binary_infer(_NUMERIC, dtypes.bool_), reference=np.less,
    no_gradient="boolean result", kind="elementwise", scalar="{0} < {1}"))


def less(x, y, name=None) -> Tensor:
    """`tf.less`: x < y elementwise (bool)."""
    return _binary("less", x, y, name or "Less")


register(OpDef(
    name="less_equal", infer=_binary_infer(_NUMERIC, dtypes.bool_), reference=np.less_equal,
    no_gradient="boolean result", kind="elementwise", scalar="{0} <= {1}"))


def less_equal(x, y, name=None) -> Tensor:
    """`tf.less_equal`: x <= y elementwise (bool)."""
    return _binary("less_equal", x, y, name or "LessEqual")


register(OpDef(
    name="greater", infer=_binary_infer(_NUMERIC, dtypes.bool_), reference=np.greater,
    no_gradient="boolean result", kind="elementwise", scalar="{0} > {1}"))


def greater(x, y, name=None) -> Tensor:
    """`tf.greater`: x > y elementwise (bool)."""
    return _binary("greater", x, y, name or "Greater")


register(OpDef(
    name="greater_equal", infer=_binary_infer(_NUMERIC, dtypes.bool_),
    reference=np.greater_equal, no_gradient="boolean result", kind="elementwise",
    scalar="{0} >= {1}"))


def greater_equal(x, y, name=None) -> Tensor:
    """`tf.greater_equal`: x >= y elementwise (bool)."""
    return _binary("greater_equal", x, y, name or "GreaterEqual")


register(OpDef(
    name="is_nan", infer=_unary_infer(_FLOAT, dtypes.bool_), reference=np.isnan,
    no_gradient="boolean result", kind="elementwise", scalar="isnan({0})"))


def is_nan(x, name=None) -> Tensor:
    """`tf.is_nan`."""
    return _unary("is_nan", x, name or "IsNan")


register(OpDef(
    name="is_finite", infer=_unary_infer(_FLOAT, dtypes.bool_), reference=np.isfinite,
    no_gradient="boolean result", kind="elementwise", scalar="isfinite({0})"))


def is_finite(x, name=None) -> Tensor:
    """`tf.is_finite`: neither NaN nor infinite."""
    return _unary("is_finite", x, name or "IsFinite")


# -- logic (bool) and bitwise (integers) --------------------------------------------------

_BOOL = (dtypes.bool_,)

register(OpDef(
    name="logical_and", infer=_binary_infer(_BOOL), reference=np.logical_and,
    no_gradient="boolean result", kind="elementwise", scalar="logical_and({0}, {1})"))


def logical_and(x, y, name=None) -> Tensor:
    """`tf.logical_and` (bool inputs only)."""
    return _binary("logical_and", x, y, name or "LogicalAnd")


register(OpDef(
    name="logical_or", infer=_binary_infer(_BOOL), reference=np.logical_or,
    no_gradient="boolean result", kind="elementwise", scalar="logical_or({0}, {1})"))


def logical_or(x, y, name=None) -> Tensor:
    """`tf.logical_or` (bool inputs only)."""
    return _binary("logical_or", x, y, name or "LogicalOr")


register(OpDef(
    name="logical_xor", infer=_binary_infer(_BOOL), reference=np.logical_xor,
    no_gradient="boolean result", kind="elementwise", scalar="{0} != {1}"))


def logical_xor(x, y, name="LogicalXor") -> Tensor:
    """`tf.logical_xor` (bool inputs only)."""
    return _binary("logical_xor", x, y, name or "LogicalXor")


register(OpDef(
    name="logical_not", infer=_unary_infer(_BOOL), reference=np.logical_not,
    no_gradient="boolean result", kind="elementwise", scalar="logical_not({0})"))


def logical_not(x, name=None) -> Tensor:
    """`tf.logical_not` (bool input only)."""
    return _unary("logical_not", x, name or "LogicalNot")


register(OpDef(
    name="bitwise_and", infer=_binary_infer(_INT), reference=np.bitwise_and,
    no_gradient="integer result", kind="elementwise", scalar="{0} & {1}"))


def bitwise_and(x, y, name=None) -> Tensor:
    """`tf.bitwise.bitwise_and` (what `&` means for integer tensors)."""
    return _binary("bitwise_and", x, y, name or "BitwiseAnd")


register(OpDef(
    name="bitwise_or", infer=_binary_infer(_INT), reference=np.bitwise_or,
    no_gradient="integer result", kind="elementwise", scalar="{0} | {1}"))


def bitwise_or(x, y, name=None) -> Tensor:
    """`tf.bitwise.bitwise_or` (what `|` means for integer tensors)."""
    return _binary("bitwise_or", x, y, name or "BitwiseOr")


register(OpDef(
    name="bitwise_xor", infer=_binary_infer(_INT), reference=np.bitwise_xor,
    no_gradient="integer result", kind="elementwise", scalar="{0} ^ {1}"))


def bitwise_xor(x, y, name=None) -> Tensor:
    """`tf.bitwise.bitwise_xor` (what `^` means for integer tensors)."""
    return _binary("bitwise_xor", x, y, name or "BitwiseXor")


register(OpDef(
    name="invert", infer=_unary_infer(_INT), reference=np.invert,
    no_gradient="integer result", kind="elementwise", scalar="~{0}"))


def invert(x, name=None) -> Tensor:
    """`tf.bitwise.invert` (what `~` means for integer tensors)."""
    return _unary("invert", x, name or "Invert")


# -- selection ----------------------------------------------------------------------------


def _where_infer(condition: Spec, x: Spec, y: Spec) -> Spec:
    if not condition.dtype.is_bool:
        raise TypeError(f"The condition of where must be bool, got {condition.dtype.name}")
    _check_same_dtype(x, y)
    return Spec(x.dtype, broadcast_shapes(broadcast_shapes(condition.shape, x.shape),
                                          y.shape))


def _where_grad(op, g):
    condition, x, y = op.inputs
    zeros = zeros_like(g)
    return [None, sum_to_shape(where_v2(condition, g, zeros), x),
            sum_to_shape(where_v2(condition, zeros, g), y)]


register(OpDef(
    name="where", infer=_where_infer, reference=np.where, gradient=_where_grad,
    kind="elementwise", scalar="where({0}, {1}, {2})",
    doc="x where condition else y, all three broadcast (TF's Select/SelectV2); the TF1 "
        "rank-1 condition is reshaped to select rows by the `where` builder."))


def _where_indices_infer(condition: Spec) -> Spec:
    _check_dtype("condition", condition, _ANY)
    rank = condition.shape.rank
    if rank == 0:
        raise ValueError("where(condition) needs a condition of rank >= 1 to give "
                         "coordinates, got a scalar")
    return Spec(dtypes.int64, TensorShape([None, rank]))


register(OpDef(
    name="where_indices", infer=_where_indices_infer,
    reference=lambda condition: np.argwhere(condition).astype(np.int64),
    no_gradient="integer coordinates", kind="opaque",
    doc="The coordinates of the true (nonzero) elements, row-major, int64 [n, rank] (TF's "
        "Where); the output length is data dependent."))


def _where_indices(condition, name) -> Tensor:
    condition = convert_to_tensor(condition)
    return condition.graph.create_op("where_indices", [condition],
                                     name=name or "Where").outputs[0]


def where(condition, x=None, y=None, name=None) -> Tensor:
    """`tf.compat.v1.where`: elements of x where condition else y (x and y of one shape;
    condition of that shape, a scalar, or rank 1 selecting rows); with x and y None, the
    coordinates of the true elements of condition (int64, [num_true, rank])."""
    if x is None and y is None:
        return _where_indices(condition, name)
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    condition, x, y = _convert_select(condition, x, y)
    if not x.shape.is_compatible_with(y.shape):
        raise ValueError(f"where: x and y must have the same shape, got {x.shape} and "
                         f"{y.shape}")
    shape = x.shape.merge_with(y.shape)
    rank, cond_rank = shape.rank, condition.shape.rank
    if rank is not None and cond_rank is not None and cond_rank not in (0, rank):
        if cond_rank != 1 or not TensorShape(condition.shape[:1]).is_compatible_with(
                TensorShape(shape[:1])):
            raise ValueError(f"where: the condition's shape {condition.shape} must be "
                             f"{shape}, a scalar, or the first dimension of x and y")
        from .array import reshape
        condition = reshape(condition, [-1] + [1] * (rank - 1))
    elif rank is not None and cond_rank == rank and \
            not condition.shape.is_compatible_with(shape):
        raise ValueError(f"where: the condition's shape {condition.shape} must be {shape}, "
                         "a scalar, or the first dimension of x and y")
    return x.graph.create_op("where", [condition, x, y], name=name or "Select").outputs[0]


def where_v2(condition, x=None, y=None, name=None) -> Tensor:
    """`tf.where` of TF2 (`tf.compat.v1.where_v2`): condition, x and y broadcast together;
    with x and y None, the coordinates of the true elements of condition."""
    if x is None and y is None:
        return _where_indices(condition, name)
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    condition, x, y = _convert_select(condition, x, y)
    return x.graph.create_op("where", [condition, x, y], name=name or "SelectV2").outputs[0]


# -- Python operators on Tensor and Variable ----------------------------------------------


def _logical_or_bitwise(logical, bitwise, what: str):
    """`&`, `|`, `^`: logical for bool tensors and bitwise for integers, as in TF."""
    def op(x, y, name=None):
        x, y = _convert_operands(x, y)
        if x.dtype.is_bool:
            return logical(x, y, name=name)
        if x.dtype.is_integer:
            with x.graph.name_scope(name):  # TF names it e.g. "and/BitwiseAnd"
                return bitwise(x, y)
        raise TypeError(f"'{what}' needs bool or integer tensors, got {x.dtype.name}")
    return op


def _invert_operator(x) -> Tensor:
    x = convert_to_tensor(x)
    if x.dtype.is_bool:
        return logical_not(x)
    if x.dtype.is_integer:
        return invert(x)
    raise TypeError(f"'~' needs a bool or integer tensor, got {x.dtype.name}")


def _forward(fn, op_name):
    def operator(self, other):
        return fn(convert_to_tensor(self), other, name=op_name)
    return operator


def _reflected(fn, op_name):
    def operator(self, other):
        return fn(other, convert_to_tensor(self), name=op_name)
    return operator


def _unary_operator(fn):
    def operator(self):
        return fn(convert_to_tensor(self))
    return operator


_BINARY_OPERATORS = (
    ("add", add, "add"), ("sub", subtract, "sub"), ("mul", multiply, "mul"),
    ("truediv", truediv, "truediv"), ("floordiv", floordiv, "floordiv"),
    ("mod", mod, "mod"), ("pow", pow, "pow"),
    ("and", _logical_or_bitwise(logical_and, bitwise_and, "&"), "and"),
    ("or", _logical_or_bitwise(logical_or, bitwise_or, "|"), "or"),
    ("xor", _logical_or_bitwise(logical_xor, bitwise_xor, "^"), "xor"),
)
# Comparisons take TF's default op names ("Less", ...); Python reflects them by itself.
_COMPARISONS = (("lt", less), ("le", less_equal), ("gt", greater), ("ge", greater_equal))


def _operators() -> dict:
    table = {}
    for dunder, fn, op_name in _BINARY_OPERATORS:
        table[f"__{dunder}__"] = _forward(fn, op_name)
        table[f"__r{dunder}__"] = _reflected(fn, op_name)
    for dunder, fn in _COMPARISONS:
        table[f"__{dunder}__"] = _forward(fn, None)
    table["__neg__"] = _unary_operator(negative)
    table["__abs__"] = _unary_operator(abs)
    table["__invert__"] = _unary_operator(_invert_operator)
    return table


OPERATORS = _operators()
for _dunder, _method in OPERATORS.items():
    Tensor._override_operator(_dunder, _method)
    setattr(Variable, _dunder, _method)
# So that `ndarray + variable` defers to Variable.__radd__ instead of looping elementwise.
Variable.__array_priority__ = Tensor.__array_priority__


__all__ = [
    "add", "subtract", "multiply", "scalar_mul", "truediv", "divide", "div", "floordiv",
    "mod", "floormod", "pow", "squared_difference", "maximum", "minimum", "negative", "abs",
    "sign", "square", "reciprocal", "sqrt", "rsqrt", "exp", "log", "log1p", "expm1", "sin",
    "cos", "tanh", "sigmoid", "floor", "ceil", "round", "cast", "to_float", "to_double",
    "to_int32", "to_int64", "clip_by_value", "clip_by_norm", "global_norm",
    "clip_by_global_norm", "equal", "not_equal", "less", "less_equal",
    "greater", "greater_equal", "is_nan", "is_finite", "logical_and", "logical_or",
    "logical_xor", "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor", "invert",
    "where", "where_v2",
]
