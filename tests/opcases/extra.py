"""Cases for graphlib/ops/extra.py (gather_nd, scatter_nd, einsum, tensordot, div_no_nan,
identity_n, top_k, in_top_k, sequence_mask, count_nonzero, eye, norm), graphlib/
control_flow.py (cond, case), the new losses and the tf.linalg / tf.random namespaces."""

import numpy as np

from tests.opcases import Case, f32, i32, pos32


def _gather_nd(params, indices):
    return params[tuple(indices[..., k] for k in range(indices.shape[-1]))]


def _scatter_nd(indices, updates, shape):
    out = np.zeros(shape, updates.dtype)
    np.add.at(out, tuple(indices[..., k] for k in range(indices.shape[-1])), updates)
    return out


def _top_k(x, k):
    order = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    return [np.take_along_axis(x, order, -1), order.astype(np.int32)]


def _in_top_k(p, t, k):
    target = p[np.arange(len(t)), t]
    return (p > target[:, None]).sum(1) < k


ROWS = np.array([[0, 1], [2, 3], [0, 1], [1, 0]], np.int32)  # a repeated row: grads sum
TIES = np.array([[1.0, 3.0, 3.0, 2.0, 3.0], [0.0, 0.0, 0.0, 0.0, 1.0]], np.float32)
LENGTHS = np.array([1, 3, 0, 2], np.int32)
ZEROS_IN = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]], np.float32)
DENOM = np.array([0.5, 0.0, -2.0], np.float32)
LABELS01 = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 1.0]], np.float32)

# tf.losses compute in float32 whatever the inputs' dtype: coarser finite differences.
_FLOAT32_INSIDE = {"fd_eps": 1e-3, "grad_tol": 1e-3}

