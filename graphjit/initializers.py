"""`tf.initializers` / `tf.*_initializer`: TF1's initializer classes (init_ops.py).

An initializer is called as `init(shape, dtype=None, partition_info=None)` and returns a
tensor built from the public builders (constants, zeros/ones, the random ops), so the
ops land in the calling scope (a variable's "<name>/Initializer/..."). A `dtype` given to
the call wins over the one given to the constructor. Random initializers take a `seed`
combined with the graph seed as every random op does; their values are graphjit's own
draws, not TensorFlow's bits.

May import: graphjit.graphlib.
"""

from __future__ import annotations

import math

import numpy as np

from .graphlib import dtypes
from .graphlib.graph import Tensor
from .graphlib.ops import array as _array
from .graphlib.ops import core as _core
from .graphlib.ops import math as _math
from .graphlib.ops import random as _random
from .graphlib.variable_scope import compute_fans

# scipy.stats.truncnorm.std(a=-2, b=2): the stddev of a standard normal truncated at 2.
_TRUNCATED_STDDEV = .87962566103423978


def _float_dtype(dtype) -> dtypes.DType:
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise ValueError(f"Argument `dtype` is expected to be floating point. Received: "
                         f"{dtype.name}.")
    return dtype


class Initializer:
    """The base class: `__call__(shape, dtype=None, partition_info=None)` makes the value;
    `get_config()`/`from_config()` round-trip the constructor arguments."""

    def __call__(self, shape, dtype=None, partition_info=None) -> Tensor:
        raise TypeError(f"{type(self).__name__} is an abstract initializer; use a subclass")

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Initializer:
        return cls(**config)


class Zeros(Initializer):
    """`tf.zeros_initializer`: all zeros."""

    def __init__(self, dtype=dtypes.float32):
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None) -> Tensor:
        return _array.zeros(shape, dtypes.as_dtype(dtype or self.dtype))

    def get_config(self) -> dict:
        return {"dtype": self.dtype.name}


class Ones(Initializer):
    """`tf.ones_initializer`: all ones."""

    def __init__(self, dtype=dtypes.float32):
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None) -> Tensor:
        return _array.ones(shape, dtypes.as_dtype(dtype or self.dtype))

    def get_config(self) -> dict:
        return {"dtype": self.dtype.name}


class Constant(Initializer):
    """`tf.constant_initializer(value)`: a scalar fills the shape; a list or array of
    exactly the shape's size is reshaped to it."""

    def __init__(self, value=0, dtype=dtypes.float32, verify_shape=False):
        if not (np.isscalar(value) or isinstance(value, (list, tuple, np.ndarray))):
            raise TypeError(f"Invalid type for initial value={value} of type: "
                            f"{type(value).__name__}. Expected Python scalar, list or tuple "
                            "of values, or numpy.ndarray.")
        self.value = value
        self.dtype = dtypes.as_dtype(dtype)
        self._verify_shape = verify_shape

    def __call__(self, shape, dtype=None, partition_info=None, verify_shape=None) -> Tensor:
        if verify_shape is None:
            verify_shape = self._verify_shape
        return _core.constant(self.value, dtype=dtypes.as_dtype(dtype or self.dtype),
                              shape=shape, verify_shape=verify_shape)

    def get_config(self) -> dict:
        return {"value": self.value, "dtype": self.dtype.name}


class RandomUniform(Initializer):
    """`tf.random_uniform_initializer(minval, maxval)`: uniform in [minval, maxval)."""

    def __init__(self, minval=.0, maxval=None, seed=None, dtype=dtypes.float32):
        self.minval = minval
        self.maxval = maxval
        self.seed = seed
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None) -> Tensor:
        return _random.random_uniform(shape, self.minval, self.maxval,
                              dtypes.as_dtype(dtype or self.dtype), seed=self.seed)

    def get_config(self) -> dict:
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed,
                "dtype": self.dtype.name}


class RandomNormal(Initializer):
    """`tf.random_normal_initializer(mean, stddev)`."""

    def __init__(self, mean=0.0, stddev=1.0, seed=None, dtype=dtypes.float32):
        self.mean = mean
        self.stddev = stddev
        self.seed = seed
        self.dtype = _float_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None) -> Tensor:
        return _random.random_normal(shape, self.mean, self.stddev,
                             _float_dtype(dtype or self.dtype), seed=self.seed)

    def get_config(self) -> dict:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed,
                "dtype": self.dtype.name}


