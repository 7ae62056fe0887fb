"""CUDA device functions for the scalar-language names, one per `fastmath.IMPLEMENTATIONS`
entry, under the same names.

codegen.emit_steps writes calls such as `fm.exp_f32(x)` (names from
`fastmath.implementation`); a CUDA kernel module imports this module as `fm`, so the same
emitted expression text runs on the GPU. Here the functions call CUDA's libdevice through
`math` (`math.exp` of a float32 is `__nv_expf`, within 2 ulp), which is what a GPU does
fast: the CPU module's polynomial tricks exist only to make LLVM vectorize. Semantics
follow the CPU functions (NaN handling of maximum/minimum/sign, TF floor division and
NumPy's floor modulo, integer power by squaring, x // 0 == 0 for integers).

Under `NUMBA_ENABLE_CUDASIM=1` these are plain Python functions on NumPy scalars; the
kernel casts every result to its dtype, as on the device.

May import: math, numpy, numba, compiler.lowering.scalar_helpers.
"""

from __future__ import annotations

import hashlib
import math
import pathlib

import numpy as np
from numba import cuda

from . import scalar_helpers

_device = cuda.jit(device=True, inline=True)

_F32 = np.float32
_F64 = np.float64


@_device
def exp_f32(x):
    return math.exp(x)


@_device
def exp_f64(x):
    return math.exp(x)


@_device
def log_f32(x):
    return math.log(x) if x > 0 else (_F32(-np.inf) if x == 0 else _F32(np.nan))


@_device
def log_f64(x):
    return math.log(x) if x > 0 else (-np.inf if x == 0 else np.nan)


@_device
def log1p_f32(x):
    return math.log1p(x) if x > -1 else (_F32(-np.inf) if x == -1 else _F32(np.nan))


@_device
def log1p_f64(x):
    return math.log1p(x) if x > -1 else (-np.inf if x == -1 else np.nan)


@_device
def expm1_f32(x):
    return math.expm1(x)


@_device
def expm1_f64(x):
    return math.expm1(x)


@_device
def tanh_f32(x):
    return math.tanh(x)


@_device
def tanh_f64(x):
    return math.tanh(x)


@_device
def sigmoid_f32(x):
    return _F32(1.0) / (_F32(1.0) + _F32(math.exp(-x)))


@_device
def sigmoid_f64(x):
    return 1.0 / (1.0 + math.exp(-x))


@_device
def softplus_f32(x):
    r = max(x, _F32(0.0)) + _F32(math.log1p(_F32(math.exp(-abs(x)))))
    return x if x != x else r


@_device
def softplus_f64(x):
    r = max(x, 0.0) + math.log1p(math.exp(-abs(x)))
    return x if x != x else r


@_device
def sqrt_any(x):
    return math.sqrt(x) if x >= 0 else (x if x != x else x * np.nan)




_INTEGRAL = 4503599627370496.0  # 2**52: every float at least this large is an integer


@_device
def floor_any(x):
    # math.floor returns an int64 (only called where the result fits), which has no
    # -0.0: copysign restores the zero's sign (floor(-0.0) is -0.0, as in NumPy); a
    # nonzero result always has x's sign
    return math.copysign(_F64(math.floor(x)), x) if abs(x) < _INTEGRAL else x


@_device
def ceil_any(x):
    # as floor_any: ceil(-0.47) is -0.0 (so rsqrt of it is -inf, as in NumPy and TF)
    return math.copysign(_F64(math.ceil(x)), x) if abs(x) < _INTEGRAL else x


@_device
def rint_any(x):
    """Round half to even, as NumPy's rint (Python's round on floats does the same)."""
    if not abs(x) < _INTEGRAL:
        return x
    f = _F64(math.floor(x))
    d = x - f
    if d > 0.5 or (d == 0.5 and f % 2 != 0):
        f += 1
    return math.copysign(f, x)  # rint(-0.4) and rint(-0.5) are -0.0, as in NumPy












@_device
def floordiv_float(a, b):
    q = a / b
    return _F64(math.floor(q)) if abs(q) < _INTEGRAL else q


@_device
def floormod_float(a, b):
    if b == 0.0 or a - a != 0:  # NumPy: NaN (Python's fmod would raise)
        return math.nan
    mod = math.fmod(a, b)
    if mod != 0.0:
        if (b < 0.0) != (mod < 0.0):
            mod += b
        return mod
    return math.copysign(0.0, b)


# The helpers both backends share (compiler/lowering/scalar_helpers.py), compiled here.
globals().update({f.__name__: _device(f) for f in scalar_helpers.FUNCTIONS})

SOURCE_HASH = hashlib.sha256(pathlib.Path(__file__).read_bytes() + pathlib.Path(
    scalar_helpers.__file__).read_bytes()).hexdigest()[:16]
"""Generated CUDA kernels embed this, so editing this file changes their cache key."""