CASES = [
    # -- gather_nd / scatter_nd
    Case("gather_nd_rows", lambda tf, p, i: tf.gather_nd(p, i), [f32(3, 4, 2), ROWS],
         _gather_nd, grad2=True),
    Case("gather_nd_slices", lambda tf, p, i: tf.gather_nd(p, i),
         [f32(3, 4), np.array([[2], [0], [2]], np.int32)], _gather_nd),
    Case("gather_nd_batch_of_points", lambda tf, p, i: tf.gather_nd(p, i),
         [f32(2, 3, 2), np.array([[[0, 1, 1], [1, 2, 0]]], np.int64)], _gather_nd),
    Case("scatter_nd_rows",
         lambda tf, i, u: tf.scatter_nd(i, u, tf.constant([4, 3])),
         [np.array([[0], [2], [0]], np.int32), f32(3, 3)],
         lambda i, u: _scatter_nd(i, u, (4, 3)), grad2=True),
    Case("scatter_nd_points", lambda tf, i, u: tf.scatter_nd(i, u, [3, 2]),
         [np.array([[0, 1], [2, 0], [0, 1]], np.int32), f32(3)],
         lambda i, u: _scatter_nd(i, u, (3, 2))),
    # -- einsum
    Case("einsum_matmul", lambda tf, a, b: tf.einsum("ij,jk->ik", a, b),
         [f32(2, 3), f32(3, 4, seed=1)], lambda a, b: a @ b, grad2=True),
    Case("einsum_batch_matmul", lambda tf, a, b: tf.einsum("bij,bjk->bik", a, b),
         [f32(2, 2, 3), f32(2, 3, 2, seed=1)], lambda a, b: a @ b),
    Case("einsum_implicit", lambda tf, a, b: tf.einsum("ij,jk", a, b),
         [f32(2, 3), f32(3, 4, seed=1)], lambda a, b: a @ b),
    Case("einsum_transpose_and_sum",
         lambda tf, a: [tf.einsum("ij->ji", a), tf.einsum("ij->", a), tf.einsum("ij->j", a)],
         [f32(2, 3)], lambda a: [a.T, a.sum(), a.sum(0)]),
    Case("einsum_outer_and_rowdot",
         lambda tf, a, b: [tf.einsum("i,j->ij", a[0], b[1]), tf.einsum("ij,ij->i", a, b)],
         [f32(2, 3), f32(2, 3, seed=1)],
         lambda a, b: [np.outer(a[0], b[1]), (a * b).sum(1)]),
    Case("einsum_summed_away_letter", lambda tf, a, b: tf.einsum("ij,k->ik", a, b),
         [f32(2, 3), f32(4, seed=1)], lambda a, b: np.outer(a.sum(1), b)),
    Case("einsum_ellipsis", lambda tf, a, b: tf.einsum("...ij,jk->...ik", a, b),
         [f32(2, 2, 3), f32(3, 2, seed=1)], lambda a, b: a @ b),
    Case("einsum_trace_int", lambda tf, a: tf.einsum("ii->", a), [i32(3, 3)],
         lambda a: np.trace(a).astype(np.int32), grad=False),
    # -- tensordot
    Case("tensordot_axes_int", lambda tf, a, b: tf.tensordot(a, b, 1),
         [f32(2, 3), f32(3, 4, seed=1)], lambda a, b: a @ b),
    Case("tensordot_axes_pairs", lambda tf, a, b: tf.tensordot(a, b, [[1, 2], [0, 1]]),
         [f32(2, 3, 4), f32(3, 4, 2, seed=1)],
         lambda a, b: np.tensordot(a, b, [[1, 2], [0, 1]])),
    Case("tensordot_transposed_axes", lambda tf, a, b: tf.tensordot(a, b, [[0], [1]]),
         [f32(3, 2), f32(4, 3, seed=1)], lambda a, b: np.tensordot(a, b, [[0], [1]])),
    Case("tensordot_outer", lambda tf, a, b: tf.tensordot(a, b, 0),
         [f32(2), f32(3, seed=1)], lambda a, b: np.multiply.outer(a, b)),
    # -- div_no_nan, identity_n
    Case("div_no_nan_zeros", lambda tf, x, y: tf.div_no_nan(x, y), [ZEROS_IN, DENOM],
         lambda x, y: np.where(y == 0, 0, x / np.where(y == 0, 1, y)).astype(np.float32),
         grad=False),
    Case("div_no_nan_grad", lambda tf, x, y: tf.div_no_nan(x, y),
         [f32(2, 3), pos32(3, seed=1)], lambda x, y: x / y, grad2=True),
    Case("identity_n", lambda tf, x, y: tf.identity_n([x, y * 2.0]),
         [f32(2, 3), f32(3, seed=1)], lambda x, y: [x, y * 2]),
    # -- top_k, in_top_k
    Case("top_k", lambda tf, x: list(tf.nn.top_k(x, k=3)), [f32(3, 5)],
         lambda x: _top_k(x, 3), grad2=True),
    Case("top_k_default_k_3d", lambda tf, x: list(tf.nn.top_k(x)), [f32(2, 3, 4)],
         lambda x: _top_k(x, 1)),
    Case("top_k_ties_lower_index_first", lambda tf, x: list(tf.nn.top_k(x, 3)), [TIES],
         lambda x: _top_k(x, 3), grad=False),
    Case("top_k_int", lambda tf, x: list(tf.nn.top_k(x, 2)), [i32(3, 4)],
         lambda x: _top_k(x, 2), grad=False),
    Case("in_top_k", lambda tf, p, t: [tf.nn.in_top_k(p, t, 1), tf.nn.in_top_k(p, t, 3)],
         [TIES, np.array([2, 4], np.int32)],
         lambda p, t: [_in_top_k(p, t, 1), _in_top_k(p, t, 3)], grad=False),
    # -- composites
    Case("sequence_mask", lambda tf, n: [tf.sequence_mask(n, 4), tf.sequence_mask(n),
                                         tf.sequence_mask(n, 3, dtype=tf.float32)],
         [LENGTHS],
         lambda n: [np.arange(4) < n[:, None], np.arange(3) < n[:, None],
                    (np.arange(3) < n[:, None]).astype(np.float32)], grad=False),
    Case("count_nonzero", lambda tf, x: [tf.count_nonzero(x), tf.count_nonzero(x, axis=1),
                                         tf.count_nonzero(x, 0, keepdims=True,
                                                          dtype=tf.int32),
                                         tf.count_nonzero(x > 0.5)],
         [ZEROS_IN],
         lambda x: [np.int64(np.count_nonzero(x)), np.count_nonzero(x, 1).astype(np.int64),
                    np.count_nonzero(x, 0)[None].astype(np.int32),
                    np.int64(np.count_nonzero(x > 0.5))], grad=False),
    Case("eye", lambda tf, x: [x * tf.eye(3, dtype=x.dtype),
                               tf.eye(2, 3, batch_shape=[2], dtype=tf.int32)],
         [f32(3, 3)], lambda x: [x * np.eye(3, dtype=np.float32),
                                 np.broadcast_to(np.eye(2, 3, dtype=np.int32), (2, 2, 3))]),
    Case("norm_vector", lambda tf, x: [tf.norm(x), tf.norm(x, axis=1),
                                       tf.norm(x, ord=1, axis=0),
                                       tf.norm(x, ord=np.inf, axis=-1, keepdims=True),
                                       tf.norm(x, ord=3, axis=1)],
         [f32(3, 4)],
         lambda x: [np.float32(np.sqrt((x * x).sum())), np.sqrt((x * x).sum(1)),
                    np.abs(x).sum(0), np.abs(x).max(-1, keepdims=True),
                    (np.abs(x) ** 3).sum(1) ** (1 / 3)], rtol=1e-5, grad_tol=1e-4),
    Case("norm_matrix", lambda tf, x: [tf.norm(x, ord="fro", axis=(1, 2)),
                                       tf.norm(x, ord=1, axis=[1, 2]),
                                       tf.norm(x, ord=np.inf, axis=(1, 2))],
         [f32(2, 3, 4)],
         lambda x: [np.linalg.norm(x, "fro", axis=(1, 2)), np.linalg.norm(x, 1, axis=(1, 2)),
                    np.linalg.norm(x, np.inf, axis=(1, 2))], grad_tol=1e-4),
    # -- control flow
    Case("cond_selects_branch",
         lambda tf, p, x, y: tf.cond(p, lambda: x * 2.0, lambda: tf.exp(y)),
         [np.array(True), f32(2, 3), f32(2, 3, seed=1)], lambda p, x, y: x * 2),
    Case("cond_false_branch_structures",
         lambda tf, p, x: list(tf.cond(p, lambda: (x, x * x), lambda: (x + 1.0, -x))),
         [np.array(False), f32(3)], lambda p, x: [x + 1, -x]),
    Case("cond_computed_pred",
         lambda tf, x: tf.cond(tf.reduce_sum(x) > 100.0, lambda: tf.sin(x),
                               lambda: tf.square(x)),
         [f32(2, 2)], lambda x: x * x),
    Case("case_first_true",
         lambda tf, x, a, b: tf.case([(a, lambda: x + 1.0), (b, lambda: x * 3.0)],
                                     default=lambda: -x),
         [f32(3), np.array(False), np.array(True)], lambda x, a, b: x * 3),
    Case("case_default", lambda tf, x, a: tf.case([(a, lambda: x + 1.0)],
                                                   default=lambda: x * x),
         [f32(3), np.array(False)], lambda x, a: x * x),
    # -- losses
    Case("huber_loss", lambda tf, y, p: [tf.losses.huber_loss(y, p, delta=0.7),
                                         tf.losses.huber_loss(y, p, weights=[[1.0], [0.5]],
                                                              reduction="none")],
         [f32(2, 3), f32(2, 3, seed=1)],
         lambda y, p: [np.float32(_huber(y, p, 0.7).mean()),
                       _huber(y, p, 1.0) * np.array([[1.0], [0.5]], np.float32)],
         **_FLOAT32_INSIDE),
    Case("log_loss", lambda tf, y, p: tf.losses.log_loss(y, p),
         [LABELS01, f32(2, 3, seed=1, low=0.1, high=0.9)],
         lambda y, p: np.float32(np.mean(-y * np.log(p + 1e-7)
                                         - (1 - y) * np.log(1 - p + 1e-7))),
         **_FLOAT32_INSIDE),
    Case("hinge_loss", lambda tf, y, x: tf.losses.hinge_loss(y, x),
         [LABELS01, f32(2, 3, seed=1)],
         lambda y, x: np.float32(np.maximum(0, 1 - (2 * y - 1) * x).mean()),
         **_FLOAT32_INSIDE),
    # -- namespaces
    Case("linalg_namespace",
         lambda tf, a, b: [tf.linalg.matmul(a, b), tf.linalg.transpose(a),
                           tf.linalg.einsum("ij,jk->ik", a, b),
                           tf.linalg.tensordot(a, b, 1), tf.linalg.norm(a, axis=0),
                           tf.linalg.eye(2, dtype=a.dtype) + a[:, :2]],
         [f32(2, 3), f32(3, 2, seed=1)],
         lambda a, b: [a @ b, a.T, a @ b, a @ b, np.sqrt((a * a).sum(0)),
                       np.eye(2, dtype=np.float32) + a[:, :2]]),
    Case("random_namespace",
         lambda tf, x: [tf.random.normal([2, 3], seed=1) + x,
                        tf.random.uniform([2, 3], seed=2) * x,
                        tf.random.truncated_normal([2, 3], stddev=0.5, seed=3),
                        tf.random.shuffle(x, seed=4)],
         [f32(2, 3)], random=True, grad=False),
]


