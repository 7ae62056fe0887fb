"""The benchmark's workloads: each one a graphjit graph plus the same computation written
by hand in NumPy and in the peers (TensorFlow 1 graph mode, JAX `jit`, numexpr).

A `Workload` is a name, a one-line title, what limits its speed, a size table
(tiny/small/medium/large -> keyword arguments) and a `build(**params)` that returns an
`Instance`: the graph, what one step fetches, the feeds, the state (variables) that the
agreement check compares after the first step, the bytes a step must move and the FLOPs it
must compute (compulsory traffic and arithmetic, a lower bound: GB/s and GFLOP/s are
reported against them), the tolerance of the agreement check and the peer factories.

Counting conventions: bytes are the inputs read plus the outputs (and, for training, the
parameters) written once; FLOPs count each add, multiply, compare and each transcendental
(exp, tanh, rsqrt, ...) as one, and 2*M*N*K for a matrix product.

Every implementation starts from the same seeded values, so their results after one step
must agree. Graphs are built as a TF1 user would write them (`reduce_mean`,
`nn.sparse_softmax_cross_entropy_with_logits`, `train.GradientDescentOptimizer`), not from
special fused ops.

May import: graphjit (the public API), numpy; peers (tensorflow, jax, numexpr) lazily,
inside their factories, where ImportError means "not importable here".
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

import graphjit as gj

SIZES = ("tiny", "small", "medium", "large")  # tiny: smoke tests, seconds in all
PEERS = ("numpy", "tf1", "jax", "numexpr")


def _nothing() -> list:
    return []


@dataclass
class Runner:
    """One column's way of running a workload: `step()` does one unit of work and returns
    its outputs; `state()` returns the state after it (trained parameters) for the
    agreement check."""

    step: Callable[[], list]
    state: Callable[[], list] = _nothing


@dataclass
class Instance:
    """A workload built at one size."""

    label: str                      # the size as a reader sees it, e.g. "n=1,000,000"
    graph: gj.Graph
    fetches: list                   # what one step runs (Tensors and Operations)
    feed: dict
    bytes: int
    flops: int
    rtol: float
    atol: float
    state: list = field(default_factory=list)   # Tensors compared after the first step
    init: list = field(default_factory=list)    # ops run once per session
    peers: dict[str, Callable[[], Runner]] = field(default_factory=dict)


@dataclass(frozen=True)
class Workload:
    name: str
    title: str
    limit: str                      # what bounds its speed, for the reader of the table
    sizes: dict[str, dict]
    build: Callable[..., Instance]

    def instance(self, size: str) -> Instance:
        return self.build(**self.sizes[size])


def graphjit_runner(inst: Instance, executor: str) -> Runner:
    """A Session with `executor` ("interpreted" or "compiled") on the instance's graph, its
    variables initialized."""
    sess = gj.Session(graph=inst.graph, executor=executor)
    if inst.init:
        sess.run(inst.init)
    fetches, feed, state = inst.fetches, inst.feed, inst.state

    def step() -> list:
        return [v for v in sess.run(fetches, feed) if v is not None]

    return Runner(step, (lambda: sess.run(state)) if state else _nothing)


# -- peers' plumbing -----------------------------------------------------------------------

@contextlib.contextmanager
def _quiet_native_stderr():
    """Silences file descriptor 2 (TF's C++ logging ignores TF_CPP_MIN_LOG_LEVEL for its
    start-up lines); Python exceptions still propagate with their messages."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _tf():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with _quiet_native_stderr():
        import tensorflow.compat.v1 as tf
    tf.disable_eager_execution()
    return tf


def _tf_runner(build: Callable, feed_arrays: list) -> Runner:
    """`build(tf)` makes (placeholders, fetches, state) in a fresh TF graph; the runner
    feeds `feed_arrays` to the placeholders each step."""
    tf = _tf()
    graph = tf.Graph()
    with graph.as_default():
        placeholders, fetches, state = build(tf)
        init = tf.global_variables_initializer()
    with _quiet_native_stderr():
        sess = tf.Session(graph=graph)
        sess.run(init)
    feed = dict(zip(placeholders, feed_arrays))

    def step() -> list:
        return [v for v in sess.run(fetches, feed) if v is not None]

    return Runner(step, (lambda: sess.run(state)) if state else _nothing)


