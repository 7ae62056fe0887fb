"""Property tests for graphlib/ops/extra.py over random shapes, axes and equations
(hypothesis), against NumPy and finite differences, and the ops' build- and run-time
errors."""

from __future__ import annotations

import string

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphjit as gj

SETTINGS = settings(max_examples=25, deadline=None)


def _run(fetches, feed=None):
    with gj.Session() as sess:
        return sess.run(fetches, feed)


@st.composite
def gather_nd_args(draw):
    rank = draw(st.integers(1, 3))
    shape = tuple(draw(st.lists(st.integers(1, 3), min_size=rank, max_size=rank)))
    q = draw(st.integers(1, rank))
    batch = tuple(draw(st.lists(st.integers(1, 3), min_size=0, max_size=2)))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    indices = np.stack([rng.integers(0, shape[k], batch) for k in range(q)], -1)
    params = rng.standard_normal(shape)
    updates = rng.standard_normal(batch + shape[q:])
    return params, indices.astype(draw(st.sampled_from([np.int32, np.int64]))), updates


@SETTINGS
@given(gather_nd_args())
def test_gather_nd_and_scatter_nd_match_numpy_and_are_adjoint(args):
    params, indices, updates = args
    q = indices.shape[-1]
    with gj.Graph().as_default():
        p = gj.constant(params)
        g = gj.gather_nd(p, indices)
        s = gj.scatter_nd(indices, gj.constant(updates), params.shape)
        grad = gj.gradients(gj.reduce_sum(g * updates), p)[0]
        assert g.shape.as_list() == list(indices.shape[:-1] + params.shape[q:])
        got, scattered, dp = _run([g, s, grad])
    np.testing.assert_allclose(got, params[tuple(indices[..., k] for k in range(q))])
    expected = np.zeros(params.shape)
    np.add.at(expected, tuple(indices[..., k] for k in range(q)), updates)
    np.testing.assert_allclose(scattered, expected)
    # <gather_nd(p, i), u> == <p, scatter_nd(i, u)>: the gradient is the scatter.
    np.testing.assert_allclose(dp, expected)
    np.testing.assert_allclose(np.sum(got * updates), np.sum(params * scattered))


@st.composite
def einsum_args(draw):
    letters = string.ascii_lowercase[:5]
    sizes = {c: draw(st.integers(1, 3)) for c in letters}
    n_ops = draw(st.integers(1, 2))
    terms = [draw(st.lists(st.sampled_from(letters), min_size=0, max_size=3, unique=True))
             for _ in range(n_ops)]
    used = sorted({c for t in terms for c in t})
    out = draw(st.permutations(used).flatmap(
        lambda p: st.integers(0, len(p)).map(lambda k: p[:k])))
    equation = ",".join("".join(t) for t in terms) + "->" + "".join(out)
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    operands = [rng.standard_normal([sizes[c] for c in t]) for t in terms]
    return equation, operands


@SETTINGS
@given(einsum_args())
def test_einsum_matches_numpy_and_finite_differences(args):
    equation, operands = args
    with gj.Graph().as_default():
        xs = [gj.placeholder(gj.float64, a.shape) for a in operands]
        out = gj.einsum(equation, *xs)
        expected = np.einsum(equation, *operands)
        assert out.shape.as_list() == list(expected.shape)
        w = np.random.default_rng(1).standard_normal(expected.shape)
        loss = gj.reduce_sum(out * w)
        grads = gj.gradients(loss, xs)
        feed = dict(zip(xs, operands))
        with gj.Session() as sess:
            value, *symbolic = sess.run([out] + grads, feed)
            np.testing.assert_allclose(value, expected, rtol=1e-10, atol=1e-12)
            eps = 1e-6
            for x, a, g in zip(xs, operands, symbolic):
                numeric = np.zeros_like(a)
                for j in range(a.size):
                    up, down = a.copy(), a.copy()
                    up.flat[j] += eps
                    down.flat[j] -= eps
                    numeric.flat[j] = (sess.run(loss, {**feed, x: up})
                                       - sess.run(loss, {**feed, x: down})) / (2 * eps)
                np.testing.assert_allclose(g, numeric, rtol=1e-5, atol=1e-6)


