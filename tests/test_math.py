"""Tests for graphlib/ops/math.py beyond the op table: every elementwise op's scalar
expression against its reference kernel, broadcasting (hypothesis), operator overloads and
names, TF dtype rules, and gradients at ties and kinks against TensorFlow."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphjit as gj
from graphjit.graphlib import dtypes, registry, scalar
from graphjit.graphlib.ops import math as math_ops
from graphjit.graphlib.registry import Spec
from tests.opcases import all_cases
from tests.test_ops import build_graph

NAN, INF = np.nan, np.inf


def _tf():
    tf = pytest.importorskip("tensorflow.compat.v1")
    tf.disable_eager_execution()
    return tf


def _run(fetches, feed=None):
    with gj.Session(executor="interpreted") as sess:
        return sess.run(fetches, feed)


# -- scalar expressions agree with the reference kernels -----------------------------------


def _elementwise_instances() -> dict:
    """One op of each elementwise type from the op table: its input specs and attrs."""
    found = {}
    for case in all_cases():
        try:
            graph, _, _ = build_graph(gj, case)
        except Exception:  # noqa: BLE001 - a broken case is test_ops.py's failure to report
            continue
        for op in graph.get_operations():
            opdef = registry.get(op.type)
            if opdef.kind == "elementwise" and opdef.scalar is not None and \
                    op.type not in found:
                found[op.type] = ([t.spec() for t in op.inputs], dict(op.attrs))
    return found


INSTANCES = _elementwise_instances()
_SPECIAL_FLOATS = np.array([NAN, INF, -INF, 0.0, -0.0, 0.5, -1.5, 2.5, 1e30, -1e-30])


def _accepted_signatures(opdef, specs, attrs):
    """Every (input dtypes, attrs) the op's infer accepts, DType attrs varied too."""
    dtype_attrs = [k for k, v in attrs.items() if isinstance(v, dtypes.DType)]
    for in_dtypes in itertools.product(dtypes.ALL, repeat=len(specs)):
        for attr_dtypes in itertools.product(dtypes.ALL, repeat=len(dtype_attrs)):
            trial = dict(attrs, **dict(zip(dtype_attrs, attr_dtypes)))
            trial_specs = [Spec(d, s.shape) for d, s in zip(in_dtypes, specs)]
            try:
                out = registry.infer_outputs(opdef, trial_specs, trial)
            except (TypeError, ValueError):
                continue
            yield in_dtypes, trial, out[0].dtype


def _random_array(rng, dtype, shape, positive_ints: bool):
    if dtype.is_bool:
        return rng.random(shape) < 0.5
    if dtype.is_integer:
        if positive_ints:
            return rng.integers(1, 6, size=shape).astype(dtype.np)
        info = np.iinfo(dtype.np)
        values = rng.integers(-6, 7, size=shape).astype(dtype.np)
        extremes = np.array([info.min, info.max, 0, -1], dtype.np)
        pick = rng.random(shape) < 0.1
        return np.where(pick, rng.choice(extremes, size=shape), values).astype(dtype.np)
    values = rng.uniform(-3, 3, size=shape)
    pick = rng.random(shape) < 0.3
    return np.where(pick, rng.choice(_SPECIAL_FLOATS, size=shape), values).astype(dtype.np)


def _concrete(shape) -> tuple:
    return tuple(3 if d is None else d for d in shape.as_list())


