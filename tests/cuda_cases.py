"""Small graphs covering every CUDA kernel family, shared by the simulator tests
(tests/cuda_sim_cases.py) and the PTX test (tests/test_cuda_ptx.py).

`build(tf)` runs inside a fresh default graph and returns (fetches, feed_dict). Shapes
are tiny: under NUMBA_ENABLE_CUDASIM=1 every CUDA thread is a Python thread. Importing
this module imports no CUDA code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass
class GraphCase:
    name: str
    build: Callable
    rtol: float = 1e-5
    atol: float = 1e-5


def _f32(*shape, seed=0, low=-2.0, high=2.0):
    return np.random.default_rng(seed).uniform(low, high, shape).astype(np.float32)


def _i32(*shape, seed=0, low=-5, high=5):
    return np.random.default_rng(seed).integers(low, high, shape).astype(np.int32)


def _w1(tf):
    x = tf.placeholder(tf.float32, [None])
    y = tf.tanh(x * 0.5 + 0.1) * tf.sigmoid(x) - tf.exp(-x * x)
    return [y], {x: _f32(150)}


def _broadcast_math(tf):
    x = tf.placeholder(tf.float32, [None, 4])
    b = tf.placeholder(tf.float32, [4])
    i = tf.placeholder(tf.int32, [3, 4])
    j = tf.placeholder(tf.int32, [4])
    y = tf.maximum(x * b, -1.0) / (tf.abs(b) + 1.0) + tf.sqrt(tf.abs(x)) - tf.log1p(x * x)
    z = tf.where(x > b, tf.floor(x * 3.0), tf.round(x * 2.0)) + tf.pow(tf.abs(x), b)
    k = i // j + i % j - tf.sign(i) * j
    c = tf.cast(i, tf.float32) / 3 + tf.cast(x > 0, tf.float32)
    logic = tf.logical_and(x > 0, tf.logical_not(b < 0)) | (i > 0)
    return [y, z, k, c, logic, i / j], {x: _f32(3, 4), b: _f32(4, seed=1),
                                        i: _i32(3, 4), j: _i32(4, seed=3, low=1)}


def _reductions(tf):
    x = tf.placeholder(tf.float32, [None, 3, 5])
    n = tf.placeholder(tf.int32, [4, 6])
    fetches = [tf.reduce_sum(x), tf.reduce_mean(x, axis=1), tf.reduce_max(x, axis=[0, 2]),
               tf.reduce_min(x, axis=-1, keepdims=True), tf.reduce_prod(x * 0.5, axis=0),
               tf.reduce_sum(tf.exp(x) * 2.0, axis=2), tf.reduce_mean(n, axis=0),
               tf.reduce_any(n > 3, axis=1), tf.reduce_all(n > -5), tf.reduce_sum(n)]
    return fetches, {x: _f32(2, 3, 5), n: _i32(4, 6)}


def _long_reductions(tf):
    x = tf.placeholder(tf.float32, [None, 150])  # split into partial sums, then combined
    c = tf.placeholder(tf.float32, [6, 16])      # wide inner axis: one thread per column
    return [tf.reduce_sum(x, axis=1), tf.reduce_mean(x), tf.reduce_max(x),
            tf.reduce_sum(c, axis=0), tf.reduce_mean(c * c, axis=0)], \
        {x: _f32(2, 150), c: _f32(6, 16, seed=2)}


def _arg_reductions(tf):
    x = tf.placeholder(tf.float32, [4, 5])
    values = _f32(4, 5)
    values[0, 1] = values[0, 3] = 9.0      # a tie: the first index wins
    values[1, 2] = np.nan                  # NaN never wins (TF)
    values[2, :] = np.nan                  # all NaN: index 0
    n = tf.placeholder(tf.int32, [3, 4])
    return [tf.argmax(x, axis=1), tf.argmin(x, axis=0), tf.argmax(n, axis=0,
                                                                  output_type=tf.int32)], \
        {x: values, n: _i32(3, 4)}


def _softmaxes(tf):
    x = tf.placeholder(tf.float32, [None, 7])
    labels = tf.placeholder(tf.float32, [None, 7])
    sparse = tf.placeholder(tf.int64, [None])
    dense = tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=x)
    sp = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=sparse, logits=x)
    p = np.random.default_rng(1).random((3, 7)).astype(np.float32)
    return [tf.nn.softmax(x), tf.nn.log_softmax(x), dense, sp,
            tf.gradients(tf.reduce_sum(sp), x)[0]], \
        {x: _f32(3, 7), labels: p / p.sum(1, keepdims=True),
         sparse: np.array([0, 6, 3], np.int64)}


def _matmuls(tf):
    a = tf.placeholder(tf.float32, [5, 6])
    b = tf.placeholder(tf.float32, [6, 7])
    c = tf.placeholder(tf.float32, [2, 5, 6])
    d = tf.placeholder(tf.float64, [2, 7, 6])
    return [tf.matmul(a, b), tf.matmul(a, a, transpose_b=True),
            tf.matmul(b, a, transpose_a=True, transpose_b=True), tf.matmul(c, b),
            tf.matmul(tf.cast(c, tf.float64), d, transpose_b=True)], \
        {a: _f32(5, 6), b: _f32(6, 7, seed=1), c: _f32(2, 5, 6, seed=2),
         d: _f32(2, 7, 6, seed=3).astype(np.float64)}


def _windows(tf):
    x = tf.placeholder(tf.float32, [2, 5, 5, 2])
    f = tf.placeholder(tf.float32, [3, 3, 2, 3])
    conv = tf.nn.conv2d(x, f, strides=[1, 2, 2, 1], padding="SAME")
    valid = tf.nn.conv2d(x, f, strides=[1, 1, 1, 1], padding="VALID")
    mp = tf.nn.max_pool(x, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")
    ap = tf.nn.avg_pool(x, ksize=[1, 3, 3, 1], strides=[1, 2, 2, 1], padding="SAME")
    loss = tf.reduce_sum(conv * conv) + tf.reduce_sum(valid) + tf.reduce_sum(mp * mp) + \
        tf.reduce_sum(ap * 3.0)
    return [conv, valid, mp, ap, *tf.gradients(loss, [x, f])], \
        {x: _f32(2, 5, 5, 2), f: _f32(3, 3, 2, 3, seed=1)}


def _indexing(tf):
    x = tf.placeholder(tf.float32, [4, 3])
    idx = tf.placeholder(tf.int32, [5])
    labels = tf.placeholder(tf.int64, [4])
    parts = tf.split(x, 3, axis=1)
    fetches = [tf.gather(x, idx), tf.gather(x, idx % 3, axis=1), tf.one_hot(labels, 5),
               tf.one_hot(labels, 3, axis=0, on_value=2.0, off_value=-1.0),
               x[1:, ::2], x[::-1, 1], tf.concat([x, x * 2.0], axis=1),
               tf.stack([x, x], axis=1), parts[2], tf.unstack(x)[3],
               tf.pad(x, [[1, 0], [0, 2]], constant_values=7.0), tf.tile(x, [2, 1]),
               tf.transpose(tf.reshape(x, [2, 2, 3]), [2, 0, 1]), tf.reverse(x, [0]),
               tf.expand_dims(x, 1), tf.squeeze(tf.reshape(x, [1, 12])),
               tf.gradients(tf.reduce_sum(tf.gather(x, [0, 2]) * 3.0), x)[0]]
    return fetches, {x: _f32(4, 3), idx: np.array([3, 0, 0, 2, 1], np.int32),
                     labels: np.array([0, 4, 2, 7], np.int64)}


def _user_rows(tf):
    """Softmax and layer norm written with reductions: the compiler may fuse them into one
    rows group, which this backend runs member by member on the device."""
    x = tf.placeholder(tf.float32, [None, 6])
    e = tf.exp(x - tf.reduce_max(x, axis=1, keepdims=True))
    softmax = e / tf.reduce_sum(e, axis=1, keepdims=True)
    mean = tf.reduce_mean(x, axis=-1, keepdims=True)
    var = tf.reduce_mean(tf.square(x - mean), axis=-1, keepdims=True)
    norm = (x - mean) * tf.rsqrt(var + 1e-5) * 1.5 + 0.2
    return [softmax, norm, tf.reduce_sum(norm * x, axis=1)], {x: _f32(4, 6)}


def _fallbacks(tf):
    x = tf.placeholder(tf.float32, [3, 4])
    c = tf.cumsum(x, axis=1)  # a host fallback between two device kernels
    return [tf.exp(c) * 2.0, tf.reduce_sum(c)], {x: _f32(3, 4)}


CASES = [GraphCase("w1", _w1), GraphCase("broadcast_math", _broadcast_math, rtol=2e-5),
         GraphCase("reductions", _reductions), GraphCase("long_reductions", _long_reductions),
         GraphCase("arg_reductions", _arg_reductions), GraphCase("softmaxes", _softmaxes),
         GraphCase("matmuls", _matmuls), GraphCase("windows", _windows, rtol=2e-5, atol=1e-4),
         GraphCase("indexing", _indexing), GraphCase("user_rows", _user_rows, atol=2e-5),
         GraphCase("fallbacks", _fallbacks)]


def mlp_training(tf, optimizer: str = "adam"):
    """A two-layer classifier and its training op; returns (loss, train_op, feeds,
    variables)."""
    x = tf.placeholder(tf.float32, [None, 6])
    y = tf.placeholder(tf.int64, [None])
    w1 = tf.Variable(tf.constant(_f32(6, 8, seed=4) * 0.5), name="w1")
    b1 = tf.Variable(tf.zeros([8]), name="b1")
    w2 = tf.Variable(tf.constant(_f32(8, 3, seed=5) * 0.5), name="w2")
    b2 = tf.Variable(tf.zeros([3]), name="b2")
    h = tf.nn.relu(tf.matmul(x, w1) + b1)
    logits = tf.matmul(h, w2) + b2
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                         logits=logits))
    step = tf.train.get_or_create_global_step()
    opt = tf.train.AdamOptimizer(0.05) if optimizer == "adam" else \
        tf.train.MomentumOptimizer(0.1, 0.9)
    train = opt.minimize(loss, global_step=step)
    feeds = {x: _f32(8, 6, seed=6), y: np.random.default_rng(7).integers(0, 3, 8)}
    return loss, train, feeds, [w1, b1, w2, b2, step]