@SETTINGS
@given(st.integers(1, 3), st.integers(0, 2**16), st.data())
def test_tensordot_matches_numpy(n_axes, seed, data):
    rng = np.random.default_rng(seed)
    a_shape = data.draw(st.lists(st.integers(1, 3), min_size=n_axes, max_size=4))
    a_axes = data.draw(st.permutations(range(len(a_shape)))).__getitem__(slice(n_axes))
    free_b = data.draw(st.lists(st.integers(1, 3), min_size=0, max_size=2))
    b_rank = n_axes + len(free_b)
    b_axes = data.draw(st.permutations(range(b_rank)))[:n_axes]
    b_shape = [0] * b_rank
    for ax_a, ax_b in zip(a_axes, b_axes):
        b_shape[ax_b] = a_shape[ax_a]
    free = iter(free_b)
    b_shape = [d if d else next(free) for d in b_shape]
    a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    with gj.Graph().as_default():
        out = gj.tensordot(a, b, [list(a_axes), list(b_axes)])
        expected = np.tensordot(a, b, [list(a_axes), list(b_axes)])
        assert out.shape.as_list() == list(expected.shape)
        np.testing.assert_allclose(_run(out), expected, rtol=1e-10)


@SETTINGS
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.integers(0, 2**16),
       st.data())
def test_top_k_matches_a_stable_sort_and_scatters_its_gradient(shape, seed, data):
    k = data.draw(st.integers(0, shape[-1]))
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, 3, shape).astype(np.float64)  # many ties
    with gj.Graph().as_default():
        t = gj.constant(x)
        values, indices = gj.nn.top_k(t, k)
        w = rng.standard_normal(values.shape.as_list())
        grad = gj.gradients(gj.reduce_sum(values * w), t)[0]
        v, i, g = _run([values, indices, grad])
    order = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    np.testing.assert_array_equal(i, order)
    assert i.dtype == np.int32
    np.testing.assert_allclose(v, np.take_along_axis(x, order, -1))
    expected = np.zeros_like(x)
    np.put_along_axis(expected, order, w, -1)
    np.testing.assert_allclose(g, expected)


@SETTINGS
@given(st.integers(0, 2**16), st.sampled_from(["euclidean", 1, 2, np.inf, 3, 0.5]),
       st.sampled_from([None, 0, 1, -1]), st.booleans())
def test_vector_norms_match_numpy(seed, ord, axis, keepdims):
    x = np.random.default_rng(seed).standard_normal((3, 4))
    with gj.Graph().as_default():
        out = _run(gj.norm(x, ord=ord, axis=axis, keepdims=keepdims))
    p = 2 if ord == "euclidean" else ord
    flat = np.abs(x).reshape(-1) if axis is None else np.abs(x)
    red = None if axis is None else axis
    if p == np.inf:
        expected = flat.max(axis=red, keepdims=keepdims and axis is not None)
    else:
        expected = (flat ** p).sum(axis=red, keepdims=keepdims and axis is not None) ** (1 / p)
    if keepdims and axis is None:
        expected = np.reshape(expected, (1, 1))
    np.testing.assert_allclose(out, expected, rtol=1e-10)


def test_in_top_k_treats_ties_as_in_and_bad_targets_as_out():
    preds = np.array([[1.0, 2.0, 2.0, 0.0], [np.nan, 1.0, 0.0, 3.0], [1, 1, 1, 1]],
                     np.float32)
    with gj.Graph().as_default():
        k1 = gj.nn.in_top_k(preds, [2, 0, 3], 1)
        k2 = gj.nn.in_top_k(preds, np.array([5, 3, -1], np.int64), 4)
        np.testing.assert_array_equal(_run(k1), [True, False, True])
        np.testing.assert_array_equal(_run(k2), [False, True, False])


def test_sequence_mask_static_shapes_and_dtypes():
    with gj.Graph().as_default():
        n = gj.placeholder(gj.int32, [None, 2])
        assert gj.sequence_mask(n, 5).shape.as_list() == [None, 2, 5]
        assert gj.sequence_mask(n).shape.as_list() == [None, 2, None]
        mask = gj.sequence_mask(n, dtype=gj.float64)
        assert mask.dtype == gj.float64
        np.testing.assert_array_equal(_run(mask, {n: [[0, 2]]}), [[[0, 0], [1, 1]]])
        with pytest.raises(ValueError, match="maxlen must be scalar"):
            gj.sequence_mask(n, [3, 4])


