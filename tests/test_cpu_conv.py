"""The Numba CPU kernels of compiler/lowering/cpu_conv.py: conv2d and its gradients
(im2col + BLAS, both patch layouts, chunked and not, 1x1), and pooling with its gradients,
compiled against the interpreter (pooling bit for bit) and against naive NumPy loops
written independently (tests/opcases/nn.py); zero-size batches, NaN and -inf windows, the
reference fallback for what the kernels do not cover, and kernel reuse across batch sizes."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import graphjit as gj
from graphjit.compiler import kernel_cache
from graphjit.compiler.lowering import cpu_conv
from tests.opcases.nn import (
    naive_avg_pool,
    naive_avg_pool_grad,
    naive_conv2d,
    naive_conv2d_backprop_filter,
    naive_conv2d_backprop_input,
    naive_max_pool,
    naive_max_pool_grad,
    naive_max_pool_grad_grad,
    same_or_valid,
)

_POOL_OPS = ("max_pool", "max_pool_grad", "max_pool_grad_grad", "avg_pool", "avg_pool_grad")


@contextlib.contextmanager
def _patch_conv(limit: int | None, direct_max: int):
    """Smaller patch chunks (None: unchanged), so that small tests cover chunking, and
    the most output channels that take the direct conv2d kernel (0: none)."""
    saved = cpu_conv.PATCH_BYTES, cpu_conv.DIRECT_MAX_OUT_CHANNELS
    if limit is not None:
        cpu_conv.PATCH_BYTES = limit
    cpu_conv.DIRECT_MAX_OUT_CHANNELS = direct_max
    try:
        yield
    finally:
        cpu_conv.PATCH_BYTES, cpu_conv.DIRECT_MAX_OUT_CHANNELS = saved


def _both(build, feeds: dict, runs: int = 1):
    """`build()`'s fetches under each executor (feeds keyed by placeholder name);
    returns (interpreted, compiled, compiled explain text)."""
    results, text = {}, ""
    for executor in ("interpreted", "compiled"):
        graph = gj.Graph()
        with graph.as_default():
            fetches = build()
            feed = {graph.get_tensor_by_name(k): v for k, v in feeds.items()}
            with gj.Session(graph=graph, executor=executor) as sess:
                for _ in range(runs):
                    results[executor] = sess.run(fetches, feed)
                if executor == "compiled":
                    text = sess.explain(fetches, feed)
    return results["interpreted"], results["compiled"], text


def _no_reference(text: str, ops) -> None:
    for op in ops:
        assert f"reference {op}" not in text, text
    fallbacks = [line for line in text.splitlines() if line.startswith("reference kernels")]
    for line in fallbacks:
        assert not set(ops) & set(line.split(":", 1)[1].replace(",", " ").split()), line


# -- convolution ---------------------------------------------------------------------------


@st.composite
def _conv_problems(draw):
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    n, c, oc = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, w = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    strides = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilations = (1, 1) if strides != (1, 1) or draw(st.booleans()) else \
        (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = draw(st.sampled_from(["SAME", "VALID", "EXPLICIT"]))
    pads = (draw(st.integers(0, 2)), draw(st.integers(0, 2)), draw(st.integers(0, 2)),
            draw(st.integers(0, 2))) if padding == "EXPLICIT" else (0, 0, 0, 0)
    chunk = draw(st.sampled_from([None, 1]))  # 1 byte: one image per chunk
    direct = draw(st.booleans())  # conv2d on the direct kernel where strides allow
    seed = draw(st.integers(0, 2**16))
    return dtype, (n, h, w, c), (kh, kw, c, oc), strides, dilations, padding, pads, chunk, \
        direct, seed


def _naive_padding(x, padding, pads):
    """(x padded explicitly, the naive helpers' padding mode)."""
    if padding != "EXPLICIT":
        return x, padding
    t, b, left, r = pads
    return np.pad(x, ((0, 0), (t, b), (left, r), (0, 0))), "VALID"


@settings(max_examples=40, deadline=None)
@given(_conv_problems())
def test_conv2d_and_gradients_match_interpreter_and_naive_loops(problem):
    dtype, x_shape, f_shape, strides, dilations, padding, pads, chunk, direct, seed = problem
    eff = [(k - 1) * d + 1 for k, d in zip(f_shape[:2], dilations)]
    padded = [x_shape[1] + pads[0] + pads[1], x_shape[2] + pads[2] + pads[3]]
    assume(padding == "SAME" or all(p >= e for p, e in zip(padded, eff)))
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, x_shape).astype(dtype)
    f = rng.uniform(-2, 2, f_shape).astype(dtype)
    tf_pad = padding if padding != "EXPLICIT" else \
        [[0, 0], [pads[0], pads[1]], [pads[2], pads[3]], [0, 0]]
    out_shape = np.asarray(naive_conv2d(*_naive_padding(x, padding, pads)[:1], f, strides,
                                        _naive_padding(x, padding, pads)[1], dilations)).shape
    dy = rng.uniform(-2, 2, out_shape).astype(dtype)
    gj_dtype = gj.as_dtype(dtype)

    def build():
        xp = gj.placeholder(gj_dtype, x_shape, name="x")
        fp = gj.placeholder(gj_dtype, f_shape, name="f")
        dyp = gj.placeholder(gj_dtype, out_shape, name="dy")
        kw = dict(strides=[1, *strides, 1], padding=tf_pad, dilations=[1, *dilations, 1])
        y = gj.nn.conv2d(xp, fp, **kw)
        return [y, gj.nn.conv2d_backprop_input(list(x_shape), fp, dyp, **kw),
                gj.nn.conv2d_backprop_filter(xp, list(f_shape), dyp, **kw)]

    with _patch_conv(chunk, 8 if direct else 0):
        want, got, text = _both(build, {"x:0": x, "f:0": f, "dy:0": dy}, runs=2)
    _no_reference(text, ("conv2d", "conv2d_backprop_input", "conv2d_backprop_filter"))
    pointwise = f_shape[:2] == (1, 1) and strides == (1, 1) and pads == (0, 0, 0, 0)
    assert ("conv2d[direct" in text) == (direct and strides == (1, 1) and not pointwise)
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)
    for w, g in zip(want, got):
        assert g.dtype == w.dtype and g.shape == w.shape
        np.testing.assert_allclose(g, w, **tol)
    xn, mode = _naive_padding(x, padding, pads)
    np.testing.assert_allclose(got[0], naive_conv2d(xn, f, strides, mode, dilations), **tol)
    np.testing.assert_allclose(got[2], naive_conv2d_backprop_filter(
        xn, f_shape, dy, strides, mode, dilations), **tol)
    dx = naive_conv2d_backprop_input(xn.shape, f, dy, strides, mode, dilations)
    if padding == "EXPLICIT":
        dx = dx[:, pads[0]:pads[0] + x_shape[1], pads[2]:pads[2] + x_shape[2]]
    np.testing.assert_allclose(got[1], dx, **tol)


