"""tf.while_loop, map_fn, scan, foldl/foldr and TensorArray, unrolled at graph-build time.

Each program in PROGRAMS is written against a TF1 module `tf` and run three ways: with
graphjit's interpreted and compiled executors (checked against NumPy loops written here),
and with TensorFlow itself where it is installed (checked against graphjit). Then
gradients against finite differences in float64, names, and the build-time errors.
"""

from __future__ import annotations

import collections

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphjit as gj
from graphjit.graphlib import control_flow

RNG = np.random.default_rng(7)
X32 = RNG.standard_normal((4, 3)).astype(np.float32)
W32 = (RNG.standard_normal((3, 3)) * 0.5).astype(np.float32)
Pair = collections.namedtuple("Pair", "a b")


def _run(tf, program, **session_kwargs):
    with tf.Graph().as_default():
        fetches, feed = program(tf)
        with tf.Session(**session_kwargs) as sess:
            sess.run(tf.global_variables_initializer())
            return sess.run(fetches, feed)


def _tensorflow():
    tf = pytest.importorskip("tensorflow.compat.v1")
    tf.disable_eager_execution()
    return tf


def _assert_close(ours, expected, where="", rtol=1e-5, atol=1e-6):
    if isinstance(expected, dict):
        assert sorted(ours) == sorted(expected), where
        for key in expected:
            _assert_close(ours[key], expected[key], f"{where}[{key}]", rtol, atol)
    elif isinstance(expected, (list, tuple)):
        assert len(ours) == len(expected), where
        for i, (a, b) in enumerate(zip(ours, expected)):
            _assert_close(a, b, f"{where}[{i}]", rtol, atol)
    else:
        a, b = np.asarray(ours), np.asarray(expected)
        assert a.shape == b.shape, f"{where}: shape {a.shape} != {b.shape}"
        assert a.dtype == b.dtype, f"{where}: dtype {a.dtype} != {b.dtype}"
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=where)


# -- programs: (build(tf) -> (fetches, feed), NumPy expectation) ------------------------------


def counter(tf):
    i, total = tf.while_loop(lambda i, s: i < 10, lambda i, s: (i + 1, s + i),
                             [tf.constant(0), tf.constant(0)])
    return [i, total], None


def counter_expected():
    i = s = 0
    while i < 10:
        i, s = i + 1, s + i
    return [np.int32(i), np.int32(s)]


def nested_structures(tf):
    x = tf.placeholder(tf.float32, [4, 3])
    loop_vars = (tf.constant(0), Pair(x, tf.reduce_sum(x, axis=0)), {"m": tf.ones([3])})

    def body(i, pair, d):
        return (i + 1, Pair(pair.a * 0.5, pair.b + tf.reduce_max(pair.a, axis=0)),
                {"m": d["m"] * pair.b})

    i, pair, d = tf.while_loop(lambda i, pair, d: i < 3, body, loop_vars)
    assert isinstance(pair, Pair) and isinstance(d, dict)
    return [i, pair.a, pair.b, d["m"]], {x: X32}


def nested_structures_expected():
    a, b, m = X32.copy(), X32.sum(0), np.ones(3, np.float32)
    for _ in range(3):
        a, b, m = a * 0.5, b + a.max(0), m * b
    return [np.int32(3), a, b, m]


def maximum_iterations(tf):
    x = tf.placeholder(tf.float32, [4, 3])
    i, y = tf.while_loop(lambda i, y: i < 100, lambda i, y: (i + 1, y * 2.0 + 1.0),
                         [0, x], maximum_iterations=tf.constant(5))
    return [i, y], {x: X32}


def maximum_iterations_expected():
    y = X32.copy()
    for _ in range(5):
        y = y * 2 + 1
    return [np.int32(5), y]


def shape_changing(tf):
    m0 = tf.ones([1, 2])
    i, m = tf.while_loop(lambda i, m: i < 3, lambda i, m: [i + 1, tf.concat([m, m * 2.0], 0)],
                         [tf.constant(0), m0],
                         shape_invariants=[tf.TensorShape([]), tf.TensorShape([None, 2])])
    return [i, m], None


