"""Op family 'nn': activations, softmax and cross-entropies, bias_add, l2_loss, dropout,
conv2d and pooling, each under TF's `tf.nn` name and argument order.

Primitives (one OpDef each, beside its builder):
- elementwise activations `relu relu6 elu leaky_relu softplus` and the elementwise ops that
  express their gradients (`relu_grad relu6_grad elu_grad leaky_relu_grad`), with scalar
  expressions; gradients follow TF at the kinks (relu'(0) = 0, relu6' is 0 at 0 and 6).
- kind "softmax" (a row kernel along `axis`): `softmax log_softmax
  softmax_cross_entropy_with_logits sparse_softmax_cross_entropy_with_logits`. The two
  cross-entropies output (loss, backprop) as TF's ops do; their gradients are built from
  public builders, so they differentiate again (second order through the backprop output).
- kind "window" (sliding windows over NHWC images): `conv2d max_pool avg_pool` and their
  backward ops `conv2d_backprop_input conv2d_backprop_filter max_pool_grad
  max_pool_grad_grad avg_pool_grad`; references are im2col (`as_strided`) + `tensordot`.
- `bias_add` (elementwise add of a bias broadcast along the channel axis) and `l2_loss`
  (a reduction).
Composites: `sigmoid_cross_entropy_with_logits` (TF's stable formula), `dropout`
(uses random.random_uniform), and the `*_v2` / v1 aliases.

`sigmoid` and `tanh` are math.py's ops, re-exported under `tf.nn` as TF does.

May import: graphlib core modules and the sibling op modules math, reduce, array and random
(builders other than sigmoid/tanh are looked up at call time, through the module).
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .. import dtypes, errors
from ..graph import Tensor
from ..registry import OpDef, Spec, register
from ..shapes import TensorShape
from . import array as array_ops
from . import math as math_ops
from . import reduce as reduce_ops
from ._util import graph_of, normalize_axis, same
from .core import constant, convert_to_tensor, sum_to_shape, zeros_like
from .math import sigmoid, tanh  # re-exported as tf.nn.sigmoid / tf.nn.tanh

# -- elementwise activations --------------------------------------------------------------


def _float_or_int(s: Spec, what: str) -> Spec:
    if s.dtype.is_bool:
        raise TypeError(f"{what} does not accept bool tensors")
    return same(s)


def _floating(s: Spec, what: str) -> Spec:
    if not s.dtype.is_floating:
        raise TypeError(f"{what} needs a floating point tensor, got {s.dtype.name}")
    return same(s)


def _grad_infer(what: str):
    def infer(grad: Spec, x: Spec, *rest: Spec) -> Spec:
        if grad.dtype != x.dtype:
            raise TypeError(f"{what}: gradients and features must have one dtype, got "
                            f"{grad.dtype.name} and {x.dtype.name}")
        return Spec(x.dtype, grad.shape.merge_with(x.shape))
    return infer


def _unary(op_type: str, default_name: str, features, name) -> Tensor:
    x = convert_to_tensor(features)
    return x.graph.create_op(op_type, [x], name=name or default_name).outputs[0]


def _binary(op_type: str, default_name: str, a, b, name, *rest) -> Tensor:
    a = convert_to_tensor(a)
    b = convert_to_tensor(b, dtype_hint=a.dtype)
    rest = [convert_to_tensor(r, dtype_hint=a.dtype) for r in rest]
    return a.graph.create_op(op_type, [a, b, *rest], name=name or default_name).outputs[0]


register(OpDef(
    name="relu", infer=lambda x: _float_or_int(x, "relu"),
    reference=lambda x: np.maximum(x, 0).astype(x.dtype),
    gradient=lambda op, grad: [relu_grad(grad, op.outputs[0])],
    kind="elementwise", scalar="maximum({0}, 0)"))

register(OpDef(
    name="relu_grad", infer=_grad_infer("relu_grad"),
    reference=lambda g, x: np.where(x > 0, g, 0).astype(g.dtype),
    gradient=lambda op, grad: [relu_grad(grad, op.inputs[1]), zeros_like(op.inputs[1])],
    kind="elementwise", scalar="where({1} > 0, {0}, 0)",
    doc="relu's backward: `gradients` where `features > 0`, else 0 (so relu'(0) = 0)."))


def relu(features, name=None) -> Tensor:
    """`tf.nn.relu`: max(features, 0)."""
    return _unary("relu", "Relu", features, name)


def relu_grad(gradients, features, name=None) -> Tensor:
    """TF's `ReluGrad`: `gradients` where `features > 0`, else 0."""
    return _binary("relu_grad", "ReluGrad", gradients, features, name)


register(OpDef(
    name="relu6", infer=lambda x: _float_or_int(x, "relu6"),
    reference=lambda x: np.minimum(np.maximum(x, 0), 6).astype(x.dtype),
    gradient=lambda op, grad: [relu6_grad(grad, op.inputs[0])],
    kind="elementwise", scalar="minimum(maximum({0}, 0), 6)"))

register(OpDef(
    name="relu6_grad", infer=_grad_infer("relu6_grad"),
    reference=lambda g, x: np.where((x > 0) & (x < 6), g, 0).astype(g.dtype),
    gradient=lambda op, grad: [relu6_grad(grad, op.inputs[1]), zeros_like(op.inputs[1])],
    kind="elementwise", scalar="where(logical_and({1} > 0, {1} < 6), {0}, 0)",
    doc="relu6's backward: `gradients` where 0 < features < 6 (0 at both kinks, as TF)."))


def relu6(features, name=None) -> Tensor:
    """`tf.nn.relu6`: min(max(features, 0), 6)."""
    return _unary("relu6", "Relu6", features, name)


def relu6_grad(gradients, features, name=None) -> Tensor:
    """TF's `Relu6Grad`."""
    return _binary("relu6_grad", "Relu6Grad", gradients, features, name)


def _elu_grad_grad(op, grad):
    # elu_grad(g, y) = g * (y + 1) where y < 0: linear in g, and d/dy = g where y < 0.
    g, y = op.inputs
    return [elu_grad(grad, y),
            math_ops.where(math_ops.less(y, 0.0), math_ops.multiply(grad, g), zeros_like(y))]


register(OpDef(
    name="elu", infer=lambda x: _floating(x, "elu"),
    reference=lambda x: np.where(x < 0, np.expm1(np.minimum(x, 0)), x).astype(x.dtype),
    gradient=lambda op, grad: [elu_grad(grad, op.outputs[0])],
    kind="elementwise", scalar="where({0} < 0, expm1(minimum({0}, 0)), {0})"))

register(OpDef(
    name="elu_grad", infer=_grad_infer("elu_grad"),
    reference=lambda g, y: np.where(y < 0, g * (y + 1), g).astype(g.dtype),
    gradient=_elu_grad_grad,
    kind="elementwise", scalar="where({1} < 0, {0} * ({1} + 1), {0})",
    doc="elu's backward in terms of elu's output y (as TF): g * (y + 1) where y < 0."))


def elu(features, name=None) -> Tensor:
    """`tf.nn.elu`: exp(x) - 1 for x < 0, x otherwise."""
    return _unary("elu", "Elu", features, name)


def elu_grad(gradients, outputs, name=None) -> Tensor:
    """TF's `EluGrad` (takes elu's outputs, not its features)."""
    return _binary("elu_grad", "EluGrad", gradients, outputs, name)