def test_div_no_nan_is_zero_wherever_the_denominator_is():
    x = np.array([0.0, 1.0, np.inf, -2.0], np.float32)
    y = np.array([0.0, 0.0, 0.0, 4.0], np.float32)
    with gj.Graph().as_default():
        xt, yt = gj.constant(x), gj.constant(y)
        out = gj.div_no_nan(xt, yt)
        gx, gy = gj.gradients(out, [xt, yt])
        value, dx, dy = _run([out, gx, gy])
    np.testing.assert_array_equal(value, [0, 0, 0, -0.5])
    np.testing.assert_array_equal(dx, [0, 0, 0, 0.25])
    np.testing.assert_array_equal(dy, [0, 0, 0, 2.0 / 16])


def test_eye_with_tensor_sizes_and_batch():
    with gj.Graph().as_default():
        n = gj.placeholder(gj.int32, [])
        square = gj.eye(n, dtype=gj.int64)
        batched = gj.eye(2, 3, batch_shape=[2, 1])
        assert batched.shape.as_list() == [2, 1, 2, 3]
        np.testing.assert_array_equal(_run(square, {n: 3}), np.eye(3, dtype=np.int64))
        np.testing.assert_array_equal(_run(batched)[1, 0], np.eye(2, 3))
        with pytest.raises(TypeError, match="positive integer"):
            gj.eye(2.5)


def test_build_time_errors():
    with gj.Graph().as_default():
        m = gj.constant(np.zeros((2, 3), np.float32))
        with pytest.raises(ValueError, match="at most the rank"):
            gj.gather_nd(m, [[0, 1, 2]])
        with pytest.raises(ValueError, match="batch_dims=0"):
            gj.gather_nd(m, [[0]], batch_dims=1)
        with pytest.raises(ValueError, match="updates must have shape"):
            gj.scatter_nd([[0], [1]], [1.0, 2.0, 3.0], [4])
        with pytest.raises(ValueError, match="size 2 in one place and 3"):
            gj.einsum("ij,ij->i", m, gj.transpose(m))
        with pytest.raises(ValueError, match="names 2 operands"):
            gj.einsum("ij,jk->ik", m)
        with pytest.raises(ValueError, match="must keep the ellipsis"):
            gj.einsum("...i->i", m)
        with pytest.raises(ValueError, match="at least k=4 columns"):
            gj.nn.top_k(m, 4)
        with pytest.raises(TypeError, match="float32 or float64"):
            gj.div_no_nan(gj.constant([1]), gj.constant([2]))
        with pytest.raises(ValueError, match="supported vector norm"):
            gj.norm(m, ord=-1)
        with pytest.raises(ValueError, match="matrix 2-norm"):
            gj.norm(m, ord=2, axis=[0, 1])
        with pytest.raises(ValueError, match="Different number of contraction axes"):
            gj.tensordot(m, m, [[0, 1], [0]])
        x = gj.constant(np.eye(2))
        diagonal = gj.einsum("ii->i", x)
        with pytest.raises(ValueError, match="repeats a subscript"):
            gj.gradients(diagonal, x)


def test_run_time_index_errors_name_the_op():
    with gj.Graph().as_default():
        i = gj.placeholder(gj.int32, [None, 1])
        g = gj.gather_nd(gj.constant([1.0, 2.0]), i)
        s = gj.scatter_nd(i, gj.constant([1.0]), [2])
        k = gj.placeholder(gj.int32, [])
        top = gj.nn.top_k(gj.constant([[1.0, 2.0]]), k)[0]
        for executor in ("interpreted", "compiled"):
            with gj.Session(executor=executor) as sess:
                with pytest.raises(gj.errors.InvalidArgumentError, match="GatherNd"):
                    sess.run(g, {i: [[2]]})
                with pytest.raises(gj.errors.InvalidArgumentError, match="ScatterNd"):
                    sess.run(s, {i: [[-1]]})
                with pytest.raises(gj.errors.InvalidArgumentError, match="TopKV2"):
                    sess.run(top, {k: 3})


# -- round 4: unique, setdiff1d, dynamic_partition/stitch, Assert, depthwise ---------------


@SETTINGS
@given(st.lists(st.integers(-3, 3), min_size=0, max_size=12),
       st.lists(st.integers(-3, 3), min_size=0, max_size=5))
