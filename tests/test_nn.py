"""nn ops beyond the op table: gradients at kinks and ties against TensorFlow, window ops
on random geometries (hypothesis) against naive loops, dropout statistics, run-time and
build-time errors, TF's tensor names, and gj.losses against TensorFlow."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphjit as gj
from tests.opcases.nn import (
    naive_avg_pool,
    naive_conv2d,
    naive_conv2d_backprop_filter,
    naive_conv2d_backprop_input,
    naive_max_pool,
    naive_max_pool_grad,
    np_softmax,
)


def run(fetches, feed_dict=None, executor="interpreted", graph=None):
    with gj.Session(graph=graph, executor=executor) as sess:
        return sess.run(fetches, feed_dict)


def value_and_grad(lib, fn, x):
    """fn(lib, placeholder) and d sum(fn)/dx, evaluated at x, in graphjit or TensorFlow."""
    graph = lib.Graph()
    with graph.as_default():
        p = lib.placeholder(lib.as_dtype(x.dtype), x.shape)
        y = fn(lib, p)
        (g,) = lib.gradients(y, [p])
    if lib is gj:
        return run([y, g], {p: x}, graph=graph)
    with lib.Session(graph=graph) as sess:
        return sess.run([y, g], {p: x})


@pytest.fixture(scope="module")
def tf():
    tf = pytest.importorskip("tensorflow.compat.v1")
    tf.disable_eager_execution()
    return tf


KINKS = {
    "relu": (lambda lib, x: lib.nn.relu(x), [-1.0, 0.0, 1.0]),
    "relu6": (lambda lib, x: lib.nn.relu6(x), [-1.0, 0.0, 3.0, 6.0, 7.0]),
    "leaky_relu": (lambda lib, x: lib.nn.leaky_relu(x, 0.3), [-1.0, 0.0, 1.0]),
    "elu": (lambda lib, x: lib.nn.elu(x), [-1.0, 0.0, 1.0]),
    "sigmoid_xent": (lambda lib, x: lib.nn.sigmoid_cross_entropy_with_logits(
        labels=lib.constant([0.25, 1.0, 0.0]), logits=x), [0.0, 0.0, 0.0]),
    "max_pool_ties": (lambda lib, x: lib.nn.max_pool(lib.reshape(x, [1, 4, 4, 1]), 2, 2,
                                                     "VALID"),
                      [1, 1, 2, 0, 1, 1, 2, 2, 3, 0, 5, 5, 0, 3, 5, 5]),
    "max_pool_overlap_ties": (lambda lib, x: lib.nn.max_pool(lib.reshape(x, [1, 3, 3, 1]),
                                                             2, 1, "SAME"),
                              [0, 0, 0, 0, 0, 0, 0, 0, 0]),
}


@pytest.mark.parametrize("name", sorted(KINKS))
def test_values_and_gradients_at_kinks_and_ties_match_tensorflow(tf, name):
    fn, values = KINKS[name]
    x = np.array(values, np.float32)
    ours = value_and_grad(gj, fn, x)
    theirs = value_and_grad(tf, fn, x)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6, err_msg=name)


def test_relu_family_gradients_at_kinks_are_tf_conventions():
    x = np.array([0.0, 6.0], np.float32)
    _, g = value_and_grad(gj, lambda lib, t: lib.nn.relu6(t), x)
    np.testing.assert_array_equal(g, [0.0, 0.0])
    _, g = value_and_grad(gj, lambda lib, t: lib.nn.relu(t), x)
    np.testing.assert_array_equal(g, [0.0, 1.0])


def test_max_pool_gradient_goes_to_the_first_maximum_of_each_window():
    x = np.array([[3, 3], [3, 3]], np.float32).reshape(1, 2, 2, 1)
    _, g = value_and_grad(gj, lambda lib, t: lib.nn.max_pool(t, 2, 2, "VALID"), x)
    np.testing.assert_array_equal(g.reshape(2, 2), [[1, 0], [0, 0]])


# -- window ops on random geometries ------------------------------------------------------

geometry = st.fixed_dictionaries({
    "n": st.integers(1, 2), "h": st.integers(1, 7), "w": st.integers(1, 7),
    "c": st.integers(1, 3), "kh": st.integers(1, 4), "kw": st.integers(1, 4),
    "oc": st.integers(1, 3), "sh": st.integers(1, 3), "sw": st.integers(1, 3),
    "d": st.integers(1, 2), "padding": st.sampled_from(["SAME", "VALID"]),
    "seed": st.integers(0, 2**16)})


def _fits(g) -> bool:
    eff_h, eff_w = (g["kh"] - 1) * g["d"] + 1, (g["kw"] - 1) * g["d"] + 1
    return g["padding"] == "SAME" or (g["h"] >= eff_h and g["w"] >= eff_w)


@settings(max_examples=40, deadline=None)
@given(geometry)
def test_conv2d_and_its_backprops_match_naive_loops(g):
    if not _fits(g):
        return
    r = np.random.default_rng(g["seed"])
    x = r.normal(size=(g["n"], g["h"], g["w"], g["c"])).astype(np.float64)
    f = r.normal(size=(g["kh"], g["kw"], g["c"], g["oc"]))
    strides, dil = (g["sh"], g["sw"]), (g["d"], g["d"])
    expect = naive_conv2d(x, f, strides, g["padding"], dil)
    graph = gj.Graph()
    with graph.as_default():
        xp, fp = gj.placeholder(gj.float64, x.shape), gj.placeholder(gj.float64, f.shape)
        y = gj.nn.conv2d(xp, fp, strides=[1, *strides, 1], padding=g["padding"],
                         dilations=[1, *dil, 1])
        assert y.shape.as_list() == list(expect.shape)
        dy = r.normal(size=expect.shape)
        dx, df = gj.gradients(y, [xp, fp], grad_ys=dy)
    got, gx, gf = run([y, dx, df], {xp: x, fp: f}, graph=graph)
    np.testing.assert_allclose(got, expect, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(gx, naive_conv2d_backprop_input(
        x.shape, f, dy, strides, g["padding"], dil), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(gf, naive_conv2d_backprop_filter(
        x, f.shape, dy, strides, g["padding"], dil), rtol=1e-10, atol=1e-10)


@settings(max_examples=40, deadline=None)
@given(geometry)
def test_pools_match_naive_loops(g):
    k, s = g["kh"], g["sh"]
    if g["padding"] == "VALID" and (g["h"] < k or g["w"] < k):
        return
    x = np.random.default_rng(g["seed"]).normal(size=(g["n"], g["h"], g["w"], g["c"]))
    graph = gj.Graph()
    with graph.as_default():
        xp = gj.placeholder(gj.float64, x.shape)
        mx = gj.nn.max_pool(xp, k, s, g["padding"])
        av = gj.nn.avg_pool(xp, [1, k, k, 1], [1, s, s, 1], g["padding"])
        dy = np.random.default_rng(g["seed"] + 1).normal(size=mx.shape.as_list())
        (dx,) = gj.gradients(mx, [xp], grad_ys=dy)
    m, a, gx = run([mx, av, dx], {xp: x}, graph=graph)
    np.testing.assert_allclose(m, naive_max_pool(x, k, s, g["padding"]))
    np.testing.assert_allclose(a, naive_avg_pool(x, k, s, g["padding"]), rtol=1e-12)
    np.testing.assert_allclose(gx, naive_max_pool_grad(x, dy, k, s, g["padding"]))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=4), st.data())
def test_softmax_family_on_any_axis(shape, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = np.random.default_rng(len(shape)).normal(size=shape) * 10
    sm, lsm = run([gj.nn.softmax(x, axis=axis), gj.nn.log_softmax(x, axis=axis)])
    np.testing.assert_allclose(sm, np_softmax(x, axis), rtol=1e-12)
    np.testing.assert_allclose(sm.sum(axis=axis), 1.0, rtol=1e-12)
    np.testing.assert_allclose(lsm, np.log(np_softmax(x, axis)), rtol=1e-10, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=2, max_size=4))
def test_bias_add_broadcasts_along_the_last_axis_and_sums_the_gradient(shape):
    x = np.random.default_rng(0).normal(size=shape)
    b = np.arange(shape[-1], dtype=np.float64)
    xp, bp = gj.placeholder(gj.float64, shape), gj.placeholder(gj.float64, [shape[-1]])
    y = gj.nn.bias_add(xp, bp)
    (db,) = gj.gradients(y, [bp])
    v, g = run([y, db], {xp: x, bp: b})
    np.testing.assert_allclose(v, x + b)
    np.testing.assert_allclose(g, np.full(shape[-1], np.prod(shape[:-1])))


# -- dropout ------------------------------------------------------------------------------

def test_dropout_keeps_the_expected_fraction_and_scales_kept_units():
    x = np.ones((400, 500), np.float32)
    v = run(gj.nn.dropout(x, keep_prob=0.3, seed=1))
    kept = v != 0
    assert abs(kept.mean() - 0.3) < 0.01
    np.testing.assert_allclose(v[kept], 1 / 0.3, rtol=1e-6)


def test_dropout_rate_tensor_and_gradient_is_mask_over_keep_prob():
    x = gj.placeholder(gj.float32, [50, 40])
    rate = gj.placeholder(gj.float32, [])
    y = gj.nn.dropout(x, rate=rate, seed=2)
    (dx,) = gj.gradients(y, [x])
    xv = np.full((50, 40), 2.0, np.float32)
    v, g = run([y, dx], {x: xv, rate: 0.75})
    kept = v != 0
    assert 0.15 < kept.mean() < 0.35
    np.testing.assert_allclose(v[kept], 8.0)
    np.testing.assert_allclose(g, kept / 0.25)


def test_dropout_noise_shape_drops_whole_rows():
    v = run(gj.nn.dropout(np.ones((200, 8), np.float32), rate=0.5, noise_shape=[200, 1],
                          seed=3))
    assert all(len(set(row)) == 1 for row in v)
    assert 0 < (v[:, 0] != 0).sum() < 200


def test_dropout_rate_zero_is_identity_and_arguments_are_checked():
    x = gj.constant([1.0, 2.0])
    assert gj.nn.dropout(x, rate=0.0) is x
    with pytest.raises(ValueError):
        gj.nn.dropout(x, keep_prob=0.5, rate=0.5)
    with pytest.raises(ValueError):
        gj.nn.dropout(x)
    with pytest.raises(ValueError):
        gj.nn.dropout(x, rate=1.0)
    with pytest.raises(ValueError):
        gj.nn.dropout(gj.constant([1, 2]), rate=0.5)


def test_dropout_with_seed_repeats_in_a_new_session():
    y = gj.nn.dropout(np.ones(100, np.float32), rate=0.5, seed=7)
    np.testing.assert_array_equal(run(y), run(y))


# -- errors -------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [4, -1])
def test_sparse_xent_label_out_of_range_is_a_run_time_error(bad):
    labels = gj.placeholder(gj.int32, [2])
    loss = gj.nn.sparse_softmax_cross_entropy_with_logits(labels=labels,
                                                          logits=np.zeros((2, 4), np.float32))
    assert run(loss, {labels: [0, 3]}).shape == (2,)
    with pytest.raises(gj.errors.InvalidArgumentError, match="outside the valid range"):
        run(loss, {labels: [0, bad]})


@pytest.mark.parametrize("build, error", [
    (lambda: gj.nn.conv2d(np.zeros((1, 4, 4, 2), np.float32),
                          np.zeros((2, 2, 3, 1), np.float32), 1, "SAME"), ValueError),
    (lambda: gj.nn.conv2d(np.zeros((4, 4, 2), np.float32),
                          np.zeros((2, 2, 2, 1), np.float32), 1, "SAME"), ValueError),
    (lambda: gj.nn.conv2d(np.zeros((1, 4, 4, 2), np.float32),
                          np.zeros((2, 2, 2, 1), np.float32), 1, "FULL"), ValueError),
    (lambda: gj.nn.conv2d(np.zeros((1, 2, 2, 1), np.float32),
                          np.zeros((3, 3, 1, 1), np.float32), 1, "VALID"), ValueError),
    (lambda: gj.nn.conv2d(gj.placeholder(gj.float32, [1, 4, 4, 2]),
                          gj.placeholder(gj.float64, [2, 2, 2, 1]), 1, "SAME"), TypeError),
    (lambda: gj.nn.max_pool(np.zeros((1, 4, 4, 1), np.float32), [2, 2, 2, 1], 1, "SAME"),
     ValueError),
    (lambda: gj.nn.avg_pool(np.zeros((1, 4, 4, 1), np.int32), 2, 2, "SAME"), TypeError),
    (lambda: gj.nn.bias_add(np.zeros((2, 3), np.float32), np.zeros(4, np.float32)),
     ValueError),
    (lambda: gj.nn.bias_add(np.zeros(3, np.float32), np.zeros(3, np.float32)), ValueError),
    (lambda: gj.nn.softmax_cross_entropy_with_logits_v2(
        labels=np.zeros((2, 4), np.float32), logits=np.zeros((2, 3), np.float32)),
     ValueError),
    (lambda: gj.nn.sparse_softmax_cross_entropy_with_logits(
        labels=np.zeros((2, 1), np.int32), logits=np.zeros((2, 3), np.float32)), ValueError),
    (lambda: gj.nn.sparse_softmax_cross_entropy_with_logits(
        labels=np.zeros(2, np.float32), logits=np.zeros((2, 3), np.float32)), TypeError),
    (lambda: gj.nn.sparse_softmax_cross_entropy_with_logits(
        np.zeros(2, np.int32), np.zeros((2, 3), np.float32)), ValueError),
    (lambda: gj.nn.softmax(np.float32(1.0)), ValueError),
    (lambda: gj.nn.softmax(np.zeros(3, np.float32), axis=1), ValueError),
    (lambda: gj.nn.elu(np.zeros(3, np.int32)), TypeError),
    (lambda: gj.nn.sigmoid_cross_entropy_with_logits(
        labels=np.zeros(2, np.float32), logits=np.zeros(3, np.float32)), ValueError),
])
def test_shape_and_dtype_errors_are_raised_at_build_time(build, error):
    with pytest.raises(error):
        build()


def test_tensor_names_follow_tf():
    x = gj.placeholder(gj.float32, [2, 3])
    assert gj.nn.relu(x).name == "Relu:0"
    assert gj.nn.softmax(x).name == "Softmax:0"
    assert gj.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=x).name == \
        "logistic_loss:0"
    assert gj.nn.softmax_cross_entropy_with_logits_v2(labels=x, logits=x).name == \
        "SoftmaxCrossEntropyWithLogits:0"
    assert gj.nn.l2_loss(x).name == "L2Loss:0"
    assert gj.nn.bias_add(x, [1.0, 2.0, 3.0]).name == "BiasAdd:0"


def test_nn_namespace_exports_sigmoid_and_tanh():
    from graphjit.graphlib.ops import nn

    assert {"sigmoid", "tanh"} <= set(nn.__all__)
    v = run([gj.nn.sigmoid(0.0), gj.nn.tanh(0.0)])
    np.testing.assert_allclose(v, [0.5, 0.0])


# -- losses -------------------------------------------------------------------------------

LOSSES = {
    "mse": lambda lib, y, p, w: lib.losses.mean_squared_error(y, p),
    "mse_weights": lambda lib, y, p, w: lib.losses.mean_squared_error(y, p, weights=w),
    "mse_row_weights": lambda lib, y, p, w: lib.losses.mean_squared_error(
        y, p, weights=w[:, :1]),
    "mse_sum": lambda lib, y, p, w: lib.losses.mean_squared_error(
        y, p, weights=w, reduction=lib.losses.Reduction.SUM),
    "mse_mean": lambda lib, y, p, w: lib.losses.mean_squared_error(
        y, p, weights=w, reduction=lib.losses.Reduction.MEAN),
    "mse_batch": lambda lib, y, p, w: lib.losses.mean_squared_error(
        y, p, weights=w, reduction=lib.losses.Reduction.SUM_OVER_BATCH_SIZE),
    "mse_none": lambda lib, y, p, w: lib.losses.mean_squared_error(
        y, p, weights=w, reduction=lib.losses.Reduction.NONE),
    "mse_zero_weights": lambda lib, y, p, w: lib.losses.mean_squared_error(
        y, p, weights=0.0 * w),
    "absolute": lambda lib, y, p, w: lib.losses.absolute_difference(y, p, weights=w),
    "sigmoid": lambda lib, y, p, w: lib.losses.sigmoid_cross_entropy(
        lib.nn.sigmoid(y), p, weights=w, label_smoothing=0.1),
    "softmax": lambda lib, y, p, w: lib.losses.softmax_cross_entropy(
        lib.nn.softmax(y), p, label_smoothing=0.2),
    "sparse": lambda lib, y, p, w: lib.losses.sparse_softmax_cross_entropy(
        lib.constant([[1], [0], [3]]), p, weights=w[:, 0]),
}


def _loss_values(lib, name):
    r = np.random.default_rng(5)
    y, p = r.normal(size=(3, 4)), r.normal(size=(3, 4))
    w = np.array([[1, 0, 2, 0.5]] * 2 + [[0, 0, 0, 0]], np.float32)
    graph = lib.Graph()
    with graph.as_default():
        yp, pp = lib.placeholder(lib.float32, [3, 4]), lib.placeholder(lib.float32, [3, 4])
        loss = LOSSES[name](lib, yp, pp, lib.constant(w))
        (grad,) = lib.gradients(loss, [pp])
        collected = len(lib.get_collection(lib.GraphKeys.LOSSES))
        feed = {yp: y, pp: p}
        if lib is gj:
            return run([loss, grad], feed, graph=graph), loss, collected
        with lib.Session(graph=graph) as sess:
            return sess.run([loss, grad], feed), loss, collected


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_losses_match_tensorflow(tf, name):
    ours, our_loss, our_count = _loss_values(gj, name)
    theirs, their_loss, their_count = _loss_values(tf, name)
    assert our_loss.dtype.name == their_loss.dtype.name
    assert our_loss.shape.as_list() == their_loss.shape.as_list()
    assert our_count == their_count == 1
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=name)


def test_mean_squared_error_is_the_mean_for_unit_weights():
    y = np.arange(6, dtype=np.float64).reshape(2, 3)
    loss = gj.losses.mean_squared_error(y, y + 2)
    assert loss.dtype == gj.float32 and loss.shape.rank == 0
    assert run(loss) == pytest.approx(4.0)
    assert gj.losses.get_losses() == [loss]
    assert run(gj.losses.get_total_loss()) == pytest.approx(4.0)


def test_losses_check_arguments():
    with pytest.raises(ValueError):
        gj.losses.mean_squared_error(None, [1.0])
    with pytest.raises(ValueError):
        gj.losses.mean_squared_error([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError):
        gj.losses.compute_weighted_loss([1.0], reduction="bogus")