def _alpha_infer(what: str):
    # `alpha` is TF's float attr; graphjit passes it as a scalar input so the scalar
    # expression (which names inputs only) can use it.
    def infer(*specs: Spec) -> Spec:
        *xs, alpha = specs
        if alpha.shape.rank not in (None, 0):
            raise ValueError(f"{what}: alpha must be a scalar, got shape {alpha.shape}")
        if alpha.dtype != xs[-1].dtype:
            raise TypeError(f"{what}: alpha has dtype {alpha.dtype.name}, features "
                            f"{xs[-1].dtype.name}")
        if len(xs) == 2:
            return _grad_infer(what)(*xs)
        return _floating(xs[0], what)
    return infer


register(OpDef(
    name="leaky_relu", infer=_alpha_infer("leaky_relu"),
    reference=lambda x, alpha: np.where(x > 0, x, alpha * x).astype(x.dtype),
    gradient=lambda op, grad: [leaky_relu_grad(grad, op.inputs[0], op.inputs[1]), None],
    kind="elementwise", scalar="where({0} > 0, {0}, {1} * {0})",
    doc="x if x > 0 else alpha * x; input 1 is the scalar alpha (TF's attr)."))

register(OpDef(
    name="leaky_relu_grad", infer=_alpha_infer("leaky_relu_grad"),
    reference=lambda g, x, alpha: np.where(x > 0, g, alpha * g).astype(g.dtype),
    gradient=lambda op, grad: [leaky_relu_grad(grad, op.inputs[1], op.inputs[2]),
                               zeros_like(op.inputs[1]), None],
    kind="elementwise", scalar="where({1} > 0, {0}, {2} * {0})",
    doc="leaky_relu's backward: g if features > 0 else alpha * g."))


def _alpha_tensor(alpha, dtype) -> Tensor:
    if isinstance(alpha, Tensor):
        return alpha
    return constant(float(np.asarray(alpha)), dtype=dtype, name="alpha")


def leaky_relu(features, alpha=0.2, name=None) -> Tensor:
    """`tf.nn.leaky_relu`: x if x > 0 else alpha * x (integer features become float32)."""
    x = convert_to_tensor(features)
    if x.dtype.is_integer:
        x = math_ops.cast(x, dtypes.float32)
    return x.graph.create_op("leaky_relu", [x, _alpha_tensor(alpha, x.dtype)],
                             name=name or "LeakyRelu").outputs[0]


def leaky_relu_grad(gradients, features, alpha=0.2, name=None) -> Tensor:
    """TF's `LeakyReluGrad`."""
    g = convert_to_tensor(gradients)
    x = convert_to_tensor(features, dtype_hint=g.dtype)
    return g.graph.create_op("leaky_relu_grad", [g, x, _alpha_tensor(alpha, g.dtype)],
                             name=name or "LeakyReluGrad").outputs[0]


register(OpDef(
    name="softplus", infer=lambda x: _floating(x, "softplus"),
    reference=lambda x: np.logaddexp(np.zeros((), x.dtype), x).astype(x.dtype),
    gradient=lambda op, grad: [math_ops.multiply(grad, math_ops.sigmoid(op.inputs[0]))],
    kind="elementwise", scalar="softplus({0})"))


def softplus(features, name=None) -> Tensor:
    """`tf.nn.softplus`: log(exp(features) + 1), computed stably."""
    return _unary("softplus", "Softplus", features, name)


# -- softmax family -----------------------------------------------------------------------


def _softmax_infer(logits: Spec, *, axis: int) -> Spec:
    _floating(logits, "softmax")
    if logits.shape.rank is not None:
        if logits.shape.rank == 0:
            raise ValueError("softmax needs logits of rank >= 1, got a scalar")
        normalize_axis(axis, logits.shape.rank)
    return same(logits)


def _softmax_reference(x: np.ndarray, *, axis: int) -> np.ndarray:
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return (e / np.sum(e, axis=axis, keepdims=True)).astype(x.dtype)


def _log_softmax_reference(x: np.ndarray, *, axis: int) -> np.ndarray:
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return (shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
            ).astype(x.dtype)


def _softmax_backward(grad: Tensor, softmax_value: Tensor, axis: int) -> Tensor:
    """(grad - sum(grad * s, axis)) * s: the softmax Jacobian applied to `grad`."""
    dot = reduce_ops.reduce_sum(math_ops.multiply(grad, softmax_value), axis=axis,
                                keepdims=True)
    return math_ops.multiply(math_ops.subtract(grad, dot), softmax_value)


def _log_softmax_grad(op, grad):
    axis = op.attrs["axis"]
    total = reduce_ops.reduce_sum(grad, axis=axis, keepdims=True)
    return [math_ops.subtract(grad, math_ops.multiply(math_ops.exp(op.outputs[0]), total))]


register(OpDef(
    name="softmax", infer=_softmax_infer, reference=_softmax_reference,
    gradient=lambda op, grad: [_softmax_backward(grad, op.outputs[0], op.attrs["axis"])],
    kind="softmax", doc="exp(x) / sum(exp(x)) along `axis` (a row kernel)."))

register(OpDef(
    name="log_softmax", infer=_softmax_infer, reference=_log_softmax_reference,
    gradient=_log_softmax_grad,
    kind="softmax", doc="x - log(sum(exp(x))) along `axis` (a row kernel)."))


def _softmax_op(op_type: str, default_name: str, logits, axis, name) -> Tensor:
    x = convert_to_tensor(logits)
    axis = -1 if axis is None else int(axis)
    return x.graph.create_op(op_type, [x], {"axis": axis}, name=name or default_name
                             ).outputs[0]


def softmax(logits, axis=None, name=None, dim=None) -> Tensor:
    """`tf.nn.softmax` along `axis` (default: the last)."""
    return _softmax_op("softmax", "Softmax", logits, axis if axis is not None else dim, name)


def log_softmax(logits, axis=None, name=None, dim=None) -> Tensor:
    """`tf.nn.log_softmax` along `axis` (default: the last)."""
    return _softmax_op("log_softmax", "LogSoftmax", logits,
                       axis if axis is not None else dim, name)


def _is_zeros(t: Tensor | None) -> bool:
    """True for the zeros that `gradients` fills in for an output nobody differentiated."""
    return t is None or t.op.type == "zeros_like"


def _xent_infer(logits: Spec, labels: Spec, *, axis: int):
    _floating(logits, "softmax_cross_entropy_with_logits")
    if labels.dtype != logits.dtype:
        raise TypeError(f"labels have dtype {labels.dtype.name} but logits have "
                        f"{logits.dtype.name}")
    if not logits.shape.is_compatible_with(labels.shape):
        raise ValueError(f"logits and labels must have the same shape, got {logits.shape} "
                         f"and {labels.shape}")
    shape = logits.shape.merge_with(labels.shape)
    if shape.rank is None:
        return [Spec(logits.dtype, None), Spec(logits.dtype, None)]
    if shape.rank == 0:
        raise ValueError("softmax_cross_entropy_with_logits needs logits of rank >= 1")
    dims = shape.as_list()
    del dims[normalize_axis(axis, shape.rank)]
    return [Spec(logits.dtype, dims), Spec(logits.dtype, shape)]


def _xent_reference(logits, labels, *, axis):
    log_probs = _log_softmax_reference(logits, axis=axis)
    loss = -np.sum(labels * log_probs, axis=axis)
    return loss.astype(logits.dtype), (np.exp(log_probs) - labels).astype(logits.dtype)