def shape_changing_expected():
    m = np.ones((1, 2), np.float32)
    for _ in range(3):
        m = np.concatenate([m, m * 2])
    return [np.int32(3), m]


def nested_while(tf):
    x = tf.placeholder(tf.float32, [4, 3])

    def outer(i, acc):
        inner = tf.while_loop(lambda j, a: j < i, lambda j, a: (j + 1, a + x[j]),
                              [tf.constant(0), tf.zeros([3])])
        return i + 1, acc + inner[1] * tf.cast(i, tf.float32)

    i, acc = tf.while_loop(lambda i, acc: i < 4, outer, [tf.constant(0), tf.zeros([3])])
    return [i, acc], {x: X32}


def nested_while_expected():
    acc = np.zeros(3, np.float32)
    for i in range(4):
        acc = acc + X32[:i].sum(0, dtype=np.float32) * np.float32(i)
    return [np.int32(4), acc]


def while_inside_cond(tf):
    x = tf.placeholder(tf.float32, [4, 3])
    p = tf.placeholder(tf.bool, [])
    out = tf.cond(p, lambda: tf.while_loop(lambda k, y: k < 3, lambda k, y: (k + 1, y * y),
                                           [0, x])[1],
                  lambda: -x)
    return [out], {x: X32, p: True}


def while_inside_cond_expected():
    return [X32 ** 8]


def cond_inside_while(tf):
    x = tf.placeholder(tf.float32, [4, 3])

    def body(i, y):
        return i + 1, tf.cond(tf.equal(i % 2, 0), lambda: y + 1.0, lambda: y * 3.0)

    return [tf.while_loop(lambda i, y: i < 5, body, [0, x])[1]], {x: X32}


def cond_inside_while_expected():
    y = X32.copy()
    for i in range(5):
        y = y + 1 if i % 2 == 0 else y * 3
    return [y]


def runtime_condition(tf):
    # Newton's iteration for sqrt(a) until converged: the condition is known only at run
    # time, so graphjit builds maximum_iterations copies and selects the result.
    a = tf.placeholder(tf.float64, [])

    def body(k, y):
        return k + 1, 0.5 * (y + a / y)

    k, y = tf.while_loop(lambda k, y: tf.abs(y * y - a) > 1e-9, body,
                         [tf.constant(0), tf.constant(1.0, tf.float64)], maximum_iterations=30)
    k2, y2 = tf.while_loop(lambda k, y: tf.logical_and(k < 2, tf.abs(y * y - a) > 1e-9),
                           body, [tf.constant(0), tf.constant(1.0, tf.float64)])
    return [k, y, k2, y2], {a: 10.0}


def runtime_condition_expected():
    def newton(limit):
        k, y = 0, 1.0
        while k < limit and abs(y * y - 10.0) > 1e-9:
            k, y = k + 1, 0.5 * (y + 10.0 / y)
        return np.int32(k), np.float64(y)
    return [*newton(30), *newton(2)]


def map_fn_nests(tf):
    x = tf.placeholder(tf.float32, [4, 3])
    n = tf.constant([1, 2, 3, 4])
    squares = tf.map_fn(lambda row: tf.reduce_sum(row * row), x)
    pair = tf.map_fn(lambda e: (e[0] * tf.cast(e[1], tf.float32), e[1] * 2), (x, n),
                     dtype=(tf.float32, tf.int32))
    return [squares, pair[0], pair[1]], {x: X32}


def map_fn_nests_expected():
    n = np.array([1, 2, 3, 4], np.int32)
    return [(X32 * X32).sum(1), X32 * n[:, None].astype(np.float32), n * 2]


