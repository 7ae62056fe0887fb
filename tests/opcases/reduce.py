"""Cases for graphlib/ops/reduce.py: reductions, argmax/argmin, scans, broadcast_reduced."""

import numpy as np

from tests.opcases import Case, bools, f32, i32, i64, pos32

# Zeros at one place in row 0 and at two places in row 1, to check reduce_prod's gradient
# where x / prod(x) would divide by zero.
_WITH_ZEROS = np.array([[0.0, 1.5, -2.0, 0.5], [0.0, 0.0, 3.0, 1.25], [1.1, -0.7, 2.0, 0.9]],
                       np.float32)
_LOGSUMEXP_EDGES = np.array([[1.0, -np.inf, 2.0], [-np.inf, -np.inf, -np.inf],
                             [np.inf, 0.0, 1.0], [1000.0, 1000.0, -1000.0]], np.float32)


def _stable_logsumexp(x, axis, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


def _trunc_mean(x, axis):
    return np.fix(x.sum(axis=axis) / np.prod([x.shape[a] for a in np.atleast_1d(axis)])
                  ).astype(x.dtype)


def _prod_others(x):
    """d prod(x, axis=1) / dx by brute force: the product of the row with x[i, j] removed."""
    out = np.empty_like(x)
    for i, j in np.ndindex(*x.shape):
        out[i, j] = np.prod(np.delete(x[i], j))
    return out


def _exclusive(cum, x, axis, identity):
    shifted = np.moveaxis(cum(x, axis=axis), axis, 0)[:-1]
    first = np.full_like(np.moveaxis(x, axis, 0)[:1], identity)
    return np.moveaxis(np.concatenate([first, shifted]), 0, axis)


CASES = [
    # -- reduce_sum / reduce_mean -----------------------------------------------------
    Case("reduce_sum_all", lambda tf, x: tf.reduce_sum(x), [f32(3, 4)], lambda x: x.sum(),
         grad2=True),
    Case("reduce_sum_axes_keepdims", lambda tf, x: tf.reduce_sum(x, [0, -1], keepdims=True),
         [f32(2, 3, 4)], lambda x: x.sum(axis=(0, 2), keepdims=True), grad2=True),
    Case("reduce_sum_tf1_spelling",
         lambda tf, x: tf.reduce_sum(x, reduction_indices=1, keep_dims=True), [f32(2, 3)],
         lambda x: x.sum(axis=1, keepdims=True)),
    Case("reduce_sum_const_axis", lambda tf, x: tf.reduce_sum(x, tf.constant([1])),
         [f32(2, 3)], lambda x: x.sum(axis=1)),
    Case("reduce_sum_empty_axes", lambda tf, x: tf.reduce_sum(x, []), [f32(2, 3)],
         lambda x: x),
    Case("reduce_sum_int", lambda tf, x: tf.reduce_sum(x, 0), [i32(4, 3)],
         lambda x: x.sum(axis=0, dtype=np.int32), grad=False),
    Case("reduce_mean_axis", lambda tf, x: tf.reduce_mean(x, 1), [f32(3, 5)],
         lambda x: x.mean(axis=1), grad2=True),
    Case("reduce_mean_all_keepdims", lambda tf, x: tf.reduce_mean(x, keepdims=True),
         [f32(2, 3, 2)], lambda x: x.mean().reshape(1, 1, 1)),
    Case("reduce_mean_int_truncates", lambda tf, x: tf.reduce_mean(x, 0),
         [np.array([[-3, 4, 5], [-4, 4, 2], [0, -1, 0]], np.int32)],
         lambda x: _trunc_mean(x, 0), grad=False),
    Case("reduce_mean_int64", lambda tf, x: tf.reduce_mean(x, -1), [i64(3, 4, seed=3)],
         lambda x: _trunc_mean(x, 1), grad=False),
    # -- max / min / prod -------------------------------------------------------------
    Case("reduce_max_axis", lambda tf, x: tf.reduce_max(x, 1), [f32(3, 4)],
         lambda x: x.max(axis=1), grad2=True),
    Case("reduce_max_all", lambda tf, x: tf.reduce_max(x, keepdims=True), [f32(2, 3)],
         lambda x: x.max(keepdims=True)),
    Case("reduce_min_axes", lambda tf, x: tf.reduce_min(x, [0, 2]), [f32(2, 3, 4)],
         lambda x: x.min(axis=(0, 2))),
    Case("reduce_max_int", lambda tf, x: [tf.reduce_max(x, 0), tf.reduce_min(x, 1)],
         [i32(3, 4, seed=2)], lambda x: [x.max(0), x.min(1)], grad=False),
    Case("reduce_prod_axis", lambda tf, x: tf.reduce_prod(x, 1), [f32(3, 4)],
         lambda x: x.prod(axis=1), grad2=True),
    Case("reduce_prod_zeros", lambda tf, x: tf.reduce_prod(x, 1), [_WITH_ZEROS],
         lambda x: x.prod(axis=1)),
    Case("reduce_prod_zeros_grad",
         lambda tf, x: tf.gradients(tf.reduce_prod(x, 1), x)[0], [_WITH_ZEROS],
         _prod_others, grad=False),
    Case("reduce_prod_axes_keepdims", lambda tf, x: tf.reduce_prod(x, [0, 2], keepdims=True),
         [f32(2, 3, 2, seed=4)], lambda x: x.prod(axis=(0, 2), keepdims=True)),
    Case("reduce_prod_all", lambda tf, x: tf.reduce_prod(x), [pos32(2, 3)],
         lambda x: x.prod()),
    # -- any / all --------------------------------------------------------------------
    Case("reduce_any_all", lambda tf, x: [tf.reduce_any(x, 1), tf.reduce_all(x, 0),
                                          tf.reduce_any(x), tf.reduce_all(x, keepdims=True)],
         [bools(4, 3)], lambda x: [x.any(1), x.all(0), x.any(), x.all(keepdims=True)],
         grad=False),
    # -- reductions over nothing give the combiner's identity -------------------------
    Case("reduce_zero_size",
         lambda tf, x: [tf.reduce_sum(x, 0), tf.reduce_prod(x, 0), tf.reduce_max(x, 0),
                        tf.reduce_min(x, 0), tf.reduce_mean(x, 0)],
         [np.zeros((0, 3), np.float32)],
         lambda x: [np.zeros(3, np.float32), np.ones(3, np.float32),
                    np.full(3, -np.inf, np.float32), np.full(3, np.inf, np.float32),
                    np.full(3, np.nan, np.float32)], grad=False),
    Case("reduce_zero_size_int",
         lambda tf, x: [tf.reduce_max(x), tf.reduce_min(x), tf.reduce_mean(x),
                        tf.reduce_any(x > 0), tf.reduce_all(x > 0)],
         [np.zeros((2, 0), np.int32)],
         lambda x: [np.int32(np.iinfo(np.int32).min), np.int32(np.iinfo(np.int32).max),
                    np.int32(0), False, True], grad=False),
    # -- logsumexp --------------------------------------------------------------------
    Case("reduce_logsumexp", lambda tf, x: tf.reduce_logsumexp(x, 1), [f32(3, 4)],
         lambda x: _stable_logsumexp(x, 1), grad2=True),
    Case("reduce_logsumexp_keepdims",
         lambda tf, x: tf.reduce_logsumexp(x, [0, 2], keepdims=True), [f32(2, 3, 2)],
         lambda x: _stable_logsumexp(x, (0, 2), keepdims=True)),
    Case("reduce_logsumexp_all", lambda tf, x: tf.reduce_logsumexp(x), [f32(2, 3)],
         lambda x: _stable_logsumexp(x, None)),
    Case("reduce_logsumexp_edges", lambda tf, x: tf.reduce_logsumexp(x, 1),
         [_LOGSUMEXP_EDGES],
         lambda x: np.array([2.0 + np.log1p(np.exp(-1.0)), -np.inf, np.inf,
                             1000.0 + np.log(2.0)], np.float32), grad=False),
    # -- argmax / argmin --------------------------------------------------------------
    Case("argmax_default_axis", lambda tf, x: tf.argmax(x), [f32(3, 4)],
         lambda x: x.argmax(0), grad=False),
    Case("argmin_axis_int32", lambda tf, x: tf.argmin(x, 1, output_type=tf.int32),
         [f32(3, 4)], lambda x: x.argmin(1).astype(np.int32), grad=False),
    Case("argmax_ties_first",
         lambda tf, x: [tf.argmax(x, -1), tf.argmin(x, dimension=0)], [i32(4, 6, low=0,
                                                                           high=2)],
         lambda x: [x.argmax(-1), x.argmin(0)], grad=False),
    Case("argmax_nan",
         lambda tf, x: [tf.argmax(x, 1), tf.argmin(x, 1)],
         [np.array([[np.nan, 1.0, np.nan, 3.0], [np.nan] * 4, [2.0, np.nan, -1.0, 2.0]],
                   np.float32)],
         lambda x: [np.array([3, 0, 0]), np.array([1, 0, 2])], grad=False),
    # -- cumsum / cumprod -------------------------------------------------------------
    Case("cumsum", lambda tf, x: tf.cumsum(x), [f32(4, 3)], lambda x: np.cumsum(x, 0),
         grad2=True),
    Case("cumsum_exclusive_reverse",
         lambda tf, x: [tf.cumsum(x, 1, exclusive=True), tf.cumsum(x, -1, reverse=True),
                        tf.cumsum(x, axis=1, exclusive=True, reverse=True)],
         [f32(3, 4)],
         lambda x: [_exclusive(np.cumsum, x, 1, 0), np.cumsum(x[:, ::-1], 1)[:, ::-1],
                    _exclusive(np.cumsum, x[:, ::-1], 1, 0)[:, ::-1]]),
    Case("cumsum_int", lambda tf, x: tf.cumsum(x, 1, exclusive=True), [i32(2, 5)],
         lambda x: _exclusive(np.cumsum, x, 1, 0), grad=False),
    Case("cumprod",
         lambda tf, x: [tf.cumprod(x, 1), tf.cumprod(x, 0, exclusive=True, reverse=True)],
         [pos32(3, 4)],
         lambda x: [np.cumprod(x, 1), _exclusive(np.cumprod, x[::-1], 0, 1)[::-1]],
         grad2=True),
    # -- the adjoint of reduce_sum ----------------------------------------------------
    Case("broadcast_reduced",
         lambda tf, x, y: [tf.broadcast_reduced(x, y, 1),
                           tf.broadcast_reduced(tf.reduce_max(y, -1, keepdims=True), y, [-1],
                                                keepdims=True)],
         [f32(2), f32(2, 3, seed=1)],
         lambda x, y: [np.repeat(x[:, None], 3, 1), np.repeat(y.max(1, keepdims=True), 3, 1)],
         tf=False, grad2=True),
]