def _xent_grad(op, grad_loss, grad_backprop):
    # backprop = softmax(logits) - labels assumes each label row sums to 1, as TF does.
    logits, labels = op.inputs
    axis = op.attrs["axis"]
    g = array_ops.expand_dims(grad_loss, axis)
    grad_logits = math_ops.multiply(g, op.outputs[1])
    grad_labels = math_ops.multiply(g, math_ops.negative(log_softmax(logits, axis=axis)))
    if not _is_zeros(grad_backprop):
        sm = softmax(logits, axis=axis)
        grad_logits = math_ops.add(grad_logits, _softmax_backward(grad_backprop, sm, axis))
        grad_labels = math_ops.subtract(grad_labels, grad_backprop)
    return [grad_logits, grad_labels]


register(OpDef(
    name="softmax_cross_entropy_with_logits", infer=_xent_infer, reference=_xent_reference,
    gradient=_xent_grad, kind="softmax",
    doc="Inputs (logits, labels); outputs (loss = -sum(labels * log_softmax(logits)) along "
        "`axis`, backprop = softmax(logits) - labels), as TF's SoftmaxCrossEntropyWithLogits."))


def _check_named_only(sentinel, what: str) -> None:
    if sentinel is not None:
        raise ValueError(f"Only call `{what}` with named arguments (labels=..., logits=...)")


def softmax_cross_entropy_with_logits_v2(labels, logits, axis=None, name=None, dim=None
                                         ) -> Tensor:
    """`tf.nn.softmax_cross_entropy_with_logits_v2`: gradients flow into labels too."""
    if axis is None:
        axis = -1 if dim is None else dim
    logits = convert_to_tensor(logits)
    labels = convert_to_tensor(labels, dtype_hint=logits.dtype)
    if labels.dtype != logits.dtype:
        labels = math_ops.cast(labels, logits.dtype)
    op = logits.graph.create_op("softmax_cross_entropy_with_logits", [logits, labels],
                                {"axis": int(axis)},
                                name=name or "SoftmaxCrossEntropyWithLogits")
    return op.outputs[0]


def softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, dim=-1,
                                      name=None, axis=None) -> Tensor:
    """`tf.nn.softmax_cross_entropy_with_logits` (v1): no gradient flows into labels."""
    _check_named_only(_sentinel, "softmax_cross_entropy_with_logits")
    from .core import stop_gradient
    labels = stop_gradient(convert_to_tensor(labels, dtype_hint=getattr(logits, "dtype",
                                                                        None)))
    return softmax_cross_entropy_with_logits_v2(
        labels=labels, logits=logits, axis=axis if axis is not None else dim, name=name)


def _sparse_xent_infer(logits: Spec, labels: Spec):
    _floating(logits, "sparse_softmax_cross_entropy_with_logits")
    if labels.dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"labels must be int32 or int64, got {labels.dtype.name}")
    lshape, yshape = logits.shape, labels.shape
    if lshape.rank == 0:
        raise ValueError("logits cannot be a scalar")
    if lshape.rank is not None and yshape.rank is not None:
        if yshape.rank != lshape.rank - 1:
            raise ValueError(f"labels.shape.rank must equal logits.shape.rank - 1, got "
                             f"labels.shape={yshape} and logits.shape={lshape}")
        if not yshape.is_compatible_with(lshape[:-1]):
            raise ValueError(f"labels.shape must equal logits.shape except for the last "
                             f"dimension, got labels.shape={yshape} and "
                             f"logits.shape={lshape}")
        batch = yshape.merge_with(lshape[:-1])
        return [Spec(logits.dtype, batch), Spec(logits.dtype, batch.concatenate([lshape[-1]]))]
    if yshape.rank is not None:
        return [Spec(logits.dtype, yshape), Spec(logits.dtype, None)]
    batch = None if lshape.rank is None else lshape[:-1]
    return [Spec(logits.dtype, batch), Spec(logits.dtype, lshape)]


def _sparse_xent_reference(logits, labels):
    classes = logits.shape[-1]
    bad = (labels < 0) | (labels >= classes)
    if np.any(bad):
        raise errors.InvalidArgumentError(
            None, None, f"Received a label value of {labels[bad].reshape(-1)[0]} which is "
            f"outside the valid range of [0, {classes}).  Label values: "
            f"{' '.join(str(v) for v in labels.reshape(-1))}")
    log_probs = _log_softmax_reference(logits, axis=-1)
    picked = np.take_along_axis(log_probs, labels[..., None].astype(np.int64), axis=-1)
    backprop = np.exp(log_probs)
    np.put_along_axis(backprop, labels[..., None].astype(np.int64),
                      np.take_along_axis(backprop, labels[..., None].astype(np.int64), -1) - 1,
                      axis=-1)
    return (-picked[..., 0]).astype(logits.dtype), backprop.astype(logits.dtype)


def _sparse_xent_grad(op, grad_loss, grad_backprop):
    grad_logits = math_ops.multiply(array_ops.expand_dims(grad_loss, -1), op.outputs[1])
    if not _is_zeros(grad_backprop):
        sm = softmax(op.inputs[0])
        grad_logits = math_ops.add(grad_logits, _softmax_backward(grad_backprop, sm, -1))
    return [grad_logits, None]


register(OpDef(
    name="sparse_softmax_cross_entropy_with_logits", infer=_sparse_xent_infer,
    reference=_sparse_xent_reference, gradient=_sparse_xent_grad, kind="softmax",
    doc="Inputs (logits [..., classes], int labels [...]); outputs (loss, backprop = "
        "softmax - one_hot(labels)). A label outside [0, classes) is InvalidArgumentError."))


def sparse_softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None,
                                             name=None) -> Tensor:
    """`tf.nn.sparse_softmax_cross_entropy_with_logits`: integer class labels."""
    _check_named_only(_sentinel, "sparse_softmax_cross_entropy_with_logits")
    logits = convert_to_tensor(logits)
    labels = convert_to_tensor(labels)
    op = logits.graph.create_op("sparse_softmax_cross_entropy_with_logits", [logits, labels],
                                name=name or "SparseSoftmaxCrossEntropyWithLogits")
    return op.outputs[0]


def sigmoid_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None
                                      ) -> Tensor:
    """`tf.nn.sigmoid_cross_entropy_with_logits`: max(x, 0) - x * z + log(1 + exp(-|x|)),
    written with `where` as TF does so the gradient at x = 0 is sigmoid(0) - z."""
    _check_named_only(_sentinel, "sigmoid_cross_entropy_with_logits")
    logits = convert_to_tensor(logits)
    labels = convert_to_tensor(labels, dtype_hint=logits.dtype)
    graph = logits.graph
    with graph.name_scope(name or "logistic_loss") as scope:
        if not logits.shape.is_compatible_with(labels.shape):
            raise ValueError(f"logits and labels must have the same shape ({logits.shape} vs "
                             f"{labels.shape})")
        zeros = zeros_like(logits)
        cond = math_ops.greater_equal(logits, zeros)
        relu_logits = math_ops.where(cond, logits, zeros)
        neg_abs_logits = math_ops.where(cond, math_ops.negative(logits), logits)
        return math_ops.add(
            math_ops.subtract(relu_logits, math_ops.multiply(logits, labels)),
            math_ops.log1p(math_ops.exp(neg_abs_logits)), name=scope)


# -- bias_add, l2_loss --------------------------------------------------------------------


