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
from .graphlib.ops.core import add_n as _add_n
from .graphlib.ops.core import convert_to_tensor, zeros_like
from .graphlib.ops.core import stop_gradient as _stop_gradient
from .graphlib.ops.extra import count_nonzero as _count_nonzero
from .graphlib.ops.extra import (
    depthwise_conv2d_native,
    depthwise_conv2d_native_backprop_filter,
    depthwise_conv2d_native_backprop_input,
)
from .graphlib.ops.extra import erf as _erf
from .graphlib.ops.linalg import matmul as _matmul
from .graphlib.ops.nn import *  # noqa: F401,F403
from .graphlib.ops.nn import __all__ as _nn_all
from .graphlib.ops.nn import (
    batch_normalization,
    bias_add,
    conv2d,
    conv2d_backprop_input,
    moments,
    relu,
)
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


def crelu(features, name=None, axis=-1) -> Tensor:
    """`tf.nn.crelu`: relu of [x, -x] concatenated along `axis` (twice the depth)."""
    x = convert_to_tensor(features)
    with x.graph.name_scope(name or "CRelu"):
        return relu(_array.concat([x, _math.negative(x)], axis))


def gelu(features, approximate=False, name=None) -> Tensor:
    """`tf.nn.gelu`: 0.5 x (1 + erf(x / sqrt 2)), or with `approximate` TF's tanh form
    0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))."""
    x = convert_to_tensor(features)
    with x.graph.name_scope(name or "Gelu"):
        if approximate:
            inner = _math.multiply(
                _math.add(x, _math.multiply(_math.pow(x, 3.0), 0.044715)),
                0.7978845608028654)
            return _math.multiply(_math.multiply(x, 0.5), _math.add(_math.tanh(inner), 1.0))
        return _math.multiply(_math.multiply(x, 0.5),
                              _math.add(_erf(_math.truediv(x, 1.4142135623730951)), 1.0))


def log_poisson_loss(targets, log_input, compute_full_loss=False, name=None) -> Tensor:
    """`tf.nn.log_poisson_loss`: exp(log_input) - log_input * targets, plus with
    `compute_full_loss` the Stirling term for targets outside [0, 1]."""
    with get_default_graph().name_scope(name or "log_poisson_loss"):
        log_input = convert_to_tensor(log_input, name="log_input")
        targets = convert_to_tensor(targets, dtype_hint=log_input.dtype, name="targets")
        if not log_input.shape.is_compatible_with(targets.shape):
            raise ValueError(f"log_input and targets must have the same shape "
                             f"({log_input.shape} vs {targets.shape})")
        result = _math.subtract(_math.exp(log_input), _math.multiply(log_input, targets))
        if compute_full_loss:
            stirling = _math.add(
                _math.subtract(_math.multiply(targets, _math.log(targets)), targets),
                _math.multiply(0.5, _math.log(_math.multiply(2.0 * np.pi, targets))))
            zeros = zeros_like(targets)
            inside = _math.logical_and(_math.greater_equal(targets, zeros),
                                       _math.less_equal(targets, 1.0))
            result = _math.add(result, _math.where(inside, zeros, stirling))
        return result


def weighted_moments(x, axes, frequency_weights, name=None, keep_dims=None, keepdims=None):
    """`tf.nn.weighted_moments`: the frequency-weighted (mean, variance) over `axes`, built
    as TF's Python builds it."""
    keep = bool(keepdims if keepdims is not None else keep_dims)
    with get_default_graph().name_scope(name or "weighted_moments"):
        x = convert_to_tensor(x, name="x")
        w = convert_to_tensor(frequency_weights, dtype_hint=x.dtype, name="frequency_weights")
        weighted_input_sum = _reduce.reduce_sum(_math.multiply(w, x), axes, keepdims=True,
                                                name="weighted_input_sum")
        sum_of_weights = _reduce.reduce_sum(_math.add(w, zeros_like(x)), axes, keepdims=True,
                                            name="sum_of_weights")
        divisor = _math.reciprocal(sum_of_weights, name="inv_weight_sum")
        mean = _math.multiply(weighted_input_sum, divisor)
        distsq = _reduce.reduce_sum(_math.multiply(w, _math.squared_difference(x, mean)),
                                    axes, keepdims=True, name="weighted_distsq")
        variance = _math.multiply(distsq, divisor)
        if not keep:
            mean = _array.squeeze(mean, axis=list(axes))
            variance = _array.squeeze(variance, axis=list(axes))
        return mean, variance