def _huber(y, p, delta):
    err = np.abs(p - y)
    quad = np.minimum(err, delta)
    return 0.5 * quad * quad + delta * (err - quad)


# -- TF1 breadth, round 3 ------------------------------------------------------------------

SEG_IDS = np.array([2, 0, 2, 1, 0], np.int32)
SORTED_IDS = np.array([0, 0, 1, 3, 3], np.int32)
DISTINCT = np.array([[3.0, -1.0, 2.5], [0.5, 4.0, -2.0], [1.5, -3.0, 0.25], [2.0, 1.0, -0.5],
                     [-1.5, 3.5, 0.75]], np.float32)  # no ties: max is differentiable
ROWS2 = np.array([[2], [0]], np.int32)


def _segment(data, ids, n, reduce, empty):
    out = np.full((n,) + data.shape[1:], 0 if empty is None else empty, data.dtype)
    for s in range(n):
        if (ids == s).any():
            out[s] = reduce(data[ids == s], axis=0)
    return out


def _band(x, lower, upper):
    i, j = np.indices(x.shape[-2:])
    keep = ((lower < 0) | (i - j <= lower)) & ((upper < 0) | (j - i <= upper))
    return np.where(keep, x, 0).astype(x.dtype)


def _rev_seq(x, lengths):
    out = x.copy()
    for b, n in enumerate(lengths):
        out[b, :n] = x[b, :n][::-1]
    return out


def _scatter_expect(x, rows, updates, how):
    out = x.copy()
    for r, u in zip(rows[:, 0], updates):
        out[r] = u if how == "set" else out[r] + (u if how == "add" else -u)
    return out


def _np_lgamma(x):
    import math
    return np.vectorize(math.lgamma)(x.astype(np.float64)).astype(x.dtype)


def _np_erf(x):
    import math
    return np.vectorize(math.erf)(x.astype(np.float64)).astype(x.dtype)


def _np_digamma(x):
    # psi(x) = lim (log n - sum_{k<n} 1/(x+k)), with the Euler-Maclaurin tail
    n = 10000
    k = np.arange(n, dtype=np.float64)
    total = (1.0 / (x.astype(np.float64)[..., None] + k)).sum(-1)
    y = x.astype(np.float64) + n
    return (np.log(y) - 1 / (2 * y) - total).astype(x.dtype)


def _np_trigamma(x):
    n = 100000
    k = np.arange(n, dtype=np.float64)
    y = x.astype(np.float64)[..., None] + k
    return ((1.0 / (y * y)).sum(-1) + 1.0 / (x + n) + 1 / (2 * (x + n) ** 2)).astype(x.dtype)