def scan_nests(tf):
    x = tf.placeholder(tf.float32, [4, 3])
    cumprod = tf.scan(lambda a, row: a * row, x)
    backwards = tf.scan(lambda a, row: a + row, x, initializer=tf.zeros([3]), reverse=True)
    both = tf.scan(lambda acc, row: (acc[0] + row, tf.maximum(acc[1], row)), x,
                   initializer=(tf.zeros([3]), tf.fill([3], -100.0)))
    return [cumprod, backwards, both[0], both[1]], {x: X32}


def scan_nests_expected():
    return [np.cumprod(X32, 0), np.cumsum(X32[::-1], 0)[::-1], np.cumsum(X32, 0),
            np.maximum.accumulate(X32, 0)]


def folds(tf):
    x = tf.placeholder(tf.float32, [4, 3])
    first = tf.foldl(lambda a, row: a * 0.5 + row, x)
    last = tf.foldr(lambda a, row: a * 0.5 + row, x)
    pair = tf.foldl(lambda acc, e: (acc[0] + e[0], acc[1] * e[1]),
                    (x, tf.constant([1, 2, 3, 4])),
                    initializer=(tf.zeros([3]), tf.constant(1)))
    return [first, last, pair[0], pair[1]], {x: X32}


def folds_expected():
    first = X32[0]
    for row in X32[1:]:
        first = first * 0.5 + row
    last = X32[-1]
    for row in X32[-2::-1]:
        last = last * 0.5 + row
    return [first, last, X32.sum(0), np.int32(24)]


def tensor_arrays(tf):
    x = tf.placeholder(tf.float32, [4, 3])
    w = tf.Variable(W32)
    inputs = tf.TensorArray(tf.float32, size=4).unstack(x)
    outputs = tf.TensorArray(tf.float32, size=4)

    def body(t, h, out):
        h = tf.tanh(tf.matmul(tf.expand_dims(inputs.read(t), 0), w) + h)
        return t + 1, h, out.write(t, h[0])

    _, h, out = tf.while_loop(lambda t, h, out: t < 4, body,
                              [tf.constant(0), tf.zeros([1, 3]), outputs])
    grown = tf.TensorArray(tf.float32, size=0, dynamic_size=True).write(2, x[0]).write(0, x[1])
    return [out.stack(), h, out.size(), out.gather([3, 1]), out.concat(), grown.stack(),
            grown.read(1)], {x: X32}


def tensor_arrays_expected():
    h, rows = np.zeros((1, 3), np.float32), []
    for t in range(4):
        h = np.tanh(X32[t:t + 1] @ W32 + h)
        rows.append(h[0])
    out = np.stack(rows)
    grown = np.stack([X32[1], np.zeros(3, np.float32), X32[0]])
    return [out, h, np.int32(4), out[[3, 1]], out.reshape(-1), grown,
            np.zeros(3, np.float32)]


PROGRAMS = {f.__name__: (f, globals()[f.__name__ + "_expected"]) for f in (
    counter, nested_structures, maximum_iterations, shape_changing, nested_while,
    while_inside_cond, cond_inside_while, runtime_condition, map_fn_nests, scan_nests, folds,
    tensor_arrays)}


@pytest.mark.parametrize("executor", ["interpreted", "compiled"])
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_values_match_numpy(name, executor):
    program, expected = PROGRAMS[name]
    _assert_close(_run(gj, program, executor=executor), expected(), name, rtol=2e-5)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_values_match_tensorflow(name):
    tf = _tensorflow()
    program, _ = PROGRAMS[name]
    _assert_close(_run(gj, program, executor="interpreted"), _run(tf, program), name,
                  rtol=2e-5)