@pytest.mark.parametrize("op_type", sorted(INSTANCES))
def test_scalar_expression_matches_reference(op_type):
    opdef = registry.get(op_type)
    specs, attrs = INSTANCES[op_type]
    rng = np.random.default_rng(0)
    signatures = list(_accepted_signatures(opdef, specs, attrs))
    assert signatures, f"{op_type}: infer accepts no dtype at all"
    for in_dtypes, trial_attrs, out_dtype in signatures:
        for trial in range(8):
            arrays, expected = None, None
            # Integer inputs that the reference rejects (negative powers) retry positive.
            for positive in (False, True):
                arrays = [_random_array(rng, d, _concrete(s.shape), positive)
                          for d, s in zip(in_dtypes, specs)]
                try:
                    with np.errstate(all="ignore"):
                        expected = registry.run_reference(opdef, arrays, trial_attrs)[0]
                    break
                except (ValueError, ZeroDivisionError):
                    continue
            assert expected is not None, f"{op_type}: reference rejects positive inputs"
            where = f"{op_type}{[d.name for d in in_dtypes]} {trial_attrs} trial {trial}"
            expected = np.asarray(expected)
            assert expected.dtype == out_dtype.np, f"{where}: reference gives {expected.dtype}"
            # The generators evaluate the expression at each output element, the inputs
            # broadcast to the output's shape (constants such as zeros_like's "0" too).
            assert expected.shape == np.broadcast_shapes(*(a.shape for a in arrays)), where
            got = np.broadcast_to(scalar.evaluate(opdef.scalar, arrays, out_dtype.np),
                                  expected.shape)
            if out_dtype.is_floating:
                rtol = 1e-6 if out_dtype is dtypes.float32 else 1e-13
                np.testing.assert_allclose(got, expected, rtol=rtol, atol=0, err_msg=where)
            else:
                np.testing.assert_array_equal(got, expected, err_msg=where)


def test_every_math_elementwise_op_has_a_scalar_expression_and_an_instance():
    here = math_ops.__file__
    ours = [name for name in registry.all_ops()
            if registry._DEFINED_AT[name].rsplit(":", 1)[0] == here]
    assert "add" in ours and "where" in ours
    for name in ours:
        opdef = registry.get(name)
        if opdef.kind == "elementwise":
            assert opdef.scalar, name
            assert name in INSTANCES, f"{name}: no op case builds it"


def test_floordiv_scalar_matches_tf_on_float_edges():
    x = np.array([1, -5, 0.3], np.float32)
    y = np.array([0.1, INF, 0.1], np.float32)
    with np.errstate(all="ignore"):
        expected = np.floor(x / y)  # TF: [10, -0, 2]
    np.testing.assert_array_equal(scalar.evaluate("floordiv({0}, {1})", [x, y], np.float32),
                                  expected)


# -- broadcasting --------------------------------------------------------------------------

BINARY = [
    (gj.add, np.add), (gj.subtract, np.subtract), (gj.multiply, np.multiply),
    (gj.maximum, np.maximum), (gj.minimum, np.minimum),
    (gj.squared_difference, lambda x, y: (x - y) ** 2), (gj.less, np.less),
    (gj.equal, np.equal), (gj.truediv, np.true_divide), (gj.pow, np.power),
]


@st.composite
def compatible_shapes(draw):
    """Two shapes that broadcast: suffixes of one shape with some dims set to 1."""
    base = draw(st.lists(st.integers(1, 4), min_size=0, max_size=4))

    def operand():
        rank = draw(st.integers(0, len(base)))
        dims = base[len(base) - rank:]
        return tuple(1 if draw(st.booleans()) else d for d in dims)
    return operand(), operand()


@st.composite
def incompatible_shapes(draw):
    """Two shapes with one aligned dimension of different sizes, neither of them 1."""
    rank = draw(st.integers(1, 4))
    a = draw(st.lists(st.integers(1, 4), min_size=rank, max_size=rank))
    b = [d if draw(st.booleans()) else 1 for d in a]
    i = draw(st.integers(0, rank - 1))
    a[i] = draw(st.integers(2, 4))
    b[i] = a[i] + draw(st.integers(1, 3))
    drop = draw(st.integers(0, i))  # b may have fewer (leading) dimensions
    return tuple(a), tuple(b[drop:])


@settings(max_examples=60, deadline=None)
@given(shapes=compatible_shapes(), op=st.sampled_from(BINARY), seed=st.integers(0, 2**16))
def test_binary_ops_broadcast_like_numpy(shapes, op, seed):
    builder, reference = op
    a_shape, b_shape = shapes
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.5, 2, a_shape).astype(np.float32)
    b = rng.uniform(0.5, 2, b_shape).astype(np.float32)
    with gj.Graph().as_default():
        x = gj.placeholder(gj.float32, a_shape)
        y = gj.placeholder(gj.float32, b_shape)
        out = builder(x, y)
        assert out.shape.as_list() == list(np.broadcast_shapes(a_shape, b_shape))
        value = _run(out, {x: a, y: b})
    np.testing.assert_allclose(value, reference(a, b), rtol=1e-6)


