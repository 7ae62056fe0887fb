"""`tf.layers`: TF1's functional layers (dense, conv2d, max_pooling2d, average_pooling2d,
flatten, dropout), built from graph ops and `get_variable`.

Each call scopes itself as TF1's legacy `Layer.__call__` does: a variable scope named
`name` (default the layer kind, "dense", made unique among variable scopes: "dense_1",
...) holds the variables ("dense/kernel", "dense/bias"), and the ops land in that scope's
name scope ("dense/MatMul", "dense/BiasAdd", "dense/Relu"). With `reuse=True` (or
AUTO_REUSE) and a `name`, the variables of the earlier call are shared and the ops go to
a fresh name scope ("dense_1/..."), exactly as in TF. Variables take the inputs' floating
dtype. `dropout` with a boolean tensor for `training` selects between the dropped and the
unchanged inputs with `where` (TF builds a `cond`); the values are the same.

May import: graphjit.graphlib and graphjit.initializers.
"""

from __future__ import annotations

import contextlib
import functools
import operator
from collections.abc import Callable, Iterator

from . import initializers
from .graphlib import dtypes
from .graphlib.graph import GraphKeys, Tensor, get_default_graph
from .graphlib.ops import array as array_ops
from .graphlib.ops import linalg, nn
from .graphlib.ops import math as math_ops
from .graphlib.ops.core import convert_to_tensor, identity
from .graphlib.variable_scope import VariableScope, get_variable, variable_scope

# TF's default bias initializer: one shared instance, as TF's signature default.
_ZEROS = initializers.zeros_initializer()


@contextlib.contextmanager
def _layer_scope(name: str | None, kind: str, reuse) -> Iterator[VariableScope]:
    """The variable scope and name scope of one layer call (TF1's Layer._set_scope and
    Layer.__call__)."""
    if reuse:
        with variable_scope(name or kind) as captured:
            pass
    else:
        with variable_scope(None, default_name=name or kind) as captured:
            pass
    graph = get_default_graph()
    with variable_scope(captured, reuse=reuse, auxiliary_name_scope=False) as scope, \
            graph.name_scope(captured.original_name_scope):
        yield scope


def _float_input(inputs) -> Tensor:
    x = convert_to_tensor(inputs)
    if not x.dtype.is_floating:
        x = math_ops.cast(x, dtypes.float32)
    return x


def _pair(value, what: str) -> tuple[int, int]:
    if isinstance(value, int):
        return (value, value)
    value = tuple(int(v) for v in value)
    if len(value) != 2:
        raise ValueError(f"The `{what}` argument must be a tuple of 2 integers. Received: "
                         f"{value}")
    return value


def _padding(padding: str) -> str:
    mode = padding.lower()
    if mode not in ("valid", "same"):
        raise ValueError("The `padding` argument must be a string, one of 'valid' or 'same'. "
                         f"Received: {padding}")
    return mode.upper()


def _channels_last(data_format: str) -> None:
    if data_format != "channels_last":
        raise ValueError("graphjit's layers support data_format='channels_last' (NHWC) only, "
                         f"got {data_format!r}")


def _activity(outputs: Tensor, activity_regularizer: Callable | None) -> None:
    if activity_regularizer is not None:
        with get_default_graph().name_scope("ActivityRegularizer"):
            loss = activity_regularizer(outputs)
        if loss is not None:
            get_default_graph().add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)


def dense(inputs, units: int, activation=None, use_bias: bool = True,
          kernel_initializer=None, bias_initializer=_ZEROS,
          kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
          kernel_constraint=None, bias_constraint=None, trainable: bool = True,
          name: str | None = None, reuse=None) -> Tensor:
    """`tf.layers.dense`: `activation(inputs @ kernel + bias)` over the last axis, with
    variables "<scope>/kernel" [in, units] and "<scope>/bias" [units]."""
    x = _float_input(inputs)
    if x.shape.rank is None or x.shape[-1] is None:
        raise ValueError("The last dimension of the inputs to `Dense` should be defined. "
                         "Found `None`.")
    units = int(units)
    if units <= 0:
        raise ValueError(f"Received an invalid value for `units`, expected a positive "
                         f"integer. Received: units={units}")
    with _layer_scope(name, "dense", reuse):
        kernel = get_variable("kernel", [x.shape[-1], units], x.dtype, kernel_initializer,
                              kernel_regularizer, trainable, constraint=kernel_constraint)
        bias = get_variable("bias", [units], x.dtype, bias_initializer, bias_regularizer,
                            trainable, constraint=bias_constraint) if use_bias else None
        rank = x.shape.rank
        if rank == 2:
            outputs = linalg.matmul(x, kernel)
        else:
            outputs = _tensordot_last(x, kernel)
        if bias is not None:
            outputs = nn.bias_add(outputs, bias)
        if activation is not None:
            outputs = activation(outputs)
        _activity(outputs, activity_regularizer)
    return outputs


def _tensordot_last(x: Tensor, kernel) -> Tensor:
    """x's last axis contracted with the kernel's first (TF's tensordot, as one matmul
    over the flattened leading axes)."""
    units = kernel.shape[-1]
    with get_default_graph().name_scope("Tensordot") as scope:
        flat = array_ops.reshape(x, [-1, x.shape[-1]])
        product = linalg.matmul(flat, kernel)
        if x.shape[:-1].is_fully_defined():
            out_shape = x.shape[:-1].as_list() + [units]
        else:
            lead = array_ops.strided_slice(array_ops.shape(x), [0], [-1], [1])
            out_shape = array_ops.concat([lead, [units]], 0)
        outputs = array_ops.reshape(product, out_shape, name=scope)
    outputs.set_shape(x.shape[:-1].concatenate([units]))
    return outputs


