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
    "pow": np.power,
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
