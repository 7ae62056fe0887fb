"""The Numba CPU lowering of gradient helpers and variable state: sum_to_shape and
broadcast_reduced into planned buffers, optimizer updates as one staged, double-buffered
kernel, variable reads without the reference path; each against the interpreter."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphjit as gj


def _both(build, feeds_of, runs: int = 1):
    """Runs `build()`'s fetches `runs` times under each executor; returns both results
    and the compiled session's explain() text."""
    out, text = {}, ""
    for executor in ("interpreted", "compiled"):
        graph = gj.Graph()
        with graph.as_default():
            fetches, init = build()
            feeds = feeds_of(graph)
            with gj.Session(graph=graph, executor=executor) as sess:
                if init is not None:
                    sess.run(init)
                out[executor] = [sess.run(fetches, feeds) for _ in range(runs)]
                if executor == "compiled":
                    text = sess.explain(fetches, feeds)
    return out["interpreted"], out["compiled"], text


def _shapes_with_broadcast(draw_shape, mask):
    return tuple(1 if m else d for d, m in zip(draw_shape, mask))


@settings(max_examples=25, deadline=None)
@given(shape=st.lists(st.integers(1, 5), min_size=1, max_size=4),
       data=st.data())
def test_sum_to_shape_and_broadcast_reduced_match_interpreter(shape, data):
    rank = len(shape)
    mask = data.draw(st.lists(st.booleans(), min_size=rank, max_size=rank))
    drop = data.draw(st.integers(0, rank - 1))
    like_shape = _shapes_with_broadcast(shape, mask)[drop:]
    axes = sorted(data.draw(st.sets(st.integers(0, rank - 1), min_size=1)))
    keepdims = data.draw(st.booleans())
    rng = np.random.default_rng(0)
    x_value = rng.standard_normal(shape).astype(np.float32)

    def build():
        x = gj.placeholder(gj.float32, shape, name="x")
        like = gj.zeros(like_shape)
        summed = gj.graphlib.ops.core.sum_to_shape(x * 2.0, like)
        reduced = gj.reduce_sum(x, axes, keepdims=keepdims)
        spread = gj.broadcast_reduced(reduced * 3.0, x, axes, keepdims)
        return [summed, spread], None

    (want,), (got,), text = _both(build, lambda g: {g.get_tensor_by_name("x:0"): x_value})
    for w, g in zip(want, got):
        assert g.shape == w.shape and g.dtype == w.dtype
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)
    assert "reference broadcast_reduced" not in text


def test_relu_and_bias_gradients_run_without_reference_kernels():
    rng = np.random.default_rng(1)
    x_value = rng.standard_normal((32, 24)).astype(np.float32)
    w_value = rng.standard_normal((24, 16)).astype(np.float32) * 0.1

    def build():
        x = gj.placeholder(gj.float32, [None, 24], name="x")
        w = gj.Variable(w_value, name="w")
        b = gj.Variable(np.zeros(16, np.float32), name="b")
        h = gj.nn.relu(gj.matmul(x, w) + b)
        loss = gj.reduce_sum(h * h)
        return gj.gradients(loss, [w, b]), gj.global_variables_initializer()

    (want,), (got,), text = _both(build, lambda g: {g.get_tensor_by_name("x:0"): x_value})
    for w, g in zip(want, got):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)
    assert "sum_to_shape[BLAS product with ones]" in text
    assert "reference sum_to_shape" not in text and "reference relu_grad" not in text


@pytest.mark.parametrize("optimizer", ["sgd", "momentum"])
def test_optimizer_updates_are_staged_kernels_and_match_interpreter(optimizer):
    rng = np.random.default_rng(2)
    x_value = rng.standard_normal((16, 8)).astype(np.float32)
    init_w = rng.standard_normal((8, 4)).astype(np.float32)

    def build():
        x = gj.placeholder(gj.float32, [None, 8], name="x")
        w = gj.Variable(init_w, name="w")
        b = gj.Variable(np.zeros(4, np.float32), name="b")
        loss = gj.reduce_mean(gj.square(gj.matmul(x, w) + b))
        opt = gj.train.GradientDescentOptimizer(0.1) if optimizer == "sgd" else \
            gj.train.MomentumOptimizer(0.1, 0.9)
        return [opt.minimize(loss), loss, w.value(), b.value()], \
            gj.global_variables_initializer()

    want, got, text = _both(build, lambda g: {g.get_tensor_by_name("x:0"): x_value}, runs=4)
    for w_run, g_run in zip(want, got):
        for w, g in zip(w_run[1:], g_run[1:]):
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
    if optimizer == "sgd":  # lr * grad is computed by the update kernel
        assert "variable update[2 ops fused, in the donated gradient, staged" in text
        assert "computed by the step of" in text
    assert "reference assign" not in text and "reference read_variable" not in text


