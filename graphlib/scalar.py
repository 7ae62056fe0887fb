"""The scalar expression language of elementwise ops.

An elementwise OpDef's `scalar` field is a Python expression over `{0}`, `{1}`, ... (its
inputs) using arithmetic and comparison operators and only the functions named in
`FUNCTIONS`. The code generators (Numba CPU and CUDA) provide a fast implementation of each
name; `evaluate` gives their NumPy meaning, which must agree with the op's reference kernel
(a test checks this for every elementwise op). The result is cast to the op's output dtype.

May import: numpy only.
"""

from __future__ import annotations

import numpy as np


def _floordiv(x, y):
    if np.result_type(x, y).kind in "iu":
        return np.floor_divide(x, y, where=y != 0, out=np.zeros(np.broadcast(x, y).shape,
                                                                  np.result_type(x, y)))
    return np.floor(np.true_divide(x, y))  # TF's FloorDiv, not NumPy's divmod quotient


def _floormod(x, y):
    if np.result_type(x, y).kind in "iu":
        return np.mod(x, y, where=y != 0, out=np.zeros(np.broadcast(x, y).shape,
                                                       np.result_type(x, y)))
    return np.mod(x, y)


def ieee_pow(x, y):
    """`x ** y` with C99 `pow`'s special cases (as TF and the compiled kernels): NumPy's
    scalar-exponent fast paths give pow(-inf, 0.5) = nan and pow(-0.0, 0.5) = -0.0."""
    result = np.power(x, y)
    if np.result_type(x, y).kind != "f":
        return result
    x, y = np.broadcast_arrays(np.asarray(x), np.asarray(y))
    odd_integer = (np.mod(y, 2) == 1) | (np.mod(y, 2) == -1)
    fix_inf = np.isneginf(x) & ~odd_integer & ~np.isnan(y)
    fix_zero = (x == 0) & (y > 0) & ~odd_integer
    if fix_inf.any() or fix_zero.any():
        result = np.array(result, copy=True)
        result[fix_inf] = np.where(y[fix_inf] > 0, np.inf, 0.0)
        result[fix_zero] = 0.0
    return result


FUNCTIONS = {
    "exp": np.exp,
    "log": np.log,
    "log1p": np.log1p,
    "expm1": np.expm1,
    "tanh": np.tanh,
    "sigmoid": lambda x: (1 / (1 + np.exp(-x))).astype(np.result_type(x)),
    "softplus": lambda x: np.logaddexp(np.zeros_like(x), x),
    "sqrt": np.sqrt,
    "rsqrt": lambda x: (1 / np.sqrt(x)).astype(np.result_type(x)),
    "reciprocal": lambda x: (1 / x).astype(np.result_type(x)),
    "abs": np.abs,
    "sign": np.sign,
    "floor": np.floor,
    "ceil": np.ceil,
    "rint": np.rint,
    "sin": np.sin,
    "cos": np.cos,
    "pow": ieee_pow,
    "maximum": np.maximum,
    "minimum": np.minimum,
    "floordiv": _floordiv,
    "floormod": _floormod,
    "where": np.where,
    "logical_and": np.logical_and,
    "logical_or": np.logical_or,
    "logical_not": np.logical_not,
    "isnan": np.isnan,
    "isfinite": np.isfinite,
}


def evaluate(expression: str, inputs, out_dtype) -> np.ndarray:
    """The NumPy meaning of a scalar expression applied elementwise to `inputs`."""
    names = [f"_in{i}" for i in range(len(inputs))]
    code = expression.format(*names)
    scope = dict(FUNCTIONS)
    scope.update(zip(names, (np.asarray(a) for a in inputs)))
    with np.errstate(all="ignore"):
        result = eval(code, {"__builtins__": {}}, scope)  # noqa: S307 - op data, not input
    return np.asarray(result).astype(out_dtype)
