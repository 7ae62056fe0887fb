"""tf.cond / tf.case by selection: values and gradients per branch, structures, and the
build-time errors (side effects in a branch, mismatched branches, bad predicates)."""

from __future__ import annotations

import numpy as np
import pytest

import graphjit as gj


def _run(fetches, feed=None):
    with gj.Session() as sess:
        sess.run(gj.global_variables_initializer())
        return sess.run(fetches, feed)


@pytest.fixture(autouse=True)
def fresh_graph():
    with gj.Graph().as_default() as graph:
        yield graph


@pytest.mark.parametrize("taken", [True, False])
def test_value_and_gradient_follow_the_taken_branch(taken):
    p = gj.placeholder(gj.bool, [])
    x = gj.placeholder(gj.float32, [3])
    y = gj.placeholder(gj.float32, [3])
    out = gj.cond(p, lambda: x * x, lambda: 3.0 * y)
    gx, gy = gj.gradients(out, [x, y])
    xv, yv = np.array([1.0, -2.0, 3.0], np.float32), np.array([4.0, 5.0, 6.0], np.float32)
    value, dx, dy = _run([out, gx, gy], {p: taken, x: xv, y: yv})
    if taken:
        np.testing.assert_allclose(value, xv * xv)
        np.testing.assert_allclose(dx, 2 * xv)
        np.testing.assert_allclose(dy, 0)
    else:
        np.testing.assert_allclose(value, 3 * yv)
        np.testing.assert_allclose(dx, 0)
        np.testing.assert_allclose(dy, 3)


def test_names_and_structures():
    p = gj.placeholder(gj.bool, [])
    x = gj.constant([1.0, 2.0])
    result = gj.cond(p, lambda: {"a": x, "b": (x, x + 1)},
                     lambda: {"a": -x, "b": (x * 0, x)})
    assert sorted(result) == ["a", "b"] and isinstance(result["b"], tuple)
    assert result["a"].name.startswith("cond/Merge")
    single = gj.cond(p, lambda: [x], lambda: [x + 1.0])  # non-strict: unpacked
    assert isinstance(single, gj.Tensor)
    strict = gj.cond(p, lambda: [x], lambda: [x + 1.0], strict=True)
    assert isinstance(strict, list) and len(strict) == 1
    values = _run(result, {p: False})
    np.testing.assert_allclose(values["a"], [-1.0, -2.0])
    np.testing.assert_allclose(values["b"][1], [1.0, 2.0])


def test_reading_variables_in_a_branch_is_allowed():
    v = gj.Variable(2.0)
    p = gj.placeholder(gj.bool, [])
    out = gj.cond(p, lambda: v * 3.0, lambda: v.read_value())
    assert _run(out, {p: True}) == 6.0


@pytest.mark.parametrize("make", [
    lambda v: v.assign_add(1.0),
    lambda v: gj.random_normal([]) + v,
    lambda v: gj.Print(v.value(), [v.value()]),
], ids=["assign", "random", "print"])
def test_a_branch_with_side_effects_is_a_build_error(make):
    v = gj.Variable(1.0)
    p = gj.placeholder(gj.bool, [])
    with pytest.raises(ValueError, match="cannot run a branch with side effects"):
        gj.cond(p, lambda: make(v), lambda: v.read_value())
    with pytest.raises(ValueError, match="false_fn"):
        gj.cond(p, lambda: v.read_value(), lambda: make(v))
    with pytest.raises(ValueError, match="default"):
        gj.case([(p, lambda: v.read_value())], default=lambda: make(v))


def test_bad_predicates_and_mismatched_branches():
    x = gj.constant([1.0, 2.0])
    p = gj.placeholder(gj.bool, [])
    with pytest.raises(TypeError, match="Python bool"):
        gj.cond(True, lambda: x, lambda: x)
    with pytest.raises(TypeError, match="bool tensor"):
        gj.cond(gj.constant(1), lambda: x, lambda: x)
    with pytest.raises(ValueError, match="scalar"):
        gj.cond(gj.constant([True, False]), lambda: x, lambda: x)
    with pytest.raises(ValueError, match="same structure"):
        gj.cond(p, lambda: (x, x), lambda: x)
    with pytest.raises(TypeError, match="dtype"):
        gj.cond(p, lambda: x, lambda: gj.constant([1, 2]))
    with pytest.raises(ValueError, match="compatible"):
        gj.cond(p, lambda: x, lambda: gj.constant([1.0, 2.0, 3.0]))
    with pytest.raises(TypeError, match="required"):
        gj.cond(p, lambda: x)


def test_case_picks_the_first_true_predicate_else_the_default():
    a = gj.placeholder(gj.bool, [])
    b = gj.placeholder(gj.bool, [])
    x = gj.constant(2.0)
    out = gj.case([(a, lambda: x + 1.0), (b, lambda: x * 10.0)], default=lambda: -x)
    last_as_default = gj.case([(a, lambda: x + 1.0), (b, lambda: x * 10.0)])
    for av, bv, expected, fallback in [(True, True, 3.0, 3.0), (False, True, 20.0, 20.0),
                                       (False, False, -2.0, 20.0), (True, False, 3.0, 3.0)]:
        assert _run([out, last_as_default], {a: av, b: bv}) == [expected, fallback]


def test_operations_as_outputs_group_both_branches():
    p = gj.placeholder(gj.bool, [])
    op = gj.cond(p, lambda: gj.no_op(), lambda: gj.no_op())
    assert isinstance(op, gj.Operation)
    assert _run(op, {p: True}) is None