def test_unique_and_setdiff1d_match_first_occurrence_order(values, other):
    x = np.array(values, np.int64)
    y = np.array(other, np.int64)
    with gj.Graph().as_default():
        u = gj.unique_with_counts(x, out_idx=gj.int64)
        d = gj.setdiff1d(x, y)
        out, idx, count, diff, where = _run(list(u) + list(d))
    expect = list(dict.fromkeys(values))
    np.testing.assert_array_equal(out, np.array(expect, np.int64))
    np.testing.assert_array_equal(out[idx], x)
    np.testing.assert_array_equal(count, [values.count(v) for v in expect])
    keep = [i for i, v in enumerate(values) if v not in other]
    np.testing.assert_array_equal(diff, x[keep])
    np.testing.assert_array_equal(where, np.array(keep, np.int32))


@SETTINGS
@given(st.integers(1, 4), st.integers(1, 6), st.integers(0, 2), st.integers(0, 2**16))
def test_dynamic_partition_then_stitch_is_the_identity(num, rows, cols, seed):
    rng = np.random.default_rng(seed)
    data = rng.standard_normal((rows, cols) if cols else (rows,))
    parts = rng.integers(0, num, rows).astype(np.int32)
    with gj.Graph().as_default():
        x = gj.placeholder(gj.float64, data.shape)
        pieces = gj.dynamic_partition(x, parts, num)
        positions = gj.dynamic_partition(gj.range(rows), parts, num)
        back = gj.dynamic_stitch(positions, [p * 2.0 for p in pieces])
        (grad,) = gj.gradients(gj.reduce_sum(back * back), [x])
        for executor in ("interpreted", "compiled"):
            with gj.Session(executor=executor) as sess:
                got_pieces, got_back, got_grad = sess.run([pieces, back, grad], {x: data})
            for k in range(num):
                np.testing.assert_array_equal(got_pieces[k], data[parts == k])
            np.testing.assert_allclose(got_back, 2 * data)
            np.testing.assert_allclose(got_grad, 8 * data)


def test_dynamic_partition_and_stitch_errors():
    with gj.Graph().as_default():
        with pytest.raises(TypeError, match="int32"):
            gj.dynamic_partition([1.0, 2.0], gj.constant([0, 1], gj.int64), 2)
        with pytest.raises(ValueError, match="must start with"):
            gj.dynamic_partition(np.ones((2, 3)), [[0, 1, 0]], 2)
        with pytest.raises(ValueError, match="as many"):
            gj.dynamic_stitch([[0], [1]], [[1.0]])
        bad = gj.dynamic_partition([1.0, 2.0], [0, 3], 2)
        with pytest.raises(gj.errors.InvalidArgumentError, match=r"partitions\[1\] = 3"):
            _run(bad)


@pytest.mark.parametrize("executor", ["interpreted", "compiled"])
def test_failed_assert_stops_the_run_with_its_message(executor):
    with gj.Graph().as_default():
        x = gj.placeholder(gj.float32, [4])
        check = gj.Assert(gj.reduce_all(x > 0.0), ["x must be positive:", x], summarize=2)
        with gj.control_dependencies([check]):
            y = gj.identity(x * 3.0)
        with gj.Session(executor=executor) as sess:
            np.testing.assert_array_equal(sess.run(y, {x: np.ones(4, np.float32)}), 3)
            with pytest.raises(gj.errors.InvalidArgumentError,
                               match=r"assertion failed: \[x must be positive:\] \[1 -1\.\.\.\]"):
                sess.run(y, {x: np.array([1, -1, 2, 3], np.float32)})


def test_asserts_decided_at_build_time():
    with gj.Graph().as_default():
        with pytest.raises(gj.errors.InvalidArgumentError, match="must match"):
            gj.assert_equal(gj.constant([1, 2]), gj.constant([1, 3]), message="must match")
        with pytest.raises(ValueError, match="must have rank 3"):
            gj.assert_rank(gj.ones([2, 2]), 3)
        assert gj.assert_rank(gj.ones([2, 2]), 2).type == "no_op"
        with pytest.raises(TypeError, match="condition must be a bool"):
            gj.Assert(gj.constant(1.0), ["not a bool"])
        with pytest.raises(TypeError, match="must be of type"):
            gj.assert_type(gj.constant(1), gj.float32)
        # a rank known only at run time is checked by an Assert op
        x = gj.placeholder(gj.float32)
        check = gj.assert_rank(x, 2)
        with pytest.raises(gj.errors.InvalidArgumentError, match="must have rank"):
            _run(check, {x: np.ones(3, np.float32)})