def _bias_add_infer(value: Spec, bias: Spec) -> Spec:
    if value.dtype != bias.dtype:
        raise TypeError(f"bias_add: value has dtype {value.dtype.name} but bias has "
                        f"{bias.dtype.name}")
    if value.shape.rank is not None and bias.shape.rank is not None:
        if value.shape.rank < max(2, bias.shape.rank):
            raise ValueError(f"bias_add: value must be at least 2-D, got shape {value.shape}")
        trailing = value.shape[value.shape.rank - bias.shape.rank:]
        if any(
                b is not None and v is not None and b != v and b != 1
                for b, v in zip(bias.shape.as_list(), trailing.as_list())):
            raise ValueError(f"bias_add: bias shape {bias.shape} does not fit the channel "
                             f"dimension of value shape {value.shape}")
    return same(value)


register(OpDef(
    name="bias_add", infer=_bias_add_infer,
    reference=lambda value, bias: (value + bias).astype(value.dtype),
    gradient=lambda op, grad: [grad, sum_to_shape(grad, op.inputs[1])],
    kind="elementwise", scalar="{0} + {1}",
    doc="value + bias, the bias broadcast along the channel dimension (for NCHW the builder "
        "passes the bias reshaped to [C, 1, ...])."))


def bias_add(value, bias, data_format=None, name=None) -> Tensor:
    """`tf.nn.bias_add`: adds a 1-D bias along the channel dimension (last, or 1 for NC*)."""
    value = convert_to_tensor(value)
    bias = convert_to_tensor(bias, dtype_hint=value.dtype)
    if bias.shape.rank not in (None, 1):
        raise ValueError(f"bias_add: bias must be 1-D, got shape {bias.shape}")
    if data_format is not None and data_format.startswith("NC"):
        rank = value.shape.rank
        if rank is None:
            raise ValueError("bias_add with data_format NC* needs value of known rank")
        if rank < 2:
            raise ValueError(f"bias_add: value must be at least 2-D, got shape {value.shape}")
        bias = array_ops.reshape(bias, [-1] + [1] * (rank - 2))
    elif data_format not in (None, "N...C", "NHWC", "NWC", "NDHWC"):
        raise ValueError(f"bias_add: unknown data_format {data_format!r}")
    return value.graph.create_op("bias_add", [value, bias], name=name or "BiasAdd").outputs[0]


register(OpDef(
    name="l2_loss",
    infer=lambda t: Spec(_floating(t, "l2_loss").dtype, ()),
    reference=lambda t: np.asarray(np.sum(np.square(t)) / 2, dtype=t.dtype),
    gradient=lambda op, grad: [math_ops.multiply(op.inputs[0], grad)],
    kind="reduction", doc="sum(t ** 2) / 2 over every element."))


def l2_loss(t, name=None) -> Tensor:
    """`tf.nn.l2_loss`: sum(t ** 2) / 2."""
    return _unary("l2_loss", "L2Loss", t, name)


# -- embeddings ---------------------------------------------------------------------------


def embedding_lookup(params, ids, partition_strategy="mod", name=None, validate_indices=True,
                     max_norm=None) -> Tensor:
    """`tf.nn.embedding_lookup`: rows of `params` (a tensor, a Variable or a one-element list)
    at `ids` (a gather); with `max_norm`, each looked-up row is clipped to that L2 norm."""
    if isinstance(params, (list, tuple)):
        if len(params) != 1:
            raise ValueError("graphjit's embedding_lookup takes one params tensor; "
                             f"got a list of {len(params)} (partitioned embeddings)")
        params = params[0]
    with graph_of(params, ids).name_scope(name or "embedding_lookup") as scope:
        rows = array_ops.gather(params, ids)
        if max_norm is None:
            return rows
        trailing = list(range(convert_to_tensor(ids).shape.rank or 0, rows.shape.rank))
        return math_ops.clip_by_norm(rows, max_norm, axes=trailing, name=scope)


# -- dropout ------------------------------------------------------------------------------


def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None) -> Tensor:
    """`tf.nn.dropout` (TF1 signature): keeps each unit with probability 1 - rate and scales
    kept units by 1 / (1 - rate); give exactly one of `keep_prob` and `rate`."""
    from .random import random_uniform

    if (keep_prob is None) == (rate is None):
        raise ValueError("dropout: give exactly one of `keep_prob` and `rate`")
    x = convert_to_tensor(x)
    with x.graph.name_scope(name or "dropout") as scope:
        if not x.dtype.is_floating:
            raise ValueError(f"dropout: x must be a floating point tensor, got "
                             f"{x.dtype.name}")
        if keep_prob is not None:
            if isinstance(keep_prob, numbers.Real):
                rate = 1.0 - keep_prob
            else:
                rate = math_ops.subtract(1.0, convert_to_tensor(keep_prob,
                                                                dtype_hint=x.dtype))
        if isinstance(rate, numbers.Real):
            if not 0 <= rate < 1:
                raise ValueError(f"dropout: rate must be in [0, 1), got {rate}")
            if rate == 0:
                return x
            scaled = math_ops.multiply(x, constant(1 / (1 - rate), dtype=x.dtype))
        else:
            rate = convert_to_tensor(rate, dtype_hint=x.dtype)
            if rate.shape.rank not in (None, 0):
                raise ValueError(f"dropout: rate must be a scalar, got shape {rate.shape}")
            if rate.dtype != x.dtype:
                rate = math_ops.cast(rate, x.dtype)
            scaled = math_ops.divide(x, math_ops.subtract(constant(1, dtype=x.dtype), rate))
        if noise_shape is None:
            shape = x.shape.as_list() if x.shape.is_fully_defined() else array_ops.shape(x)
            random_tensor = random_uniform(shape, dtype=x.dtype, seed=seed)
        else:
            random_tensor = random_uniform(noise_shape, dtype=x.dtype, seed=seed)
            from .core import broadcast_like
            random_tensor = broadcast_like(random_tensor, x)
        keep = math_ops.greater_equal(random_tensor, rate)
        return math_ops.where(keep, scaled, zeros_like(scaled), name=scope)


# -- sliding windows: conv2d and pooling --------------------------------------------------


def _hw(value, what: str) -> tuple[int, int, int, int]:
    """An int or a list of 1, 2 or 4 ints as TF's 4-element NHWC attribute."""
    if isinstance(value, (int, np.integer)):
        values = [int(value)]
    else:
        values = [int(v) for v in value]
    if len(values) == 1:
        return (1, values[0], values[0], 1)
    if len(values) == 2:
        return (1, values[0], values[1], 1)
    if len(values) == 4:
        if values[0] != 1 or values[3] != 1:
            raise ValueError(f"{what} over the batch or channel dimension is not supported: "
                             f"{values}")
        return tuple(values)
    raise ValueError(f"{what} must be an int or a list of 1, 2 or 4 ints, got {value!r}")


def _padding_attrs(padding) -> tuple[str, tuple]:
    """TF's (padding, explicit_paddings) from 'SAME', 'VALID' or [[0,0],[t,b],[l,r],[0,0]]."""
    if isinstance(padding, str):
        mode = padding.upper()
        if mode not in ("SAME", "VALID"):
            raise ValueError(f"padding must be 'SAME' or 'VALID', got {padding!r}")
        return mode, ()
    pads = np.asarray(padding, dtype=np.int64)
    if pads.shape != (4, 2) or np.any(pads < 0) or np.any(pads[[0, 3]] != 0):
        raise ValueError(f"explicit padding must be [[0, 0], [top, bottom], [left, right], "
                         f"[0, 0]] of non-negative ints, got {padding!r}")
    return "EXPLICIT", tuple(int(p) for p in pads.reshape(-1))


