"""`tf.layers`: TF1's functional layers (dense, conv2d, conv2d_transpose, max_pooling2d,
average_pooling2d, flatten, dropout, batch_normalization), built from graph ops and
`get_variable`.

Each call scopes itself as TF1's legacy `Layer.__call__` does: a variable scope named
`name` (default the layer kind, "dense", made unique among variable scopes: "dense_1",
...) holds the variables ("dense/kernel", "dense/bias"), and the ops land in that scope's
name scope ("dense/MatMul", "dense/BiasAdd", "dense/Relu"). With `reuse=True` (or
AUTO_REUSE) and a `name`, the variables of the earlier call are shared and the ops go to
a fresh name scope ("dense_1/..."), exactly as in TF. Variables take the inputs' floating
dtype. `dropout` with a boolean tensor for `training` selects between the dropped and the
unchanged inputs with `where` (TF builds a `cond`); the values are the same. So does
`batch_normalization` between batch and moving statistics; its moving-average updates go
to UPDATE_OPS as in TF (for 4-D inputs TF uses the fused kernel, whose moving variance is
the unbiased batch variance: the same here).

May import: graphjit.graphlib and graphjit.initializers.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import operator
from collections.abc import Callable, Iterator

from . import initializers
from . import nn as facade_nn
from .graphlib import dtypes
from .graphlib.graph import GraphKeys, Tensor, get_default_graph
from .graphlib.ops import array as array_ops
from .graphlib.ops import linalg, nn
from .graphlib.ops import math as math_ops
from .graphlib.ops import reduce as reduce_ops
from .graphlib.ops.core import convert_to_tensor, identity
from .graphlib.ops.state import assign_sub
from .graphlib.variable_scope import VariableScope, get_variable, variable_scope

# TF's default bias initializer: one shared instance, as TF's signature default.
_ZEROS = initializers.zeros_initializer()


# The class-form layers whose call is running (innermost last): a functional layer built
# inside one uses, and on the first call captures, that object's scope.
_CALLING: list[Layer] = []


@contextlib.contextmanager
def _layer_scope(name: str | None, kind: str, reuse) -> Iterator[VariableScope]:
    """The variable scope and name scope of one layer call (TF1's Layer._set_scope and
    Layer.__call__); a class-form layer's later calls re-enter its first call's scopes,
    sharing its variables."""
    layer = _CALLING[-1] if _CALLING else None
    captured = layer._scope if layer is not None else None
    if captured is None:
        if reuse:
            with variable_scope(name or kind) as captured:
                pass
        else:
            with variable_scope(None, default_name=name or kind) as captured:
                pass
        if layer is not None:
            layer._scope = captured
    elif layer.built:
        reuse = True
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



def conv1d(inputs, filters: int, kernel_size, strides=1, padding: str = "valid",
           data_format: str = "channels_last", dilation_rate=1, activation=None,
           use_bias: bool = True, kernel_initializer=None, bias_initializer=_ZEROS,
           kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
           kernel_constraint=None, bias_constraint=None, trainable: bool = True,
           name: str | None = None, reuse=None) -> Tensor:
    """`tf.layers.conv1d` (NWC): a [k, in, filters] kernel "<scope>/kernel", plus
    "<scope>/bias" [filters]; the convolution is `tf.nn.conv1d` (conv2d over an inserted
    height axis)."""
    _channels_last(data_format)
    x = _float_input(inputs)
    if x.shape.rank != 3:
        raise ValueError(f"Input 0 of layer conv1d is incompatible with the layer: expected "
                         f"ndim=3, found ndim={x.shape.rank}. Full shape received: {x.shape}")
    if x.shape[-1] is None:
        raise ValueError("The channel dimension of the inputs should be defined. Found "
                         "`None`.")
    (k,) = _single(kernel_size, "kernel_size")
    (stride,) = _single(strides, "strides")
    (rate,) = _single(dilation_rate, "dilation_rate")
    mode = _padding(padding)
    with _layer_scope(name, "conv1d", reuse):
        kernel = get_variable("kernel", [k, x.shape[-1], int(filters)], x.dtype,
                              kernel_initializer, kernel_regularizer, trainable,
                              constraint=kernel_constraint)
        bias = get_variable("bias", [int(filters)], x.dtype, bias_initializer,
                            bias_regularizer, trainable,
                            constraint=bias_constraint) if use_bias else None
        outputs = facade_nn.conv1d(x, kernel, stride, mode, dilations=rate)
        if bias is not None:
            outputs = nn.bias_add(outputs, bias)
        if activation is not None:
            outputs = activation(outputs)
        _activity(outputs, activity_regularizer)
    return outputs


def _single(value, what: str) -> tuple[int]:
    values = (value,) if isinstance(value, int) else tuple(int(v) for v in value)
    if len(values) != 1:
        raise ValueError(f"The `{what}` argument must be a tuple of 1 integer. Received: "
                         f"{value}")
    return values


def _deconv_length(size, kernel: int, stride: int, mode: str):
    if size is None:
        return None
    return size * stride + max(kernel - stride, 0) if mode == "VALID" else size * stride


def conv2d_transpose(inputs, filters: int, kernel_size, strides=(1, 1),
                     padding: str = "valid", data_format: str = "channels_last",
                     activation=None, use_bias: bool = True, kernel_initializer=None,
                     bias_initializer=_ZEROS, kernel_regularizer=None,
                     bias_regularizer=None, activity_regularizer=None,
                     kernel_constraint=None, bias_constraint=None, trainable: bool = True,
                     name: str | None = None, reuse=None) -> Tensor:
    """`tf.layers.conv2d_transpose` (NHWC): a [kh, kw, filters, in] kernel
    "<scope>/kernel", plus "<scope>/bias" [filters]; the output is `strides` times larger
    ('same'), plus max(kernel - stride, 0) ('valid')."""
    _channels_last(data_format)
    x = _float_input(inputs)
    if x.shape.rank != 4:
        raise ValueError(f"Input 0 of layer conv2d_transpose is incompatible with the layer: "
                         f"expected ndim=4, found ndim={x.shape.rank}. Full shape received: "
                         f"{x.shape}")
    if x.shape[-1] is None:
        raise ValueError("The channel dimension of the inputs should be defined. Found "
                         "`None`.")
    kh, kw = _pair(kernel_size, "kernel_size")
    sh, sw = _pair(strides, "strides")
    mode = _padding(padding)
    filters = int(filters)
    with _layer_scope(name, "conv2d_transpose", reuse):
        kernel = get_variable("kernel", [kh, kw, filters, x.shape[-1]], x.dtype,
                              kernel_initializer, kernel_regularizer, trainable,
                              constraint=kernel_constraint)
        bias = get_variable("bias", [filters], x.dtype, bias_initializer,
                            bias_regularizer, trainable,
                            constraint=bias_constraint) if use_bias else None
        static = [x.shape[0], _deconv_length(x.shape[1], kh, sh, mode),
                  _deconv_length(x.shape[2], kw, sw, mode), filters]
        if all(d is not None for d in static):
            out_shape = static
        else:
            dynamic = array_ops.shape(x)
            out_shape = array_ops.stack([
                dynamic[0],
                dynamic[1] * sh + max(kh - sh, 0) if mode == "VALID" else dynamic[1] * sh,
                dynamic[2] * sw + max(kw - sw, 0) if mode == "VALID" else dynamic[2] * sw,
                filters])
        outputs = nn.conv2d_backprop_input(out_shape, kernel, x, [1, sh, sw, 1], mode,
                                           name="conv2d_transpose")
        outputs.set_shape(static)
        if bias is not None:
            outputs = nn.bias_add(outputs, bias)
        if activation is not None:
            outputs = activation(outputs)
        _activity(outputs, activity_regularizer)
    return outputs


def batch_normalization(inputs, axis: int = -1, momentum: float = 0.99,
                        epsilon: float = 1e-3, center: bool = True, scale: bool = True,
                        beta_initializer=None, gamma_initializer=None,
                        moving_mean_initializer=None, moving_variance_initializer=None,
                        beta_regularizer=None, gamma_regularizer=None,
                        beta_constraint=None, gamma_constraint=None, training=False,
                        trainable: bool = True, name: str | None = None, reuse=None,
                        renorm: bool = False, renorm_clipping=None,
                        renorm_momentum: float = 0.99, fused=None, virtual_batch_size=None,
                        adjustment=None) -> Tensor:
    """`tf.layers.batch_normalization`: normalizes over every axis but `axis` with the
    batch statistics when `training` (a bool or a boolean tensor) is true, else with the
    moving statistics; variables "<scope>/gamma", "beta", "moving_mean",
    "moving_variance". In training, the moving averages move toward the batch statistics
    through ops added to UPDATE_OPS (run them, e.g. as control dependencies of the train
    op)."""
    if renorm or virtual_batch_size is not None or adjustment is not None:
        raise ValueError("graphjit's batch_normalization supports neither renorm, "
                         "virtual_batch_size nor adjustment")
    x = _float_input(inputs)
    rank = x.shape.rank
    if rank is None:
        raise ValueError("batch_normalization needs inputs of known rank")
    if not isinstance(axis, int):
        raise ValueError(f"graphjit's batch_normalization normalizes over one feature axis, "
                         f"got axis={axis!r}")
    axis = axis % rank
    depth = x.shape[axis]
    if depth is None:
        raise ValueError(f"Input has undefined `axis` dimension. Received input with shape "
                         f"{x.shape} and axis={axis}")
    reduction = [a for a in range(rank) if a != axis]
    param_dtype = dtypes.float32 if x.dtype == dtypes.float32 else x.dtype

    def init(given, default):
        return default if given is None else given

    with _layer_scope(name, "batch_normalization", reuse):
        gamma = get_variable("gamma", [depth], param_dtype,
                             init(gamma_initializer, initializers.ones_initializer()),
                             gamma_regularizer, trainable,
                             constraint=gamma_constraint) if scale else None
        beta = get_variable("beta", [depth], param_dtype,
                            init(beta_initializer, initializers.zeros_initializer()),
                            beta_regularizer, trainable,
                            constraint=beta_constraint) if center else None
        moving_mean = get_variable(
            "moving_mean", [depth], param_dtype,
            init(moving_mean_initializer, initializers.zeros_initializer()), trainable=False)
        moving_variance = get_variable(
            "moving_variance", [depth], param_dtype,
            init(moving_variance_initializer, initializers.ones_initializer()),
            trainable=False)
        broadcast = [1] * rank
        broadcast[axis] = depth

        def shaped(v):
            return v if v is None or axis == rank - 1 else array_ops.reshape(v, broadcast)

        if isinstance(training, bool) and not training:
            mean, variance = moving_mean, moving_variance
        else:
            mean, variance = nn.moments(x, reduction)
            count = 1
            for a in reduction:
                count = None if count is None or x.shape[a] is None else count * x.shape[a]
            if rank == 4 and axis in (1, 3):
                # TF's fused kernel moves the moving variance toward the unbiased variance.
                if count is None:
                    n = math_ops.cast(reduce_ops.reduce_prod(
                        array_ops.gather(array_ops.shape(x), reduction)), param_dtype)
                    unbiased = variance * n / math_ops.maximum(n - 1.0, 1.0)
                else:
                    unbiased = variance * (count / max(count - 1, 1))
            else:
                unbiased = variance
            decay = 1.0 - momentum
            if isinstance(training, bool):
                mean_delta = (moving_mean - mean) * decay
                variance_delta = (moving_variance - unbiased) * decay
            else:
                training = convert_to_tensor(training, dtype=dtypes.bool_)
                mean = math_ops.where_v2(training, mean, moving_mean)
                variance = math_ops.where_v2(training, variance, moving_variance)
                zero = array_ops.zeros([depth], param_dtype)
                mean_delta = math_ops.where_v2(training, (moving_mean - mean) * decay, zero)
                variance_delta = math_ops.where_v2(
                    training, (moving_variance - unbiased) * decay, zero)
            graph = get_default_graph()
            for variable, delta in ((moving_mean, mean_delta),
                                    (moving_variance, variance_delta)):
                graph.add_to_collection(GraphKeys.UPDATE_OPS, assign_sub(variable, delta))
        outputs = nn.batch_normalization(x, shaped(mean), shaped(variance), shaped(beta),
                                         shaped(gamma), epsilon)
    return outputs


# -- class forms ----------------------------------------------------------------------------


class Layer:
    """TF1's legacy `tf.layers.Layer`, as thin classes over the functions above: the
    constructor takes the function's arguments after `inputs` (in its order), the first
    call opens the layer's scopes (made unique as the function's are) and creates its
    variables, and later calls re-enter the same scopes and share those variables (op
    names go on "dense/MatMul_1", as in TF)."""

    _function: Callable = staticmethod(lambda inputs: inputs)
    _call_args: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        parameters = inspect.signature(self._function).parameters
        names = [n for n in parameters if n not in ("inputs", "reuse") + self._call_args]
        if len(args) > len(names):
            raise TypeError(f"{type(self).__name__} takes at most {len(names)} positional "
                            f"arguments, got {len(args)}")
        config = dict(zip(names, args))
        for key, value in kwargs.items():
            if key == "dtype":
                continue  # variables take the inputs' dtype, as the functions do
            if key not in names or key in config:
                raise TypeError(f"{type(self).__name__} got an unexpected or repeated "
                                f"argument {key!r}")
            config[key] = value
        self._config = config
        self._scope: VariableScope | None = None
        self._graph = None
        self.built = False

    @property
    def name(self) -> str:
        if self._scope is not None:
            return self._scope.name
        return self._config.get("name") or self._function.__name__

    def __call__(self, inputs, *args, **kwargs) -> Tensor:
        call = dict(zip(self._call_args, args))
        call.update(kwargs)
        unknown = set(call) - set(self._call_args)
        if unknown:
            raise TypeError(f"{type(self).__name__} call got unexpected arguments "
                            f"{sorted(unknown)}")
        graph = get_default_graph()
        if self._graph is not None and graph is not self._graph:
            raise ValueError(f"Layer {self.name} was first called in another graph")
        _CALLING.append(self)
        try:
            outputs = self._function(inputs, **self._config, **call)
        finally:
            _CALLING.pop()
        self._graph = graph
        self.built = True
        return outputs

    apply = __call__

    # -- variables --------------------------------------------------------------------
    @property
    def weights(self) -> list:
        """The layer's variables: trainable first, then the others (as TF)."""
        return self.trainable_weights + self.non_trainable_weights

    variables = weights

    def _own(self, key: str) -> list:
        if self._scope is None:
            return []
        prefix = self._scope.name + "/"
        return [v for v in self._graph.get_collection(key) if v.name.startswith(prefix)]

    @property
    def trainable_weights(self) -> list:
        return self._own(GraphKeys.TRAINABLE_VARIABLES)

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self) -> list:
        trainable = set(map(id, self.trainable_weights))
        return [v for v in self._own(GraphKeys.GLOBAL_VARIABLES) if id(v) not in trainable]

    non_trainable_variables = non_trainable_weights

    def __getattr__(self, attr: str):
        # TF's named weights: dense.kernel, dense.bias, batch_norm.moving_mean, ...
        if attr.startswith("_"):
            raise AttributeError(attr)
        for v in self.weights:
            if v.name.split("/")[-1].split(":")[0] == attr:
                return v
        raise AttributeError(f"{type(self).__name__} has no attribute {attr!r}")


