"""Reductions, argmax/argmin and scans against NumPy over generated shapes, axes and
keepdims; build-time errors; TF's gradient conventions at ties and zeros; unknown ranks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphjit as gj

_FLOAT_REDUCTIONS = {
    "reduce_sum": np.sum,
    "reduce_mean": np.mean,
    "reduce_max": np.max,
    "reduce_min": np.min,
    "reduce_prod": np.prod,
}


@st.composite
def shapes_and_axes(draw, min_side=1):
    """A shape and an `axis` argument: None, an int or a list of distinct axes (some
    negative), possibly empty."""
    shape = draw(st.lists(st.integers(min_side, 4), min_size=0, max_size=4))
    rank = len(shape)
    kind = draw(st.sampled_from(["none", "int", "list"] if rank else ["none", "list"]))
    if kind == "none":
        return shape, None
    if kind == "int":
        return shape, draw(st.integers(-rank, rank - 1))
    chosen = draw(st.lists(st.integers(0, rank - 1), unique=True, max_size=rank)) if rank \
        else []
    signs = draw(st.lists(st.booleans(), min_size=len(chosen), max_size=len(chosen)))
    return shape, [a - rank if neg else a for a, neg in zip(chosen, signs)]


def _np_axis(axis):
    return None if axis is None else tuple(np.atleast_1d(axis).tolist())


def _run(fetches, feed=None):
    with gj.Session(executor="interpreted") as sess:
        return sess.run(fetches, feed)


@settings(max_examples=60, deadline=None)
@given(shapes_and_axes(), st.booleans(), st.sampled_from(sorted(_FLOAT_REDUCTIONS)),
       st.sampled_from([np.float32, np.float64]))
def test_float_reductions_match_numpy(shape_axis, keepdims, op, dtype):
    shape, axis = shape_axis
    gj.reset_default_graph()
    x = np.random.default_rng(len(shape)).uniform(0.5, 1.5, size=shape).astype(dtype)
    p = gj.placeholder(dtype, shape)
    y = getattr(gj, op)(p, axis, keepdims=keepdims)
    expected = _FLOAT_REDUCTIONS[op](x, axis=_np_axis(axis), keepdims=keepdims)
    assert y.shape.as_list() == list(np.shape(expected))
    got = _run(y, {p: x})
    assert np.asarray(got).dtype == dtype
    np.testing.assert_allclose(got, expected, rtol=1e-5)


@settings(max_examples=40, deadline=None)
@given(shapes_and_axes(min_side=0), st.booleans(), st.sampled_from([np.int32, np.int64]))
def test_integer_reductions_keep_dtype_and_truncate(shape_axis, keepdims, dtype):
    shape, axis = shape_axis
    gj.reset_default_graph()
    x = np.random.default_rng(3).integers(-50, 50, size=shape).astype(dtype)
    p = gj.placeholder(dtype, shape)
    outs = [gj.reduce_sum(p, axis, keepdims=keepdims), gj.reduce_mean(p, axis, keepdims),
            gj.reduce_max(p, axis, keepdims), gj.reduce_min(p, axis, keepdims)]
    s, mean, mx, mn = _run(outs, {p: x})
    ax = _np_axis(axis)
    np.testing.assert_array_equal(s, x.sum(axis=ax, keepdims=keepdims, dtype=dtype))
    count = x.size // max(np.size(s), 1) if x.size else 0
    # Python's int() truncates toward zero, as TF's integer division does.
    expected_mean = np.vectorize(lambda v: int(v / count) if count else 0, otypes=[dtype])(
        x.sum(axis=ax, keepdims=keepdims))
    np.testing.assert_array_equal(mean, expected_mean)
    info = np.iinfo(dtype)
    np.testing.assert_array_equal(mx, np.max(x, axis=ax, keepdims=keepdims,
                                             initial=info.min))
    np.testing.assert_array_equal(mn, np.min(x, axis=ax, keepdims=keepdims,
                                             initial=info.max))
    assert all(np.asarray(v).dtype == dtype for v in (s, mean, mx, mn))


@settings(max_examples=40, deadline=None)
@given(shapes_and_axes(min_side=0), st.booleans())
def test_any_all_match_numpy(shape_axis, keepdims):
    shape, axis = shape_axis
    gj.reset_default_graph()
    x = np.random.default_rng(5).random(size=shape) < 0.5
    p = gj.placeholder(gj.bool, shape)
    got_any, got_all = _run([gj.reduce_any(p, axis, keepdims),
                             gj.reduce_all(p, axis, keepdims)], {p: x})
    np.testing.assert_array_equal(got_any, x.any(axis=_np_axis(axis), keepdims=keepdims))
    np.testing.assert_array_equal(got_all, x.all(axis=_np_axis(axis), keepdims=keepdims))


@settings(max_examples=40, deadline=None)
@given(shapes_and_axes(), st.booleans())
def test_sum_gradient_broadcasts_back(shape_axis, keepdims):
    shape, axis = shape_axis
    gj.reset_default_graph()
    x = gj.placeholder(gj.float64, shape)
    y = gj.reduce_sum(x, axis, keepdims=keepdims)
    w = np.random.default_rng(0).normal(size=y.shape.as_list())
    (g,) = gj.gradients(y, [x], grad_ys=gj.constant(w))
    got = _run(g, {x: np.zeros(shape)})
    ax = tuple(range(len(shape))) if axis is None else \
        tuple(a % len(shape) for a in np.atleast_1d(axis))
    expected = np.broadcast_to(w if keepdims else np.expand_dims(w, ax), shape)
    np.testing.assert_allclose(got, expected)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=4), st.data())
def test_argmax_argmin_first_index(shape, data):
    gj.reset_default_graph()
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = np.random.default_rng(1).integers(0, 3, size=shape).astype(np.float32)
    p = gj.placeholder(gj.float32, shape)
    amax, amin = gj.argmax(p, axis), gj.argmin(p, axis, output_type=gj.int32)
    assert amax.dtype == gj.int64 and amin.dtype == gj.int32
    got_max, got_min = _run([amax, amin], {p: x})
    np.testing.assert_array_equal(got_max, np.argmax(x, axis))
    np.testing.assert_array_equal(got_min, np.argmin(x, axis))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.data(), st.booleans(),
       st.booleans())
def test_cumsum_cumprod_match_numpy(shape, data, exclusive, reverse):
    gj.reset_default_graph()
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = np.random.default_rng(2).uniform(0.5, 1.5, size=shape)
    p = gj.placeholder(gj.float64, shape)
    got_sum, got_prod = _run([gj.cumsum(p, axis, exclusive, reverse),
                              gj.cumprod(p, axis, exclusive=exclusive, reverse=reverse)],
                             {p: x})
    for got, accumulate, identity in ((got_sum, np.cumsum, 0.0), (got_prod, np.cumprod, 1.0)):
        v = np.flip(x, axis) if reverse else x
        expected = accumulate(v, axis=axis)
        if exclusive:
            pad = np.full_like(np.take(v, [0], axis=axis), identity)
            expected = np.concatenate([pad, np.delete(expected, -1, axis=axis)], axis=axis)
        if reverse:
            expected = np.flip(expected, axis)
        np.testing.assert_allclose(got, expected)


def test_axes_attr_is_normalized():
    x = gj.placeholder(gj.float32, [2, 3, 4])
    y = gj.reduce_sum(x, [-1, 0])
    assert y.op.get_attr("axes") == (0, 2)
    assert y.op.get_attr("keepdims") is False
    assert gj.reduce_max(x).op.get_attr("axes") == (0, 1, 2)
    assert gj.reduce_mean(x, []).op.get_attr("axes") == ()
    assert y.op.type == "reduce_sum" and y.op.name == "Sum"
    assert y.op.opdef.kind == "reduction" and y.op.opdef.attrs["combiner"] == "sum"


@pytest.mark.parametrize("axis", [2, -3, [0, 2], [1, -1]])
def test_bad_axes_raise_at_build_time(axis):
    x = gj.placeholder(gj.float32, [2, 3])
    with pytest.raises(ValueError, match="reduction"):
        gj.reduce_sum(x, axis)


def test_build_time_errors():
    x = gj.placeholder(gj.float32, [2, 3])
    with pytest.raises(TypeError):
        gj.reduce_any(x)
    with pytest.raises(TypeError):
        gj.reduce_sum(gj.placeholder(gj.bool, [2]))
    with pytest.raises(ValueError, match="both"):
        gj.reduce_sum(x, 0, reduction_indices=0)
    with pytest.raises(ValueError, match="range"):
        gj.argmax(x, 2)
    with pytest.raises(ValueError, match="range"):
        gj.cumsum(x, -3)
    with pytest.raises(TypeError):
        gj.argmax(x, output_type=gj.float32)
    with pytest.raises(ValueError, match="known when the graph is built"):
        gj.reduce_sum(x, gj.placeholder(gj.int32, []))


def test_argmax_of_empty_axis_fails_at_run_time():
    x = gj.placeholder(gj.float32, [None, 2])
    with pytest.raises(gj.errors.InvalidArgumentError, match="empty"):
        _run(gj.argmax(x, 0), {x: np.zeros((0, 2), np.float32)})


def test_unknown_rank():
    x = gj.placeholder(gj.float64)
    y_all = gj.reduce_sum(x)
    y_neg = gj.reduce_max(x, -1, keepdims=True)
    assert y_all.shape.as_list() == [] and y_neg.shape.rank is None
    value = np.arange(6.0).reshape(2, 3)
    g_all, g_neg = gj.gradients(y_all, x)[0], gj.gradients(y_neg, x)[0]
    got = _run([y_all, y_neg, g_all, g_neg], {x: value})
    np.testing.assert_allclose(got[0], 15.0)
    np.testing.assert_allclose(got[1], [[2.0], [5.0]])
    np.testing.assert_allclose(got[2], np.ones((2, 3)))
    np.testing.assert_allclose(got[3], [[0, 0, 1], [0, 0, 1]])
    with pytest.raises(gj.errors.InvalidArgumentError, match="reduction dimension"):
        _run(gj.reduce_sum(x, 2), {x: value})


def test_gradients_with_unknown_dims():
    x = gj.placeholder(gj.float64, [None, 3])
    unknown = gj.placeholder(gj.float64)
    grads = [gj.gradients(gj.reduce_mean(x, 0), x)[0],
             gj.gradients(gj.reduce_mean(unknown, [0, -1]), unknown)[0],
             gj.gradients(gj.reduce_prod(unknown), unknown)[0],
             gj.gradients(gj.reduce_prod(unknown, [-1]), unknown)[0]]
    value = np.arange(1.0, 7.0).reshape(2, 3)
    got = _run(grads, {x: value, unknown: value})
    np.testing.assert_allclose(got[0], np.full((2, 3), 0.5))
    np.testing.assert_allclose(got[1], np.full((2, 3), 1 / 6))
    np.testing.assert_allclose(got[2], 720.0 / value)
    np.testing.assert_allclose(got[3], [[6, 3, 2], [30, 24, 20]])


def test_max_min_gradient_splits_ties_equally():
    x = gj.placeholder(gj.float64, [2, 4])
    value = np.array([[3.0, 1.0, 3.0, 3.0], [0.0, -1.0, 0.0, 5.0]])
    g_max = gj.gradients(gj.reduce_max(x, 1), x)[0]
    g_min = gj.gradients(gj.reduce_min(x), x)[0]
    got_max, got_min = _run([g_max, g_min], {x: value})
    np.testing.assert_allclose(got_max, [[1 / 3, 0, 1 / 3, 1 / 3], [0, 0, 0, 1]])
    np.testing.assert_allclose(got_min, [[0, 0, 0, 0], [0, 1, 0, 0]])


def test_prod_gradient_with_zeros_all_axes():
    x = gj.placeholder(gj.float64, [2, 2, 2])
    value = np.array([[[0.0, 2.0], [3.0, 4.0]], [[5.0, 0.5], [2.0, 1.0]]])
    got = _run(gj.gradients(gj.reduce_prod(x, [0, 2]), x)[0], {x: value})
    expected = np.empty_like(value)
    for i, j, k in np.ndindex(*value.shape):
        block = value[:, j, :].copy()
        block[i, k] = 1.0
        expected[i, j, k] = block.prod()
    np.testing.assert_allclose(got, expected)