@pytest.mark.parametrize("x_shape, f_shape, label", [
    ((2, 6, 5, 1), (3, 3, 1, 9), "im2col by columns + BLAS GEMM"),
    ((2, 6, 5, 3), (3, 2, 3, 9), "im2col by rows + BLAS GEMM"),
    ((2, 4, 4, 3), (1, 1, 3, 5), "im2col 1x1: no im2col + BLAS GEMM"),
    ((2, 6, 5, 2), (3, 2, 2, 8), "direct: taps over a planar padded image"),
])
def test_conv_layouts_are_labelled_and_reused_across_batch_sizes(x_shape, f_shape, label):
    rng = np.random.default_rng(3)
    f = rng.standard_normal(f_shape).astype(np.float32)
    graph = gj.Graph()
    with graph.as_default():
        xp = gj.placeholder(gj.float32, [None, *x_shape[1:]], name="x")
        y = gj.nn.conv2d(xp, f, [1, 1, 1, 1], "VALID")
        loss = gj.reduce_sum(y * y)
        fetches = [y, *gj.gradients(loss, [xp])]
        with gj.Session(graph=graph) as sess:
            x = rng.standard_normal(x_shape).astype(np.float32)
            sess.run(fetches, {xp: x})
            assert f"conv2d[{label}]" in sess.explain(fetches, {xp: x})
            conv = kernel_cache.load("conv", cpu_conv.CONV_SOURCE)
            loaded = kernel_cache.loaded_count()
            compiled = {name: len(getattr(conv, name).signatures)
                        for name in ("im2col_rows", "im2col_columns", "col2im_rows",
                                     "pad_planar", "conv_taps")}
            bigger = rng.standard_normal((5, *x_shape[1:])).astype(np.float32)
            got = sess.run(fetches, {xp: bigger})
            assert kernel_cache.loaded_count() == loaded
            assert compiled == {name: len(getattr(conv, name).signatures) for name in compiled}
    np.testing.assert_allclose(got[0], naive_conv2d(bigger, f, padding="VALID"),
                               rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(got[1], naive_conv2d_backprop_input(
        bigger.shape, f, 2 * got[0], padding="VALID"), rtol=1e-4, atol=1e-4)


# -- pooling ---------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(dtype=st.sampled_from([np.float32, np.float64]),
       shape=st.tuples(st.integers(1, 3), st.integers(1, 7), st.integers(1, 7),
                       st.integers(1, 4)),
       k=st.integers(1, 3), s=st.integers(1, 3), padding=st.sampled_from(["SAME", "VALID"]),
       seed=st.integers(0, 2**16))