class Dense(Layer):
    """`tf.layers.Dense` (see `dense`)."""
    _function = staticmethod(dense)


class Conv1D(Layer):
    """`tf.layers.Conv1D` (see `conv1d`)."""
    _function = staticmethod(conv1d)


class Conv2D(Layer):
    """`tf.layers.Conv2D` (see `conv2d`)."""
    _function = staticmethod(conv2d)


class Conv2DTranspose(Layer):
    """`tf.layers.Conv2DTranspose` (see `conv2d_transpose`)."""
    _function = staticmethod(conv2d_transpose)


class MaxPooling2D(Layer):
    """`tf.layers.MaxPooling2D` (see `max_pooling2d`)."""
    _function = staticmethod(max_pooling2d)


class AveragePooling2D(Layer):
    """`tf.layers.AveragePooling2D` (see `average_pooling2d`)."""
    _function = staticmethod(average_pooling2d)


class Flatten(Layer):
    """`tf.layers.Flatten` (see `flatten`)."""
    _function = staticmethod(flatten)


class Dropout(Layer):
    """`tf.layers.Dropout`: `layer(inputs, training=False)` (see `dropout`)."""
    _function = staticmethod(dropout)
    _call_args = ("training",)


class BatchNormalization(Layer):
    """`tf.layers.BatchNormalization`: `layer(inputs, training=False)` (see
    `batch_normalization`); its moving-average updates go to UPDATE_OPS."""
    _function = staticmethod(batch_normalization)
    _call_args = ("training",)


__all__ = ["Layer", "Dense", "Conv1D", "Conv2D", "Conv2DTranspose", "MaxPooling2D",
           "AveragePooling2D", "Flatten", "Dropout", "BatchNormalization", "conv1d",
           "dense", "conv2d", "conv2d_transpose", "max_pooling2d", "average_pooling2d",
           "flatten", "dropout", "batch_normalization"]