def _out_size(size, k, stride, dilation, mode, pads_explicit=(0, 0)):
    """TF's output size and (pad_before, pad_after) for one spatial dimension."""
    eff = (k - 1) * dilation + 1
    if size is None:
        return None, None
    if mode == "SAME":
        out = -(-size // stride)
        total = max((out - 1) * stride + eff - size, 0)
        return out, (total // 2, total - total // 2)
    before, after = pads_explicit if mode == "EXPLICIT" else (0, 0)
    padded = size + before + after
    if padded < eff:
        raise ValueError(f"Negative dimension size caused by subtracting {eff} from {padded}")
    return (padded - eff) // stride + 1, (before, after)


def _geometry(in_hw, k_hw, strides, dilations, padding, explicit_paddings):
    """((out_h, out_w), ((top, bottom), (left, right))) for NHWC windows."""
    sizes, pads = [], []
    for i in range(2):
        explicit = tuple(explicit_paddings[2 * (i + 1):2 * (i + 1) + 2]) or (0, 0)
        out, pad = _out_size(in_hw[i], k_hw[i], strides[i + 1], dilations[i + 1], padding,
                             explicit)
        sizes.append(out)
        pads.append(pad)
    return tuple(sizes), tuple(pads)


def _windows(xp: np.ndarray, k_hw, out_hw, strides, dilations) -> np.ndarray:
    """A read-only view (N, OH, OW, KH, KW, C) of the windows of the padded input."""
    n, _, _, c = xp.shape
    s = xp.strides
    return as_strided(xp, shape=(n, out_hw[0], out_hw[1], k_hw[0], k_hw[1], c),
                      strides=(s[0], s[1] * strides[1], s[2] * strides[2],
                               s[1] * dilations[1], s[2] * dilations[2], s[3]),
                      writeable=False)


def _scatter_windows(cols: np.ndarray, padded_shape, out_hw, strides, dilations):
    """The adjoint of `_windows`: sums (N, OH, OW, KH, KW, C) window values back into a
    padded image. One strided add per kernel tap, not per pixel."""
    acc = np.zeros(padded_shape, dtype=cols.dtype)
    kh, kw = cols.shape[3], cols.shape[4]
    h_span = strides[1] * (out_hw[0] - 1) + 1
    w_span = strides[2] * (out_hw[1] - 1) + 1
    for i in range(kh):
        for j in range(kw):
            r, c = i * dilations[1], j * dilations[2]
            acc[:, r:r + h_span:strides[1], c:c + w_span:strides[2], :] += cols[:, :, :, i, j, :]
    return acc


def _pad(x: np.ndarray, pads, value=0) -> np.ndarray:
    (t, b), (l, r) = pads
    return np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)), constant_values=value)


def _crop(xp: np.ndarray, pads, hw) -> np.ndarray:
    (t, _), (l, _) = pads
    return xp[:, t:t + hw[0], l:l + hw[1], :]


def _padded_shape(shape, pads):
    (t, b), (l, r) = pads
    return (shape[0], shape[1] + t + b, shape[2] + l + r, shape[3])


def _nhwc(shape: TensorShape, what: str) -> list:
    if shape.rank is None:
        return [None] * 4
    if shape.rank != 4:
        raise ValueError(f"{what} must be 4-D (NHWC), got shape {shape}")
    return shape.as_list()


def _sizes_from_spec(s: Spec, what: str) -> list:
    """A 4-element shape given as an int tensor: its value when known at build time."""
    if s.dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"{what} must be an int32 or int64 tensor, got {s.dtype.name}")
    if s.shape.rank is not None and (s.shape.rank != 1 or s.shape[0] not in (None, 4)):
        raise ValueError(f"{what} must be a vector of 4 ints, got shape {s.shape}")
    value = s.const
    if value is None:
        return [None] * 4
    sizes = [int(v) for v in np.asarray(value).reshape(-1)]
    if len(sizes) != 4:
        raise ValueError(f"{what} must hold 4 ints, got {sizes}")
    return sizes


def _check_float(*specs: Spec, what: str) -> None:
    for s in specs:
        if not s.dtype.is_floating:
            raise TypeError(f"{what} needs floating point tensors, got {s.dtype.name}")
    for s in specs[1:]:
        if s.dtype != specs[0].dtype:
            raise TypeError(f"{what}: dtypes {specs[0].dtype.name} and {s.dtype.name} differ")


def _conv_out_shape(in_shape, f_shape, strides, padding, explicit_paddings, dilations,
                    what: str):
    n, h, w, c = in_shape
    kh, kw, fc, oc = f_shape
    if c is not None and fc is not None and c != fc:
        raise ValueError(f"{what}: input depth {c} does not match filter depth {fc}")
    if kh is None or kw is None:
        return [n, None, None, oc]
    (oh, ow), _ = _geometry((h, w), (kh, kw), strides, dilations, padding, explicit_paddings)
    return [n, oh, ow, oc]


def _conv2d_infer(x: Spec, f: Spec, *, strides, padding, explicit_paddings, dilations,
                  data_format):
    _check_float(x, f, what="conv2d")
    shape = _conv_out_shape(_nhwc(x.shape, "conv2d input"), _nhwc(f.shape, "conv2d filter"),
                            strides, padding, explicit_paddings, dilations, "conv2d")
    return Spec(x.dtype, shape)


def _conv2d_reference(x, f, *, strides, padding, explicit_paddings, dilations, data_format):
    out_hw, pads = _geometry(x.shape[1:3], f.shape[:2], strides, dilations, padding,
                             explicit_paddings)
    cols = _windows(_pad(x, pads), f.shape[:2], out_hw, strides, dilations)
    return np.tensordot(cols, f, axes=((3, 4, 5), (0, 1, 2))).astype(x.dtype)


def _conv_attrs(op) -> dict:
    return {k: op.attrs[k] for k in ("strides", "padding", "explicit_paddings", "dilations",
                                     "data_format")}


def _shape_tensor(t: Tensor) -> Tensor:
    if t.shape.is_fully_defined():
        return constant(t.shape.as_list(), dtype=dtypes.int32)
    return array_ops.shape(t)


def _conv2d_grad(op, grad):
    x, f = op.inputs
    attrs = _conv_attrs(op)
    return [_create("conv2d_backprop_input", [_shape_tensor(x), f, grad], attrs,
                    "Conv2DBackpropInput"),
            _create("conv2d_backprop_filter", [x, _shape_tensor(f), grad], attrs,
                    "Conv2DBackpropFilter")]


def _create(op_type: str, inputs, attrs, name) -> Tensor:
    return inputs[-1].graph.create_op(op_type, inputs, attrs, name=name).outputs[0]


register(OpDef(
    name="conv2d", infer=_conv2d_infer, reference=_conv2d_reference, gradient=_conv2d_grad,
    kind="window",
    doc="2-D convolution (cross-correlation) of NHWC input with an HWIO filter; padding "
        "'SAME' puts total // 2 before, as TF."))


def _backprop_input_infer(sizes: Spec, f: Spec, dy: Spec, *, strides, padding,
                          explicit_paddings, dilations, data_format):
    _check_float(f, dy, what="conv2d_backprop_input")
    shape = _sizes_from_spec(sizes, "input_sizes")
    fs = _nhwc(f.shape, "filter")
    dys = _nhwc(dy.shape, "out_backprop")
    shape[0] = shape[0] if shape[0] is not None else dys[0]
    shape[3] = shape[3] if shape[3] is not None else fs[2]
    if None not in shape[1:3]:
        expect = _conv_out_shape(shape, fs, strides, padding, explicit_paddings, dilations,
                                 "conv2d_backprop_input")
        if not TensorShape(expect).is_compatible_with(dys):
            raise ValueError(f"conv2d_backprop_input: out_backprop shape {dy.shape} does not "
                             f"match the convolution output shape {expect}")
    return Spec(f.dtype, shape)


