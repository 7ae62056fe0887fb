"""matmul against NumPy over generated batch shapes (broadcast), sizes and transposes; its
gradients summed over broadcast batch dimensions; build- and run-time shape errors.

The decompositions over generated batch shapes and sizes: factors that reconstruct the
input (qr, svd, eigh, cholesky), solves that satisfy their equations, both executors;
TF's behaviour on singular and non-positive-definite inputs; build-time shape checks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphjit as gj


@st.composite
def broadcast_batches(draw):
    """Two batch shapes that broadcast together (either may be shorter or hold 1s)."""
    full = draw(st.lists(st.integers(1, 3), min_size=0, max_size=3))
    batches = []
    for _ in range(2):
        drop = draw(st.integers(0, len(full)))
        batches.append([1 if draw(st.booleans()) else d for d in full[drop:]])
    return batches


def _matrix(batch, rows, cols, transpose, rng):
    shape = [*batch, cols, rows] if transpose else [*batch, rows, cols]
    return rng.normal(size=shape)


def _t(x, transpose):
    return np.swapaxes(x, -1, -2) if transpose else x


def _run(fetches, feed):
    with gj.Session(executor="interpreted") as sess:
        return sess.run(fetches, feed)


@settings(max_examples=60, deadline=None)
@given(broadcast_batches(), st.integers(1, 4), st.integers(0, 4), st.integers(1, 4),
       st.booleans(), st.booleans(), st.sampled_from([np.float32, np.float64, np.int32]))
def test_matmul_matches_numpy(batches, m, k, n, transpose_a, transpose_b, dtype):
    gj.reset_default_graph()
    rng = np.random.default_rng(m * 100 + k * 10 + n)
    a = (_matrix(batches[0], m, k, transpose_a, rng) * 3).astype(dtype)
    b = (_matrix(batches[1], k, n, transpose_b, rng) * 3).astype(dtype)
    pa, pb = gj.placeholder(dtype, a.shape), gj.placeholder(dtype, b.shape)
    y = gj.matmul(pa, pb, transpose_a=transpose_a, transpose_b=transpose_b)
    expected = np.matmul(_t(a, transpose_a), _t(b, transpose_b))
    assert y.shape.as_list() == list(expected.shape)
    got = _run(y, {pa: a, pb: b})
    assert got.dtype == dtype
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


@settings(max_examples=40, deadline=None)
@given(broadcast_batches(), st.booleans(), st.booleans())
def test_matmul_gradients_sum_over_broadcast_batches(batches, transpose_a, transpose_b):
    gj.reset_default_graph()
    rng = np.random.default_rng(len(batches[0]) + 7 * len(batches[1]))
    a = _matrix(batches[0], 2, 3, transpose_a, rng)
    b = _matrix(batches[1], 3, 4, transpose_b, rng)
    pa, pb = gj.placeholder(gj.float64, a.shape), gj.placeholder(gj.float64, b.shape)
    y = gj.matmul(pa, pb, transpose_a=transpose_a, transpose_b=transpose_b)
    w = rng.normal(size=y.shape.as_list())
    ga, gb = gj.gradients(y, [pa, pb], grad_ys=gj.constant(w))
    got_a, got_b = _run([ga, gb], {pa: a, pb: b})
    # d(sum(w * A @ B))/dA = w @ B^T, summed over the batch dims A was broadcast along.
    da = w @ np.swapaxes(np.broadcast_to(_t(b, transpose_b), w.shape[:-2] + (3, 4)), -1, -2)
    db = np.swapaxes(np.broadcast_to(_t(a, transpose_a), w.shape[:-2] + (2, 3)), -1, -2) @ w
    for got, full, like, transpose in ((got_a, da, a, transpose_a),
                                       (got_b, db, b, transpose_b)):
        full = _t(full, transpose)
        lead = full.ndim - like.ndim
        axes = tuple(range(lead)) + tuple(lead + i for i, d in enumerate(like.shape[:-2])
                                          if d == 1 and full.shape[lead + i] != 1)
        expected = full.sum(axis=axes, keepdims=True).reshape(like.shape)
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


def test_matmul_op_record():
    a = gj.placeholder(gj.float32, [2, 3])
    y = gj.matmul(a, a, transpose_b=True)
    assert y.op.name == "MatMul" and y.op.type == "matmul"
    assert y.op.opdef.kind == "matmul"
    assert y.op.get_attr("transpose_a") is False and y.op.get_attr("transpose_b") is True
    batched = gj.matmul(gj.placeholder(gj.float32, [5, 1, 2, 3]), a, transpose_b=True)
    assert batched.op.name == "MatMul_1" and batched.shape.as_list() == [5, 1, 2, 2]


def test_matmul_build_time_errors():
    a = gj.placeholder(gj.float32, [2, 3])
    with pytest.raises(ValueError, match=r"Dimensions must be equal, but are 3 and 4.*"
                                         r"\[2,3\], \[4,5\]"):
        gj.matmul(a, gj.placeholder(gj.float32, [4, 5]))
    with pytest.raises(ValueError, match="rank"):
        gj.matmul(a, gj.placeholder(gj.float32, [3]))
    with pytest.raises(TypeError):
        gj.matmul(a, gj.placeholder(gj.float64, [3, 2]))
    with pytest.raises(TypeError):
        gj.matmul(gj.placeholder(gj.bool, [2, 2]), gj.placeholder(gj.bool, [2, 2]))
    with pytest.raises(ValueError, match="broadcasting"):
        gj.matmul(gj.placeholder(gj.float32, [2, 2, 3]), gj.placeholder(gj.float32, [3, 3, 2]))
    with pytest.raises(ValueError, match="Only one of"):
        gj.matmul(a, a, transpose_b=True, adjoint_b=True)
    with pytest.raises(TypeError, match="output_type"):
        gj.matmul(a, a, transpose_b=True, output_type=gj.float64)


def test_matmul_run_time_mismatch_is_invalid_argument():
    a = gj.placeholder(gj.float32, [None, None])
    b = gj.placeholder(gj.float32, [None, None])
    y = gj.matmul(a, b)
    with pytest.raises(gj.errors.InvalidArgumentError, match="Matrix size-incompatible"):
        _run(y, {a: np.ones((2, 3)), b: np.ones((4, 5))})
    unknown_a, unknown_b = gj.placeholder(gj.float32), gj.placeholder(gj.float32)
    z = gj.matmul(unknown_a, unknown_b)
    assert z.shape.rank is None
    with pytest.raises(gj.errors.InvalidArgumentError, match="batch"):
        _run(z, {unknown_a: np.ones((2, 2, 3)), unknown_b: np.ones((3, 3, 4))})


def test_matmul_operator_on_variables_and_arrays():
    v = gj.Variable(np.eye(2, dtype=np.float32) * 3.0)
    x = gj.placeholder(gj.float32, [2, 2])
    m = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    outs = [v @ x, x @ v, m @ x, x @ m, v @ m, [[1.0, 0.0]] @ v]
    with gj.Session(executor="interpreted") as sess:
        sess.run(gj.global_variables_initializer())
        got = sess.run(outs, {x: m})
    expected = [3 * m, 3 * m, m @ m, m @ m, 3 * m, np.array([[3.0, 0.0]])]
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e)


# -- decompositions and solvers -------------------------------------------------------------

batch_shapes = st.lists(st.integers(1, 3), min_size=0, max_size=2)


def _both(fetches, feed):
    """Runs under both executors and checks that they agree."""
    with gj.Session(executor="interpreted") as sess:
        interpreted = sess.run(fetches, feed)
    with gj.Session(executor="compiled") as sess:
        compiled = sess.run(fetches, feed)
    for a, b in zip(interpreted, compiled):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)
    return interpreted


@settings(max_examples=25, deadline=None)
@given(batch_shapes, st.integers(1, 4), st.integers(1, 4), st.booleans())
def test_qr_and_svd_reconstruct_their_input(batch, m, n, full):
    gj.reset_default_graph()
    rng = np.random.default_rng(m * 10 + n)
    a = rng.normal(size=batch + [m, n])
    x = gj.placeholder(gj.float64, a.shape)
    q, r = gj.qr(x, full_matrices=full)
    s, u, v = gj.svd(x, full_matrices=full)
    assert s.shape.as_list() == batch + [min(m, n)]
    assert u.shape.as_list() == batch + [m, m if full else min(m, n)]
    q_v, r_v, s_v, u_v, v_v = _both([q, r, s, u, v], {x: a})
    np.testing.assert_allclose(q_v @ r_v, a, atol=1e-10)
    np.testing.assert_allclose(np.tril(r_v, -1), 0, atol=1e-12)
    k = min(m, n)
    np.testing.assert_allclose((u_v[..., :, :k] * s_v[..., None, :]) @ _t(v_v[..., :, :k],
                                                                          True), a, atol=1e-10)
    assert np.all(np.diff(s_v, axis=-1) <= 1e-12)


@settings(max_examples=25, deadline=None)
@given(batch_shapes, st.integers(1, 4))
def test_eigh_cholesky_and_inverse_on_symmetric_positive_definite(batch, n):
    gj.reset_default_graph()
    rng = np.random.default_rng(n)
    x = rng.normal(size=batch + [n, n])
    a = x @ _t(x, True) + n * np.eye(n)
    p = gj.placeholder(gj.float64, a.shape)
    e, v = gj.self_adjoint_eig(p)
    outs = [e, v, gj.cholesky(p), gj.matrix_inverse(p), gj.matrix_determinant(p),
            gj.linalg.logdet(p), gj.self_adjoint_eigvals(p)]
    e_v, v_v, chol, inv, det, logdet, eigvals = _both(outs, {p: a})
    np.testing.assert_allclose((v_v * e_v[..., None, :]) @ _t(v_v, True), a, atol=1e-9)
    np.testing.assert_allclose(chol @ _t(chol, True), a, atol=1e-9)
    np.testing.assert_allclose(inv @ a, np.broadcast_to(np.eye(n), a.shape), atol=1e-9)
    np.testing.assert_allclose(det, np.prod(e_v, axis=-1), rtol=1e-9)
    np.testing.assert_allclose(logdet, np.log(det), rtol=1e-9)
    np.testing.assert_allclose(eigvals, e_v, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(broadcast_batches(), st.integers(1, 4), st.integers(0, 3), st.booleans(),
       st.booleans())
def test_triangular_solve_satisfies_its_equation(batches, n, k, lower, adjoint):
    gj.reset_default_graph()
    rng = np.random.default_rng(n * 7 + k)
    a = rng.normal(size=batches[0] + [n, n]) + 3 * np.eye(n)
    b = rng.normal(size=batches[1] + [n, k])
    pa, pb = gj.placeholder(gj.float64, a.shape), gj.placeholder(gj.float64, b.shape)
    x = gj.matrix_triangular_solve(pa, pb, lower=lower, adjoint=adjoint)
    (got,) = _both([x], {pa: a, pb: b})
    t = np.tril(a) if lower else np.triu(a)
    t = _t(t, adjoint)
    assert list(got.shape) == x.shape.as_list()
    np.testing.assert_allclose(t @ got, np.broadcast_to(b, got.shape), atol=1e-9)


def test_singular_and_not_positive_definite_inputs_behave_as_tf():
    singular = np.array([[1.0, 2.0], [0.0, 0.0]], np.float32)
    x = gj.placeholder(gj.float32, [2, 2])
    with pytest.raises(gj.errors.InvalidArgumentError, match="Input is not invertible"):
        _run(gj.matrix_inverse(x), {x: singular})
    with pytest.raises(gj.errors.InvalidArgumentError, match="Input matrix is not invertible"):
        _run(gj.matrix_solve(x, np.ones((2, 1), np.float32)), {x: singular})
    det, (sign, logabs) = _run([gj.matrix_determinant(x), gj.linalg.slogdet(x)],
                               {x: singular})
    assert det == 0 and sign == 0 and logabs == -np.inf
    # TF 2.x fills the lower triangle of a non-positive-definite matrix with NaN
    batch = gj.placeholder(gj.float32, [2, 2, 2])
    chol = _run(gj.cholesky(batch), {batch: np.stack([np.eye(2), -np.eye(2)])})
    np.testing.assert_array_equal(chol[0], np.eye(2))
    assert np.isnan(chol[1][np.tril_indices(2)]).all()
    tri = _run(gj.matrix_triangular_solve(x, np.ones((2, 1), np.float32)),
               {x: np.zeros((2, 2), np.float32)})
    assert tri[0, 0] == np.inf and np.isnan(tri[1, 0])


def test_decomposition_shapes_names_and_build_errors():
    x = gj.placeholder(gj.float32, [None, 4, 3])
    q, r = gj.qr(x)
    assert q.shape.as_list() == [None, 4, 3] and r.shape.as_list() == [None, 3, 3]
    assert q.op.name == "Qr" and q.op.type == "qr"
    s = gj.svd(gj.placeholder(gj.float32, [None, None, 3]), compute_uv=False)
    assert s.shape.as_list() == [None, None] and len(s.op.outputs) == 1
    e = gj.self_adjoint_eigvals(gj.placeholder(gj.float64, [3, 3]))
    assert e.op.type == "self_adjoint_eig" and e.op.get_attr("compute_v") is False
    with pytest.raises(ValueError, match="Dimensions must be equal, but are 4 and 3"):
        gj.matrix_inverse(x)
    with pytest.raises(ValueError, match="at least rank 2"):
        gj.cholesky(gj.placeholder(gj.float32, [3]))
    with pytest.raises(TypeError, match="not in list of allowed values"):
        gj.matrix_determinant(gj.placeholder(gj.int32, [2, 2]))
    with pytest.raises(ValueError, match="Dimension 0 in both shapes|must be equal"):
        gj.matrix_solve(gj.placeholder(gj.float32, [2, 3, 3]),
                        gj.placeholder(gj.float32, [1, 3, 2]))
    assert gj.matrix_triangular_solve(gj.placeholder(gj.float32, [2, 3, 3]),
                                      gj.placeholder(gj.float32, [1, 3, 2])
                                      ).shape.as_list() == [2, 3, 2]


def test_svd_gradient_where_tf_has_none_is_a_clear_error():
    x = gj.placeholder(gj.float64, [4, 1])
    s, u, v = gj.svd(x, full_matrices=True)
    with pytest.raises(ValueError, match="abs\\(m - n\\) > 1"):
        gj.gradients(gj.reduce_sum(u), [x])
    q, r = gj.qr(x, full_matrices=True)
    with pytest.raises(ValueError, match="full_matrices is true"):
        gj.gradients(gj.reduce_sum(q), [x])
