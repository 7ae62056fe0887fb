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


# -- decompositions and solvers ----------------------------------------------------------------
# Inputs are well conditioned (diagonally dominant, distinct spectra) so float32 values and
# float64 finite differences are stable. Singular vectors and eigenvectors are defined up to
# sign (TF's Eigen kernels and LAPACK pick differently), so those cases fix each column's
# sign by its first row; sign() has a zero gradient, so the gradients are unchanged.

def _well(*shape, seed=0):
    n = shape[-1]
    return (f32(*shape, seed=seed, low=-1.0, high=1.0) + 3.0 * np.eye(n)).astype(np.float32)


def _spd(tf, x):
    n = x.shape.as_list()[-1]
    return tf.matmul(x, x, transpose_b=True) + 3.0 * tf.eye(n, dtype=x.dtype)


def _spd_np(x):
    return x @ _t(x) + 3.0 * np.eye(x.shape[-1], dtype=x.dtype)


def _fix_signs(tf, *mats):
    ref = tf.sign(mats[0][..., :1, :])
    return [m * ref for m in mats]


def _fix_signs_np(*mats):
    ref = np.sign(mats[0][..., :1, :])
    return [m * ref for m in mats]


def _svd_np(a, full):
    u, s, vh = np.linalg.svd(a.astype(np.float64), full_matrices=full)
    return [s] + _fix_signs_np(u, _t(vh))


_ASYM = _spd_np(f32(3, 3, seed=4)) + np.triu(np.full((3, 3), 5.0, np.float32), 1)