def _backprop_input_reference(sizes, f, dy, *, strides, padding, explicit_paddings,
                              dilations, data_format):
    shape = tuple(int(v) for v in sizes)
    out_hw, pads = _geometry(shape[1:3], f.shape[:2], strides, dilations, padding,
                             explicit_paddings)
    if dy.shape[1:3] != out_hw:
        raise ValueError(f"out_backprop shape {dy.shape} does not match the convolution "
                         f"output size {out_hw} for input {shape}")
    cols = np.tensordot(dy, f, axes=((3,), (3,)))  # (N, OH, OW, KH, KW, C)
    acc = _scatter_windows(cols, _padded_shape(shape, pads), out_hw, strides, dilations)
    return _crop(acc, pads, shape[1:3]).astype(f.dtype)


def _backprop_input_grad(op, grad):
    _, f, dy = op.inputs
    attrs = _conv_attrs(op)
    return [None,
            _create("conv2d_backprop_filter", [grad, _shape_tensor(f), dy], attrs,
                    "Conv2DBackpropFilter"),
            _create("conv2d", [grad, f], attrs, "Conv2D")]


register(OpDef(
    name="conv2d_backprop_input", infer=_backprop_input_infer,
    reference=_backprop_input_reference, gradient=_backprop_input_grad, kind="window",
    doc="Inputs (input_sizes, filter, out_backprop): the gradient of conv2d w.r.t. its input."))


def _backprop_filter_infer(x: Spec, sizes: Spec, dy: Spec, *, strides, padding,
                           explicit_paddings, dilations, data_format):
    _check_float(x, dy, what="conv2d_backprop_filter")
    shape = _sizes_from_spec(sizes, "filter_sizes")
    xs = _nhwc(x.shape, "input")
    dys = _nhwc(dy.shape, "out_backprop")
    shape[2] = shape[2] if shape[2] is not None else xs[3]
    shape[3] = shape[3] if shape[3] is not None else dys[3]
    if None not in shape[:2]:
        expect = _conv_out_shape(xs, shape, strides, padding, explicit_paddings, dilations,
                                 "conv2d_backprop_filter")
        if not TensorShape(expect).is_compatible_with(dys):
            raise ValueError(f"conv2d_backprop_filter: out_backprop shape {dy.shape} does "
                             f"not match the convolution output shape {expect}")
    return Spec(x.dtype, shape)


def _backprop_filter_reference(x, sizes, dy, *, strides, padding, explicit_paddings,
                               dilations, data_format):
    k_hw = (int(sizes[0]), int(sizes[1]))
    out_hw, pads = _geometry(x.shape[1:3], k_hw, strides, dilations, padding,
                             explicit_paddings)
    if dy.shape[1:3] != out_hw:
        raise ValueError(f"out_backprop shape {dy.shape} does not match the convolution "
                         f"output size {out_hw}")
    cols = _windows(_pad(x, pads), k_hw, out_hw, strides, dilations)
    return np.tensordot(cols, dy, axes=((0, 1, 2), (0, 1, 2))).astype(x.dtype)


def _backprop_filter_grad(op, grad):
    x, _, dy = op.inputs
    attrs = _conv_attrs(op)
    return [_create("conv2d_backprop_input", [_shape_tensor(x), grad, dy], attrs,
                    "Conv2DBackpropInput"),
            None,
            _create("conv2d", [x, grad], attrs, "Conv2D")]


register(OpDef(
    name="conv2d_backprop_filter", infer=_backprop_filter_infer,
    reference=_backprop_filter_reference, gradient=_backprop_filter_grad, kind="window",
    doc="Inputs (input, filter_sizes, out_backprop): the gradient of conv2d w.r.t. its "
        "filter."))


def _conv_builder_attrs(strides, padding, dilations, data_format) -> dict:
    if data_format not in (None, "NHWC"):
        raise ValueError(f"graphjit supports data_format='NHWC' only, got {data_format!r}")
    if strides is None:
        raise ValueError("conv2d: strides must be given")
    if padding is None:
        raise ValueError("conv2d: padding must be given")
    mode, explicit = _padding_attrs(padding)
    return {"strides": _hw(strides, "strides"), "padding": mode,
            "explicit_paddings": explicit,
            "dilations": _hw(dilations if dilations is not None else 1, "dilations"),
            "data_format": "NHWC"}


def conv2d(input, filter=None, strides=None, padding=None, use_cudnn_on_gpu=True,  # noqa: A002
           data_format="NHWC", dilations=(1, 1, 1, 1), name=None, filters=None) -> Tensor:
    """`tf.nn.conv2d` (NHWC input, [kh, kw, in, out] filter; `filters=` is an alias)."""
    if filter is not None and filters is not None:
        raise ValueError("conv2d: give `filter` or `filters`, not both")
    filter = filters if filter is None else filter  # noqa: A001
    if filter is None:
        raise ValueError("conv2d: a filter must be given")
    attrs = _conv_builder_attrs(strides, padding, dilations, data_format)
    x = convert_to_tensor(input)
    f = convert_to_tensor(filter, dtype_hint=x.dtype)
    return x.graph.create_op("conv2d", [x, f], attrs, name=name or "Conv2D").outputs[0]


def conv2d_backprop_input(input_sizes, filter=None, out_backprop=None, strides=None,  # noqa: A002
                          padding=None, use_cudnn_on_gpu=True, data_format="NHWC",
                          dilations=(1, 1, 1, 1), name=None, filters=None) -> Tensor:
    """`tf.nn.conv2d_backprop_input`: the gradient of conv2d w.r.t. an input of
    `input_sizes`."""
    filter = filters if filter is None else filter  # noqa: A001
    attrs = _conv_builder_attrs(strides, padding, dilations, data_format)
    f = convert_to_tensor(filter)
    dy = convert_to_tensor(out_backprop, dtype_hint=f.dtype)
    sizes = convert_to_tensor(input_sizes, dtype_hint=dtypes.int32)
    return f.graph.create_op("conv2d_backprop_input", [sizes, f, dy], attrs,
                             name=name or "Conv2DBackpropInput").outputs[0]


def conv2d_backprop_filter(input, filter_sizes, out_backprop, strides, padding,  # noqa: A002
                           use_cudnn_on_gpu=True, data_format="NHWC",
                           dilations=(1, 1, 1, 1), name=None) -> Tensor:
    """`tf.nn.conv2d_backprop_filter`: the gradient of conv2d w.r.t. a filter of
    `filter_sizes`."""
    attrs = _conv_builder_attrs(strides, padding, dilations, data_format)
    x = convert_to_tensor(input)
    dy = convert_to_tensor(out_backprop, dtype_hint=x.dtype)
    sizes = convert_to_tensor(filter_sizes, dtype_hint=dtypes.int32)
    return x.graph.create_op("conv2d_backprop_filter", [x, sizes, dy], attrs,
                             name=name or "Conv2DBackpropFilter").outputs[0]


# pooling: ksize/strides are 4-tuples with 1 on batch and channels; padding SAME or VALID.
_NO_DILATION = (1, 1, 1, 1)


def _pool_out_shape(shape, ksize, strides, padding) -> list:
    n, h, w, c = shape
    (oh, ow), _ = _geometry((h, w), ksize[1:3], strides, _NO_DILATION, padding, ())
    return [n, oh, ow, c]


