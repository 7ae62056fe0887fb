"""Cases for graphlib/ops/linalg.py: matmul in every transpose combination, batched and
broadcast, integer dtypes and the `@` operator."""

import numpy as np

from tests.opcases import Case, f32, i32, i64


def _t(x):
    return np.swapaxes(x, -1, -2)


CASES = [
    Case("matmul", lambda tf, a, b: tf.matmul(a, b), [f32(2, 3), f32(3, 4, seed=1)],
         lambda a, b: a @ b, grad2=True),
    Case("matmul_transpose_a", lambda tf, a, b: tf.matmul(a, b, transpose_a=True),
         [f32(3, 2), f32(3, 4, seed=1)], lambda a, b: a.T @ b, grad2=True),
    Case("matmul_transpose_b", lambda tf, a, b: tf.matmul(a, b, transpose_b=True),
         [f32(2, 3), f32(4, 3, seed=1)], lambda a, b: a @ b.T, grad2=True),
    Case("matmul_transpose_both",
         lambda tf, a, b: tf.matmul(a, b, transpose_a=True, transpose_b=True),
         [f32(3, 2), f32(4, 3, seed=1)], lambda a, b: a.T @ b.T, grad2=True),
    Case("matmul_adjoint", lambda tf, a, b: tf.matmul(a, b, adjoint_a=True, adjoint_b=True),
         [f32(3, 2), f32(4, 3, seed=1)], lambda a, b: a.T @ b.T),
    Case("matmul_batched", lambda tf, a, b: tf.matmul(a, b), [f32(2, 3, 4), f32(2, 4, 5,
                                                                              seed=1)],
         lambda a, b: np.einsum("bij,bjk->bik", a, b), grad2=True),
    Case("matmul_batched_transpose",
         lambda tf, a, b: tf.matmul(a, b, transpose_a=True, transpose_b=True),
         [f32(2, 4, 3), f32(2, 5, 4, seed=1)], lambda a, b: _t(a) @ _t(b)),
    Case("matmul_broadcast_batch", lambda tf, a, b: tf.matmul(a, b),
         [f32(2, 1, 3, 4), f32(5, 4, 2, seed=1)],
         lambda a, b: np.einsum("xyij,yjk->xyik", np.broadcast_to(a, (2, 5, 3, 4)), b),
         grad2=True),
    Case("matmul_matrix_times_batch", lambda tf, a, b: tf.matmul(a, b, transpose_b=True),
         [f32(3, 4), f32(2, 5, 4, seed=1)],
         lambda a, b: np.stack([a @ b[i].T for i in range(2)])),
    Case("matmul_int32", lambda tf, a, b: tf.matmul(a, b), [i32(2, 3), i32(3, 2, seed=1)],
         lambda a, b: (a.astype(np.int64) @ b).astype(np.int32), grad=False),
    Case("matmul_int64_batched", lambda tf, a, b: tf.matmul(a, b, transpose_a=True),
         [i64(2, 3, 2), i64(2, 3, 4, seed=1)], lambda a, b: _t(a) @ b, grad=False),
    Case("matmul_operator",
         lambda tf, a, b: [a @ b, np.ones((4, 2), np.float32) @ a,
                           tf.Variable(np.eye(3) * 2.0, dtype=b.dtype) @ b],
         [f32(2, 3), f32(3, 3, seed=1)],
         lambda a, b: [a @ b, np.ones((4, 2), np.float32) @ a, 2.0 * b]),
    Case("matmul_empty_inner", lambda tf, a, b: tf.matmul(a, b),
         [np.zeros((2, 0), np.float32), np.zeros((0, 3), np.float32)],
         lambda a, b: np.zeros((2, 3), np.float32), grad=False),
]