def test_pooling_is_bitwise_the_reference_and_matches_naive_loops(dtype, shape, k, s, padding,
                                                                  seed):
    assume(padding == "SAME" or min(shape[1:3]) >= k)
    rng = np.random.default_rng(seed)
    # a coarse grid of values, so that windows hold ties
    x = rng.integers(-3, 4, shape).astype(dtype)
    oh, _, _ = same_or_valid(shape[1], k, s, 1, padding)
    ow, _, _ = same_or_valid(shape[2], k, s, 1, padding)
    g = rng.uniform(-2, 2, (shape[0], oh, ow, shape[3])).astype(dtype)
    gg = rng.uniform(-2, 2, shape).astype(dtype)
    gj_dtype = gj.as_dtype(dtype)
    args = ([1, k, k, 1], [1, s, s, 1], padding)

    def build():
        xp = gj.placeholder(gj_dtype, shape, name="x")
        gp = gj.placeholder(gj_dtype, g.shape, name="g")
        ggp = gj.placeholder(gj_dtype, shape, name="gg")
        y = gj.nn.max_pool(xp, *args)
        return [y, gj.nn.max_pool_grad(xp, y, gp, *args),
                gj.nn.max_pool_grad_grad(xp, y, ggp, *args), gj.nn.avg_pool(xp, *args),
                gj.nn.avg_pool_grad(list(shape), gp, *args)]

    want, got, text = _both(build, {"x:0": x, "g:0": g, "gg:0": gg}, runs=2)
    _no_reference(text, _POOL_OPS)
    for w, out in zip(want, got):
        assert out.dtype == w.dtype
        np.testing.assert_array_equal(out.view(np.uint8), w.view(np.uint8))
    tol = dict(rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[0], naive_max_pool(x, k, s, padding), **tol)
    np.testing.assert_allclose(got[1], naive_max_pool_grad(x, g, k, s, padding), **tol)
    np.testing.assert_allclose(got[2], naive_max_pool_grad_grad(x, gg, k, s, padding), **tol)
    np.testing.assert_allclose(got[3], naive_avg_pool(x, k, s, padding), **tol)
    np.testing.assert_allclose(got[4], naive_avg_pool_grad(shape, g, k, s, padding), **tol)


def test_max_pool_nan_and_infinity_windows_follow_the_reference():
    """NaN wins the max and the gradient (its first occurrence); a window of -inf under
    SAME padding routes its gradient to the first cell, a padded one (dropped); ties
    (5.0 twice, 0.0 and -0.0) go to the first."""
    x = np.full((1, 4, 4, 2), -np.inf, np.float32)
    x[0, 1, 1, 0] = np.nan
    x[0, 1, 0, 0] = np.nan
    x[0, 3, 3, 1] = 5.0
    x[0, 2, 2, 1] = 5.0
    x[0, 0, 3, 0] = -0.0
    x[0, 0, 2, 0] = 0.0
    g = np.arange(1, 9, dtype=np.float32).reshape(1, 2, 2, 2)
    gg = np.arange(1, 33, dtype=np.float32).reshape(x.shape)
    for padding, k in (("SAME", 3), ("VALID", 2), ("SAME", 2)):
        args = ([1, k, k, 1], [1, 2, 2, 1], padding)

        def build(args=args):
            xp = gj.placeholder(gj.float32, x.shape, name="x")
            y = gj.nn.max_pool(xp, *args)
            return [y, gj.nn.max_pool_grad(xp, y, g, *args),
                    gj.nn.max_pool_grad_grad(xp, y, gg, *args),
                    gj.nn.avg_pool(xp, *args)]

        want, got, text = _both(build, {"x:0": x})
        _no_reference(text, _POOL_OPS)
        # max of a window holding 0.0 and -0.0: either zero (NumPy's SIMD max picks one
        # by its own order); every other output bit for bit
        np.testing.assert_array_equal(got[0], want[0])
        for w, out in zip(want[1:], got[1:]):
            np.testing.assert_array_equal(out.view(np.uint32), w.view(np.uint32))
        assert np.isnan(got[0][0, 0, 0, 0]) and got[0][0, 0, 1, 0] == 0