def test_python_values_in_the_program_agree_with_tensorflow_structures():
    """Return structures follow TF1: one variable comes back bare (from a one-element list
    or tuple), several keep their list/tuple/namedtuple type."""
    tf = _tensorflow()

    def kinds(module):
        with module.Graph().as_default():
            i, x = module.constant(0), module.constant([1.0, 2.0])
            one = module.while_loop(lambda i: i < 3, lambda i: i + 1, [i])
            one_tuple = module.while_loop(lambda i: i < 3, lambda i: (i + 1,), (i,))
            same = module.while_loop(lambda i: i < 3, lambda i: [i + 1], [i],
                                     return_same_structure=True)
            two = module.while_loop(lambda i, x: i < 3, lambda i, x: (i + 1, x * 2), (i, x))
            lst = module.while_loop(lambda i, x: i < 3, lambda i, x: (i + 1, x * 2), [i, x])
            pair = module.while_loop(lambda a, b: a < 3, lambda a, b: Pair(a + 1, b), Pair(i, x))
            limited = module.while_loop(lambda i: i < 3, lambda i: i + 1, [0],
                                        maximum_iterations=2)
            results = [one, one_tuple, same, two, lst, pair, limited]
            names = [one.name, two[1].name]
            with module.Session() as sess:
                values = sess.run(results)
            kinds = [type(r).__name__ if isinstance(r, (list, tuple)) else "Tensor"
                     for r in results]
            return kinds, names, values

    ours, theirs = kinds(gj), kinds(tf)
    assert ours[0] == theirs[0] == ["Tensor", "Tensor", "list", "tuple", "list", "Pair",
                                    "Tensor"]
    assert ours[1] == theirs[1] == ["while/Identity_2:0", "while_3/Identity_3:0"]
    _assert_close(ours[2], theirs[2])


# -- gradients --------------------------------------------------------------------------------


def _finite_difference(loss, x, value, feed=None, eps=1e-6):
    with gj.Session(executor="interpreted") as sess:
        sess.run(gj.global_variables_initializer())
        grad = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            plus, minus = value.copy(), value.copy()
            plus[index] += eps
            minus[index] -= eps
            hi = sess.run(loss, {**(feed or {}), x: plus})
            lo = sess.run(loss, {**(feed or {}), x: minus})
            grad[index] = (hi - lo) / (2 * eps)
        return grad


GRADIENT_LOSSES = {
    "while": lambda x, w: gj.reduce_sum(gj.while_loop(
        lambda i, h: i < 4, lambda i, h: (i + 1, gj.tanh(gj.matmul(h, w)) + h * 0.1),
        [0, x])[1] ** 2),
    "runtime_condition": lambda x, w: gj.reduce_sum(gj.while_loop(
        lambda h: gj.reduce_max(gj.abs(h)) > 0.2, lambda h: gj.sin(gj.matmul(h, w)) * 0.9,
        [x], maximum_iterations=6)),
    "tensor_array": lambda x, w: gj.reduce_sum(gj.while_loop(
        lambda t, ta: t < 4,
        lambda t, ta: (t + 1, ta.write(
            t, gj.exp(gj.matmul(x[t:t + 1], w)) * gj.cast(t + 1, gj.float64))),
        [0, gj.TensorArray(gj.float64, size=4)])[1].stack() ** 2),
    "map_fn": lambda x, w: gj.reduce_sum(gj.map_fn(lambda r: gj.tanh(r) * r, x)),
    "scan": lambda x, w: gj.reduce_sum(gj.scan(lambda a, r: a * gj.cos(r) + r, x)),
    "foldr": lambda x, w: gj.reduce_sum(gj.foldr(
        lambda a, r: gj.matmul(gj.expand_dims(a, 0), w)[0] * r, x)),
}


@pytest.mark.parametrize("name", sorted(GRADIENT_LOSSES))
def test_gradients_match_finite_differences(name):
    x_value = RNG.uniform(-1, 1, (4, 3))
    x = gj.placeholder(gj.float64, [4, 3])
    w = gj.constant(W32.astype(np.float64))
    loss = GRADIENT_LOSSES[name](x, w)
    grad = gj.gradients(loss, x)[0]
    for executor in ("interpreted", "compiled"):
        with gj.Session(executor=executor) as sess:
            ours = sess.run(grad, {x: x_value})
        np.testing.assert_allclose(ours, _finite_difference(loss, x, x_value), rtol=1e-6,
                                   atol=1e-8, err_msg=f"{name} ({executor})")


