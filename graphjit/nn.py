"""`gj.nn`: neural-network ops (defined in graphlib/ops/nn.py) under TF's names, and TF's
composite helpers built from them as TF's Python builds them: conv2d_transpose (the input
gradient of conv2d), conv1d (conv2d over an inserted height axis), depthwise_conv2d and
separable_conv2d (over graphlib/ops/extra.py's depthwise_conv2d_native), xw_plus_b,
relu_layer, selu, softsign, swish, weighted_cross_entropy_with_logits,
sufficient_statistics, normalize_moments and zero_fraction. The RNN API (`rnn_cell`,
static_rnn, dynamic_rnn, bidirectional_dynamic_rnn, static_bidirectional_rnn) lives in
graphjit/rnn.py.

May import: graphjit.graphlib and graphjit.rnn.
"""

from __future__ import annotations

import numpy as np

from .graphlib import dtypes
from .graphlib.graph import Tensor, get_default_graph
from .graphlib.ops import array as _array
from .graphlib.ops import math as _math
from .graphlib.ops import reduce as _reduce
from .graphlib.ops.core import convert_to_tensor, zeros_like
from .graphlib.ops.extra import count_nonzero as _count_nonzero
from .graphlib.ops.extra import (
    depthwise_conv2d_native,
    depthwise_conv2d_native_backprop_filter,
    depthwise_conv2d_native_backprop_input,
)
from .graphlib.ops.linalg import matmul as _matmul
from .graphlib.ops.nn import *  # noqa: F401,F403
from .graphlib.ops.nn import __all__ as _nn_all
from .graphlib.ops.nn import bias_add, conv2d, conv2d_backprop_input, relu
from .rnn import (
    bidirectional_dynamic_rnn,
    dynamic_rnn,
    rnn_cell,
    static_bidirectional_rnn,
    static_rnn,
)

# TF's Selu constants (from the SELU paper).
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def conv2d_transpose(value=None, filter=None, output_shape=None, strides=None,  # noqa: A002
                     padding="SAME", data_format="NHWC", name=None, input=None,  # noqa: A002
                     filters=None, dilations=None) -> Tensor:
    """`tf.nn.conv2d_transpose`: the transpose of conv2d (its gradient w.r.t. an input of
    `output_shape`); `filter` is [kh, kw, out_channels, in_channels]."""
    value = input if value is None else value
    filter = filters if filter is None else filter  # noqa: A001
    graph = get_default_graph()
    with graph.name_scope(name or "conv2d_transpose") as scope:
        return conv2d_backprop_input(output_shape, filter, value, strides, padding,
                                     data_format=data_format,
                                     dilations=dilations or (1, 1, 1, 1), name=scope)


def _conv1d_sequence(value, what: str) -> list[int]:
    """TF's _get_sequence(value, 1, channel_index=2): [1, value, 1] for an int or [value]."""
    values = [int(value)] if isinstance(value, (int, np.integer)) else [int(v) for v in value]
    if len(values) == 1:
        return [1, values[0], 1]
    if len(values) == 3:
        return values
    raise ValueError(f"{what} should be of length 1 or 3, got {value!r}")


def conv1d(value=None, filters=None, stride=None, padding=None, use_cudnn_on_gpu=None,
           data_format=None, name=None, input=None, dilations=None) -> Tensor:  # noqa: A002
    """`tf.nn.conv1d` (NWC input, [k, in, out] filters): conv2d over an inserted height
    axis of size 1, as TF builds it."""
    value = input if value is None else value
    if data_format not in (None, "NHWC", "NWC"):
        raise ValueError(f"graphjit's conv1d supports data_format='NWC' only, got "
                         f"{data_format!r}")
    with get_default_graph().name_scope(name or "conv1d") as scope:
        strides = [1] + _conv1d_sequence(stride, "stride")
        rates = [1] + _conv1d_sequence(1 if dilations is None else dilations, "dilations")
        value = _array.expand_dims(value, -3)
        filters = _array.expand_dims(filters, 0)
        result = conv2d(value, filters, strides, padding, dilations=rates, name=scope)
        return _array.squeeze(result, [-3])