def _jax():
    import jax
    import jax.numpy as jnp
    return jax, jnp


# -- W1: an elementwise chain --------------------------------------------------------------

_A, _B = np.float32(0.5), np.float32(0.1)


def _w1(n: int) -> Instance:
    x_value = np.random.default_rng(0).standard_normal(n).astype(np.float32)
    graph = gj.Graph()
    with graph.as_default():
        x = gj.placeholder(gj.float32, [None], name="x")
        y = gj.tanh(x * _A + _B) * gj.sigmoid(x) - gj.exp(-x * x)

    def numpy_runner() -> Runner:
        def step():
            return [np.tanh(x_value * _A + _B) * (1 / (1 + np.exp(-x_value)))
                    - np.exp(-x_value * x_value)]
        return Runner(step)

    def tf_runner() -> Runner:
        def build(tf):
            xp = tf.placeholder(tf.float32, [None])
            return [xp], [tf.tanh(xp * _A + _B) * tf.sigmoid(xp) - tf.exp(-xp * xp)], []
        return _tf_runner(build, [x_value])

    def jax_runner() -> Runner:
        jax, jnp = _jax()
        f = jax.jit(lambda v: jnp.tanh(v * _A + _B) * jax.nn.sigmoid(v) - jnp.exp(-v * v))
        return Runner(lambda: [np.asarray(f(x_value))])

    def numexpr_runner() -> Runner:
        import numexpr
        local = {"x": x_value, "a": _A, "b": _B, "one": np.float32(1)}
        expr = "tanh(x * a + b) * (one / (one + exp(-x))) - exp(-x * x)"
        return Runner(lambda: [numexpr.evaluate(expr, local_dict=local)])

    return Instance(
        label=f"n={n:,}", graph=graph, fetches=[y], feed={x: x_value},
        bytes=8 * n, flops=9 * n, rtol=1e-5, atol=1e-6,
        peers={"numpy": numpy_runner, "tf1": tf_runner, "jax": jax_runner,
               "numexpr": numexpr_runner})


# -- row softmax and layer norm: reductions with elementwise producers and consumers --------

def _rows(rows: int, cols: int) -> np.ndarray:
    return np.random.default_rng(1).standard_normal((rows, cols)).astype(np.float32)


def _softmax(rows: int, cols: int) -> Instance:
    x_value = _rows(rows, cols)
    graph = gj.Graph()
    with graph.as_default():
        x = gj.placeholder(gj.float32, [None, cols], name="x")
        y = gj.nn.softmax(x)

    def numpy_runner() -> Runner:
        def step():
            e = np.exp(x_value - x_value.max(axis=1, keepdims=True))
            return [e / e.sum(axis=1, keepdims=True)]
        return Runner(step)

    def tf_runner() -> Runner:
        def build(tf):
            xp = tf.placeholder(tf.float32, [None, cols])
            return [xp], [tf.nn.softmax(xp)], []
        return _tf_runner(build, [x_value])

    def jax_runner() -> Runner:
        jax, _ = _jax()
        f = jax.jit(lambda v: jax.nn.softmax(v, axis=-1))
        return Runner(lambda: [np.asarray(f(x_value))])

    def numexpr_runner() -> Runner:
        import numexpr

        def step():  # numexpr has no row reductions: NumPy does those
            m = x_value.max(axis=1, keepdims=True)
            e = numexpr.evaluate("exp(x - m)", local_dict={"x": x_value, "m": m})
            s = e.sum(axis=1, keepdims=True)
            return [numexpr.evaluate("e / s", local_dict={"e": e, "s": s})]
        return Runner(step)

    n = rows * cols
    return Instance(
        label=f"{rows}x{cols}", graph=graph, fetches=[y], feed={x: x_value},
        bytes=8 * n, flops=5 * n, rtol=1e-4, atol=1e-7,
        peers={"numpy": numpy_runner, "tf1": tf_runner, "jax": jax_runner,
               "numexpr": numexpr_runner})