@settings(max_examples=60, deadline=None)
@given(shapes=compatible_shapes(), op=st.sampled_from(BINARY), data=st.data())
def test_binary_ops_broadcast_unknown_dims(shapes, op, data):
    builder, _ = op
    a_shape, b_shape = shapes
    hide_a = [data.draw(st.booleans()) for _ in a_shape]
    hide_b = [data.draw(st.booleans()) for _ in b_shape]
    with gj.Graph().as_default():
        x = gj.placeholder(gj.float32, [None if h else d for h, d in zip(hide_a, a_shape)])
        y = gj.placeholder(gj.float32, [None if h else d for h, d in zip(hide_b, b_shape)])
        out = builder(x, y)
    full = np.broadcast_shapes(a_shape, b_shape)
    assert out.shape.rank == len(full)
    for d, true in zip(out.shape.as_list(), full):
        assert d is None or d == true


@settings(max_examples=60, deadline=None)
@given(shapes=incompatible_shapes(), op=st.sampled_from(BINARY))
def test_incompatible_broadcast_raises_at_build_time(shapes, op):
    builder, _ = op
    with pytest.raises(ValueError):
        np.broadcast_shapes(*shapes)
    with gj.Graph().as_default():
        x = gj.placeholder(gj.float32, shapes[0])
        y = gj.placeholder(gj.float32, shapes[1])
        with pytest.raises(ValueError, match="Incompatible shapes"):
            builder(x, y)


@settings(max_examples=40, deadline=None)
@given(shapes=compatible_shapes(), seed=st.integers(0, 2**16))
def test_broadcast_gradients_reduce_to_input_shapes(shapes, seed):
    a_shape, b_shape = shapes
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.5, 2, a_shape)
    b = rng.uniform(0.5, 2, b_shape)
    with gj.Graph().as_default():
        x = gj.placeholder(gj.float64, a_shape)
        y = gj.placeholder(gj.float64, b_shape)
        gx, gy = gj.gradients(x * y + x / y, [x, y])
        assert gx.shape.as_list() == list(a_shape)
        assert gy.shape.as_list() == list(b_shape)
        gx, gy = _run([gx, gy], {x: a, y: b})
    ones = np.ones(np.broadcast_shapes(a_shape, b_shape))
    # atol: a - a / b**2 cancels near b = 1, where one rounding (a fused multiply-add in
    # the compiled kernel) is a large relative error of a tiny value
    np.testing.assert_allclose(gx, _sum_to(ones * (b + 1 / b), a_shape), rtol=1e-12)
    np.testing.assert_allclose(gy, _sum_to(ones * (a - a / b ** 2), b_shape), rtol=1e-12,
                               atol=1e-14)


def _sum_to(value, shape):
    lead = value.ndim - len(shape)
    value = value.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, d in enumerate(shape) if d == 1)
    return value.sum(axis=axes, keepdims=True).reshape(shape)


@settings(max_examples=40, deadline=None)
@given(shapes=st.tuples(compatible_shapes(), compatible_shapes()), seed=st.integers(0, 99))
def test_where_v2_broadcasts_three_operands(shapes, seed):
    (c_shape, x_shape), (_, y_shape) = shapes
    try:
        full = np.broadcast_shapes(c_shape, x_shape, y_shape)
    except ValueError:
        with gj.Graph().as_default(), pytest.raises(ValueError):
            gj.where_v2(gj.placeholder(gj.bool, c_shape), gj.placeholder(gj.float32, x_shape),
                        gj.placeholder(gj.float32, y_shape))
        return
    rng = np.random.default_rng(seed)
    c = rng.random(c_shape) < 0.5
    a = rng.normal(size=x_shape).astype(np.float32)
    b = rng.normal(size=y_shape).astype(np.float32)
    with gj.Graph().as_default():
        out = gj.where_v2(c, a, gj.constant(b))
        assert out.shape.as_list() == list(full)
        np.testing.assert_array_equal(_run(out), np.where(c, a, b))


# -- TF1 where ---------------------------------------------------------------------------