@SETTINGS
@given(st.integers(1, 3), st.integers(1, 2), st.integers(1, 2), st.sampled_from(["SAME", "VALID"]),
       st.integers(1, 2), st.integers(0, 2**16))
def test_depthwise_conv2d_is_a_conv2d_per_channel(channels, multiplier, stride, padding, rate,
                                                   seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 5, 6, channels))
    f = rng.standard_normal((2, 3, channels, multiplier))
    strides = [1, stride, stride, 1] if rate == 1 else [1, 1, 1, 1]
    with gj.Graph().as_default():
        out = gj.nn.depthwise_conv2d(x, f, strides, padding, rate=[rate, rate])
        per_channel = gj.concat([
            gj.nn.conv2d(x[..., c:c + 1], f[:, :, c:c + 1, :], strides, padding,
                         dilations=[1, rate, rate, 1]) for c in range(channels)], -1)
        got, want = _run([out, per_channel])
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


# -- round 5: roll, space/depth, bincount, searchsorted, random draws and initializers
@st.composite
def roll_args(draw):
    rank = draw(st.integers(1, 3))
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=rank, max_size=rank)))
    axes = draw(st.lists(st.integers(-rank, rank - 1), min_size=1, max_size=rank, unique=True))
    shifts = draw(st.lists(st.integers(-7, 7), min_size=len(axes), max_size=len(axes)))
    return np.random.default_rng(draw(st.integers(0, 2**16))).standard_normal(shape), \
        shifts, axes


@SETTINGS
@given(roll_args())
def test_roll_matches_numpy_and_its_gradient_rolls_back(args):
    x, shifts, axes = args
    w = np.random.default_rng(1).standard_normal(x.shape)
    with gj.Graph().as_default():
        t = gj.constant(x)
        shift = gj.placeholder(gj.int32, [len(shifts)])
        y = gj.roll(t, [shift[k] for k in range(len(shifts))], axes)
        grad = gj.gradients(gj.reduce_sum(y * w), t)[0]
        got, g = _run([y, grad], {shift: np.array(shifts, np.int32)})
    np.testing.assert_allclose(got, np.roll(x, shifts, axes))
    np.testing.assert_allclose(g, np.roll(w, [-s for s in shifts], axes))


@SETTINGS
@given(st.integers(1, 2), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3),
       st.integers(2, 3))
def test_space_to_depth_inverts_depth_to_space(n, hb, wb, c, b):
    x = np.arange(n * hb * b * wb * b * c, dtype=np.float64).reshape(n, hb * b, wb * b, c)
    with gj.Graph().as_default():
        down = gj.space_to_depth(x, b)
        assert down.shape.as_list() == [n, hb, wb, b * b * c]
        up = gj.depth_to_space(down, b)
        got_down, got_up = _run([down, up])
    np.testing.assert_array_equal(got_up, x)
    # the depth of each output pixel lists its block row-major, channels innermost
    np.testing.assert_array_equal(got_down[0, 0, 0], x[0, :b, :b].reshape(-1))


@SETTINGS
@given(st.lists(st.integers(0, 9), min_size=0, max_size=12), st.integers(0, 12),
       st.one_of(st.none(), st.integers(0, 12)))
def test_bincount_lengths_match_numpy(values, minlength, maxlength):
    arr = np.array(values, np.int32)
    with gj.Graph().as_default():
        got = _run(gj.bincount(gj.constant(arr, gj.int32), minlength=minlength,
                               maxlength=maxlength))
    expected = np.bincount(arr, minlength=minlength)
    if maxlength is not None:
        expected = expected[:maxlength]
    np.testing.assert_array_equal(got, expected.astype(np.int32))


@SETTINGS
@given(st.lists(st.integers(-5, 5), min_size=1, max_size=8),
       st.lists(st.integers(-7, 7), min_size=1, max_size=6),
       st.sampled_from(["left", "right"]))
def test_searchsorted_matches_numpy(seq, values, side):
    seq = np.sort(np.array(seq, np.float64))
    values = np.array(values, np.float64)
    with gj.Graph().as_default():
        got = _run(gj.searchsorted(seq, values, side=side, out_type=gj.int64))
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, np.searchsorted(seq, values, side))