class TruncatedNormal(RandomNormal):
    """`tf.truncated_normal_initializer(mean, stddev)`: draws beyond 2 stddevs redrawn."""

    def __call__(self, shape, dtype=None, partition_info=None) -> Tensor:
        return _random.truncated_normal(shape, self.mean, self.stddev,
                                _float_dtype(dtype or self.dtype), seed=self.seed)


class VarianceScaling(Initializer):
    """`tf.variance_scaling_initializer`: variance `scale / n` where n is fan_in, fan_out
    or their mean (`mode`), drawn from a truncated normal (`"truncated_normal"`, also
    spelt `"normal"`), a normal (`"untruncated_normal"`) or a uniform distribution."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 dtype=dtypes.float32):
        if scale <= 0.:
            raise ValueError(f"Argument `scale` must be a positive float. Received: {scale}")
        if mode not in {"fan_in", "fan_out", "fan_avg"}:
            raise ValueError("Argument `mode` should be one of ('fan_in', 'fan_out', "
                             f"'fan_avg'). Received: {mode}")
        distribution = distribution.lower()
        if distribution not in {"normal", "uniform", "truncated_normal",
                                "untruncated_normal"}:
            raise ValueError("Argument `distribution` should be one of ('normal', "
                             "uniform', 'truncated_normal', 'untruncated_normal'). "
                             f"Received: {distribution}")
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.seed = seed
        self.dtype = _float_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None) -> Tensor:
        dtype = _float_dtype(dtype or self.dtype)
        scale_shape = shape if partition_info is None else partition_info.full_shape
        fan_in, fan_out = compute_fans(scale_shape)
        scale = self.scale
        if self.mode == "fan_in":
            scale /= max(1., fan_in)
        elif self.mode == "fan_out":
            scale /= max(1., fan_out)
        else:
            scale /= max(1., (fan_in + fan_out) / 2.)
        if self.distribution in ("normal", "truncated_normal"):
            stddev = math.sqrt(scale) / _TRUNCATED_STDDEV
            return _random.truncated_normal(shape, 0.0, stddev, dtype, seed=self.seed)
        if self.distribution == "untruncated_normal":
            return _random.random_normal(shape, 0.0, math.sqrt(scale), dtype, seed=self.seed)
        limit = math.sqrt(3.0 * scale)
        return _random.random_uniform(shape, -limit, limit, dtype, seed=self.seed)

    def get_config(self) -> dict:
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed, "dtype": self.dtype.name}


class GlorotUniform(VarianceScaling):
    """`tf.glorot_uniform_initializer`: uniform in +-sqrt(6 / (fan_in + fan_out)); the
    default initializer of `get_variable` for floats."""

    def __init__(self, seed=None, dtype=dtypes.float32):
        super().__init__(scale=1.0, mode="fan_avg", distribution="uniform", seed=seed,
                         dtype=dtype)

    def get_config(self) -> dict:
        return {"seed": self.seed, "dtype": self.dtype.name}


class GlorotNormal(VarianceScaling):
    """`tf.glorot_normal_initializer`: truncated normal with stddev
    sqrt(2 / (fan_in + fan_out))."""

    def __init__(self, seed=None, dtype=dtypes.float32):
        super().__init__(scale=1.0, mode="fan_avg", distribution="truncated_normal",
                         seed=seed, dtype=dtype)

    def get_config(self) -> dict:
        return {"seed": self.seed, "dtype": self.dtype.name}


class Orthogonal(Initializer):
    """`tf.orthogonal_initializer`: a (semi-)orthogonal matrix, made as TF makes it: the
    Q of a normal matrix's QR (signs fixed by R's diagonal), reshaped to `shape` (all but
    the last dimension flattened into rows) and scaled by `gain`."""

    def __init__(self, gain=1.0, seed=None, dtype=dtypes.float32):
        self.gain = gain
        self.seed = seed
        self.dtype = _float_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None) -> Tensor:
        from .graphlib.ops.extra import matrix_diag_part
        from .graphlib.ops.linalg import qr

        dtype = _float_dtype(dtype or self.dtype)
        shape = [int(d) for d in shape]
        if len(shape) < 2:
            raise ValueError("The tensor to initialize must be at least two-dimensional")
        num_rows = int(np.prod(shape[:-1]))
        num_cols = shape[-1]
        flat = (num_cols, num_rows) if num_rows < num_cols else (num_rows, num_cols)
        q, r = qr(_random.random_normal(flat, dtype=dtype, seed=self.seed))
        q = _math.multiply(q, _math.sign(matrix_diag_part(r)))
        if num_rows < num_cols:
            q = _array.transpose(q)
        return _math.multiply(_array.reshape(q, shape), _core.constant(self.gain, dtype))

    def get_config(self) -> dict:
        return {"gain": self.gain, "seed": self.seed, "dtype": self.dtype.name}


class UniformUnitScaling(Initializer):
    """`tf.uniform_unit_scaling_initializer` (deprecated in TF1): uniform in
    +-factor * sqrt(3 / input_size), input_size the product of all but the last dim."""

    def __init__(self, factor=1.0, seed=None, dtype=dtypes.float32):
        self.factor = factor
        self.seed = seed
        self.dtype = _float_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None) -> Tensor:
        dtype = _float_dtype(dtype or self.dtype)
        scale_shape = shape if partition_info is None else partition_info.full_shape
        input_size = max(float(np.prod([float(d) for d in list(scale_shape)[:-1]])), 1.0)
        max_val = math.sqrt(3 / input_size) * self.factor
        return _random.random_uniform(shape, -max_val, max_val, dtype, seed=self.seed)

    def get_config(self) -> dict:
        return {"factor": self.factor, "seed": self.seed, "dtype": self.dtype.name}


def he_normal(seed=None) -> VarianceScaling:
    """`tf.initializers.he_normal`: truncated normal, variance 2 / fan_in."""
    return VarianceScaling(scale=2., mode="fan_in", distribution="truncated_normal",
                           seed=seed)


def he_uniform(seed=None) -> VarianceScaling:
    """`tf.initializers.he_uniform`: uniform, variance 2 / fan_in."""
    return VarianceScaling(scale=2., mode="fan_in", distribution="uniform", seed=seed)


def lecun_normal(seed=None) -> VarianceScaling:
    """`tf.initializers.lecun_normal`: truncated normal, variance 1 / fan_in."""
    return VarianceScaling(scale=1., mode="fan_in", distribution="truncated_normal",
                           seed=seed)


def lecun_uniform(seed=None) -> VarianceScaling:
    """`tf.initializers.lecun_uniform`: uniform, variance 1 / fan_in."""
    return VarianceScaling(scale=1., mode="fan_in", distribution="uniform", seed=seed)


# TF1's lower-case names for the classes (`tf.zeros_initializer()`, `tf.initializers.zeros`);
# they may shadow the builders because this module reaches those through their modules.
zeros_initializer = zeros = Zeros
ones_initializer = ones = Ones
constant_initializer = constant = Constant
random_uniform_initializer = random_uniform = RandomUniform
random_normal_initializer = random_normal = RandomNormal
truncated_normal_initializer = truncated_normal = TruncatedNormal
variance_scaling_initializer = variance_scaling = VarianceScaling
glorot_uniform_initializer = glorot_uniform = GlorotUniform
glorot_normal_initializer = glorot_normal = GlorotNormal
orthogonal_initializer = orthogonal = Orthogonal
uniform_unit_scaling_initializer = UniformUnitScaling

__all__ = ["Initializer", "Zeros", "Ones", "Constant", "RandomUniform", "RandomNormal",
           "TruncatedNormal", "VarianceScaling", "GlorotUniform", "GlorotNormal",
           "zeros_initializer", "ones_initializer", "constant_initializer",
           "random_uniform_initializer", "random_normal_initializer",
           "truncated_normal_initializer", "variance_scaling_initializer",
           "glorot_uniform_initializer", "glorot_normal_initializer", "he_normal",
           "he_uniform", "lecun_normal", "lecun_uniform", "Orthogonal", "UniformUnitScaling",
           "orthogonal_initializer", "uniform_unit_scaling_initializer"]