_EPS = np.float32(1e-5)


def _layer_norm(rows: int, cols: int) -> Instance:
    x_value = _rows(rows, cols)
    rng = np.random.default_rng(2)
    gamma = (1 + 0.1 * rng.standard_normal(cols)).astype(np.float32)
    beta = (0.1 * rng.standard_normal(cols)).astype(np.float32)
    graph = gj.Graph()
    with graph.as_default():
        x = gj.placeholder(gj.float32, [None, cols], name="x")
        mean = gj.reduce_mean(x, axis=-1, keepdims=True)
        centered = x - mean
        variance = gj.reduce_mean(gj.square(centered), axis=-1, keepdims=True)
        y = centered * gj.rsqrt(variance + _EPS) * gamma + beta

    def numpy_runner() -> Runner:
        def step():
            c = x_value - x_value.mean(axis=1, keepdims=True)
            v = (c * c).mean(axis=1, keepdims=True)
            return [c / np.sqrt(v + _EPS) * gamma + beta]
        return Runner(step)

    def tf_runner() -> Runner:
        def build(tf):
            xp = tf.placeholder(tf.float32, [None, cols])
            m = tf.reduce_mean(xp, axis=-1, keepdims=True)
            c = xp - m
            v = tf.reduce_mean(tf.square(c), axis=-1, keepdims=True)
            return [xp], [c * tf.rsqrt(v + _EPS) * gamma + beta], []
        return _tf_runner(build, [x_value])

    def jax_runner() -> Runner:
        jax, jnp = _jax()

        def f(v):
            c = v - jnp.mean(v, axis=-1, keepdims=True)
            var = jnp.mean(c * c, axis=-1, keepdims=True)
            return c * jax.lax.rsqrt(var + _EPS) * gamma + beta
        jitted = jax.jit(f)
        return Runner(lambda: [np.asarray(jitted(x_value))])

    def numexpr_runner() -> Runner:
        import numexpr

        def step():
            m = x_value.mean(axis=1, keepdims=True)
            c = numexpr.evaluate("x - m", local_dict={"x": x_value, "m": m})
            v = numexpr.evaluate("c * c", local_dict={"c": c}).mean(axis=1, keepdims=True)
            return [numexpr.evaluate("c / sqrt(v + eps) * g + b", local_dict={
                "c": c, "v": v, "eps": _EPS, "g": gamma, "b": beta})]
        return Runner(step)

    n = rows * cols
    return Instance(
        label=f"{rows}x{cols}", graph=graph, fetches=[y], feed={x: x_value},
        bytes=8 * n + 8 * cols, flops=8 * n, rtol=1e-4, atol=1e-5,
        peers={"numpy": numpy_runner, "tf1": tf_runner, "jax": jax_runner,
               "numexpr": numexpr_runner})


# -- MLP 784-512-512-10: forward pass and SGD training step ------------------------------

_LAYERS = ((784, 512), (512, 512), (512, 10))
_LR = np.float32(0.01)


def _mlp_data(batch: int) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    rng = np.random.default_rng(3)
    x = rng.standard_normal((batch, 784)).astype(np.float32)
    labels = rng.integers(0, 10, batch).astype(np.int32)
    params = []
    for fan_in, fan_out in _LAYERS:
        params.append((rng.standard_normal((fan_in, fan_out)) *
                       np.sqrt(2 / fan_in)).astype(np.float32))
        params.append((0.01 * rng.standard_normal(fan_out)).astype(np.float32))
    return x, labels, params