def fused_batch_norm(x, scale, offset, mean=None, variance=None, epsilon=0.001,
                     data_format="NHWC", is_training=True, name=None,
                     exponential_avg_factor=1.0):
    """`tf.nn.fused_batch_norm` (NHWC): (y, mean, variance). Training normalizes with the
    batch statistics over N, H, W and returns the batch mean and the Bessel-corrected
    batch variance (blended into `mean`/`variance` when exponential_avg_factor != 1);
    inference normalizes with the given mean/variance and returns them. epsilon is raised
    to TF's minimum 1.001e-5."""
    if data_format != "NHWC":
        raise ValueError(f"fused_batch_norm: only data_format='NHWC' is supported, got "
                         f"{data_format!r}")
    x = convert_to_tensor(x)
    if x.shape.rank is not None and x.shape.rank != 4:
        raise ValueError(f"fused_batch_norm: x must be 4-D, got shape {x.shape}")
    if not is_training and (mean is None or variance is None):
        raise ValueError("fused_batch_norm: mean and variance are required when "
                         "is_training is False")
    epsilon = max(float(epsilon), 1.001e-5)
    with x.graph.name_scope(name or "FusedBatchNorm"):
        scale = convert_to_tensor(scale, dtype_hint=x.dtype)
        offset = convert_to_tensor(offset, dtype_hint=x.dtype)
        if is_training:
            batch_mean, batch_var = moments(x, [0, 1, 2])
            count = _math.cast(_reduce.reduce_prod(_array.gather(_array.shape(x), [0, 1, 2])),
                               x.dtype)
            corrected = _math.multiply(
                batch_var, _math.truediv(count, _math.maximum(_math.subtract(count, 1.0),
                                                              1.0)))
            y = batch_normalization(x, batch_mean, batch_var, offset, scale, epsilon)
            if exponential_avg_factor != 1.0 and mean is not None and variance is not None:
                f = float(exponential_avg_factor)
                batch_mean = _math.add(_math.multiply(convert_to_tensor(mean), 1.0 - f),
                                       _math.multiply(batch_mean, f))
                corrected = _math.add(_math.multiply(convert_to_tensor(variance), 1.0 - f),
                                      _math.multiply(corrected, f))
            # TF's FusedBatchNormGrad uses only y's gradient: the statistics outputs pass
            # none back.
            return y, _stop_gradient(batch_mean), _stop_gradient(corrected)
        # ... and in inference it gives mean and variance no gradient at all.
        mean = _stop_gradient(convert_to_tensor(mean, dtype_hint=x.dtype))
        variance = _stop_gradient(convert_to_tensor(variance, dtype_hint=x.dtype))
        return batch_normalization(x, mean, variance, offset, scale, epsilon), mean, variance


def local_response_normalization(input, depth_radius=5, bias=1.0, alpha=1.0, beta=0.5,  # noqa: A002
                                 name=None) -> Tensor:
    """`tf.nn.local_response_normalization` (`tf.nn.lrn`): x / (bias + alpha *
    sum(x^2 over depth +-depth_radius)) ** beta, on 4-D input with a known depth. The
    window sum adds shifted slices of the zero-padded squares, so TF's LRNGrad follows
    from the parts."""
    x = convert_to_tensor(input)
    if x.shape.rank is not None and x.shape.rank != 4:
        raise ValueError(f"local_response_normalization: input must be 4-D, got {x.shape}")
    depth = x.shape[-1] if x.shape.rank is not None else None
    if depth is None:
        raise ValueError("local_response_normalization: the depth (last dimension) must be "
                         "known")
    r = int(depth_radius)
    if r < 0:
        raise ValueError(f"local_response_normalization: depth_radius must be >= 0, got {r}")
    with x.graph.name_scope(name or "LRN"):
        padded = _array.pad(_math.square(x), [[0, 0], [0, 0], [0, 0], [r, r]])
        windows = [padded[..., k:k + depth] for k in range(2 * r + 1)]
        sqr_sum = windows[0] if len(windows) == 1 else _add_n(windows)
        base = _math.add(_math.multiply(sqr_sum, float(alpha)), float(bias))
        return _math.multiply(x, _math.pow(base, -float(beta)))


lrn = local_response_normalization


__all__ = [*_nn_all, "conv2d_transpose", "conv1d", "depthwise_conv2d", "separable_conv2d",
           "depthwise_conv2d_native", "depthwise_conv2d_native_backprop_input",
           "depthwise_conv2d_native_backprop_filter", "xw_plus_b", "relu_layer", "selu",
           "softsign", "swish",
           "silu", "weighted_cross_entropy_with_logits", "sufficient_statistics",
           "normalize_moments", "zero_fraction", "rnn_cell", "static_rnn", "dynamic_rnn",
           "bidirectional_dynamic_rnn", "static_bidirectional_rnn", "crelu", "gelu",
           "log_poisson_loss", "weighted_moments", "fused_batch_norm",
           "local_response_normalization", "lrn"]