def test_where_v1_shape_rules():
    x = gj.placeholder(gj.float32, [3, 2])
    y = gj.placeholder(gj.float32, [3, 2])
    assert gj.where(gj.placeholder(gj.bool, [3]), x, y).shape.as_list() == [3, 2]
    assert gj.where(gj.placeholder(gj.bool, []), x, y).shape.as_list() == [3, 2]
    assert gj.where(gj.placeholder(gj.bool, [None]), x, y).shape.as_list() == [3, 2]
    with pytest.raises(ValueError):
        gj.where(gj.placeholder(gj.bool, [2]), x, y)        # rank 1 but not the rows
    with pytest.raises(ValueError):
        gj.where(gj.placeholder(gj.bool, [3, 1]), x, y)     # TF1 does not broadcast
    with pytest.raises(ValueError):
        gj.where(gj.placeholder(gj.bool, [3, 2]), x, gj.placeholder(gj.float32, [2]))
    with pytest.raises(TypeError):
        gj.where(gj.placeholder(gj.int32, [3, 2]), x, y)
    with pytest.raises(TypeError):
        gj.where(gj.placeholder(gj.bool, [3, 2]), x, gj.placeholder(gj.float64, [3, 2]))
    with pytest.raises(ValueError, match="both"):
        gj.where(gj.placeholder(gj.bool, [3]), x)
    with pytest.raises(ValueError, match="rank"):
        gj.where(gj.constant(True))


def test_where_coordinates_of_unknown_count():
    c = gj.placeholder(gj.bool, [None, 3])
    coords = gj.where(c)
    assert coords.dtype == gj.int64 and coords.shape.as_list() == [None, 2]
    value = np.array([[False] * 3, [True, False, True]])
    np.testing.assert_array_equal(_run(coords, {c: value}), [[1, 0], [1, 2]])
    empty = _run(coords, {c: np.zeros((2, 3), bool)})
    assert empty.shape == (0, 2) and empty.dtype == np.int64


# -- operators ---------------------------------------------------------------------------

OPERATOR_EXPRESSIONS = [
    lambda x, y, i, b: x + y, lambda x, y, i, b: 1.0 + x, lambda x, y, i, b: x - 2,
    lambda x, y, i, b: 2 - x, lambda x, y, i, b: x * y, lambda x, y, i, b: 3 * x,
    lambda x, y, i, b: x / y, lambda x, y, i, b: 1 / x, lambda x, y, i, b: i / i,
    lambda x, y, i, b: i / 2, lambda x, y, i, b: 2 / i,
    lambda x, y, i, b: x // y, lambda x, y, i, b: 7 // i, lambda x, y, i, b: x % 2.0,
    lambda x, y, i, b: 5 % i, lambda x, y, i, b: x ** 2, lambda x, y, i, b: 2.0 ** x,
    lambda x, y, i, b: -x, lambda x, y, i, b: abs(i), lambda x, y, i, b: x < y,
    lambda x, y, i, b: x <= 1, lambda x, y, i, b: x > y, lambda x, y, i, b: 1 >= x,
    lambda x, y, i, b: b & b, lambda x, y, i, b: b | b, lambda x, y, i, b: b ^ b,
    lambda x, y, i, b: ~b, lambda x, y, i, b: True & b, lambda x, y, i, b: i & 3,
    lambda x, y, i, b: i | i, lambda x, y, i, b: 5 ^ i, lambda x, y, i, b: ~i,
    lambda x, y, i, b: np.float32(2) * x, lambda x, y, i, b: np.ones(3) + x,
]


@pytest.mark.parametrize("index", range(len(OPERATOR_EXPRESSIONS)))
def test_operators_match_tensorflow(index):
    """Names, dtypes, shapes and values of each Python operator, compared with TF's."""
    tf = _tf()
    expression = OPERATOR_EXPRESSIONS[index]
    feeds = [np.array([1.5, -2.0, 3.0], np.float32), np.array([0.5, 2.0, -1.0], np.float32),
             np.array([3, -4, 5], np.int32), np.array([True, False, True])]
    results = []
    for lib in (tf, gj):
        graph = lib.Graph()
        with graph.as_default():
            ph = [lib.placeholder(lib.as_dtype(f.dtype), f.shape, name=n)
                  for f, n in zip(feeds, "xyib")]
            out = expression(*ph)
        with lib.Session(graph=graph) as sess:
            value = sess.run(out, dict(zip(ph, feeds)))
        results.append((out.name, out.dtype.name, out.shape.as_list(), value))
    (tf_name, tf_dtype, tf_shape, tf_value), (name, dtype, shape, value) = results
    assert (name, dtype, shape) == (tf_name, tf_dtype, tf_shape)
    np.testing.assert_array_equal(value, tf_value)


