"""Session.run semantics of SPEC section 2, on both executors."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import graphjit as gj

EXECUTORS = ["interpreted", "compiled"]


@pytest.fixture(params=EXECUTORS)
def executor(request):
    return request.param


def test_fetch_structures_are_rebuilt(executor):
    a = gj.constant(1.0, name="a")
    b = gj.constant([2, 3], name="b")
    Pair = collections.namedtuple("Pair", "first second")
    with gj.Session(executor=executor) as sess:
        out = sess.run({"x": [a, (b, a)], "p": Pair(a, b), "op": b.op})
    assert out["x"][0] == 1.0 and isinstance(out["x"][1], tuple)
    np.testing.assert_array_equal(out["x"][1][0], [2, 3])
    assert isinstance(out["p"], Pair) and out["p"].first == 1.0
    assert out["op"] is None


def test_scalars_come_back_as_numpy_scalars(executor):
    with gj.Session(executor=executor) as sess:
        value = sess.run(gj.constant(2.5))
    assert isinstance(value, np.float32) and value == 2.5


def test_fetch_and_feed_by_name(executor):
    x = gj.placeholder(gj.float32, [2], name="x")
    gj.identity(x, name="y")
    with gj.Session(executor=executor) as sess:
        out = sess.run("y:0", {"x:0": [1, 2]})
        assert sess.run("y", {"x:0": [1, 2]}) is None
    np.testing.assert_array_equal(out, [1, 2])


def test_wrong_feed_shape_raises_value_error_naming_both_shapes(executor):
    x = gj.placeholder(gj.float32, [None, 3], name="x")
    y = gj.identity(x)
    with gj.Session(executor=executor) as sess:
        with pytest.raises(ValueError) as info:
            sess.run(y, {x: np.zeros((2, 4))})
    assert "(2, 4)" in str(info.value) and "x:0" in str(info.value)
    assert "(None, 3)" in str(info.value)


def test_missing_feed_is_invalid_argument_naming_the_placeholder(executor):
    x = gj.placeholder(gj.float32, [2], name="my_input")
    y = gj.identity(x)
    with gj.Session(executor=executor) as sess:
        with pytest.raises(gj.errors.InvalidArgumentError) as info:
            sess.run(y)
    assert "my_input" in str(info.value)
    assert "test_session.py" in str(info.value)
    assert isinstance(info.value, gj.errors.OpError)


def test_uninitialized_variable_is_failed_precondition(executor):
    v = gj.Variable(1.0, name="v")
    with gj.Session(executor=executor) as sess:
        with pytest.raises(gj.errors.FailedPreconditionError):
            sess.run(v)


def test_only_the_needed_subgraph_runs(executor):
    unfed = gj.placeholder(gj.float32, [2])
    gj.identity(unfed)
    c = gj.identity(gj.constant(3.0))
    with gj.Session(executor=executor) as sess:
        assert sess.run(c) == 3.0


def test_any_tensor_can_be_fed(executor):
    a = gj.constant(1.0)
    b = gj.identity(a)
    c = gj.add_n([b, b])
    with gj.Session(executor=executor) as sess:
        assert sess.run(c, {b: 5.0}) == 10.0
        assert sess.run(c) == 2.0


def test_failed_run_leaves_variables_unchanged(executor):
    v = gj.Variable(1.0)
    x = gj.placeholder(gj.float32, [])
    with gj.control_dependencies([v.assign(10.0)]):
        y = gj.identity(x)
    with gj.Session(executor=executor) as sess:
        sess.run(v.initializer)
        with pytest.raises(gj.errors.InvalidArgumentError):
            sess.run(y)  # the assign runs, then the missing feed fails
        assert sess.run(v) == 1.0
        sess.run(y, {x: 2.0})
        assert sess.run(v) == 10.0


def test_fetched_variable_values_are_copies(executor):
    v = gj.Variable(np.zeros(3, np.float32))
    with gj.Session(executor=executor) as sess:
        sess.run(v.initializer)
        got = sess.run(v)
        got[0] = 5.0
        assert sess.run(v)[0] == 0.0


def test_interactive_session_eval_and_run():
    v = gj.Variable(2.0)
    sess = gj.InteractiveSession()
    try:
        v.initializer.run()
        assert v.eval() == 2.0
        assert gj.identity(v).eval() == 2.0
    finally:
        sess.close()
    with pytest.raises(ValueError, match="default session"):
        gj.constant(1.0).eval()


def test_closed_session_refuses_to_run():
    sess = gj.Session()
    sess.close()
    with pytest.raises(RuntimeError):
        sess.run(gj.constant(1.0))


def test_bad_fetches_are_type_errors():
    with gj.Session() as sess:
        with pytest.raises(TypeError):
            sess.run(None)
        with pytest.raises(TypeError):
            sess.run(3)


def test_plans_are_cached_per_signature(executor):
    x = gj.placeholder(gj.float32, [None])
    y = gj.identity(x)
    with gj.Session(executor=executor) as sess:
        sess.run(y, {x: [1.0]})
        sess.run(y, {x: [2.0]})
        assert sess.plan_cache_size == 1
        sess.run(y, {x: [1.0, 2.0]})
        assert sess.plan_cache_size == 2