def test_round5_build_errors():
    with gj.Graph().as_default():
        with pytest.raises(ValueError, match="not divisible"):
            gj.space_to_depth(np.zeros((1, 3, 4, 1), np.float32), 2)
        with pytest.raises(ValueError, match="divisible by block_size"):
            gj.depth_to_space(np.zeros((1, 2, 2, 3), np.float32), 2)
        with pytest.raises(ValueError, match="same length"):
            gj.roll(np.zeros(3), [1, 2], [0])
        with pytest.raises(ValueError, match="side"):
            gj.searchsorted([1.0], [1.0], side="middle")
        with pytest.raises(TypeError, match="same dtype"):
            gj.truncatediv(gj.constant([1]), gj.constant([1.0]))
        with pytest.raises(ValueError, match="mean and variance"):
            gj.nn.fused_batch_norm(np.zeros((1, 1, 1, 2), np.float32), [1.0, 1.0], [0.0, 0.0],
                                   is_training=False)
        with pytest.raises(ValueError, match="two-dimensional"):
            gj.orthogonal_initializer()([3])


def test_random_crop_is_a_window_of_the_input():
    x = np.arange(5 * 6 * 2, dtype=np.float32).reshape(5, 6, 2)
    with gj.Graph().as_default():
        crop = gj.random_crop(x, [2, 3, 2], seed=3)
        too_big = gj.image.random_crop(x, [6, 1, 1])
        with gj.Session() as sess:
            crops = [sess.run(crop) for _ in range(40)]
            with pytest.raises(gj.errors.InvalidArgumentError):
                sess.run(too_big)
    corners = set()
    for c in crops:
        assert c.shape == (2, 3, 2)
        top, left = divmod(int(c[0, 0, 0]) // 2, 6)
        np.testing.assert_array_equal(c, x[top:top + 2, left:left + 3])
        corners.add((top, left))
    assert len(corners) > 5  # 16 possible corners: the offset does vary


def test_categorical_frequencies_follow_softmax():
    probs = np.array([[0.1, 0.6, 0.3], [0.5, 0.0, 0.5]])
    with gj.Graph().as_default():
        draws = gj.random.categorical(np.log(np.maximum(probs, 1e-30)), 20000, seed=7)
        legacy = gj.multinomial(np.log([[0.2, 0.8]]), 5, output_dtype=gj.int32)
        got, small = _run([draws, legacy])
    assert got.shape == (2, 20000) and got.dtype == np.int64
    assert small.shape == (1, 5) and small.dtype == np.int32
    for row, p in zip(got, probs):
        freq = np.bincount(row, minlength=3) / row.size
        np.testing.assert_allclose(freq, p, atol=0.015)


def test_orthogonal_and_unit_scaling_initializers():
    with gj.Graph().as_default():
        tall = gj.orthogonal_initializer(gain=2.0, seed=1)([3, 4, 5])
        wide = gj.orthogonal_initializer(seed=2)([2, 6])
        uniform = gj.uniform_unit_scaling_initializer(factor=1.5, seed=3)([8, 3, 200])
        t, w, u = _run([tall, wide, uniform])
    flat = t.reshape(12, 5)
    np.testing.assert_allclose(flat.T @ flat, 4.0 * np.eye(5), atol=1e-5)
    np.testing.assert_allclose(w @ w.T, np.eye(2), atol=1e-5)
    limit = 1.5 * np.sqrt(3 / 24)
    assert np.abs(u).max() <= limit and np.abs(u).max() > 0.9 * limit
    np.testing.assert_allclose(u.std(), limit / np.sqrt(3), rtol=0.05)


def test_gelu_matches_tensorflow2():
    tf2 = pytest.importorskip("tensorflow")
    x = np.linspace(-4, 4, 33).astype(np.float32)
    with gj.Graph().as_default():
        ours = _run([gj.nn.gelu(x), gj.nn.gelu(x, approximate=True)])
    # a graph of its own: other tests may have turned eager execution off process-wide
    with tf2.Graph().as_default() as graph:
        fetches = [tf2.nn.gelu(x), tf2.nn.gelu(x, approximate=True)]
    with tf2.compat.v1.Session(graph=graph) as sess:
        theirs = sess.run(fetches)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