CASES += [
    Case("unsorted_segment_max",
         lambda tf, x, ids: tf.math.unsorted_segment_max(x, ids, 3),
         [DISTINCT, SEG_IDS],
         lambda x, ids: _segment(x, ids, 3, np.max, None)),
    Case("unsorted_segment_max_empty",
         lambda tf, x, ids: tf.math.unsorted_segment_max(x, ids, 4),
         [DISTINCT, SEG_IDS],
         lambda x, ids: _segment(x, ids, 4, np.max, np.finfo(np.float32).min), grad=False,
         notes="an empty segment holds the lowest float: no finite differences through it"),
    Case("unsorted_segment_min_mean",
         lambda tf, x, ids: [tf.math.unsorted_segment_min(x, ids, 3),
                             tf.math.unsorted_segment_mean(x, ids, 3)],
         [DISTINCT, SEG_IDS],
         lambda x, ids: [_segment(x, ids, 3, np.min, np.finfo(np.float32).max),
                         _segment(x, ids, 3, np.mean, 0)]),
    Case("segment_sum_mean_max_min",
         lambda tf, x, ids: [tf.math.segment_sum(x, ids), tf.math.segment_mean(x, ids),
                             tf.math.segment_max(x, ids), tf.math.segment_min(x, ids)],
         [DISTINCT, SORTED_IDS],
         lambda x, ids: [_segment(x, ids, 4, np.sum, 0), _segment(x, ids, 4, np.mean, 0),
                         _segment(x, ids, 4, np.max, 0), _segment(x, ids, 4, np.min, 0)],
         grad=False, notes="the segment count is known at run time only; the gradients are "
                           "unsorted_segment_sum's and unsorted_segment_max's"),
    Case("matrix_band_part",
         lambda tf, x: [tf.linalg.band_part(x, 1, 0), tf.matrix_band_part(x, -1, 1),
                        tf.linalg.band_part(x, 0, -1)],
         [f32(2, 3, 4)],
         lambda x: [_band(x, 1, 0), _band(x, -1, 1), _band(x, 0, -1)]),
    Case("matrix_diag_and_part",
         lambda tf, d, m: [tf.linalg.diag(d), tf.matrix_diag_part(m), tf.linalg.trace(m),
                           tf.diag(d[0]), tf.diag_part(m[0, :, :3])],
         [f32(2, 3), f32(2, 3, 4, seed=1)],
         lambda d, m: [d[:, :, None] * np.eye(3, dtype=np.float32),
                       np.diagonal(m, axis1=-2, axis2=-1),
                       np.trace(m, axis1=-2, axis2=-1).astype(np.float32),
                       np.diag(d[0]), np.diag(m[0, :, :3])]),
    Case("reverse_sequence",
         lambda tf, x, n: [tf.reverse_sequence(x, n, seq_axis=1, batch_axis=0),
                           tf.reverse_sequence(tf.transpose(x, [1, 0, 2]), n, 0, 1)],
         [f32(3, 4, 2), np.array([4, 0, 2], np.int64)],
         lambda x, n: [_rev_seq(x, n), _rev_seq(x, n).transpose(1, 0, 2)]),
    Case("tensor_scatter_nd",
         lambda tf, x, rows, u: [tf.tensor_scatter_nd_update(x, rows, u),
                                 tf.tensor_scatter_nd_add(x, rows, u),
                                 tf.tensor_scatter_nd_sub(x, rows, u)],
         [f32(4, 3), ROWS2, f32(2, 3, seed=1)],
         lambda x, r, u: [_scatter_expect(x, r, u, "set"), _scatter_expect(x, r, u, "add"),
                          _scatter_expect(x, r, u, "sub")]),
    Case("scatter_variable_updates",
         lambda tf, u: [tf.scatter_update(tf.Variable(np.ones((4, 2), np.float32)), [3, 1], u),
                        tf.scatter_add(tf.Variable(np.ones((4, 2), np.float32)), [0, 0], u),
                        tf.scatter_sub(tf.Variable(np.ones((4, 2), np.float32)), [2], u[:1]),
                        tf.scatter_nd_update(tf.Variable(np.ones((4, 2), np.float32)),
                                             [[1, 1]], u[0, :1])],
         [f32(2, 2)],
         lambda u: [np.array([[1, 1], u[1], [1, 1], u[0]], np.float32),
                    np.array([1 + u[0] + u[1], [1, 1], [1, 1], [1, 1]], np.float32),
                    np.array([[1, 1], [1, 1], 1 - u[0], [1, 1]], np.float32),
                    np.array([[1, 1], [1, u[0, 0]], [1, 1], [1, 1]], np.float32)],
         grad=False),
    Case("is_variable_initialized",
         lambda tf, x: [tf.is_variable_initialized(tf.Variable(np.ones(2, np.float32))),
                        tf.identity(x)],
         [f32(2)], lambda x: [np.bool_(True), x], grad=False,
         notes="the harness initializes every variable before running"),
    Case("erf_erfc", lambda tf, x: [tf.math.erf(x), tf.math.erfc(x)], [f32(2, 3)],
         lambda x: [_np_erf(x), (1 - _np_erf(x)).astype(np.float32)]),
    Case("lgamma", lambda tf, x: tf.math.lgamma(x), [f32(2, 3, low=0.3, high=6.0)],
         _np_lgamma, rtol=1e-5, atol=1e-5),
    Case("lgamma_negative", lambda tf, x: tf.lgamma(x), [f32(4, low=-2.9, high=-2.1)],
         _np_lgamma, atol=1e-5),
    Case("digamma", lambda tf, x: tf.math.digamma(x), [f32(2, 3, low=0.3, high=6.0)],
         _np_digamma, rtol=1e-4, atol=1e-4),
    Case("digamma_negative", lambda tf, x: tf.math.digamma(x), [f32(4, low=-1.9, high=-1.1)],
         _np_digamma, rtol=1e-4, atol=1e-4, grad=False),
    Case("polygamma", lambda tf, x: [tf.math.polygamma(tf.ones_like(x), x),
                                     tf.math.polygamma(tf.zeros_like(x), x)],
         [f32(2, 3, low=0.5, high=6.0)], lambda x: [_np_trigamma(x), _np_digamma(x)],
         rtol=1e-4, atol=1e-4),
    Case("math_composites",
         lambda tf, x, y: [tf.math.log_sigmoid(x), tf.math.reduce_variance(x, axis=0),
                           tf.math.reduce_std(x, axis=-1, keepdims=True),
                           tf.math.xlogy(x, y), tf.math.xlogy(x * 0.0, y * 0.0)],
         [f32(3, 4), pos32(3, 4, seed=1)],
         lambda x, y: [-np.logaddexp(0, -x), x.var(0), x.std(-1, keepdims=True),
                       x * np.log(y), np.zeros_like(x)]),
    Case("sort_argsort",
         lambda tf, x, i: [tf.sort(x), tf.sort(x, axis=0, direction="DESCENDING"),
                           tf.argsort(x), tf.argsort(i, direction="DESCENDING"), tf.sort(i)],
         [DISTINCT, i32(3, 4)],
         lambda x, i: [np.sort(x), -np.sort(-x, 0), np.argsort(x, kind="stable")
                       .astype(np.int32), np.argsort(-i, kind="stable").astype(np.int32),
                       np.sort(i)]),
    Case("linspace_meshgrid",
         lambda tf, x: [tf.linspace(-1.0, 2.0, 7), tf.lin_space(0.0, 1.0, 1)]
         + tf.meshgrid(x[0], x[1, :2]) + tf.meshgrid(x[0], x[1, :2], indexing="ij"),
         [f32(2, 3)],
         lambda x: [np.linspace(-1, 2, 7).astype(np.float32), np.zeros(1, np.float32)]
         + list(np.meshgrid(x[0], x[1, :2]))
         + list(np.meshgrid(x[0], x[1, :2], indexing="ij")), grad=False),
    Case("saturate_cast_and_is_inf",
         lambda tf, x: [tf.saturate_cast(x * 1e3, tf.int32), tf.saturate_cast(x * 1e10, tf.int32),
                        tf.math.is_inf(tf.log(tf.abs(x) * 0.0 + x)),
                        tf.nn.zero_fraction(tf.nn.relu(x))],
         [f32(2, 3)],
         lambda x: [np.trunc(x * 1e3).astype(np.int32),
                    np.where(x > 0, 2147483520, -2147483648).astype(np.int32),
                    np.isinf(np.log(np.abs(x) * 0 + x)), np.float32((x <= 0).mean())],
         grad=False),
    Case("nn_helpers",
         lambda tf, x, w, b: [tf.nn.xw_plus_b(x, w, b), tf.nn.relu_layer(x, w, b),
                              tf.nn.selu(x), tf.nn.softsign(x), tf.nn.swish(x)],
         [f32(3, 4), f32(4, 2, seed=1), f32(2, seed=2)],
         lambda x, w, b: [x @ w + b, np.maximum(x @ w + b, 0),
                          np.where(x > 0, 1.0507009873554805 * x,
                                   1.7580993408473766 * np.expm1(x)),
                          x / (1 + np.abs(x)), x / (1 + np.exp(-x))]),
    Case("weighted_cross_entropy_and_moments",
         lambda tf, y, x: [tf.nn.weighted_cross_entropy_with_logits(labels=y, logits=x,
                                                                    pos_weight=2.5)]
         + list(tf.nn.normalize_moments(*tf.nn.sufficient_statistics(x, [0])[:3], None))
         + list(tf.nn.sufficient_statistics(x, [1], shift=0.5, keepdims=True)[:3]),
         [LABELS01, f32(2, 3, seed=1)],
         lambda y, x: [(1 - y) * x + (1 + 1.5 * y) * np.logaddexp(0, -x), x.mean(0), x.var(0),
                       np.float32(3), (x - 0.5).sum(1, keepdims=True),
                       ((x - 0.5) ** 2).sum(1, keepdims=True)]),
]