def test_variable_operators_read_the_variable():
    v = gj.Variable(np.array([1.0, -2.0], np.float32))
    exprs = [v + 1, 1 + v, v - v, 3 - v, v * 2, 2 * v, v / 2, 4 / v, v // 1, v % 1.5,
             v ** 2, 2 ** v, -v, abs(v), v < 0, 0 > v, v >= v]
    exprs += [np.ones(2, np.float32) + v, np.float32(3) * v]
    reads = [op for op in gj.get_default_graph().get_operations()
             if op.type == "read_variable"]
    assert len(reads) > len(exprs)  # each use reads the variable afresh
    with gj.Session() as sess:
        sess.run(gj.global_variables_initializer())
        values = sess.run(exprs)
    a = np.array([1.0, -2.0], np.float32)
    expected = [a + 1, 1 + a, a - a, 3 - a, a * 2, 2 * a, a / 2, 4 / a, a // 1, a % 1.5,
                a ** 2, 2 ** a, -a, abs(a), a < 0, 0 > a, a >= a, 1 + a, 3 * a]
    assert all(isinstance(e, gj.Tensor) for e in exprs)
    for got, want in zip(values, expected):
        np.testing.assert_allclose(got, want)


def test_operators_keep_identity_equality_and_hash():
    x = gj.placeholder(gj.float32, [2])
    y = gj.placeholder(gj.float32, [2])
    assert (x == x) is True and (x == y) is False and (x != y) is True
    assert len({x, y, x}) == 2
    v = gj.Variable(1.0)
    assert (v == v) is True and hash(v) == id(v)


def test_assign_after_operators_still_orders_reads():
    v = gj.Variable(1.0)
    with gj.control_dependencies([v.assign(5.0)]):
        doubled = v * 2
    with gj.Session() as sess:
        sess.run(v.initializer)
        assert sess.run(doubled) == 10.0


# -- dtype rules -------------------------------------------------------------------------


@pytest.mark.parametrize("build", [
    lambda f32, f64, i32, b: f32 + f64,
    lambda f32, f64, i32, b: gj.add(f32, f64),
    lambda f32, f64, i32, b: i32 + 1.5,
    lambda f32, f64, i32, b: f32 * i32,
    lambda f32, f64, i32, b: gj.maximum(i32, f32),
    lambda f32, f64, i32, b: gj.logical_and(i32, i32),
    lambda f32, f64, i32, b: gj.logical_not(f32),
    lambda f32, f64, i32, b: f32 & f32,
    lambda f32, f64, i32, b: ~f32,
    lambda f32, f64, i32, b: b < b,
    lambda f32, f64, i32, b: -b,
    lambda f32, f64, i32, b: b + b,
    lambda f32, f64, i32, b: gj.sqrt(i32),
    lambda f32, f64, i32, b: gj.exp(i32),
    lambda f32, f64, i32, b: gj.floor(i32),
    lambda f32, f64, i32, b: gj.is_nan(i32),
    lambda f32, f64, i32, b: gj.reciprocal(i32),
    lambda f32, f64, i32, b: gj.clip_by_value(f32, f64, 1.0),
    lambda f32, f64, i32, b: gj.where(b, f32, i32),
    lambda f32, f64, i32, b: gj.truediv(i32, f32),
    lambda f32, f64, i32, b: gj.squared_difference(b, b),
])
def test_dtype_mismatches_raise_type_error_at_build_time(build):
    args = [gj.placeholder(d, [3]) for d in (gj.float32, gj.float64, gj.int32, gj.bool)]
    with pytest.raises(TypeError):
        build(*args)


def test_python_values_take_the_tensor_dtype():
    for dtype in (gj.float32, gj.float64, gj.int32, gj.int64):
        x = gj.placeholder(dtype, [2])
        for out in (x + 1, 1 + x, x * 2, gj.maximum(x, 0), gj.pow(x, 2), gj.mod(x, 3)):
            assert out.dtype == dtype
    x = gj.placeholder(gj.float64, [2])
    assert gj.clip_by_value(x, 0, 1).dtype == gj.float64
    assert gj.where(gj.placeholder(gj.bool, [2]), x, [1, 2]).dtype == gj.float64