def _mlp_graph(batch: int, train: bool):
    x_value, label_value, params = _mlp_data(batch)
    graph = gj.Graph()
    with graph.as_default():
        x = gj.placeholder(gj.float32, [None, 784], name="x")
        labels = gj.placeholder(gj.int32, [None], name="labels")
        variables = [gj.Variable(p, name=f"{'wb'[i % 2]}{i // 2 + 1}")
                     for i, p in enumerate(params)]
        h = x
        for layer in range(3):
            h = gj.matmul(h, variables[2 * layer]) + variables[2 * layer + 1]
            if layer < 2:
                h = gj.nn.relu(h)
        if train:
            loss = gj.reduce_mean(gj.nn.sparse_softmax_cross_entropy_with_logits(
                labels=labels, logits=h))
            step = gj.train.GradientDescentOptimizer(float(_LR)).minimize(loss)
            fetches, feed = [step, loss], {x: x_value, labels: label_value}
        else:
            fetches, feed = [gj.nn.softmax(h)], {x: x_value}
        init = [gj.variables_initializer(variables)]
    return graph, fetches, feed, variables, init, (x_value, label_value, params)


def _np_forward(x, params):
    w1, b1, w2, b2, w3, b3 = params
    a1 = x @ w1 + b1
    h1 = np.maximum(a1, 0)
    a2 = h1 @ w2 + b2
    h2 = np.maximum(a2, 0)
    return a1, h1, a2, h2, h2 @ w3 + b3