def test_staged_updates_never_overwrite_arrays_the_caller_or_store_holds():
    graph = gj.Graph()
    with graph.as_default():
        v = gj.Variable(np.zeros(1000, np.float32), name="v")
        step = v.assign_sub(gj.fill([1000], 1.0) * 2.0)
        with gj.Session(graph=graph) as sess:
            sess.run(v.initializer)
            held = [sess.run(v.value()) for _ in range(1)]
            after = []
            for _ in range(5):
                after.append(sess.run(step))
                held.append(sess.run(v.value()))
            for k, (a, h) in enumerate(zip(after, held[1:])):
                assert np.all(a == -2.0 * (k + 1)) and np.all(h == -2.0 * (k + 1))
            assert np.all(held[0] == 0)
            # A run that fails after the update leaves the committed value unchanged.
            bad = gj.placeholder(gj.float32, [None])
            with gj.control_dependencies([step]):
                failing = gj.check_numerics(bad * 1.0, "a NaN after the update")
            with pytest.raises(gj.errors.InvalidArgumentError, match="after the update"):
                sess.run(failing, {bad: np.full(4, np.nan, np.float32)})
            np.testing.assert_array_equal(sess.run(v.value()), -10.0)


def test_sgd_update_writes_the_new_value_over_its_donated_matmul_gradient():
    graph = gj.Graph()
    rng = np.random.default_rng(5)
    x_value = rng.standard_normal((8, 6)).astype(np.float32)
    w_start = rng.standard_normal((6, 5)).astype(np.float32)
    with graph.as_default():
        x = gj.placeholder(gj.float32, [None, 6])
        w = gj.Variable(w_start, name="w")
        loss = gj.reduce_sum(gj.square(gj.matmul(x, w)))
        step = gj.train.GradientDescentOptimizer(0.01).minimize(loss)
        with gj.control_dependencies([step]):
            failing = gj.check_numerics(x * 1.0, "a NaN after the update")
        with gj.Session(graph=graph) as sess:
            sess.run(w.initializer)
            assert "in the donated gradient" in sess.explain(step, {x: x_value})
            expect, held = w_start.astype(np.float64), []
            for _ in range(5):
                sess.run(step, {x: x_value})
                held.append(sess.run(w))  # a caller's copy: later steps never touch it
                expect = expect - 0.01 * 2 * x_value.T @ (x_value @ expect)
                np.testing.assert_allclose(held[-1], expect, rtol=1e-4, atol=1e-5)
            for k in range(1, 5):
                assert not np.array_equal(held[k], held[k - 1])
            # A failing run after the update (same gradient, donated) commits nothing.
            before = sess.run(w)
            bad = x_value.copy()
            bad[0, 0] = np.nan
            with pytest.raises(gj.errors.InvalidArgumentError, match="after the update"):
                sess.run(failing, {x: bad})
            np.testing.assert_array_equal(sess.run(w), before)


def test_uninitialized_variable_update_names_the_variable():
    graph = gj.Graph()
    with graph.as_default():
        v = gj.Variable(np.zeros(3, np.float32), name="never_initialized")
        with gj.Session(graph=graph) as sess:
            with pytest.raises(gj.errors.FailedPreconditionError, match="never_initialized"):
                sess.run(v.assign_add(gj.ones([3]) * 2.0))


def test_reading_an_uninitialized_variable_names_the_read():
    graph = gj.Graph()
    with graph.as_default():
        v = gj.Variable(np.zeros(3, np.float32), name="unset")
        y = v.value() * 2.0
        with gj.Session(graph=graph) as sess:
            with pytest.raises(gj.errors.FailedPreconditionError, match="unset") as info:
                sess.run(y)
    assert info.value.op is not None and info.value.op.type == "read_variable"


@settings(max_examples=25, deadline=None)
@given(batch=st.lists(st.integers(1, 4), min_size=0, max_size=2),
       classes=st.integers(1, 9), labels_dtype=st.sampled_from([np.int32, np.int64]),
       dtype=st.sampled_from([np.float32, np.float64]), specials=st.booleans(),
       seed=st.integers(0, 2**16))