def _rate(rate, dilations) -> list[int]:
    rate = dilations if rate is None else rate
    if rate is None:
        return [1, 1, 1, 1]
    values = [int(rate)] * 2 if isinstance(rate, (int, np.integer)) else [int(r) for r in rate]
    if len(values) != 2:
        raise ValueError(f"rate must be two ints, got {rate!r}")
    return [1, values[0], values[1], 1]


def depthwise_conv2d(input, filter, strides, padding, rate=None, name=None,  # noqa: A002
                     data_format=None, dilations=None) -> Tensor:
    """`tf.nn.depthwise_conv2d`: each input channel convolved with its own
    `channel_multiplier` filters ([kh, kw, in, multiplier]); a `rate` dilates the filter
    (TF gets the same values through space_to_batch)."""
    with get_default_graph().name_scope(name or "depthwise") as scope:
        x = convert_to_tensor(input, name="tensor_in")
        f = convert_to_tensor(filter, name="filter_in", dtype_hint=x.dtype)
        return depthwise_conv2d_native(x, f, strides, padding, data_format=data_format or
                                       "NHWC", dilations=_rate(rate, dilations), name=scope)


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding,  # noqa: A002
                     rate=None, name=None, data_format=None, dilations=None) -> Tensor:
    """`tf.nn.separable_conv2d`: a depthwise convolution, then a 1x1 convolution mixing
    the channels (`pointwise_filter` [1, 1, in * multiplier, out])."""
    with get_default_graph().name_scope(name or "separable_conv2d") as scope:
        x = convert_to_tensor(input, name="tensor_in")
        depthwise_filter = convert_to_tensor(depthwise_filter, name="depthwise_filter",
                                             dtype_hint=x.dtype)
        pointwise_filter = convert_to_tensor(pointwise_filter, name="pointwise_filter",
                                             dtype_hint=x.dtype)
        shape = pointwise_filter.shape
        if shape.rank != 4 or shape[0] not in (None, 1) or shape[1] not in (None, 1):
            raise ValueError(f"separable_conv2d: pointwise_filter must be [1, 1, in, out], "
                             f"got shape {shape}")
        depthwise = depthwise_conv2d_native(x, depthwise_filter, strides, padding,
                                            data_format=data_format or "NHWC",
                                            dilations=_rate(rate, dilations),
                                            name="depthwise")
        return conv2d(depthwise, pointwise_filter, [1, 1, 1, 1], padding="VALID",
                      data_format=data_format or "NHWC", name=scope)


def xw_plus_b(x, weights, biases, name=None) -> Tensor:
    """`tf.nn.xw_plus_b`: matmul(x, weights) + biases."""
    with get_default_graph().name_scope(name or "xw_plus_b") as scope:
        return bias_add(_matmul(x, weights), biases, name=scope)


def relu_layer(x, weights, biases, name=None) -> Tensor:
    """`tf.nn.relu_layer`: relu(matmul(x, weights) + biases)."""
    with get_default_graph().name_scope(name or "relu_layer") as scope:
        return relu(bias_add(_matmul(x, weights), biases), name=scope)


def selu(features, name=None) -> Tensor:
    """`tf.nn.selu`: scale * x for x > 0, scale * alpha * (exp(x) - 1) otherwise (at 0 the
    gradient is scale * alpha, as TF's SeluGrad)."""
    x = convert_to_tensor(features)
    with x.graph.name_scope(name or "Selu"):
        negative = _math.multiply(_math.expm1(x), _SELU_ALPHA * _SELU_SCALE)
        return _math.where(_math.greater(x, zeros_like(x)),
                           _math.multiply(x, _SELU_SCALE), negative)


def softsign(features, name=None) -> Tensor:
    """`tf.nn.softsign`: x / (1 + |x|)."""
    x = convert_to_tensor(features)
    with x.graph.name_scope(name or "Softsign"):
        return _math.truediv(x, _math.add(_math.abs(x), 1.0))


def swish(features, beta=1.0, name=None) -> Tensor:
    """`tf.nn.swish` (silu): x * sigmoid(beta * x)."""
    x = convert_to_tensor(features)
    with x.graph.name_scope(name or "swish"):
        return _math.multiply(x, _math.sigmoid(_math.multiply(x, beta)))


silu = swish