def test_truediv_of_integers_is_float64_and_divide_by_zero_is_inf():
    for dtype in (gj.int32, gj.int64):
        i = gj.placeholder(dtype, [3])
        out = i / gj.constant([2, 0, 0], dtype=dtype)
        assert out.dtype == gj.float64 and out.name.startswith("truediv")
        np.testing.assert_array_equal(_run(out, {i: [3, 1, 0]}), [1.5, INF, NAN])


def test_integer_floordiv_and_mod_floor_like_python():
    a = np.array([7, -7, 7, -7, 0], np.int64)
    b = np.array([3, 3, -3, -3, 5], np.int64)
    x, y = gj.constant(a), gj.constant(b)
    q, r = _run([x // y, x % y])
    np.testing.assert_array_equal(q, [p // s for p, s in zip(a.tolist(), b.tolist())])
    np.testing.assert_array_equal(r, [p % s for p, s in zip(a.tolist(), b.tolist())])


def test_integer_division_by_zero_gives_zero():
    # Deliberate difference: TF's CPU kernels raise InvalidArgumentError; graphjit follows
    # its scalar language (x // 0 == x % 0 == 0) on every executor.
    x = gj.placeholder(gj.int32, [2])
    q, r = _run([x // 0, x % 0], {x: [5, -5]})
    np.testing.assert_array_equal(q, [0, 0])
    np.testing.assert_array_equal(r, [0, 0])


def test_integer_negative_power_is_an_invalid_argument():
    x = gj.placeholder(gj.int32, [2])
    with pytest.raises(gj.errors.InvalidArgumentError):
        _run(gj.pow(x, -1), {x: [2, 3]})


def test_round_and_cast_shortcuts_return_the_input():
    i = gj.placeholder(gj.int32, [2])
    x = gj.placeholder(gj.float32, [2])
    assert gj.round(i) is i
    assert gj.cast(x, gj.float32) is x
    assert gj.cast(x, "float64").dtype == gj.float64


@pytest.mark.parametrize("source,target", list(itertools.product(dtypes.ALL, dtypes.ALL)))
def test_cast_matches_tensorflow(source, target):
    tf = _tf()
    if source.is_floating:
        value = np.array([NAN, INF, -INF, 3e9, -2.7, 2.7, -0.5, 0.0, 1e20], source.np)
    elif source.is_integer:
        info = np.iinfo(source.np)
        value = np.array([info.min, info.max, -3, 0, 1, 2**20 + 1], source.np)
    else:
        value = np.array([True, False, True])
    results = []
    for lib in (tf, gj):
        graph = lib.Graph()
        with graph.as_default():
            ph = lib.placeholder(lib.as_dtype(source.name), value.shape)
            out = lib.cast(ph, lib.as_dtype(target.name))
        with lib.Session(graph=graph) as sess:
            results.append(sess.run(out, {ph: value}))
    assert results[1].dtype == results[0].dtype
    np.testing.assert_array_equal(results[1], results[0])


# -- gradients at ties and kinks, against TF ---------------------------------------------

F = np.float32
KINK_CASES = {
    "maximum_ties": (lambda tf, x, y: tf.maximum(x, y), [F([1, 2, 3]), F([1, 1, 4])]),
    "minimum_ties": (lambda tf, x, y: tf.minimum(x, y), [F([1, 2, 3]), F([1, 1, 4])]),
    "maximum_broadcast_ties": (lambda tf, x, y: tf.maximum(x, y), [F([1, 2, 3]), F([2])]),
    "abs_at_zero": (lambda tf, x: tf.abs(x), [F([0, -1, 2])]),
    "sqrt_at_zero": (lambda tf, x: tf.sqrt(x), [F([0, 4])]),
    "rsqrt_at_zero": (lambda tf, x: tf.rsqrt(x), [F([0, 4])]),
    "reciprocal_at_zero": (lambda tf, x: tf.reciprocal(x), [F([0, 2])]),
    "log_at_zero": (lambda tf, x: tf.log(x), [F([0, 2])]),
    "truediv_by_zero": (lambda tf, x, y: x / y, [F([1, 2]), F([3, 0])]),
    "clip_at_bounds": (lambda tf, x: tf.clip_by_value(x, 0.0, 1.0),
                       [F([-1, 0, 0.5, 1, 2])]),
    "clip_tensor_bounds": (lambda tf, x, lo, hi: tf.clip_by_value(x, lo, hi),
                           [F([-1, 0, 0.5, 1, 2]), F([0]), F([1])]),
    "clip_crossed_bounds": (lambda tf, x, lo, hi: tf.clip_by_value(x, lo, hi),
                            [F([0, 1.5, 3, NAN]), F([2]), F([1])]),
    "sign": (lambda tf, x: tf.sign(x), [F([0, -1, 2])]),
    "floor_ceil_round": (lambda tf, x: [tf.floor(x), tf.ceil(x), tf.round(x)],
                         [F([0.5, -1, 2.5])]),
    "floordiv": (lambda tf, x, y: x // y, [F([0, -1, 2]), F([1, 1, 1])]),
    "mod": (lambda tf, x, y: tf.mod(x, y), [F([5, -1, 2]), F([3, 3, -3])]),
    "pow_zero_and_negative_base": (lambda tf, x, y: tf.pow(x, y),
                                   [F([0, -1, 2, 0, -2]), F([2, 2, 0.5, 0, 3])]),
    "where": (lambda tf, c, x, y: tf.where(c, x, y),
              [np.array([True, False]), F([1, 2]), F([3, 4])]),
    "cast_float64": (lambda tf, x: tf.cast(x, tf.float64), [F([1, 2])]),
    "cast_int_path": (lambda tf, x: tf.cast(tf.cast(x, tf.int32), tf.float32), [F([1, 2])]),
    "comparison_path": (lambda tf, x: tf.cast(tf.equal(x, x), tf.float32), [F([0, 2])]),
    "squared_difference": (lambda tf, x, y: tf.squared_difference(x, y), [F([1, 2]), F([3])]),
    "sigmoid_saturated": (lambda tf, x: tf.sigmoid(x), [F([0, 2, -100, 100])]),
    "tanh_saturated": (lambda tf, x: tf.tanh(x), [F([0, 20, -20])]),
}


@pytest.mark.parametrize("name", sorted(KINK_CASES))
def test_gradients_at_ties_and_kinks_match_tensorflow(name):
    tf = _tf()
    build, feeds = KINK_CASES[name]
    results = []
    for lib in (tf, gj):
        graph = lib.Graph()
        with graph.as_default():
            ph = [lib.placeholder(lib.as_dtype(f.dtype), f.shape) for f in feeds]
            outs = build(lib, *ph)
            grads = lib.gradients(outs, ph)
        with lib.Session(graph=graph) as sess:
            feed = dict(zip(ph, feeds))
            results.append([None if g is None else sess.run(g, feed) for g in grads])
    theirs, ours = results
    assert [g is None for g in ours] == [g is None for g in theirs]
    for a, b in zip(ours, theirs):
        if b is not None:
            np.testing.assert_allclose(a, b, rtol=1e-6, err_msg=name)


def test_second_order_gradients_of_smooth_ops():
    x = gj.placeholder(gj.float64, [4])
    value = np.array([-1.5, -0.2, 0.3, 1.7])
    outs = {
        "tanh": (gj.tanh(x), lambda v: -2 * np.tanh(v) * (1 - np.tanh(v) ** 2)),
        "sigmoid": (gj.sigmoid(x), lambda v: (s := 1 / (1 + np.exp(-v))) * (1 - s)
                    * (1 - 2 * s)),
        "exp": (gj.exp(x), np.exp),
        "log": (gj.log(x * x), lambda v: -2 / v ** 2),
        "sin": (gj.sin(x), lambda v: -np.sin(v)),
        "reciprocal": (gj.reciprocal(x), lambda v: 2 / v ** 3),
        "square": (gj.square(x), lambda v: 2 + 0 * v),
        "pow": (gj.pow(x * x, 1.5), lambda v: 6 * np.abs(v)),
    }
    for name, (y, second) in outs.items():
        (g,) = gj.gradients(y, [x])
        (h,) = gj.gradients(g, [x])
        np.testing.assert_allclose(_run(h, {x: value}), second(value), rtol=1e-10,
                                   err_msg=name)