def test_second_order_gradient_through_a_loop():
    x = gj.placeholder(gj.float64, [])
    y = gj.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * x), [0, x])[1]  # x ** 4
    g = gj.gradients(y, x)[0]
    gg = gj.gradients(g, x)[0]
    with gj.Session() as sess:
        assert np.allclose(sess.run([y, g, gg], {x: 1.5}), [1.5 ** 4, 4 * 1.5 ** 3,
                                                           12 * 1.5 ** 2])


def test_back_prop_false_stops_gradients():
    x = gj.placeholder(gj.float32, [3])
    y = gj.while_loop(lambda i, y: i < 2, lambda i, y: (i + 1, y * y), [0, x],
                      back_prop=False)[1]
    z = gj.map_fn(lambda r: r * 2.0, x, back_prop=False)
    assert gj.gradients(gj.reduce_sum(y) + gj.reduce_sum(z), x) == [None]


def test_variables_train_through_an_unrolled_loop():
    w = gj.Variable(0.5)
    y = gj.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * w), [0, 2.0])[1]  # 2 w^3
    step = gj.train.GradientDescentOptimizer(0.01).minimize(gj.square(y - 1.0))
    with gj.Session() as sess:
        sess.run(gj.global_variables_initializer())
        sess.run(step)
        # d/dw (2w^3 - 1)^2 = 2 (2w^3 - 1) 6w^2 at 0.5: 2 * -0.75 * 1.5 = -2.25
        assert np.isclose(sess.run(w), 0.5 + 0.01 * 2.25)


# -- hypothesis: shapes ---------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3), reverse=st.booleans(),
       seed=st.integers(0, 2 ** 16))
def test_scan_fold_map_follow_numpy_over_shapes(shape, reverse, seed):
    value = np.random.default_rng(seed).standard_normal(shape)
    with gj.Graph().as_default():
        x = gj.placeholder(gj.float64, shape)
        summed = gj.scan(lambda a, r: a + r, x, reverse=reverse)
        last = (gj.foldr if reverse else gj.foldl)(lambda a, r: a * 0.5 + r, x)
        doubled = gj.map_fn(lambda r: r * 2.0 - 1.0, x)
        with gj.Session(executor="interpreted") as sess:
            out = sess.run([summed, last, doubled], {x: value})
    rows = value[::-1] if reverse else value
    expected_last = rows[0]
    for r in rows[1:]:
        expected_last = expected_last * 0.5 + r
    cumsum = np.cumsum(rows, 0)
    np.testing.assert_allclose(out[0], cumsum[::-1] if reverse else cumsum)
    np.testing.assert_allclose(out[1], expected_last)
    np.testing.assert_allclose(out[2], value * 2 - 1)


# -- graph shape -----------------------------------------------------------------------------


def test_iterations_get_their_own_name_scopes():
    x = gj.placeholder(gj.float32, [2])
    gj.while_loop(lambda i, y: i < 2, lambda i, y: (i + 1, gj.exp(y, name="e")), [0, x])
    names = {op.name for op in gj.get_default_graph().get_operations()}
    assert {"while/iteration_0/e", "while/iteration_1/e", "while/Identity_2",
            "while/Identity_3"} <= names
    assert not any(n.startswith("while/iteration_2/e") for n in names)


def test_random_draws_are_allowed_and_differ_per_iteration():
    draws = gj.while_loop(
        lambda i, ta: i < 3, lambda i, ta: (i + 1, ta.write(i, gj.random_normal([5]))),
        [0, gj.TensorArray(gj.float32, size=3)])[1].stack()
    with gj.Session() as sess:
        value = sess.run(draws)
    assert value.shape == (3, 5) and not np.allclose(value[0], value[1])