def conv2d(inputs, filters: int, kernel_size, strides=(1, 1), padding: str = "valid",
           data_format: str = "channels_last", dilation_rate=(1, 1), activation=None,
           use_bias: bool = True, kernel_initializer=None,
           bias_initializer=_ZEROS, kernel_regularizer=None,
           bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
           bias_constraint=None, trainable: bool = True, name: str | None = None,
           reuse=None) -> Tensor:
    """`tf.layers.conv2d` (NHWC): a [kh, kw, in, filters] kernel "<scope>/kernel", plus
    "<scope>/bias" [filters]; `padding` is 'valid' or 'same' (any case)."""
    _channels_last(data_format)
    x = _float_input(inputs)
    if x.shape.rank != 4:
        raise ValueError(f"Input 0 of layer conv2d is incompatible with the layer: expected "
                         f"ndim=4, found ndim={x.shape.rank}. Full shape received: {x.shape}")
    if x.shape[-1] is None:
        raise ValueError("The channel dimension of the inputs should be defined. Found "
                         "`None`.")
    kh, kw = _pair(kernel_size, "kernel_size")
    sh, sw = _pair(strides, "strides")
    dh, dw = _pair(dilation_rate, "dilation_rate")
    mode = _padding(padding)
    with _layer_scope(name, "conv2d", reuse):
        kernel = get_variable("kernel", [kh, kw, x.shape[-1], int(filters)], x.dtype,
                              kernel_initializer, kernel_regularizer, trainable,
                              constraint=kernel_constraint)
        bias = get_variable("bias", [int(filters)], x.dtype, bias_initializer,
                            bias_regularizer, trainable,
                            constraint=bias_constraint) if use_bias else None
        outputs = nn.conv2d(x, kernel, strides=[1, sh, sw, 1], padding=mode,
                            dilations=[1, dh, dw, 1])
        if bias is not None:
            outputs = nn.bias_add(outputs, bias)
        if activation is not None:
            outputs = activation(outputs)
        _activity(outputs, activity_regularizer)
    return outputs


def _pooling(kind: str, pool, inputs, pool_size, strides, padding, data_format, name
             ) -> Tensor:
    _channels_last(data_format)
    x = convert_to_tensor(inputs)
    ph, pw = _pair(pool_size, "pool_size")
    sh, sw = _pair(strides, "strides")
    mode = _padding(padding)
    with _layer_scope(name, kind, None):
        return pool(x, ksize=[1, ph, pw, 1], strides=[1, sh, sw, 1], padding=mode)


def max_pooling2d(inputs, pool_size, strides, padding: str = "valid",
                  data_format: str = "channels_last", name: str | None = None) -> Tensor:
    """`tf.layers.max_pooling2d` (NHWC)."""
    return _pooling("max_pooling2d", nn.max_pool, inputs, pool_size, strides, padding,
                    data_format, name)


def average_pooling2d(inputs, pool_size, strides, padding: str = "valid",
                      data_format: str = "channels_last", name: str | None = None) -> Tensor:
    """`tf.layers.average_pooling2d` (NHWC)."""
    return _pooling("average_pooling2d", nn.avg_pool, inputs, pool_size, strides, padding,
                    data_format, name)


def flatten(inputs, name: str | None = None, data_format: str = "channels_last") -> Tensor:
    """`tf.layers.flatten`: [batch, ...] -> [batch, prod(...)]."""
    _channels_last(data_format)
    x = convert_to_tensor(inputs)
    if x.shape.rank is None:
        raise ValueError("flatten needs inputs of known rank")
    with _layer_scope(name, "flatten", None):
        if x.shape.rank == 1:
            return array_ops.expand_dims(x, 1)
        rest = x.shape[1:]
        if rest.is_fully_defined():
            return array_ops.reshape(x, [-1, functools.reduce(operator.mul, rest.as_list(),
                                                              1)])
        if x.shape[0] is not None:
            return array_ops.reshape(x, [x.shape[0], -1])
        return array_ops.reshape(x, [array_ops.shape(x)[0], -1])


def dropout(inputs, rate: float = 0.5, noise_shape=None, seed=None, training=False,
            name: str | None = None) -> Tensor:
    """`tf.layers.dropout`: `tf.nn.dropout(inputs, rate=rate)` when `training` is true (a
    Python bool or a boolean tensor), else the inputs unchanged (an Identity)."""
    x = convert_to_tensor(inputs)
    with _layer_scope(name, "dropout", None):
        if isinstance(training, bool):
            if training:
                return nn.dropout(x, noise_shape=noise_shape, seed=seed, rate=rate)
            return identity(x)
        training = convert_to_tensor(training, dtype=dtypes.bool_)
        dropped = nn.dropout(x, noise_shape=noise_shape, seed=seed, rate=rate)
        return math_ops.where_v2(training, dropped, x)


__all__ = ["dense", "conv2d", "max_pooling2d", "average_pooling2d", "flatten", "dropout"]