def weighted_cross_entropy_with_logits(labels=None, logits=None, pos_weight=None, name=None,
                                       targets=None) -> Tensor:
    """`tf.nn.weighted_cross_entropy_with_logits`: sigmoid cross-entropy whose positive
    term is weighted by `pos_weight`, in TF's overflow-free form."""
    labels = targets if labels is None else labels
    graph = get_default_graph()
    with graph.name_scope(name or "logistic_loss"):
        logits = convert_to_tensor(logits, name="logits")
        labels = convert_to_tensor(labels, dtype_hint=logits.dtype, name="labels")
        pos_weight = convert_to_tensor(pos_weight, dtype_hint=logits.dtype, name="pos_weight")
        log_weight = _math.add(_math.multiply(_math.subtract(pos_weight, 1.0), labels), 1.0)
        softplus_neg = _math.add(_math.log1p(_math.exp(_math.negative(_math.abs(logits)))),
                                 relu(_math.negative(logits)))
        return _math.add(_math.multiply(_math.subtract(1.0, labels), logits),
                         _math.multiply(log_weight, softplus_neg))


def sufficient_statistics(x, axes, shift=None, keep_dims=None, name=None, keepdims=None):
    """`tf.nn.sufficient_statistics`: (count, sum(x - shift), sum((x - shift)^2), shift)
    over `axes`; count is a constant when the reduced dims are known."""
    keep = bool(keepdims if keepdims is not None else keep_dims)
    x = convert_to_tensor(x)
    with x.graph.name_scope(name or "sufficient_statistics"):
        dims = [x.shape[a] for a in axes]
        if all(d is not None for d in dims):
            count = convert_to_tensor(np.prod(dims, dtype=np.int64).astype(x.dtype.np),
                                      name="count")
        else:
            counts = _array.gather(_math.cast(_array.shape(x), x.dtype), list(axes))
            count = _reduce.reduce_prod(counts, name="count")
        if shift is not None:
            shift = convert_to_tensor(shift, dtype_hint=x.dtype, name="shift")
            m_ss = _math.subtract(x, shift)
            v_ss = _math.squared_difference(x, shift)
        else:
            m_ss, v_ss = x, _math.square(x)
        m_ss = _reduce.reduce_sum(m_ss, axes, keepdims=keep, name="mean_ss")
        v_ss = _reduce.reduce_sum(v_ss, axes, keepdims=keep, name="var_ss")
    return count, m_ss, v_ss, shift


def normalize_moments(counts, mean_ss, variance_ss, shift, name=None):
    """`tf.nn.normalize_moments`: (mean, variance) from sufficient statistics."""
    with get_default_graph().name_scope(name or "normalize"):
        divisor = _math.reciprocal(convert_to_tensor(counts), name="divisor")
        shifted_mean = _math.multiply(mean_ss, divisor, name="shifted_mean")
        mean = shifted_mean if shift is None else _math.add(shifted_mean, shift, name="mean")
        variance = _math.subtract(_math.multiply(variance_ss, divisor),
                                  _math.square(shifted_mean), name="variance")
    return mean, variance


def zero_fraction(value, name=None) -> Tensor:
    """`tf.nn.zero_fraction`: the fraction of zeros in `value`, as float32."""
    with get_default_graph().name_scope(name or "zero_fraction"):
        value = convert_to_tensor(value, name="value")
        size = _math.cast(_array.size(value, out_type=dtypes.int64), dtypes.float32)
        nonzero = _math.cast(_count_nonzero(value, dtype=dtypes.int64), dtypes.float32)
        return _math.subtract(1.0, _math.truediv(nonzero, size))


__all__ = [*_nn_all, "conv2d_transpose", "conv1d", "depthwise_conv2d", "separable_conv2d",
           "depthwise_conv2d_native", "depthwise_conv2d_native_backprop_input",
           "depthwise_conv2d_native_backprop_filter", "xw_plus_b", "relu_layer", "selu",
           "softsign", "swish",
           "silu", "weighted_cross_entropy_with_logits", "sufficient_statistics",
           "normalize_moments", "zero_fraction", "rnn_cell", "static_rnn", "dynamic_rnn",
           "bidirectional_dynamic_rnn", "static_bidirectional_rnn"]