def test_sparse_softmax_cross_entropy_is_a_row_kernel(batch, classes, labels_dtype, dtype,
                                                      specials, seed):
    rng = np.random.default_rng(seed)
    logits = (3 * rng.standard_normal((*batch, classes))).astype(dtype)
    labels = rng.integers(0, classes, batch).astype(labels_dtype)
    if specials:  # -inf away from the label, and a row of -inf, NaN, +inf
        flat = logits.reshape(-1, classes)
        flat[0, :] = -np.inf
        flat[-1, (labels.reshape(-1)[-1] + 1) % classes] = -np.inf
        flat[len(flat) // 2, 0] = [np.nan, np.inf][seed % 2]

    fed = {}

    def build():
        fed["x"] = x = gj.placeholder(dtype, logits.shape)
        fed["y"] = y = gj.placeholder(labels_dtype, labels.shape)
        loss = gj.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x)
        return [loss, gj.gradients(gj.reduce_sum(loss * 0.5), x)[0]], None

    interpreted, compiled, text = _both(build, lambda graph: {fed["x"]: logits,
                                                              fed["y"]: labels})
    assert "sparse_softmax_cross_entropy_with_logits[row kernel" in text
    # Independent: -log softmax at the label, and (softmax - one_hot) / 2.
    flat = logits.reshape(-1, classes).astype(np.float64)
    with np.errstate(all="ignore"):
        shifted = flat - flat.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(len(flat))
    expect_loss = -log_probs[rows, labels.reshape(-1)]
    one_hot = np.eye(classes)[labels.reshape(-1)]
    expect_grad = 0.5 * (np.exp(log_probs) - one_hot)
    for got in (interpreted[0], compiled[0]):
        np.testing.assert_allclose(got[0].reshape(-1), expect_loss, rtol=2e-5, atol=1e-6)
        np.testing.assert_allclose(got[1].reshape(-1, classes), expect_grad, rtol=2e-5,
                                   atol=1e-6)
    for a, b in zip(interpreted[0], compiled[0]):
        assert a.dtype == b.dtype == dtype
        np.testing.assert_allclose(b, a, rtol=2e-5, atol=1e-6)


def test_sparse_softmax_cross_entropy_label_out_of_range_names_the_op():
    graph = gj.Graph()
    with graph.as_default():
        x = gj.placeholder(gj.float32, [None, 3])
        y = gj.placeholder(gj.int32, [None])
        loss = gj.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x)
    with gj.Session(graph=graph) as sess:
        assert sess.run(loss, {x: np.zeros((2, 3)), y: [0, 2]}).shape == (2,)
        for bad in ([0, 3], [-1, 0]):
            with pytest.raises(gj.errors.InvalidArgumentError, match="outside the valid range"):
                sess.run(loss, {x: np.zeros((2, 3)), y: bad})


def test_kernels_writing_over_a_dying_input_take_it_as_their_output():
    rng = np.random.default_rng(3)
    x_value = rng.standard_normal((16, 12)).astype(np.float32)
    w_value = rng.standard_normal((12, 8)).astype(np.float32)
    b_value = rng.standard_normal(8).astype(np.float32)
    fed = {}

    def build():
        fed["x"] = x = gj.placeholder(gj.float32, [None, 12])
        h = gj.nn.relu(gj.matmul(x, w_value) + b_value)
        loss = gj.reduce_sum(h * h)
        return [loss, gj.gradients(loss, x)[0]], None

    interpreted, compiled, text = _both(build, lambda graph: {fed["x"]: x_value}, runs=3)
    assert "2-D, in place" in text and "1-D, in place" in text  # bias+relu, relu_grad
    h = np.maximum(x_value.astype(np.float64) @ w_value + b_value, 0)
    want = [np.sum(h * h), (2 * h * (h > 0)) @ w_value.T]
    for run in interpreted + compiled:
        for got, expect in zip(run, want):
            np.testing.assert_allclose(got, expect, rtol=1e-4, atol=1e-4)


