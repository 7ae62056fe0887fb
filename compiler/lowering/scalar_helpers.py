"""Scalar helpers that the CPU and CUDA backends compile alike: plain Python functions,
compiled by `fastmath` with `numba.njit` (inlined into generated CPU kernels) and by
`cuda_math` as CUDA device functions. Each is written so that both compilers type it the
same way: results built from the arguments (`x - x` for a zero of x's type) rather than
from Python int literals, selects rather than bool arithmetic.

What is not here differs by backend on purpose: the CPU's vectorizable polynomial
transcendentals and NumPy-exact floor/ceil/rint/sqrt, the GPU's libdevice calls and its
own NaN handling for floating floor division and modulo.

May import: math only.
"""

from __future__ import annotations

import math


def sin_any(x):
    return math.sin(x)


def cos_any(x):
    return math.cos(x)


def pow_float(x, y):
    return x ** y


def pow_int(x, y):
    """Integer power by squaring (NumPy wraps on overflow; a negative exponent is an
    error in NumPy and TF: here it gives 0 unless |x| == 1)."""
    if y < 0:
        return 1 if x == 1 else ((1 if y % 2 == 0 else -1) if x == -1 else 0)
    result = x - x + 1
    base = x
    while y:
        if y & 1:
            result *= base
        base *= base
        y >>= 1
    return result


def sign_float(x):
    r = (1.0 if x > 0 else 0.0) - (1.0 if x < 0 else 0.0)
    return x if x != x else r


def sign_int(x):
    return (1 if x > 0 else 0) - (1 if x < 0 else 0)


def maximum_float(x, y):
    """NumPy's maximum: NaN in either input gives NaN."""
    return x if (x >= y or x != x) else y


def minimum_float(x, y):
    return x if (x <= y or x != x) else y


def maximum_int(x, y):
    return x if x >= y else y


def minimum_int(x, y):
    return x if x <= y else y


def floordiv_int(x, y):
    """NumPy's integer floor_divide, with x // 0 == 0 (scalar.py's meaning)."""
    if y == 0:
        return x - x
    return x // y


def floormod_int(x, y):
    if y == 0:
        return x - x
    return x - (x // y) * y


FUNCTIONS = (sin_any, cos_any, pow_float, pow_int, sign_float, sign_int, maximum_float,
             minimum_float, maximum_int, minimum_int, floordiv_int, floormod_int)