def test_static_shapes_drive_the_loop_bound():
    x = gj.placeholder(gj.float32, [5, 2])
    n = gj.shape(x)[0]
    i, total = gj.while_loop(lambda i, t: i < n, lambda i, t: (i + 1, t + x[i]),
                             [0, gj.zeros([2])])
    value = np.arange(10, dtype=np.float32).reshape(5, 2)
    with gj.Session() as sess:
        _assert_close(sess.run([i, total], {x: value}), [np.int32(5), value.sum(0)])


def test_a_zero_iteration_loop_and_empty_maps():
    x = gj.placeholder(gj.float32, [0, 3])
    y = gj.while_loop(lambda i: i < 0, lambda i: i + 1, [gj.constant(5)])
    mapped = gj.map_fn(lambda r: r[:2] * 2.0, x)
    scanned = gj.scan(lambda a, r: a + r, x, initializer=gj.zeros([3]))
    stacked = gj.TensorArray(gj.float32, size=0, element_shape=[2]).stack()
    with gj.Session() as sess:
        out = sess.run([y, mapped, scanned, stacked], {x: np.zeros((0, 3), np.float32)})
    assert out[0] == 5 and [o.shape for o in out[1:]] == [(0, 2), (0, 3), (0, 2)]


# -- build-time errors -----------------------------------------------------------------------


def test_a_run_time_condition_without_a_bound_names_its_inputs():
    limit = gj.placeholder(gj.int32, [], name="limit")
    with pytest.raises(ValueError, match=r"unrolls while_loop at graph-build time.*") as info:
        gj.while_loop(lambda i: i < limit, lambda i: i + 1, [0])
    assert "limit" in str(info.value) and "maximum_iterations" in str(info.value)
    x = gj.placeholder(gj.float32, [None, 2], name="batch")
    with pytest.raises(ValueError, match="batch"):
        gj.while_loop(lambda i: i < gj.shape(x)[0], lambda i: i + 1, [0])
    with pytest.raises(ValueError, match="known at graph-build time"):
        gj.while_loop(lambda i: i < 3, lambda i: i + 1, [0], maximum_iterations=limit)


def test_the_unrolling_cap(monkeypatch):
    monkeypatch.setattr(control_flow, "MAX_UNROLLED_ITERATIONS", 50)
    with pytest.raises(ValueError, match="has not stopped after 50 iterations"):
        gj.while_loop(lambda i: i >= 0, lambda i: i + 1, [0])
    assert gj.while_loop(lambda i: i < 50, lambda i: i + 1, [0]) is not None


def test_structure_dtype_and_shape_mismatches():
    x = gj.constant([1.0, 2.0])
    with pytest.raises(ValueError, match="structure of loop_vars"):
        gj.while_loop(lambda i, x: i < 3, lambda i, x: (i + 1,), [0, x])
    with pytest.raises(TypeError, match="dtype must stay the same"):
        gj.while_loop(lambda i, x: i < 3, lambda i, x: (i + 1, gj.cast(x, gj.float64)),
                      [0, x])
    with pytest.raises(ValueError, match="shape_invariants"):
        gj.while_loop(lambda i, x: i < 3, lambda i, x: (i + 1, gj.concat([x, x], 0)), [0, x])
    with pytest.raises(TypeError, match="bool"):
        gj.while_loop(lambda i: i, lambda i: i + 1, [0])
    with pytest.raises(TypeError, match="callable"):
        gj.while_loop(3, lambda i: i + 1, [0])
    with pytest.raises(ValueError, match="must be provided"):
        gj.while_loop(lambda: True, lambda: (), [])
    with pytest.raises(ValueError, match="one shape"):
        p = gj.placeholder(gj.bool, [])
        gj.while_loop(lambda i, x: p, lambda i, x: (i + 1, gj.concat([x, x], 0)), [0, x],
                      shape_invariants=[gj.TensorShape([]), gj.TensorShape([None])],
                      maximum_iterations=2)


