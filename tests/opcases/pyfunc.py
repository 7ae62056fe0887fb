"""Cases for graphlib/ops/pyfunc.py: py_func and numpy_function with one, several and no
outputs, integer and float dtypes (no gradient: TF's PyFunc is not differentiable)."""

import numpy as np

from tests.opcases import Case, f32, i32


def _affine(v):
    return v * 2 + 1


def _cumsum32(v):
    return np.cumsum(v, dtype=np.int32)


def _split_sign(v, k):
    return np.maximum(v, 0), (v < 0).astype(np.int32) + k


CASES = [
    Case("py_func", lambda tf, x: tf.py_func(_affine, [x], tf.float32), [f32(2, 3)],
         lambda x: x * 2 + 1, grad=False),
    Case("py_func_two_outputs",
         lambda tf, x, k: tf.py_func(_split_sign, [x, k], [tf.float32, tf.int32]),
         [f32(4), i32(4, seed=1)], lambda x, k: list(_split_sign(x, k)), grad=False),
    Case("numpy_function", lambda tf, x: tf.numpy_function(_cumsum32, [x], tf.int32) + 1,
         [i32(5)], lambda x: np.cumsum(x).astype(np.int32) + 1, grad=False),
]
