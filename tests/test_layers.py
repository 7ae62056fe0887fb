"""tf.layers (graphjit/layers.py): values against NumPy, variable and op names, sharing,
dropout modes, argument errors, and TensorFlow's legacy layers when tf_keras provides
them (TF_USE_LEGACY_KERAS=1)."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphjit as gj
from graphjit import initializers as init
from graphjit import layers
from graphjit.graphlib import variable_scope as vs


def _run(fetches, feed=None, executor="interpreted"):
    with gj.Session(executor=executor) as sess:
        sess.run(gj.global_variables_initializer())
        return sess.run(fetches, feed)


def _conv_nhwc(x, k, stride, pad):
    """Direct NumPy convolution (cross-correlation), NHWC x [kh, kw, in, out]."""
    kh, kw = k.shape[:2]
    if pad == "same":
        oh, ow = -(-x.shape[1] // stride), -(-x.shape[2] // stride)
        ph = max((oh - 1) * stride + kh - x.shape[1], 0)
        pw = max((ow - 1) * stride + kw - x.shape[2], 0)
        x = np.pad(x, [(0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)])
    oh = (x.shape[1] - kh) // stride + 1
    ow = (x.shape[2] - kw) // stride + 1
    out = np.zeros((x.shape[0], oh, ow, k.shape[3]), np.float64)
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            out[:, i, j, :] = np.tensordot(patch, k, axes=([1, 2, 3], [0, 1, 2]))
    return out


@pytest.mark.parametrize("executor", ["interpreted", "compiled"])
def test_dense_values_names_and_variables(executor):
    rng = np.random.default_rng(0)
    k = rng.standard_normal((4, 3)).astype(np.float32)
    b = rng.standard_normal(3).astype(np.float32)
    xv = rng.standard_normal((5, 4)).astype(np.float32)
    x = gj.placeholder(gj.float32, [None, 4])
    y = layers.dense(x, 3, activation=gj.nn.relu, kernel_initializer=init.constant_initializer(k),
                     bias_initializer=init.constant_initializer(b))
    assert y.name == "dense/Relu:0" and y.shape.as_list() == [None, 3]
    assert [v.name for v in gj.trainable_variables()] == ["dense/kernel:0", "dense/bias:0"]
    np.testing.assert_allclose(_run(y, {x: xv}, executor), np.maximum(xv @ k + b, 0),
                               rtol=1e-5, atol=1e-6)


def test_dense_on_rank3_contracts_the_last_axis():
    k = np.arange(12, dtype=np.float32).reshape(4, 3) / 10
    xv = np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 7
    x = gj.placeholder(gj.float32, [None, 3, 4])
    y = layers.dense(x, 3, use_bias=False, kernel_initializer=init.constant_initializer(k))
    assert y.shape.as_list() == [None, 3, 3]
    assert [v.name for v in gj.global_variables()] == ["dense/kernel:0"]
    np.testing.assert_allclose(_run(y, {x: xv}), xv @ k, rtol=1e-5)


def test_dense_reuse_shares_variables_and_uses_a_new_name_scope():
    x = gj.placeholder(gj.float32, [None, 2])
    a = layers.dense(x, 2, name="fc")
    b = layers.dense(x * 2.0, 2, name="fc", reuse=True)
    c = layers.dense(x, 2, name="fc")
    assert (a.name, b.name, c.name) == ("fc/BiasAdd:0", "fc_1/BiasAdd:0", "fc_2/BiasAdd:0")
    assert [v.name for v in gj.global_variables()] == [
        "fc/kernel:0", "fc/bias:0", "fc_1/kernel:0", "fc_1/bias:0"]
    av, bv = _run([a, b], {x: np.ones((1, 2), np.float32)})
    np.testing.assert_allclose(bv, 2 * av, rtol=1e-6)  # zero bias: linear in x


def test_layers_inside_auto_reuse_scope_share():
    x = gj.placeholder(gj.float32, [None, 2])

    def net(inp):
        with vs.variable_scope("net", reuse=vs.AUTO_REUSE):
            return layers.dense(inp, 1, name="out")

    net(x)
    net(x)
    assert [v.name for v in gj.global_variables()] == ["net/out/kernel:0", "net/out/bias:0"]


@pytest.mark.parametrize("padding,stride", [("same", 1), ("valid", 2), ("SAME", 2)])
def test_conv2d_matches_numpy(padding, stride):
    rng = np.random.default_rng(1)
    k = rng.standard_normal((3, 2, 3, 4)).astype(np.float32)
    xv = rng.standard_normal((2, 6, 5, 3)).astype(np.float32)
    x = gj.placeholder(gj.float32, [None, 6, 5, 3])
    y = layers.conv2d(x, 4, (3, 2), strides=stride, padding=padding,
                      kernel_initializer=init.constant_initializer(k),
                      bias_initializer=init.constant_initializer(0.25))
    assert y.name == "conv2d/BiasAdd:0"
    assert gj.global_variables()[0].shape.as_list() == [3, 2, 3, 4]
    expect = _conv_nhwc(xv.astype(np.float64), k.astype(np.float64), stride,
                        padding.lower()) + 0.25
    got = _run(y, {x: xv})
    assert got.shape == expect.shape and y.shape.as_list()[1:] == list(expect.shape[1:])
    np.testing.assert_allclose(got, expect, rtol=1e-4, atol=1e-5)


def test_pooling_flatten_and_names():
    xv = np.arange(2 * 4 * 4 * 2, dtype=np.float32).reshape(2, 4, 4, 2)
    x = gj.constant(xv)
    m = layers.max_pooling2d(x, 2, 2)
    a = layers.average_pooling2d(x, (2, 2), (2, 2), padding="same")
    f = layers.flatten(m)
    assert (m.name, a.name, f.name) == ("max_pooling2d/MaxPool:0",
                                        "average_pooling2d/AvgPool:0", "flatten/Reshape:0")
    assert f.shape.as_list() == [2, 8]
    mv, av, fv = _run([m, a, f])
    blocks = xv.reshape(2, 2, 2, 2, 2, 2)
    np.testing.assert_array_equal(mv, blocks.max(axis=(2, 4)))
    np.testing.assert_allclose(av, blocks.mean(axis=(2, 4)))
    np.testing.assert_array_equal(fv, mv.reshape(2, -1))


def test_flatten_keeps_an_unknown_batch():
    x = gj.placeholder(gj.float32, [None, 3, 2])
    f = layers.flatten(x)
    assert f.shape.as_list() == [None, 6]
    assert _run(f, {x: np.zeros((5, 3, 2), np.float32)}).shape == (5, 6)


def test_dropout_modes():
    x = gj.ones([200, 50])
    assert layers.dropout(x).name == "dropout/Identity:0"
    np.testing.assert_array_equal(_run(layers.dropout(x, 0.9)), np.ones((200, 50)))
    dropped = _run(layers.dropout(x, rate=0.25, training=True, seed=3))
    assert set(np.unique(dropped)) <= {0.0, np.float32(1 / 0.75)}
    assert abs((dropped == 0).mean() - 0.25) < 0.03
    flag = gj.placeholder(gj.bool, [])
    both = layers.dropout(x, rate=0.5, training=flag)
    np.testing.assert_array_equal(_run(both, {flag: False}), np.ones((200, 50)))
    assert abs((_run(both, {flag: True}) == 0).mean() - 0.5) < 0.03


def test_layer_argument_errors():
    with pytest.raises(ValueError, match="last dimension of the inputs to `Dense`"):
        layers.dense(gj.placeholder(gj.float32, [2, None]), 3)
    with pytest.raises(ValueError, match="invalid value for `units`"):
        layers.dense(gj.zeros([2, 2]), 0)
    with pytest.raises(ValueError, match="expected ndim=4"):
        layers.conv2d(gj.zeros([2, 2, 2]), 1, 1)
    with pytest.raises(ValueError, match="one of 'valid' or 'same'"):
        layers.max_pooling2d(gj.zeros([1, 2, 2, 1]), 2, 2, padding="full")
    with pytest.raises(ValueError, match="channels_last"):
        layers.flatten(gj.zeros([1, 2]), data_format="channels_first")


def test_dense_trains_with_gradient_descent():
    x = gj.constant(np.array([[1.0, 2.0], [3.0, 4.0]], np.float32))
    target = gj.constant(np.array([[1.0], [0.0]], np.float32))
    y = layers.dense(x, 1, kernel_initializer=init.zeros_initializer())
    loss = gj.reduce_mean(gj.square(y - target))
    step = gj.train.GradientDescentOptimizer(0.05).minimize(loss)
    with gj.Session(executor="interpreted") as sess:
        sess.run(gj.global_variables_initializer())
        before = sess.run(loss)
        for _ in range(20):
            sess.run(step)
        assert sess.run(loss) < 0.5 * before


@settings(max_examples=15, deadline=None)
@given(dims=st.lists(st.integers(1, 4), min_size=1, max_size=4), units=st.integers(1, 4))
def test_dense_any_rank_matches_numpy(dims, units):
    with gj.Graph().as_default():
        xv = np.random.default_rng(len(dims)).standard_normal(dims + [3]).astype(np.float32)
        k = np.linspace(-1, 1, 3 * units, dtype=np.float32).reshape(3, units)
        y = layers.dense(gj.constant(xv), units, kernel_initializer=init.constant_initializer(k),
                         bias_initializer=init.ones_initializer())
        assert y.shape.as_list() == dims + [units]
        np.testing.assert_allclose(_run(y), xv @ k + 1, rtol=1e-5, atol=1e-5)


def _legacy_tf():
    tf = pytest.importorskip("tensorflow.compat.v1")
    tf.disable_eager_execution()
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    try:
        tf.layers.dense  # noqa: B018 - raises without tf_keras
    except (AttributeError, ImportError):
        pytest.skip("TensorFlow's tf.layers needs the tf_keras package")
    return tf


def test_same_values_and_names_as_tensorflow_layers():
    tf = _legacy_tf()
    rng = np.random.default_rng(5)
    k1 = rng.standard_normal((3, 3, 2, 4)).astype(np.float32) * 0.3
    k2 = rng.standard_normal((16, 3)).astype(np.float32) * 0.3
    xv = rng.standard_normal((2, 8, 8, 2)).astype(np.float32)

    def build(t, L, scope_mod, inits):
        x = t.placeholder(t.float32, [None, 8, 8, 2], name="x")
        h = L.conv2d(x, 4, 3, padding="same", activation=t.nn.relu,
                     kernel_initializer=inits.constant_initializer(k1))
        h = L.max_pooling2d(h, 2, 2)
        h = L.average_pooling2d(h, 2, 2)
        h = L.dropout(L.flatten(h), rate=0.3)
        y = L.dense(h, 3, kernel_initializer=inits.constant_initializer(k2),
                    bias_initializer=inits.constant_initializer(0.1))
        with scope_mod.variable_scope("head"):
            z = L.dense(y, 2, kernel_initializer=inits.ones_initializer(), name="logits")
        z2 = L.dense(y, 2, name="head/logits", reuse=True)
        return x, [h, y, z, z2]

    with tf.Graph().as_default():
        x, outs = build(tf, tf.layers, tf, tf)
        names_tf = [o.name for o in outs] + [v.name for v in tf.global_variables()]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            values_tf = sess.run(outs, {x: xv})
    with gj.Graph().as_default():
        x, outs = build(gj, layers, vs, init)
        names_gj = [o.name for o in outs] + [v.name for v in gj.global_variables()]
        values_gj = _run(outs, {x: xv})
    assert names_gj == names_tf
    for a, b in zip(values_gj, values_tf):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