@pytest.mark.parametrize("make", [
    lambda v, y: v.assign_add(y),
    lambda v, y: gj.Print(y, [y]),
    lambda v, y: gj.Variable(1.0) * y,
], ids=["assign", "print", "new-variable"])
def test_side_effects_in_a_loop_are_build_errors(make):
    v = gj.Variable(1.0)
    x = gj.constant(2.0)
    with pytest.raises(ValueError, match="unrolls while_loop at graph-build time.*side"):
        gj.while_loop(lambda i, y: i < 2, lambda i, y: (i + 1, make(v, y)), [0, x])
    with pytest.raises(ValueError, match="map_fn: fn creates the stateful op"):
        gj.map_fn(lambda r: make(v, r), gj.constant([1.0, 2.0]))
    with pytest.raises(ValueError, match="while_loop: cond creates"):
        gj.while_loop(lambda i, y: make(v, y) > 0, lambda i, y: (i + 1, y), [0, x],
                      maximum_iterations=2)
    # Reading a variable is fine.
    y = gj.while_loop(lambda i, y: i < 2, lambda i, y: (i + 1, y * v), [0, x])[1]
    with gj.Session() as sess:
        sess.run(gj.global_variables_initializer())
        assert sess.run(y) == 2.0


def test_map_fn_errors():
    with pytest.raises(ValueError, match="first dimension .* not known at build time"):
        gj.map_fn(lambda r: r, gj.placeholder(gj.float32, [None, 3]))
    with pytest.raises(ValueError, match="same first dimension"):
        gj.map_fn(lambda e: e[0], (gj.zeros([2, 3]), gj.zeros([3])))
    with pytest.raises(TypeError, match="dtype says int32"):
        gj.map_fn(lambda r: r, gj.zeros([2, 3]), dtype=gj.int32)
    with pytest.raises(ValueError, match="scan: fn must return the structure"):
        gj.scan(lambda a, r: (a, r), gj.zeros([2, 3]))
    with pytest.raises(ValueError, match="at least one element"):
        gj.foldl(lambda a, r: a + r, gj.zeros([0, 3]))


def test_tensor_array_errors():
    ta = gj.TensorArray(gj.float32, size=2)
    with pytest.raises(ValueError, match="not resizeable"):
        ta.write(2, [1.0])
    with pytest.raises(TypeError, match="holds float32"):
        ta.write(0, gj.constant([1, 2]))
    with pytest.raises(ValueError, match="inconsistent shapes"):
        ta.write(0, [1.0, 2.0]).write(1, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="read before it is written"):
        ta.read(0)
    with pytest.raises(ValueError, match="only known at run time"):
        ta.read(gj.placeholder(gj.int32, []))
    with pytest.raises(ValueError, match="size must be given"):
        gj.TensorArray(gj.float32)
    written = gj.while_loop(lambda i, t: i < 2, lambda i, t: (i + 1, t.write(i, 1.0)), [0, ta])
    with pytest.raises(ValueError, match="cannot select between TensorArrays"):
        p = gj.placeholder(gj.bool, [])
        gj.while_loop(lambda i, t: p, lambda i, t: (i + 1, t.write(i, 1.0)), [0, ta],
                      maximum_iterations=2)
    assert isinstance(written[1], gj.TensorArray)
    assert ta.element_shape.rank is None and written[1].element_shape.as_list() == []


def test_a_long_loop_sharing_a_tensor_compiles_its_gradient():
    x = gj.placeholder(gj.float32, [2, 2])
    w = gj.placeholder(gj.float32, [2, 2])
    h = gj.while_loop(lambda i, h: i < 300, lambda i, h: (i + 1, gj.matmul(h, w)), [0, x])[1]
    grad = gj.gradients(gj.reduce_sum(h), w)[0]
    eye = np.eye(2, dtype=np.float32)
    expected = np.full((2, 2), 300.0, np.float32)  # h = x w^300, at x = w = I
    with gj.Session(executor="interpreted") as sess:
        np.testing.assert_allclose(sess.run(grad, {x: eye, w: eye}), expected)
    with gj.Session(executor="compiled") as sess:
        np.testing.assert_allclose(sess.run(grad, {x: eye, w: eye}), expected)
