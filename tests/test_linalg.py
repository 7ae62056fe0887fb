"""matmul against NumPy over generated batch shapes (broadcast), sizes and transposes; its
gradients summed over broadcast batch dimensions; build- and run-time shape errors."""

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
