"""tf.py_func / tf.numpy_function: values under both executors, TF's errors for a raising
function and for wrong result dtypes or counts, statefulness (never folded, merged or
skipped), no gradient, and serialization: the token round-trips, and a graph loaded in a
process without the function fails at run time with a clear error."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphjit as gj

EXECUTORS = ["interpreted", "compiled"]


def _run(fetches, feed=None, executor="compiled", graph=None):
    with gj.Session(graph=graph, executor=executor) as sess:
        return sess.run(fetches, feed)


@pytest.mark.parametrize("executor", EXECUTORS)
@settings(max_examples=20, deadline=None)
@given(shape=st.lists(st.integers(0, 3), min_size=1, max_size=3),
       dtype=st.sampled_from([np.float32, np.float64, np.int32, np.int64]))
def test_values_dtypes_and_unknown_shapes(executor, shape, dtype):
    gj.reset_default_graph()
    x = gj.placeholder(gj.as_dtype(dtype), shape)
    y, total = gj.py_func(lambda v: (v[::-1].copy(), np.asarray(v.sum(), v.dtype)), [x],
                          [x.dtype, x.dtype])
    assert y.shape.rank is None and y.dtype == x.dtype
    value = np.arange(int(np.prod(shape)), dtype=dtype).reshape(shape)
    got_y, got_total = _run([y, total], {x: value}, executor)
    np.testing.assert_array_equal(got_y, value[::-1])
    assert got_total == value.sum() and got_total.dtype == dtype


def test_builder_forms():
    x = gj.constant([1.0, 2.0])
    single = gj.py_func(lambda v: v, [x], gj.float32)
    listed = gj.py_func(lambda v: v, [x], [gj.float32])
    none = gj.py_func(lambda v: None, [x], [])
    assert isinstance(single, gj.Tensor) and isinstance(listed, list) and len(listed) == 1
    assert isinstance(none, gj.Operation) and none.outputs == []
    assert single.op.name == "PyFunc" and single.op.type == "py_func"
    assert gj.py_func(lambda v: v, [x], gj.float32, stateful=False).op.name == \
        "PyFuncStateless"
    assert gj.numpy_function(lambda v: v, [x], gj.float32).op.name.startswith("PyFunc")
    assert _run(none) is None
    with pytest.raises(TypeError, match="callable"):
        gj.py_func(3, [x], gj.float32)


@pytest.mark.parametrize("executor", EXECUTORS)
def test_errors_name_the_op_as_tf(executor):
    x = gj.placeholder(gj.float32, [2])
    feed = {x: np.ones(2, np.float32)}

    def fails(exc):
        def body(v):
            raise exc("boom")
        return body

    cases = [
        (gj.py_func(fails(ValueError), [x], gj.float32, name="val"),
         gj.errors.InvalidArgumentError, "ValueError: boom"),
        (gj.py_func(fails(RuntimeError), [x], gj.float32, name="rt"),
         gj.errors.UnknownError, "RuntimeError: boom"),
        (gj.py_func(fails(StopIteration), [x], gj.float32, name="stop"),
         gj.errors.OutOfRangeError, "StopIteration"),
        (gj.py_func(lambda v: v.astype(np.float64), [x], gj.float32, name="dt"),
         gj.errors.InvalidArgumentError, "0-th value returned by pyfunc_.* is float64, "
                                         "but expects float32"),
        (gj.py_func(lambda v: 1.5, [x], gj.float32, name="pyfloat"),
         gj.errors.InvalidArgumentError, "is float64, but expects float32"),
        (gj.py_func(lambda v: (v, v), [x], gj.float32, name="count"),
         gj.errors.InvalidArgumentError, "returns 2 values, but expects to see 1 values"),
    ]
    for tensor, cls, pattern in cases:
        with pytest.raises(cls, match=pattern) as info:
            _run(tensor, feed, executor)
        assert info.value.op is not None and info.value.op.name == tensor.op.name
        assert "test_pyfunc.py" in str(info.value)  # where the user created the op


@pytest.mark.parametrize("executor", EXECUTORS)
def test_stateful_calls_are_never_folded_merged_or_skipped(executor):
    calls = []

    def count(v):
        calls.append(1)
        return np.float32(len(calls))

    c = gj.constant(1.0)
    a = gj.py_func(count, [c], gj.float32)
    b = gj.py_func(count, [c], gj.float32)
    assert gj.graphlib.graph.constant_value(a) is None and not calls
    with gj.Session(executor=executor) as sess:
        first = sess.run([a, b])
        second = sess.run(a + b)
    assert sorted(first) == [1.0, 2.0] and second == 7.0 and len(calls) == 4
    with gj.control_dependencies([gj.py_func(lambda v: calls.append(1), [c], [])]):
        out = gj.identity(c)
    _run(out, executor=executor)
    assert len(calls) == 5


def test_inputs_and_results_are_copies():
    kept = []

    def keep(v):
        kept.append(v)
        v += 100
        return v

    x = gj.placeholder(gj.float32, [3])
    y = gj.py_func(keep, [x], gj.float32) * 2.0
    value = np.ones(3, np.float32)
    np.testing.assert_array_equal(_run(y, {x: value}), [202.0] * 3)
    np.testing.assert_array_equal(value, 1.0)
    np.testing.assert_array_equal(kept[0], 101.0)


def test_no_gradient():
    x = gj.placeholder(gj.float32, [2])
    y = gj.py_func(lambda v: v * 3, [x], gj.float32)
    assert gj.gradients(gj.reduce_sum(y), [x]) == [None]
    assert gj.gradients(gj.reduce_sum(y + x), [x])[0] is not None


def test_serialized_graph_keeps_the_token_and_fails_clearly_elsewhere(tmp_path):
    graph = gj.Graph()
    with graph.as_default():
        x = gj.placeholder(gj.float32, [2], name="x")
        y = gj.py_func(lambda v: v + 1, [x], gj.float32, name="y")
        gj.train.write_graph(graph, str(tmp_path), "g.pb", as_text=False)
    token = y.op.get_attr("token")
    # same process: the re-imported op finds the function
    again = gj.Graph()
    with again.as_default():
        gj.import_graph_def(gj.io.read_graph(str(tmp_path / "g.pb")), name="")
        assert again.get_operation_by_name("y").get_attr("token") == token
        np.testing.assert_array_equal(_run("y:0", {"x:0": [1.0, 2.0]}, graph=again), [2, 3])
    script = textwrap.dedent(f"""
        import numpy as np, graphjit as gj
        g = gj.Graph()
        with g.as_default():
            gj.import_graph_def(gj.io.read_graph({str(tmp_path / "g.pb")!r}), name="")
        try:
            gj.Session(graph=g).run("y:0", {{"x:0": np.ones(2, np.float32)}})
        except gj.errors.InvalidArgumentError as e:
            print("ERROR", e)
    """)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=root, timeout=300)
    assert f"ERROR Could not find callback with key={token}" in done.stdout, \
        done.stdout + done.stderr
    assert "{{node y}}" in done.stdout


def test_function_is_released_with_its_graph():
    import gc

    from graphjit.graphlib.ops import pyfunc

    graph = gj.Graph()
    with graph.as_default():
        token = gj.py_func(lambda v: v, [gj.constant(1.0)], gj.float32).op.get_attr("token")
    assert token in pyfunc._FUNCTIONS
    del graph
    gc.collect()
    assert token not in pyfunc._FUNCTIONS