def _pool_infer(what: str, floats_only: bool):
    def infer(x: Spec, *, ksize, strides, padding, data_format):
        if x.dtype.is_bool or (floats_only and not x.dtype.is_floating):
            raise TypeError(f"{what} does not accept {x.dtype.name} tensors")
        return Spec(x.dtype, _pool_out_shape(_nhwc(x.shape, f"{what} input"), ksize,
                                             strides, padding))
    return infer


def _pool_geometry(shape, ksize, strides, padding):
    return _geometry(shape[1:3], ksize[1:3], strides, _NO_DILATION, padding, ())


def _lowest(dtype) -> float | int:
    dtype = np.dtype(dtype)
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _max_pool_reference(x, *, ksize, strides, padding, data_format):
    out_hw, pads = _pool_geometry(x.shape, ksize, strides, padding)
    win = _windows(_pad(x, pads, _lowest(x.dtype)), ksize[1:3], out_hw, strides,
                   _NO_DILATION)
    return win.max(axis=(3, 4)).astype(x.dtype)


def _max_pool_argmax(x, ksize, strides, padding):
    """Index arrays (n, row, col, c) into the padded input of each window's first maximum
    (row-major within the window, as TF), the padded shape and the pads."""
    out_hw, pads = _pool_geometry(x.shape, ksize, strides, padding)
    kh, kw = ksize[1:3]
    win = _windows(_pad(x, pads, _lowest(x.dtype)), (kh, kw), out_hw, strides, _NO_DILATION)
    n, oh, ow, _, _, c = win.shape
    arg = win.transpose(0, 1, 2, 5, 3, 4).reshape(n, oh, ow, c, kh * kw).argmax(axis=-1)
    ki, kj = np.divmod(arg, kw)
    ni, hi, wi, ci = np.indices((n, oh, ow, c), sparse=True)
    index = (ni, hi * strides[1] + ki, wi * strides[2] + kj, ci)
    return index, _padded_shape(x.shape, pads), pads


def _max_pool_grad_reference(x, y, dy, *, ksize, strides, padding, data_format):
    index, padded, pads = _max_pool_argmax(x, ksize, strides, padding)
    if dy.shape != index[1].shape:
        raise ValueError(f"grad shape {dy.shape} does not match the max_pool output shape")
    acc = np.zeros(padded, dtype=dy.dtype)
    np.add.at(acc, index, dy)
    return _crop(acc, pads, x.shape[1:3]).astype(x.dtype)


def _max_pool_grad_grad_reference(x, y, g, *, ksize, strides, padding, data_format):
    index, _, pads = _max_pool_argmax(x, ksize, strides, padding)
    return _pad(g, pads)[index].astype(x.dtype)


def _pool_attrs(op) -> dict:
    return {k: op.attrs[k] for k in ("ksize", "strides", "padding", "data_format")}


def _max_pool_grad_infer(what: str, grad_is_pooled: bool):
    """max_pool_grad takes a pooled-shape grad and outputs the input shape;
    max_pool_grad_grad the other way round."""
    def infer(x: Spec, y: Spec, g: Spec, *, ksize, strides, padding, data_format):
        _check_float(x, y, g, what=what)
        xs = TensorShape(_nhwc(x.shape, "orig_input"))
        ys = TensorShape(_pool_out_shape(xs.as_list(), ksize, strides, padding))
        if not ys.is_compatible_with(_nhwc(y.shape, "orig_output")):
            raise ValueError(f"{what}: orig_output shape {y.shape} is not the max_pool "
                             f"output shape {ys}")
        grad_shape, out_shape = (ys, xs) if grad_is_pooled else (xs, ys)
        if not grad_shape.is_compatible_with(_nhwc(g.shape, "grad")):
            raise ValueError(f"{what}: grad shape {g.shape} should be {grad_shape}")
        return Spec(x.dtype, out_shape)
    return infer


register(OpDef(
    name="max_pool", infer=_pool_infer("max_pool", floats_only=False),
    reference=_max_pool_reference,
    gradient=lambda op, grad: [_create("max_pool_grad", [op.inputs[0], op.outputs[0], grad],
                                       _pool_attrs(op), "MaxPoolGrad")],
    kind="window", doc="Maximum over NHWC windows; SAME padding never wins the max."))

register(OpDef(
    name="max_pool_grad", infer=_max_pool_grad_infer("max_pool_grad", grad_is_pooled=True),
    reference=_max_pool_grad_reference,
    gradient=lambda op, grad: [zeros_like(op.inputs[0]), zeros_like(op.inputs[1]),
                               _create("max_pool_grad_grad", [*op.inputs[:2], grad],
                                       _pool_attrs(op), "MaxPoolGradGrad")],
    kind="window",
    doc="Inputs (orig_input, orig_output, grad): each window's grad goes to the first "
        "maximum of the window (row-major), as TF."))

register(OpDef(
    name="max_pool_grad_grad",
    infer=_max_pool_grad_infer("max_pool_grad_grad", grad_is_pooled=False),
    reference=_max_pool_grad_grad_reference,
    gradient=lambda op, grad: [zeros_like(op.inputs[0]), zeros_like(op.inputs[1]),
                               _create("max_pool_grad", [*op.inputs[:2], grad],
                                       _pool_attrs(op), "MaxPoolGrad")],
    kind="window",
    doc="Inputs (orig_input, orig_output, grad of input shape): grad gathered at each "
        "window's first maximum; the adjoint of max_pool_grad."))


def _avg_counts(in_hw, ksize, strides, padding, dtype) -> np.ndarray:
    """How many real (unpadded) elements each output window covers, as (1, OH, OW, 1)."""
    out_hw, pads = _geometry(in_hw, ksize[1:3], strides, _NO_DILATION, padding, ())
    ones = _pad(np.ones((1, in_hw[0], in_hw[1], 1), dtype), pads)
    return _windows(ones, ksize[1:3], out_hw, strides, _NO_DILATION).sum(axis=(3, 4))


def _avg_pool_reference(x, *, ksize, strides, padding, data_format):
    out_hw, pads = _pool_geometry(x.shape, ksize, strides, padding)
    sums = _windows(_pad(x, pads), ksize[1:3], out_hw, strides, _NO_DILATION).sum(axis=(3, 4))
    return (sums / _avg_counts(x.shape[1:3], ksize, strides, padding, x.dtype)
            ).astype(x.dtype)


def _avg_pool_grad_infer(sizes: Spec, g: Spec, *, ksize, strides, padding, data_format):
    _check_float(g, what="avg_pool_grad")
    shape = _sizes_from_spec(sizes, "orig_input_shape")
    gs = _nhwc(g.shape, "grad")
    shape[0] = shape[0] if shape[0] is not None else gs[0]
    shape[3] = shape[3] if shape[3] is not None else gs[3]
    if None not in shape[1:3]:
        expect = _pool_out_shape(shape, ksize, strides, padding)
        if not TensorShape(expect).is_compatible_with(gs):
            raise ValueError(f"avg_pool_grad: grad shape {g.shape} should be {expect}")
    return Spec(g.dtype, shape)


def _avg_pool_grad_reference(sizes, g, *, ksize, strides, padding, data_format):
    shape = tuple(int(v) for v in sizes)
    out_hw, pads = _pool_geometry(shape, ksize, strides, padding)
    if g.shape[1:3] != out_hw:
        raise ValueError(f"grad shape {g.shape} does not match the avg_pool output size "
                         f"{out_hw} for input {shape}")
    share = g / _avg_counts(shape[1:3], ksize, strides, padding, g.dtype)
    kh, kw = ksize[1:3]
    cols = np.broadcast_to(share[:, :, :, None, None, :], g.shape[:3] + (kh, kw, g.shape[3]))
    acc = _scatter_windows(cols, _padded_shape(shape, pads), out_hw, strides, _NO_DILATION)
    return _crop(acc, pads, shape[1:3]).astype(g.dtype)