# -- TF1 breadth, round 4 ------------------------------------------------------------------

REPEATS = np.array([3, 1, 3, 2, 1, 5, 3], np.int32)
PARTS = np.array([0, 2, 0, 1, 2], np.int32)


def _unique(x):
    _, first, inverse, counts = np.unique(x, return_index=True, return_inverse=True,
                                          return_counts=True)
    order = np.argsort(first)
    rank = np.argsort(order)
    return [x[np.sort(first)], rank[inverse].astype(np.int32), counts[order]]


def _known(tf, tensors, shapes):
    """Run-time-sized outputs reshaped to their (test-known) sizes, so gradient checks can
    weight them."""
    return [tf.reshape(t, s) for t, s in zip(tensors, shapes)]


def _asserted(tf, x):
    checks = [tf.Assert(tf.reduce_all(x > -10.0), ["x is out of range:", x], summarize=4),
              tf.debugging.assert_less(x, 10.0), tf.assert_positive(tf.abs(x) + 1.0),
              tf.assert_non_negative(x * x), tf.assert_equal(x, x),
              tf.debugging.assert_greater(x + 20.0, x), tf.assert_rank(x, 2)]
    with tf.control_dependencies(checks):
        return tf.identity(x) * 2.0


def _depthwise(x, f, stride=1, pad="VALID", rate=1):
    kh, kw, c, m = f.shape
    eh, ew = (kh - 1) * rate + 1, (kw - 1) * rate + 1
    if pad == "SAME":
        oh, ow = -(-x.shape[1] // stride), -(-x.shape[2] // stride)
        th = max((oh - 1) * stride + eh - x.shape[1], 0)
        tw = max((ow - 1) * stride + ew - x.shape[2], 0)
        x = np.pad(x, ((0, 0), (th // 2, th - th // 2), (tw // 2, tw - tw // 2), (0, 0)))
    oh = (x.shape[1] - eh) // stride + 1
    ow = (x.shape[2] - ew) // stride + 1
    out = np.zeros((x.shape[0], oh, ow, c, m), x.dtype)
    for i in range(kh):
        for j in range(kw):
            patch = x[:, i * rate:i * rate + (oh - 1) * stride + 1:stride,
                      j * rate:j * rate + (ow - 1) * stride + 1:stride, :]
            out += patch[..., None] * f[i, j]
    return out.reshape(out.shape[:3] + (c * m,))


CASES += [
    Case("inverse_trig",
         lambda tf, x, y, p: [tf.math.asin(x), tf.math.acos(x), tf.atan(y), tf.math.asinh(y),
                              tf.math.acosh(p), tf.math.atanh(x)],
         [f32(2, 3, low=-0.9, high=0.9), f32(2, 3, seed=1), f32(3, seed=2, low=1.2, high=3.0)],
         lambda x, y, p: [np.arcsin(x), np.arccos(x), np.arctan(y), np.arcsinh(y),
                          np.arccosh(p), np.arctanh(x)], grad2=True, grad_tol=1e-4),
    Case("atan2", lambda tf, y, x: tf.math.atan2(y, x), [f32(2, 3), f32(2, 3, seed=1)],
         np.arctan2, grad2=True),
    Case("atan2_broadcast", lambda tf, y, x: tf.atan2(y, x), [f32(2, 3), f32(3, seed=1)],
         np.arctan2),
    Case("unique", lambda tf, x: list(tf.unique(x)) + list(tf.unique_with_counts(x)),
         [REPEATS], lambda x: _unique(x)[:2] + _unique(x), grad=False),
    Case("unique_float_int64_idx",
         lambda tf, x: list(tf.unique(x * 0.5, out_idx=tf.int64)),
         [REPEATS.astype(np.float32)],
         lambda x: [_unique(x * 0.5)[0], _unique(x)[1].astype(np.int64)], grad=False),
    Case("setdiff1d", lambda tf, x, y: list(tf.setdiff1d(x, y)),
         [REPEATS, np.array([1, 7, 5], np.int32)],
         lambda x, y: [x[~np.isin(x, y)], np.flatnonzero(~np.isin(x, y)).astype(np.int32)],
         grad=False),
    Case("dynamic_partition", lambda tf, x, p: _known(tf, tf.dynamic_partition(x, p, 3),
                                                      [[2, 2], [1, 2], [2, 2]]),
         [f32(5, 2), PARTS], lambda x, p: [x[p == 0], x[p == 1], x[p == 2]], grad2=True,
         notes="reshaped to the partition sizes, which TF knows only at run time"),
    Case("dynamic_partition_2d_ids",
         lambda tf, x, p: _known(tf, tf.dynamic_partition(x, p, 2), [[2, 2], [4, 2]]),
         [f32(2, 3, 2), np.array([[0, 1, 1], [1, 0, 1]], np.int32)],
         lambda x, p: [x[p == 0], x[p == 1]]),
    Case("dynamic_stitch",
         lambda tf, a, b: tf.dynamic_stitch([tf.constant([0, 3]), tf.constant([[2], [1]])],
                                            [a, b]),
         [f32(2, 3), f32(2, 1, 3, seed=1)],
         lambda a, b: np.stack([a[0], b[1, 0], b[0, 0], a[1]]), grad2=True),
    Case("dynamic_stitch_later_wins",
         lambda tf, a, b, i, j: tf.dynamic_stitch([i, j], [a, b]),
         [f32(3), f32(2, seed=1), np.array([0, 1, 2], np.int32), np.array([2, 0], np.int32)],
         lambda a, b, i, j: np.array([b[1], a[1], b[0]], np.float32), grad=False,
         notes="an overwritten element still gets the gradient TF gives it (a gather)"),
    Case("asserts_that_pass", _asserted, [f32(2, 3)], lambda x: x * 2),
    Case("depthwise_conv2d",
         lambda tf, x, f: [tf.nn.depthwise_conv2d(x, f, [1, 1, 1, 1], "SAME"),
                           tf.nn.depthwise_conv2d(x, f, [1, 2, 2, 1], "VALID")],
         [f32(1, 4, 4, 2), f32(2, 2, 2, 2, seed=1)],
         lambda x, f: [_depthwise(x, f, 1, "SAME"), _depthwise(x, f, 2, "VALID")],
         grad2=True, rtol=1e-5, atol=1e-5, grad_tol=1e-4),
    Case("depthwise_conv2d_rate",
         lambda tf, x, f: tf.nn.depthwise_conv2d(x, f, [1, 1, 1, 1], "VALID", rate=[2, 2]),
         [f32(1, 5, 5, 2), f32(2, 2, 2, 1, seed=1)],
         lambda x, f: _depthwise(x, f, 1, "VALID", rate=2), rtol=1e-5, atol=1e-5),
    Case("depthwise_backprop_ops",
         lambda tf, x, f, dy: [
             tf.nn.depthwise_conv2d_native_backprop_input([1, 4, 4, 2], f, dy, [1, 1, 1, 1],
                                                          "VALID"),
             tf.nn.depthwise_conv2d_native_backprop_filter(x, [2, 2, 2, 2], dy, [1, 1, 1, 1],
                                                           "VALID")],
         [f32(1, 4, 4, 2), f32(2, 2, 2, 2, seed=1), f32(1, 3, 3, 4, seed=2)],
         None, rtol=1e-5, atol=1e-5, grad_tol=1e-4),
    Case("separable_conv2d",
         lambda tf, x, d, p: tf.nn.separable_conv2d(x, d, p, [1, 1, 1, 1], "SAME"),
         [f32(1, 4, 4, 2), f32(2, 2, 2, 2, seed=1), f32(1, 1, 4, 3, seed=2)],
         lambda x, d, p: np.tensordot(_depthwise(x, d, 1, "SAME"), p[0, 0], 1),
         rtol=1e-5, atol=1e-5, grad_tol=1e-4),
    Case("conv1d",
         lambda tf, x, f: [tf.nn.conv1d(x, f, 1, "SAME"), tf.nn.conv1d(x, f, 2, "VALID")],
         [f32(2, 6, 3), f32(3, 3, 2, seed=1)],
         lambda x, f: [_conv1d(x, f, 1, "SAME"), _conv1d(x, f, 2, "VALID")],
         rtol=1e-5, atol=1e-5, grad_tol=1e-4),
]


def _conv1d(x, f, stride, pad):
    k = f.shape[0]
    if pad == "SAME":
        out = -(-x.shape[1] // stride)
        total = max((out - 1) * stride + k - x.shape[1], 0)
        x = np.pad(x, ((0, 0), (total // 2, total - total // 2), (0, 0)))
    n = (x.shape[1] - k) // stride + 1
    return np.stack([np.tensordot(x[:, i * stride:i * stride + k], f, 2) for i in range(n)], 1)


# -- round 5: TF1 composites (roll ... lrn); the random ones live in tests/test_extra_ops.py
def _truncdiv(x, y):
    return (np.sign(x) * np.sign(y) * (np.abs(x) // np.abs(y))).astype(x.dtype)


def _space_to_depth(x, b):
    n, h, w, c = x.shape
    y = x.reshape(n, h // b, b, w // b, b, c).transpose(0, 1, 3, 2, 4, 5)
    return y.reshape(n, h // b, w // b, b * b * c)


def _lrn(x, r, bias, alpha, beta):
    sq = np.pad(x.astype(np.float64) ** 2, [(0, 0)] * 3 + [(r, r)])
    window = sum(sq[..., k:k + x.shape[-1]] for k in range(2 * r + 1))
    return (x / (bias + alpha * window) ** beta).astype(x.dtype)


def _gelu(x, approximate):
    from math import erf, sqrt
    if approximate:
        return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))
    return (0.5 * x * (1 + np.vectorize(erf)(x / sqrt(2)))).astype(x.dtype)


def _log_poisson(t, li):
    stirling = t * np.log(t) - t + 0.5 * np.log(2 * np.pi * t)
    return np.exp(li) - li * t + np.where((t >= 0) & (t <= 1), 0, stirling)


def _weighted_moments(x, w, axes):
    w = np.broadcast_to(w, x.shape)
    mean = (w * x).sum(axes, keepdims=True) / w.sum(axes, keepdims=True)
    var = (w * (x - mean) ** 2).sum(axes, keepdims=True) / w.sum(axes, keepdims=True)
    return [mean.squeeze(axes), var.squeeze(axes)]


def _bn_train(x, s, o):
    m, v = x.mean((0, 1, 2)), x.var((0, 1, 2))
    n = x.size // x.shape[-1]
    return [(x - m) / np.sqrt(v + 1e-3) * s + o, m, v * n / (n - 1)]


SORTED = np.array([[1.0, 2.0, 2.0, 5.0], [-1.0, 0.0, 3.0, 3.0]], np.float32)
PROBES = np.array([[2.0, 0.0, 6.0], [3.0, -2.0, 0.5]], np.float32)
BN_MEAN = f32(4, seed=3)
BN_VAR = pos32(4, seed=4)
BINS_IN = np.array([[1, 5, 2], [2, 0, 7]], np.int32)

CASES += [
    Case("roll_axes", lambda tf, x: [tf.roll(x, 2, 0), tf.roll(x, [1, -2], [1, 2]),
                                     tf.roll(x, 5, -1)],
         [f32(3, 4, 5)], lambda x: [np.roll(x, 2, 0), np.roll(x, (1, -2), (1, 2)),
                                    np.roll(x, 5, -1)]),
    Case("reverse_v2", lambda tf, x: tf.reverse_v2(x, [0, 2]), [f32(2, 3, 4)],
         lambda x: x[::-1, :, ::-1]),
    Case("batch_gather", lambda tf, p, i: tf.batch_gather(p, i),
         [f32(2, 4, 3), np.array([[3, 0, 3], [1, 2, 1]], np.int32)],
         lambda p, i: np.take_along_axis(p, i[..., None].repeat(3, -1), 1)),
    Case("truncatediv_truncatemod_int",
         lambda tf, x, y: [tf.truncatediv(x, y), tf.truncatemod(x, y),
                           tf.truncatediv(x, 3)],
         [np.array([7, -7, 7, -7, 0, 6], np.int32), np.array([2, 2, -2, -2, 3, -3], np.int32)],
         lambda x, y: [_truncdiv(x, y), np.fmod(x, y), _truncdiv(x, np.int32(3))],
         grad=False),
    Case("truncatediv_truncatemod_float",
         lambda tf, x, y: [tf.truncatediv(x, y), tf.truncatemod(x, y)],
         [np.array([7.0, -7.0, 7.5, -7.5, 0.0], np.float32),
          np.array([2.0, 2.0, -2.0, -2.0, 3.0], np.float32)],
         lambda x, y: [np.trunc(x / y), np.fmod(x, y)], grad=False,
         notes="TF registers no gradient for TruncateDiv/TruncateMod"),
    Case("reduce_euclidean_norm",
         lambda tf, x: [tf.math.reduce_euclidean_norm(x), tf.math.reduce_euclidean_norm(
             x, 1, keepdims=True)],
         [f32(3, 4)], lambda x: [np.sqrt((x ** 2).sum()), np.sqrt((x ** 2).sum(1, keepdims=True))]),
    Case("reduce_euclidean_norm_int", lambda tf, x: tf.math.reduce_euclidean_norm(x, 0),
         [np.array([[3, 1], [4, 1]], np.int32)], lambda x: np.array([5, 1], np.int32),
         grad=False),
    Case("l2_normalize_math", lambda tf, x: tf.math.l2_normalize(x, 1), [f32(3, 4)],
         lambda x: x / np.sqrt((x ** 2).sum(1, keepdims=True))),
    Case("clip_by_average_norm", lambda tf, x: [tf.clip_by_average_norm(x, 0.1),
                                                tf.clip_by_average_norm(x, 10.0)],
         [f32(3, 4)], lambda x: [x * min(1.0, 0.1 * x.size / np.sqrt((x ** 2).sum())), x]),
    Case("space_to_depth_depth_to_space",
         lambda tf, x: [tf.space_to_depth(x, 2), tf.depth_to_space(x, 2)],
         [f32(2, 4, 6, 4)],
         lambda x: [_space_to_depth(x, 2),
                    x.reshape(2, 4, 6, 2, 2, 1).transpose(0, 1, 3, 2, 4, 5).reshape(2, 8, 12, 1)]),
    Case("bincount", lambda tf, a, w: [tf.bincount(a), tf.bincount(a, minlength=10),
                                       tf.bincount(a, maxlength=3), tf.math.bincount(a, w)],
         [BINS_IN, f32(2, 3)],
         lambda a, w: [np.bincount(a.ravel()).astype(np.int32),
                       np.bincount(a.ravel(), minlength=10).astype(np.int32),
                       np.bincount(a.ravel())[:3].astype(np.int32),
                       np.bincount(a.ravel(), w.ravel()).astype(np.float32)],
         grad=False),
    Case("histogram_fixed_width",
         lambda tf, v: [tf.histogram_fixed_width(v, [-1.0, 1.0], 5),
                        tf.histogram_fixed_width(v, [0.0, 2.0], nbins=3)],
         [f32(4, 5)],
         lambda v: [np.histogram(np.clip(v, -1, 0.999), 5, (-1, 1))[0].astype(np.int32),
                    np.histogram(np.clip(v, 0, 1.999), 3, (0, 2))[0].astype(np.int32)],
         grad=False),
    Case("searchsorted", lambda tf, s, v: [tf.searchsorted(s, v),
                                           tf.searchsorted(s, v, side="right")],
         [SORTED, PROBES],
         lambda s, v: [np.stack([np.searchsorted(a, b) for a, b in zip(s, v)]).astype(np.int32),
                       np.stack([np.searchsorted(a, b, "right") for a, b in zip(s, v)]
                                ).astype(np.int32)], grad=False),
    Case("crelu", lambda tf, x: tf.nn.crelu(x), [f32(2, 3)],
         lambda x: np.maximum(np.concatenate([x, -x], -1), 0)),
    Case("gelu_exact_and_tanh",
         lambda tf, x: [tf.nn.gelu(x), tf.nn.gelu(x, approximate=True)], [f32(3, 4)],
         lambda x: [_gelu(x, False), _gelu(x, True)], tf=False,
         notes="tf.compat.v1.nn has no gelu; checked against TF2's in test_extra_ops.py"),
    Case("log_poisson_loss", lambda tf, t, li: [tf.nn.log_poisson_loss(t, li),
                                                tf.nn.log_poisson_loss(t, li, True)],
         [pos32(3, 4, low=0.2, high=3.0), f32(3, 4, seed=1)],
         lambda t, li: [np.exp(li) - li * t, _log_poisson(t, li)], rtol=1e-5, atol=1e-5),
    Case("weighted_moments",
         lambda tf, x, w: list(tf.nn.weighted_moments(x, [0, 2], w)),
         [f32(3, 2, 4), pos32(3, 1, 4, seed=1)],
         lambda x, w: _weighted_moments(x, w, (0, 2)), rtol=1e-5, atol=1e-5),
    # TF's FusedBatchNormGrad passes nothing back through the statistics outputs, nor (in
    # inference) to mean/variance, so finite differences check y alone.
    Case("fused_batch_norm_training",
         lambda tf, x, s, o: list(tf.nn.fused_batch_norm(x, s, o)),
         [f32(2, 3, 2, 4), pos32(4, seed=1), f32(4, seed=2)], _bn_train,
         rtol=1e-4, atol=1e-5, grad=False),
    Case("fused_batch_norm_training_y",
         lambda tf, x, s, o: tf.nn.fused_batch_norm(x, s, o, epsilon=0.01)[0],
         [f32(2, 3, 2, 4), pos32(4, seed=1), f32(4, seed=2)], None,
         rtol=1e-4, atol=1e-5, grad_tol=1e-4),
    Case("fused_batch_norm_inference",
         lambda tf, x, s, o, m, v: list(tf.nn.fused_batch_norm(x, s, o, m, v,
                                                               is_training=False)),
         [f32(2, 3, 2, 4), pos32(4, seed=1), f32(4, seed=2), f32(4, seed=3), pos32(4, seed=4)],
         lambda x, s, o, m, v: [(x - m) / np.sqrt(v + 1e-3) * s + o, m, v],
         rtol=1e-5, atol=1e-5, grad=False),
    Case("fused_batch_norm_inference_y",
         lambda tf, x, s, o: tf.nn.fused_batch_norm(x, s, o, BN_MEAN, BN_VAR,
                                                    is_training=False)[0],
         [f32(2, 3, 2, 4), pos32(4, seed=1), f32(4, seed=2)],
         lambda x, s, o: (x - BN_MEAN) / np.sqrt(BN_VAR + 1e-3) * s + o,
         rtol=1e-5, atol=1e-5),
    Case("local_response_normalization",
         lambda tf, x: [tf.nn.lrn(x, 2, 1.0, 0.5, 0.75),
                        tf.nn.local_response_normalization(x, depth_radius=0, bias=2.0)],
         [f32(2, 3, 2, 5)],
         lambda x: [_lrn(x, 2, 1.0, 0.5, 0.75), _lrn(x, 0, 2.0, 1.0, 0.5)],
         rtol=1e-5, atol=1e-6, grad_tol=1e-4),
]