def _np_softmax_xent(logits, labels):
    """Mean sparse softmax cross-entropy and its gradient with respect to the logits."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    s = e.sum(axis=1, keepdims=True)
    rows = np.arange(len(labels))
    loss = np.mean(np.log(s[:, 0]) - shifted[rows, labels])
    grad = e / s
    grad[rows, labels] -= 1
    return np.float32(loss), grad / np.float32(len(labels))


def _mlp_forward(batch: int) -> Instance:
    graph, fetches, feed, _, init, (x_value, _, params) = _mlp_graph(batch, train=False)

    def numpy_runner() -> Runner:
        def step():
            logits = _np_forward(x_value, params)[-1]
            e = np.exp(logits - logits.max(axis=1, keepdims=True))
            return [e / e.sum(axis=1, keepdims=True)]
        return Runner(step)

    def tf_runner() -> Runner:
        def build(tf):
            xp = tf.placeholder(tf.float32, [None, 784])
            h = xp
            for layer in range(3):
                h = tf.matmul(h, tf.Variable(params[2 * layer])) + \
                    tf.Variable(params[2 * layer + 1])
                if layer < 2:
                    h = tf.nn.relu(h)
            return [xp], [tf.nn.softmax(h)], []
        return _tf_runner(build, [x_value])

    def jax_runner() -> Runner:
        jax, jnp = _jax()

        def f(p, v):
            h = v
            for layer in range(3):
                h = h @ p[2 * layer] + p[2 * layer + 1]
                if layer < 2:
                    h = jnp.maximum(h, 0)
            return jax.nn.softmax(h, axis=-1)
        jitted = jax.jit(f)
        device_params = [jax.device_put(p) for p in params]
        return Runner(lambda: [np.asarray(jitted(device_params, x_value))])

    macs = sum(a * b for a, b in _LAYERS)
    n_params = sum(p.size for p in params)
    return Instance(
        label=f"batch {batch}", graph=graph, fetches=fetches, feed=feed, init=init,
        bytes=4 * (n_params + batch * 784 + batch * 10),
        flops=2 * batch * macs + batch * (2 * 512 * 2 + 10 + 5 * 10), rtol=1e-4, atol=1e-6,
        peers={"numpy": numpy_runner, "tf1": tf_runner, "jax": jax_runner})


def _mlp_train(batch: int) -> Instance:
    graph, fetches, feed, variables, init, data = _mlp_graph(batch, train=True)
    x_value, label_value, initial = data

    def numpy_runner() -> Runner:
        params = [p.copy() for p in initial]

        def step():
            w1, b1, w2, b2, w3, b3 = params
            a1, h1, a2, h2, logits = _np_forward(x_value, params)
            loss, g3 = _np_softmax_xent(logits, label_value)
            g2 = (g3 @ w3.T) * (a2 > 0)
            g1 = (g2 @ w2.T) * (a1 > 0)
            grads = (x_value.T @ g1, g1.sum(0), h1.T @ g2, g2.sum(0), h2.T @ g3, g3.sum(0))
            for p, g in zip(params, grads):
                p -= _LR * g
            return [loss]
        return Runner(step, lambda: params)

    def tf_runner() -> Runner:
        def build(tf):
            xp = tf.placeholder(tf.float32, [None, 784])
            yp = tf.placeholder(tf.int32, [None])
            tf_vars = [tf.Variable(p) for p in initial]
            h = xp
            for layer in range(3):
                h = tf.matmul(h, tf_vars[2 * layer]) + tf_vars[2 * layer + 1]
                if layer < 2:
                    h = tf.nn.relu(h)
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=yp, logits=h))
            step = tf.train.GradientDescentOptimizer(float(_LR)).minimize(loss)
            return [xp, yp], [step, loss], tf_vars
        return _tf_runner(build, [x_value, label_value])

    def jax_runner() -> Runner:
        jax, jnp = _jax()

        def loss_fn(p, v, y):
            h = v
            for layer in range(3):
                h = h @ p[2 * layer] + p[2 * layer + 1]
                if layer < 2:
                    h = jnp.maximum(h, 0)
            logp = jax.nn.log_softmax(h, axis=-1)
            return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=1))

        @jax.jit
        def train_step(p, v, y):
            loss, grads = jax.value_and_grad(loss_fn)(p, v, y)
            return loss, [w - _LR * g for w, g in zip(p, grads)]

        params = [jax.device_put(p) for p in initial]

        def step():
            nonlocal params
            loss, params = train_step(params, x_value, label_value)
            return [np.asarray(loss)]
        return Runner(step, lambda: [np.asarray(p) for p in params])

    macs = sum(a * b for a, b in _LAYERS)
    first_macs = _LAYERS[0][0] * _LAYERS[0][1]
    # The 8 GEMMs: 3 forward, 3 weight gradients, 2 input gradients (none for x).
    gemm_flops = 2 * batch * (3 * macs - first_macs)
    n_params = sum(p.size for p in initial)
    return Instance(
        label=f"batch {batch}", graph=graph, fetches=fetches, feed=feed, init=init,
        state=variables, bytes=4 * (2 * n_params + batch * 785),
        flops=gemm_flops + 2 * n_params, rtol=1e-4, atol=1e-5,
        peers={"numpy": numpy_runner, "tf1": tf_runner, "jax": jax_runner})


# -- a small CNN training step: conv2d 3x3x16 + ReLU + 2x2 max pool + dense ----------------

_CONV, _IMAGE = 16, 28


def _cnn_train(batch: int) -> Instance:
    rng = np.random.default_rng(4)
    x_value = rng.standard_normal((batch, _IMAGE, _IMAGE, 1)).astype(np.float32)
    label_value = rng.integers(0, 10, batch).astype(np.int32)
    pooled = (_IMAGE // 2) ** 2 * _CONV
    initial = [(0.3 * rng.standard_normal((3, 3, 1, _CONV))).astype(np.float32),
               (0.01 * rng.standard_normal(_CONV)).astype(np.float32),
               (rng.standard_normal((pooled, 10)) / np.sqrt(pooled)).astype(np.float32),
               np.zeros(10, np.float32)]
    graph = gj.Graph()
    with graph.as_default():
        x = gj.placeholder(gj.float32, [None, _IMAGE, _IMAGE, 1], name="x")
        labels = gj.placeholder(gj.int32, [None], name="labels")
        kernel, kernel_bias, dense, dense_bias = variables = [
            gj.Variable(p, name=n) for p, n in zip(initial, ("conv", "conv_b", "w", "b"))]
        h = gj.nn.relu(gj.nn.conv2d(x, kernel, [1, 1, 1, 1], "SAME") + kernel_bias)
        h = gj.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
        logits = gj.matmul(gj.reshape(h, [-1, pooled]), dense) + dense_bias
        loss = gj.reduce_mean(gj.nn.sparse_softmax_cross_entropy_with_logits(
            labels=labels, logits=logits))
        step = gj.train.GradientDescentOptimizer(float(_LR)).minimize(loss)
        init = [gj.variables_initializer(variables)]

    def numpy_runner() -> Runner:
        params = [p.copy() for p in initial]
        half = _IMAGE // 2
        padded = np.pad(x_value, ((0, 0), (1, 1), (1, 1), (0, 0)))
        # im2col: one row per output pixel, (dy, dx, channel) along the row as HWIO.
        patches = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(1, 2))
        cols = np.ascontiguousarray(patches.transpose(0, 1, 2, 4, 5, 3)).reshape(-1, 9)
        def step():
            k, kb, w, b = params
            act = np.maximum(cols @ k.reshape(9, _CONV) + kb, 0)
            windows = act.reshape(batch, half, 2, half, 2, _CONV).transpose(
                0, 1, 3, 5, 2, 4).reshape(batch, half, half, _CONV, 4)
            first_max = windows.argmax(axis=-1)  # TF's max-pool gradient picks the first
            flat = np.take_along_axis(windows, first_max[..., None], -1).reshape(batch, -1)
            loss, g_logits = _np_softmax_xent(flat @ w + b, label_value)
            g_pool = (g_logits @ w.T).reshape(batch, half, half, _CONV, 1)
            g_windows = np.zeros_like(windows)
            np.put_along_axis(g_windows, first_max[..., None], g_pool, -1)
            g_act = g_windows.reshape(batch, half, half, _CONV, 2, 2).transpose(
                0, 1, 4, 2, 5, 3).reshape(-1, _CONV) * (act > 0)
            grads = ((cols.T @ g_act).reshape(3, 3, 1, _CONV), g_act.sum(0),
                     flat.T @ g_logits, g_logits.sum(0))
            for p, g in zip(params, grads):
                p -= _LR * g
            return [loss]
        return Runner(step, lambda: params)

    def tf_runner() -> Runner:
        def build(tf):
            xp = tf.placeholder(tf.float32, [None, _IMAGE, _IMAGE, 1])
            yp = tf.placeholder(tf.int32, [None])
            k, kb, w, b = tf_vars = [tf.Variable(p) for p in initial]
            h = tf.nn.relu(tf.nn.conv2d(xp, k, [1, 1, 1, 1], "SAME") + kb)
            h = tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
            logits = tf.matmul(tf.reshape(h, [-1, pooled]), w) + b
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=yp, logits=logits))
            step = tf.train.GradientDescentOptimizer(float(_LR)).minimize(loss)
            return [xp, yp], [step, loss], tf_vars
        return _tf_runner(build, [x_value, label_value])

    def jax_runner() -> Runner:
        jax, jnp = _jax()
        lax = jax.lax

        def loss_fn(p, v, y):
            k, kb, w, b = p
            h = lax.conv_general_dilated(v, k, (1, 1), "SAME",
                                         dimension_numbers=("NHWC", "HWIO", "NHWC"))
            h = jnp.maximum(h + kb, 0)
            h = lax.reduce_window(h, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
            logp = jax.nn.log_softmax(h.reshape(-1, pooled) @ w + b, axis=-1)
            return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=1))

        @jax.jit
        def train_step(p, v, y):
            loss, grads = jax.value_and_grad(loss_fn)(p, v, y)
            return loss, [w - _LR * g for w, g in zip(p, grads)]

        params = [jax.device_put(p) for p in initial]

        def step():
            nonlocal params
            loss, params = train_step(params, x_value, label_value)
            return [np.asarray(loss)]
        return Runner(step, lambda: [np.asarray(p) for p in params])

    pixels = batch * _IMAGE * _IMAGE
    conv_flops = 2 * pixels * 9 * _CONV           # forward; the filter gradient costs as much
    dense_flops = 2 * batch * pooled * 10         # forward, weight and input gradients
    n_params = sum(p.size for p in initial)
    return Instance(
        label=f"batch {batch}", graph=graph, fetches=[step, loss],
        feed={x: x_value, labels: label_value}, init=init, state=variables,
        bytes=4 * (2 * n_params + pixels + batch),
        flops=2 * conv_flops + 3 * dense_flops + pixels * _CONV * 3 + 2 * n_params,
        rtol=1e-4, atol=1e-5,
        peers={"numpy": numpy_runner, "tf1": tf_runner, "jax": jax_runner})


# -- dispatch overhead: z = x + y on 4 floats ----------------------------------------------

def _dispatch(n: int) -> Instance:
    rng = np.random.default_rng(5)
    x_value, y_value = (rng.standard_normal(n).astype(np.float32) for _ in range(2))
    graph = gj.Graph()
    with graph.as_default():
        x = gj.placeholder(gj.float32, [n], name="x")
        y = gj.placeholder(gj.float32, [n], name="y")
        z = x + y

    def tf_runner() -> Runner:
        def build(tf):
            xp, yp = tf.placeholder(tf.float32, [n]), tf.placeholder(tf.float32, [n])
            return [xp, yp], [xp + yp], []
        return _tf_runner(build, [x_value, y_value])

    def jax_runner() -> Runner:
        jax, _ = _jax()
        f = jax.jit(lambda a, b: a + b)
        return Runner(lambda: [np.asarray(f(x_value, y_value))])

    return Instance(
        label=f"{n} floats, fed", graph=graph, fetches=[z], feed={x: x_value, y: y_value},
        bytes=12 * n, flops=n, rtol=0, atol=0,
        peers={"numpy": lambda: Runner(lambda: [np.add(x_value, y_value)]),
               "tf1": tf_runner, "jax": jax_runner})


WORKLOADS: dict[str, Workload] = {w.name: w for w in (
    Workload("w1", "y = tanh(x*a + b) * sigmoid(x) - exp(-x*x), float32",
             "memory bandwidth once the transcendentals vectorize; transcendental "
             "throughput otherwise",
             {"tiny": {"n": 10_000}, "small": {"n": 1_000_000}, "medium": {"n": 10_000_000},
              "large": {"n": 30_000_000}}, _w1),
    Workload("softmax", "nn.softmax over rows, float32",
             "memory bandwidth (two passes at best) and exp throughput",
             {"tiny": {"rows": 64, "cols": 256}, "small": {"rows": 1024, "cols": 1024},
              "medium": {"rows": 4096, "cols": 1024}, "large": {"rows": 16384, "cols": 1024}},
             _softmax),
    Workload("layernorm", "layer norm from reduce_mean, square, rsqrt, *gamma + beta",
             "memory bandwidth (two passes at best)",
             {"tiny": {"rows": 64, "cols": 256}, "small": {"rows": 1024, "cols": 1024},
              "medium": {"rows": 4096, "cols": 1024}, "large": {"rows": 16384, "cols": 1024}},
             _layer_norm),
    Workload("mlp_forward", "MLP 784-512-512-10 forward, ReLU, softmax",
             "BLAS (3 GEMMs); dispatch at small batches",
             {"tiny": {"batch": 8}, "small": {"batch": 64}, "medium": {"batch": 256},
              "large": {"batch": 1024}}, _mlp_forward),
    Workload("mlp_train", "MLP 784-512-512-10 SGD step, sparse softmax cross-entropy",
             "BLAS (8 GEMMs); the 6 parameter updates at small batches",
             {"tiny": {"batch": 8}, "small": {"batch": 64}, "medium": {"batch": 256},
              "large": {"batch": 1024}}, _mlp_train),
    Workload("cnn_train", "CNN step: conv2d 3x3x16 SAME + ReLU + max_pool 2x2 + dense 10",
             "convolution and its filter gradient (im2col GEMM or direct loops), pooling "
             "gradient scatter",
             {"tiny": {"batch": 2}, "small": {"batch": 16}, "medium": {"batch": 64},
              "large": {"batch": 256}}, _cnn_train),
    Workload("dispatch", "z = x + y on 4 float32, fed: per-Session.run overhead",
             "per-call overhead (feed checks, plan lookup), not arithmetic",
             {size: {"n": 4} for size in SIZES}, _dispatch),
)}