def test_an_add_n_of_hundreds_of_terms_runs_without_a_huge_kernel():
    fed = {}

    def build():
        fed["x"] = x = gj.placeholder(gj.float32, [3])
        terms = [x + 1.0 for _ in range(300)] + [x]
        return [gj.add_n(terms)], None

    value = np.array([1, 2, 3], np.float32)
    interpreted, compiled, text = _both(build, lambda graph: {fed["x"]: value})
    np.testing.assert_allclose(compiled[0][0], 301 * value + 300)
    np.testing.assert_allclose(interpreted[0][0], 301 * value + 300)
    assert "reference add_n" in text or "= reference add_n" in text


def test_a_kernel_writing_over_a_reference_kernels_output_sees_its_values():
    # The sum over the last axis of a [12, 5, 1] square has no one-block reduction layout
    # and runs its reference kernel; exp(-sum) then writes over that value's buffer.
    rng = np.random.default_rng(4)
    a_value = rng.standard_normal((12, 1)).astype(np.float32)
    b_value = rng.standard_normal((5, 1)).astype(np.float32)
    fed = {}

    def build():
        fed["a"] = a = gj.placeholder(gj.float32, [12, 1])
        fed["b"] = b = gj.placeholder(gj.float32, [5, 1])
        kernel = gj.exp(-gj.reduce_sum(gj.square(a[:, None, :] - b[None, :, :]), -1))
        return [gj.matmul(kernel, gj.ones([5, 1]))], None

    interpreted, compiled, text = _both(build, lambda g: {fed["a"]: a_value,
                                                          fed["b"]: b_value})
    assert "in place" in text and "reference fused" in text
    expect = np.exp(-np.square(a_value - b_value.T)).sum(axis=1, keepdims=True)
    for got in (interpreted[0][0], compiled[0][0]):
        np.testing.assert_allclose(got, expect, rtol=1e-5, atol=1e-6)


def test_a_donated_gradient_from_a_fallback_kernel_is_copied_not_overwritten(monkeypatch):
    from graphjit.compiler.lowering import cpu
    monkeypatch.setattr(cpu.CpuExecutable, "_matmul", lambda self, node: None)
    rng = np.random.default_rng(6)
    x_value = rng.standard_normal((8, 6)).astype(np.float32)
    w_start = rng.standard_normal((6, 5)).astype(np.float32)

    def build():
        x = gj.placeholder(gj.float32, [None, 6], name="x")
        w = gj.Variable(w_start, name="w")
        loss = gj.reduce_sum(gj.square(gj.matmul(x, w)))
        return [gj.train.GradientDescentOptimizer(0.01).minimize(loss), w.value()], \
            gj.global_variables_initializer()

    want, got, text = _both(build, lambda g: {g.get_tensor_by_name("x:0"): x_value}, runs=3)
    assert "reference matmul" in text and "in the donated gradient" in text
    for w_run, g_run in zip(want, got):
        np.testing.assert_allclose(g_run[1], w_run[1], rtol=1e-5, atol=1e-6)


def test_each_update_runs_right_after_its_gradient_and_values_match():
    rng = np.random.default_rng(7)
    x_value = rng.standard_normal((16, 8)).astype(np.float32)
    starts = [rng.standard_normal(s).astype(np.float32) for s in ((8, 6), (6, 4))]

    def build():
        x = gj.placeholder(gj.float32, [None, 8], name="x")
        w1, w2 = (gj.Variable(v, name=f"w{k}") for k, v in enumerate(starts))
        h = gj.nn.relu(gj.matmul(x, w1))
        loss = gj.reduce_sum(gj.square(gj.matmul(h, w2)))
        return [gj.train.GradientDescentOptimizer(0.01).minimize(loss), w1.value(),
                w2.value()], gj.global_variables_initializer()

    want, got, _ = _both(build, lambda g: {g.get_tensor_by_name("x:0"): x_value}, runs=3)
    for w_run, g_run in zip(want, got):
        for w, g in zip(w_run[1:], g_run[1:]):
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
    graph = gj.Graph()
    with graph.as_default():
        fetches, init = build()
        with gj.Session(graph=graph) as sess:
            sess.run(init)
            sess.run(fetches, {graph.get_tensor_by_name("x:0"): x_value})
            plan = max(sess._plans.values(), key=lambda p: len(p.executable.steps))
    ops = [entry[4].node.op for entry in plan.executable._schedule]
    updates = [k for k, op in enumerate(ops) if op == "assign_sub_variable"]
    # w2's gradient matmul, then its update, before the backward pass goes on to w1
    assert ops[updates[0] - 1] == "matmul" and updates[0] < len(ops) - 2