CASES += [
    Case("matrix_inverse", lambda tf, a: tf.matrix_inverse(a), [_well(2, 3, 3)],
         lambda a: np.linalg.inv(a), grad2=True, rtol=1e-4, atol=1e-5),
    Case("matrix_inverse_adjoint", lambda tf, a: tf.linalg.inv(a, adjoint=True),
         [_well(3, 3, seed=1)], lambda a: np.linalg.inv(a.T), rtol=1e-4, atol=1e-5),
    Case("matrix_determinant", lambda tf, a: tf.matrix_determinant(a),
         [f32(2, 3, 3, seed=2)], lambda a: np.linalg.det(a), grad2=True, rtol=1e-4,
         atol=1e-5),
    Case("log_matrix_determinant", lambda tf, a: list(tf.linalg.slogdet(a)),
         [np.stack([_well(3, 3, seed=3), -_well(3, 3, seed=4)])],
         lambda a: list(np.linalg.slogdet(a)), rtol=1e-4, atol=1e-5),
    Case("matrix_solve", lambda tf, a, b: tf.matrix_solve(a, b),
         [_well(2, 3, 3, seed=5), f32(2, 3, 2, seed=6)], lambda a, b: np.linalg.solve(a, b),
         rtol=1e-4, atol=1e-5),
    Case("matrix_solve_adjoint", lambda tf, a, b: tf.linalg.solve(a, b, adjoint=True),
         [_well(3, 3, seed=7), f32(3, 1, seed=8)], lambda a, b: np.linalg.solve(a.T, b),
         rtol=1e-4, atol=1e-5),
    Case("matrix_triangular_solve",
         lambda tf, a, b: tf.matrix_triangular_solve(a, b),
         [_well(2, 3, 3, seed=9), f32(2, 3, 2, seed=10)],
         lambda a, b: np.linalg.solve(np.tril(a), b), rtol=1e-4, atol=1e-5),
    Case("matrix_triangular_solve_upper_adjoint",
         lambda tf, a, b: tf.linalg.triangular_solve(a, b, lower=False, adjoint=True),
         [_well(3, 3, seed=11), f32(3, 2, seed=12)],
         lambda a, b: np.linalg.solve(np.triu(a).T, b), rtol=1e-4, atol=1e-5),
    Case("matrix_triangular_solve_broadcast",
         lambda tf, a, b: tf.matrix_triangular_solve(a, b, lower=False),
         [_well(2, 1, 3, 3, seed=13), f32(4, 3, 2, seed=14)],
         lambda a, b: np.linalg.solve(np.triu(a), b), rtol=1e-4, atol=1e-5),
    Case("cholesky", lambda tf, x: tf.cholesky(_spd(tf, x)), [f32(2, 3, 3, seed=15)],
         lambda x: np.linalg.cholesky(_spd_np(x)), rtol=1e-4, atol=1e-5),
    Case("cholesky_reads_lower_triangle", lambda tf, a: tf.linalg.cholesky(a), [_ASYM],
         lambda a: np.linalg.cholesky(np.tril(a) + np.tril(a, -1).T), grad=False,
         rtol=1e-4, atol=1e-5),
    Case("cholesky_solve",
         lambda tf, x, b: tf.cholesky_solve(tf.cholesky(_spd(tf, x)), b),
         [f32(3, 3, seed=16), f32(3, 2, seed=17)],
         lambda x, b: np.linalg.solve(_spd_np(x), b), rtol=1e-4, atol=1e-5),
    Case("logdet", lambda tf, x: tf.linalg.logdet(_spd(tf, x)), [f32(2, 3, 3, seed=18)],
         lambda x: np.linalg.slogdet(_spd_np(x))[1], rtol=1e-4, atol=1e-5),
    Case("lstsq_deep", lambda tf, a, b: tf.linalg.lstsq(a, b),
         [f32(5, 3, seed=19), f32(5, 2, seed=20)],
         lambda a, b: np.linalg.lstsq(a.astype(np.float64), b, rcond=None)[0],
         rtol=1e-3, atol=1e-4),
    Case("lstsq_wide_regularized",
         lambda tf, a, b: tf.matrix_solve_ls(a, b, l2_regularizer=0.5),
         [f32(2, 4, seed=21), f32(2, 1, seed=22)],
         lambda a, b: a.T @ np.linalg.solve(a @ a.T + 0.5 * np.eye(2), b),
         rtol=1e-4, atol=1e-5),
    Case("qr_deep", lambda tf, a: list(tf.qr(a)), [f32(2, 4, 3, seed=23)],
         lambda a: list(np.linalg.qr(a)), rtol=1e-4, atol=1e-5),
    Case("qr_wide", lambda tf, a: list(tf.linalg.qr(a)), [f32(3, 5, seed=24)],
         lambda a: list(np.linalg.qr(a)), rtol=1e-4, atol=1e-5),
    Case("qr_full_matrices_deep", lambda tf, a: list(tf.qr(a, full_matrices=True)),
         [f32(4, 2, seed=25)], lambda a: list(np.linalg.qr(a, mode="complete")), grad=False,
         rtol=1e-4, atol=1e-5),
    Case("svd_values", lambda tf, a: tf.svd(a, compute_uv=False), [f32(2, 4, 3, seed=26)],
         lambda a: np.linalg.svd(a, compute_uv=False), rtol=1e-4, atol=1e-5),
    Case("svd_deep", lambda tf, a: (lambda s, u, v: [s] + _fix_signs(tf, u, v))(*tf.svd(a)),
         [f32(2, 4, 3, seed=27)], lambda a: _svd_np(a, False), rtol=1e-4, atol=1e-5),
    Case("svd_wide", lambda tf, a: (lambda s, u, v: [s] + _fix_signs(tf, u, v))(
        *tf.linalg.svd(a)), [f32(3, 5, seed=28)], lambda a: _svd_np(a, False), rtol=1e-4,
         atol=1e-5),
    Case("svd_full_matrices", lambda tf, a: (lambda s, u, v: [s] + _fix_signs(tf, u)
                                             + _fix_signs(tf, v))(
        *tf.svd(a, full_matrices=True)), [f32(3, 4, seed=29)],
         lambda a: (lambda u, s, vh: [s] + _fix_signs_np(u) + _fix_signs_np(_t(vh)))(
             *np.linalg.svd(a.astype(np.float64))), rtol=1e-4, atol=1e-5),
    Case("self_adjoint_eig", lambda tf, x: (lambda e, v: [e] + _fix_signs(tf, v))(
        *tf.self_adjoint_eig(x + tf.matrix_transpose(x))), [f32(2, 3, 3, seed=30)],
         lambda x: (lambda e, v: [e] + _fix_signs_np(v))(*np.linalg.eigh(x + _t(x))),
         rtol=1e-4, atol=1e-5),
    Case("self_adjoint_eig_reads_lower_triangle",
         lambda tf, a: (lambda e, v: [e] + _fix_signs(tf, v))(*tf.linalg.eigh(a)),
         [f32(3, 3, seed=31)],
         lambda a: (lambda e, v: [e] + _fix_signs_np(v))(*np.linalg.eigh(a, UPLO="L")),
         rtol=1e-4, atol=1e-5),
    Case("self_adjoint_eigvals", lambda tf, a: tf.self_adjoint_eigvals(a),
         [f32(2, 3, 3, seed=32)], lambda a: np.linalg.eigvalsh(a), rtol=1e-4, atol=1e-5),
    Case("matrix_transpose", lambda tf, a: [tf.matrix_transpose(a), tf.linalg.adjoint(a)],
         [f32(2, 3, 4, seed=33)], lambda a: [_t(a), _t(a)]),
]