register(OpDef(
    name="avg_pool", infer=_pool_infer("avg_pool", floats_only=True),
    reference=_avg_pool_reference,
    gradient=lambda op, grad: [_create("avg_pool_grad", [_shape_tensor(op.inputs[0]), grad],
                                       _pool_attrs(op), "AvgPoolGrad")],
    kind="window",
    doc="Mean over NHWC windows; with SAME padding it divides by the number of real "
        "(unpadded) elements, as TF."))

register(OpDef(
    name="avg_pool_grad", infer=_avg_pool_grad_infer, reference=_avg_pool_grad_reference,
    gradient=lambda op, grad: [None, _create("avg_pool", [grad], _pool_attrs(op),
                                             "AvgPool")],
    kind="window",
    doc="Inputs (orig_input_shape, grad): each window's grad shared equally among its real "
        "elements."))


def _pool_builder(op_type: str, default_name: str, value, ksize, strides, padding,
                  data_format, name, input) -> Tensor:
    if value is not None and input is not None:
        raise ValueError(f"{op_type}: give `value` or `input`, not both")
    value = input if value is None else value
    if data_format not in (None, "NHWC"):
        raise ValueError(f"graphjit supports data_format='NHWC' only, got {data_format!r}")
    mode, explicit = _padding_attrs(padding)
    if explicit:
        raise ValueError(f"{op_type}: padding must be 'SAME' or 'VALID'")
    x = convert_to_tensor(value)
    attrs = {"ksize": _hw(ksize, "ksize"), "strides": _hw(strides, "strides"),
             "padding": mode, "data_format": "NHWC"}
    return x.graph.create_op(op_type, [x], attrs, name=name or default_name).outputs[0]


def max_pool(value, ksize, strides, padding, data_format="NHWC", name=None,
             input=None) -> Tensor:  # noqa: A002
    """`tf.nn.max_pool`: maximum over windows of an NHWC tensor."""
    return _pool_builder("max_pool", "MaxPool", value, ksize, strides, padding, data_format,
                         name, input)


def avg_pool(value, ksize, strides, padding, data_format="NHWC", name=None,
             input=None) -> Tensor:  # noqa: A002
    """`tf.nn.avg_pool`: mean over windows of an NHWC tensor (SAME: over real elements)."""
    return _pool_builder("avg_pool", "AvgPool", value, ksize, strides, padding, data_format,
                         name, input)


def _pool_grad_attrs(ksize, strides, padding, data_format) -> dict:
    if data_format not in (None, "NHWC"):
        raise ValueError(f"graphjit supports data_format='NHWC' only, got {data_format!r}")
    mode, explicit = _padding_attrs(padding)
    if explicit:
        raise ValueError("pooling padding must be 'SAME' or 'VALID'")
    return {"ksize": _hw(ksize, "ksize"), "strides": _hw(strides, "strides"),
            "padding": mode, "data_format": "NHWC"}


def max_pool_grad(orig_input, orig_output, grad, ksize, strides, padding,
                  data_format="NHWC", name=None) -> Tensor:
    """TF's `MaxPoolGrad`: routes `grad` to each window's first maximum."""
    x = convert_to_tensor(orig_input)
    y = convert_to_tensor(orig_output, dtype_hint=x.dtype)
    g = convert_to_tensor(grad, dtype_hint=x.dtype)
    return _create("max_pool_grad", [x, y, g],
                   _pool_grad_attrs(ksize, strides, padding, data_format),
                   name or "MaxPoolGrad")


def max_pool_grad_grad(orig_input, orig_output, grad, ksize, strides, padding,
                       data_format="NHWC", name=None) -> Tensor:
    """TF's `MaxPoolGradGrad`: gathers `grad` (input-shaped) at each window's maximum."""
    x = convert_to_tensor(orig_input)
    y = convert_to_tensor(orig_output, dtype_hint=x.dtype)
    g = convert_to_tensor(grad, dtype_hint=x.dtype)
    return _create("max_pool_grad_grad", [x, y, g],
                   _pool_grad_attrs(ksize, strides, padding, data_format),
                   name or "MaxPoolGradGrad")


def avg_pool_grad(orig_input_shape, grad, ksize, strides, padding, data_format="NHWC",
                  name=None) -> Tensor:
    """TF's `AvgPoolGrad`: spreads `grad` evenly over each window's real elements."""
    g = convert_to_tensor(grad)
    sizes = convert_to_tensor(orig_input_shape, dtype_hint=dtypes.int32)
    return _create("avg_pool_grad", [sizes, g],
                   _pool_grad_attrs(ksize, strides, padding, data_format),
                   name or "AvgPoolGrad")


# -- composites: built from other ops, as TF builds them -----------------------------------


def moments(x, axes, shift=None, name=None, keep_dims=None, keepdims=None):
    """`tf.nn.moments`: (mean, variance) over `axes`; variance uses a stopped mean as TF."""
    from .core import stop_gradient

    keep = bool(keepdims if keepdims is not None else keep_dims)
    x = convert_to_tensor(x)
    with x.graph.name_scope(name or "moments"):
        y = math_ops.cast(x, dtypes.float32) if x.dtype.is_integer else x
        mean = reduce_ops.reduce_mean(y, axes, keepdims=True, name="mean")
        variance = reduce_ops.reduce_mean(
            math_ops.squared_difference(y, stop_gradient(mean)), axes, keepdims=True,
            name="variance")
        if not keep:
            mean = array_ops.squeeze(mean, axes)
            variance = array_ops.squeeze(variance, axes)
    return mean, variance


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """`tf.nn.batch_normalization`: (x - mean) * scale / sqrt(variance + eps) + offset."""
    x = convert_to_tensor(x)
    with x.graph.name_scope(name or "batchnorm"):
        inv = math_ops.rsqrt(variance + variance_epsilon)
        if scale is not None:
            inv = inv * scale
        shift = offset - mean * inv if offset is not None else -mean * inv
        return x * math_ops.cast(inv, x.dtype) + math_ops.cast(shift, x.dtype)


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """`tf.nn.l2_normalize`: x / sqrt(max(sum(x**2, axis), epsilon))."""
    x = convert_to_tensor(x)
    axis = dim if axis is None else axis
    with x.graph.name_scope(name or "l2_normalize"):
        square_sum = reduce_ops.reduce_sum(math_ops.square(x), axis, keepdims=True)
        return x * math_ops.rsqrt(math_ops.maximum(square_sum, epsilon))


__all__ = [
    "moments", "batch_normalization", "l2_normalize", "embedding_lookup",
    "relu", "relu6", "elu", "leaky_relu", "softplus", "sigmoid", "tanh", "softmax",
    "log_softmax", "bias_add", "l2_loss", "dropout", "sigmoid_cross_entropy_with_logits",
    "softmax_cross_entropy_with_logits", "softmax_cross_entropy_with_logits_v2",
    "sparse_softmax_cross_entropy_with_logits", "conv2d", "conv2d_backprop_input",
    "conv2d_backprop_filter", "max_pool", "avg_pool", "max_pool_grad", "max_pool_grad_grad",
    "avg_pool_grad", "relu_grad", "relu6_grad", "elu_grad", "leaky_relu_grad",
]

# top_k and in_top_k are defined with the other TF1-breadth primitives.
from .extra import in_top_k, top_k  # noqa: E402

__all__ += ["top_k", "in_top_k"]