def test_zero_size_batches_run():
    f = np.ones((3, 3, 2, 4), np.float32)

    def build():
        xp = gj.placeholder(gj.float32, [None, 5, 5, 2], name="x")
        y = gj.nn.conv2d(xp, f, [1, 1, 1, 1], "SAME")
        p = gj.nn.max_pool(y, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
        a = gj.nn.avg_pool(y, [1, 2, 2, 1], [1, 1, 1, 1], "VALID")
        loss = gj.reduce_sum(p) + gj.reduce_sum(a)
        return [y, p, a, *gj.gradients(loss, [xp, y])]

    x = np.zeros((0, 5, 5, 2), np.float32)
    want, got, text = _both(build, {"x:0": x})
    _no_reference(text, ("conv2d", "max_pool", "avg_pool", "max_pool_grad", "avg_pool_grad",
                         "conv2d_backprop_input"))
    for w, out in zip(want, got):
        assert out.shape == w.shape and out.size == 0


def test_zero_size_batch_filter_gradient_is_zero():
    def build():
        xp = gj.placeholder(gj.float32, [None, 4, 4, 1], name="x")
        fv = gj.Variable(np.ones((2, 2, 1, 3), np.float32), name="f")
        return [gj.gradients(gj.reduce_sum(gj.nn.conv2d(xp, fv, 1, "VALID")), [fv])[0],
                fv.initializer]

    for executor in ("interpreted", "compiled"):
        graph = gj.Graph()
        with graph.as_default():
            grad, init = build()
            with gj.Session(graph=graph, executor=executor) as sess:
                sess.run(init)
                out = sess.run(grad, {"x:0": np.zeros((0, 4, 4, 1), np.float32)})
        np.testing.assert_array_equal(out, np.zeros((2, 2, 1, 3), np.float32))


# -- plans -------------------------------------------------------------------------------------


def test_cnn_training_step_runs_no_reference_conv_or_pool_kernel():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((4, 12, 12, 3)).astype(np.float32)
    labels = rng.integers(0, 5, 4).astype(np.int32)
    k1 = (0.3 * rng.standard_normal((3, 3, 3, 8))).astype(np.float32)
    k2 = (0.3 * rng.standard_normal((1, 1, 8, 6))).astype(np.float32)
    dense = (0.1 * rng.standard_normal((3 * 3 * 6, 5))).astype(np.float32)

    def build():
        xp = gj.placeholder(gj.float32, [None, 12, 12, 3], name="x")
        lp = gj.placeholder(gj.int32, [None], name="labels")
        v1, v2, vd = gj.Variable(k1), gj.Variable(k2), gj.Variable(dense)
        h = gj.nn.relu(gj.nn.conv2d(xp, v1, [1, 1, 1, 1], "SAME"))
        h = gj.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
        h = gj.nn.relu(gj.nn.conv2d(h, v2, [1, 1, 1, 1], "VALID"))
        h = gj.nn.avg_pool(h, [1, 3, 3, 1], [1, 2, 2, 1], "SAME")
        logits = gj.matmul(gj.reshape(h, [-1, 3 * 3 * 6]), vd)
        loss = gj.reduce_mean(gj.nn.sparse_softmax_cross_entropy_with_logits(
            labels=lp, logits=logits))
        step = gj.train.GradientDescentOptimizer(0.1).minimize(loss)
        grad_x = gj.gradients(loss, [xp])[0]
        return loss, grad_x, step, [v1, v2, vd]

    results, text = {}, ""
    for executor in ("interpreted", "compiled"):
        graph = gj.Graph()
        with graph.as_default():
            loss, grad_x, step, variables = build()
            feed = {"x:0": x, "labels:0": labels}
            with gj.Session(graph=graph, executor=executor) as sess:
                sess.run(gj.global_variables_initializer())
                losses = [sess.run([loss, grad_x, step], feed)[:2] for _ in range(3)]
                results[executor] = losses, sess.run(variables)
                if executor == "compiled":
                    text = sess.explain([loss, grad_x, step], feed)
    _no_reference(text, ("conv2d", "conv2d_backprop_input", "conv2d_backprop_filter",
                         "max_pool", "max_pool_grad", "avg_pool", "avg_pool_grad"))
    assert "conv2d[direct: taps over a planar padded image]" in text
    assert "1x1" in text and "max_pool_grad[" in text and "avg_pool_grad[" in text
    (want_losses, want_vars), (got_losses, got_vars) = results["interpreted"], \
        results["compiled"]
    for (wl, wg), (gl, gg) in zip(want_losses, got_losses):
        np.testing.assert_allclose(gl, wl, rtol=1e-5)
        np.testing.assert_allclose(gg, wg, rtol=1e-4, atol=1e-6)
    for w, g in zip(want_vars, got_vars):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-6)


def test_integer_max_pool_keeps_the_reference_kernel():
    x = np.arange(2 * 4 * 4 * 3, dtype=np.int32).reshape(2, 4, 4, 3) % 7

    def build():
        xp = gj.placeholder(gj.int32, x.shape, name="x")
        return [gj.nn.max_pool(xp, [1, 2, 2, 1], [1, 1, 1, 1], "SAME")]

    want, got, text = _both(build, {"x:0": x})
    assert "reference max_pool" in text
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[0], naive_max_pool(x, 2, 1, "SAME"))
