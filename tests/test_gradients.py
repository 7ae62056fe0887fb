"""The gradient machinery (graphlib/gradients.py), independent of any one op's rule."""

from __future__ import annotations

import numpy as np
import pytest

import graphjit as gj


def _run(fetches, feed=None):
    with gj.Session(executor="interpreted") as sess:
        sess.run(gj.global_variables_initializer())
        return sess.run(fetches, feed)


def test_fan_out_accumulates():
    x = gj.placeholder(gj.float64, [3])
    y = x * x + 3.0 * x + x
    (g,) = gj.gradients(y, [x])
    np.testing.assert_allclose(_run(g, {x: [1.0, 2.0, 3.0]}), [6.0, 8.0, 10.0])


def test_unconnected_sources_get_none_or_zeros():
    x = gj.placeholder(gj.float32, [2])
    z = gj.placeholder(gj.float32, [2])
    y = x * 2.0
    assert gj.gradients(y, [x, z])[1] is None
    g = gj.gradients(y, [z], unconnected_gradients="zero")[0]
    np.testing.assert_array_equal(_run(g, {z: [1.0, 1.0]}), [0.0, 0.0])


def test_stop_gradient_blocks_one_path_only():
    x = gj.placeholder(gj.float64, [])
    y = gj.stop_gradient(x * x) + x * x
    (g,) = gj.gradients(y, x)
    assert _run(g, {x: 3.0}) == 6.0
    assert gj.gradients(gj.stop_gradient(x), x) == [None]


def test_stop_gradients_argument():
    x = gj.placeholder(gj.float64, [])
    a = x * 2.0
    b = a * x
    (g,) = gj.gradients(b, x, stop_gradients=[a])
    assert _run(g, {x: 3.0}) == 6.0


def test_integer_paths_carry_no_gradient():
    x = gj.placeholder(gj.float32, [2])
    y = gj.cast(gj.cast(x, gj.int32), gj.float32) * 2.0
    assert gj.gradients(y, x) == [None]
    i = gj.placeholder(gj.int32, [2])
    assert gj.gradients(gj.cast(i, gj.float32) * 2.0, i) == [None]


def test_grad_ys_weights_the_outputs():
    x = gj.placeholder(gj.float64, [2])
    (g,) = gj.gradients(x * 3.0, x, grad_ys=gj.constant([1.0, 2.0], gj.float64))
    np.testing.assert_allclose(_run(g, {x: [0.0, 0.0]}), [3.0, 6.0])


def test_several_ys_sum():
    x = gj.placeholder(gj.float64, [])
    (g,) = gj.gradients([x * 2.0, x * x], x)
    assert _run(g, {x: 5.0}) == 12.0


def test_second_order():
    x = gj.placeholder(gj.float64, [])
    y = gj.exp(x) * x * x
    (g,) = gj.gradients(y, x)
    (h,) = gj.gradients(g, x)
    value = 0.7
    expected = np.exp(value) * (value * value + 4 * value + 2)
    np.testing.assert_allclose(_run(h, {x: value}), expected)


def test_variables_as_sources_and_broadcast_reduction():
    w = gj.Variable(np.ones((1, 3)), dtype=gj.float64)
    x = gj.placeholder(gj.float64, [4, 3])
    loss = gj.reduce_sum(x * w)
    (g,) = gj.gradients(loss, [w])
    assert g.shape.as_list() == [1, 3]
    data = np.arange(12.0).reshape(4, 3)
    np.testing.assert_allclose(_run(g, {x: data}), data.sum(0, keepdims=True))


def test_gradient_ops_live_under_the_gradients_scope():
    x = gj.placeholder(gj.float32, [])
    (g,) = gj.gradients(x * x, x)
    assert g.name.startswith("gradients/")
    (g2,) = gj.gradients(x * x, x)
    assert g2.name.startswith("gradients_1/")


def test_long_chain_does_not_recurse():
    x = gj.placeholder(gj.float64, [])
    y = x
    for _ in range(3000):
        y = y * 1.0001
    (g,) = gj.gradients(y, x)
    np.testing.assert_allclose(_run(g, {x: 1.0}), 1.0001 ** 3000)


def test_mismatched_grad_ys_count_is_an_error():
    x = gj.placeholder(gj.float32, [])
    with pytest.raises(ValueError):
        gj.gradients([x * 2.0], [x], grad_ys=[None, None])
