"""Debugging aids: check_numerics and print in both executors (and through the optimizer),
the Session(debug=True) NaN/Inf hunter, the op-by-op re-run of a failed compiled plan,
and the gradient-path diagnostics. Planted faults must be reported at the right op and
the right user line."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

import graphjit as gj
from graphjit import debugging
from graphjit.graphlib.ops.debug import summarize_v1, summarize_v2

EXECUTORS = ["interpreted", "compiled"]
HERE = os.path.basename(__file__)


def _line() -> int:
    """The caller's line number (write it on the line that creates the op)."""
    return sys._getframe(1).f_lineno


# -- check_numerics ----------------------------------------------------------------------

@pytest.mark.parametrize("executor", EXECUTORS)
def test_check_numerics_names_message_op_and_line(executor):
    x = gj.placeholder(gj.float32, [3], name="x")
    checked = debugging.check_numerics(gj.log(x), "log of x"); line = _line()  # noqa: E702
    y = checked * 2.0
    with gj.Session(executor=executor) as sess:
        np.testing.assert_allclose(sess.run(y, {x: [1.0, 1.0, 1.0]}), [0.0, 0.0, 0.0])
        with pytest.raises(gj.errors.InvalidArgumentError) as info:
            sess.run(y, {x: [1.0, -1.0, 0.0]})
    text = str(info.value)
    assert "log of x : Tensor had Inf and NaN values" in text
    assert info.value.op.name == checked.op.name
    assert f'{HERE}", line {line}' in text


def test_check_numerics_survives_folding_and_dead_code_elimination():
    bad = debugging.check_numerics(gj.constant([1.0, np.inf]), "constant inf")
    out = gj.identity(bad) * 0.0
    plan = gj.Session().explain(out)
    assert "check_numerics" in plan
    for executor in EXECUTORS:
        with gj.Session(executor=executor) as sess, \
                pytest.raises(gj.errors.InvalidArgumentError, match="constant inf : Tensor "
                                                                     "had Inf values"):
            sess.run(out)


def test_check_numerics_rejects_integers_at_build_time():
    with pytest.raises(TypeError, match="floating-point"):
        debugging.check_numerics(gj.constant([1, 2]), "ints")


def test_add_check_numerics_ops_finds_the_bad_tensor():
    x = gj.placeholder(gj.float32, [2], name="x")
    y = gj.sqrt(x, name="root")
    check = debugging.add_check_numerics_ops()
    with gj.Session() as sess:
        sess.run([y, check], {x: [4.0, 9.0]})
        with pytest.raises(gj.errors.InvalidArgumentError, match="sqrt op 'root'"):
            sess.run([y, check], {x: [4.0, -9.0]})


# -- print -------------------------------------------------------------------------------

@pytest.mark.parametrize("executor", EXECUTORS)
def test_print_writes_tf_text_each_run(executor, capfd):
    x = gj.placeholder(gj.float32, [None], name="x")
    op = debugging.print("x:", x, "n =", gj.size(x), summarize=2)
    with gj.control_dependencies([op]):
        y = gj.identity(x) + 1.0
    with gj.Session(executor=executor) as sess:
        capfd.readouterr()
        sess.run(y, {x: np.arange(6, dtype=np.float32)})
        sess.run(y, {x: [0.5]})
    assert capfd.readouterr().err == "x: [0 1 ... 4 5] n = 6\nx: [0.5] n = 1\n"


@pytest.mark.parametrize("executor", EXECUTORS)
def test_Print_passes_through_and_stops_after_first_n(executor, capfd):  # noqa: N802
    x = gj.placeholder(gj.float32, [2, 2], name="x")
    y = debugging.Print(x * 2.0, [x], "x is ", first_n=2, summarize=3) + 1.0
    with gj.Session(executor=executor) as sess:
        capfd.readouterr()
        for _ in range(3):
            out = sess.run(y, {x: [[1, 2], [3, 4]]})
    np.testing.assert_allclose(out, [[3, 5], [7, 9]])
    assert capfd.readouterr().err == "x is [[1 2][3...]...]\n" * 2  # as TF prints it


def test_print_to_stdout_and_to_a_file(capsys, tmp_path):
    path = tmp_path / "log.txt"
    a = debugging.print(gj.constant(True), output_stream=sys.stdout, end="!")
    b = debugging.print("value", gj.constant(0.1, gj.float64),
                        output_stream=f"file://{path}")
    with gj.Session() as sess:
        sess.run([a, b])
    assert capsys.readouterr().out == "1!"
    assert path.read_text() == "value 0.1\n"
    with pytest.raises(ValueError, match="output_stream"):
        debugging.print("x", output_stream=12)


def test_summaries_match_tensorflow_kernels():
    cube = np.arange(24).reshape(2, 3, 4)
    assert summarize_v2(cube, 1) == ("[[[0 ... 3]\n  ...\n  [8 ... 11]]\n\n [[12 ... 15]\n"
                                     "  ...\n  [20 ... 23]]]")
    assert summarize_v1(cube, 5) == "[[0 1 2 3][4...]]..."
    assert summarize_v1(np.float32(1 / 3), 3) == "0.333333343"
    assert summarize_v2(np.zeros((0, 2)), 3) == "[]"
    assert summarize_v2(np.array([np.nan, -np.inf, 1e-8], np.float32), -1) == \
        "[nan -inf 1e-08]"


# -- Session(debug=True) -----------------------------------------------------------------

def test_debug_session_reports_first_nan_with_line_and_input_stats():
    x = gj.placeholder(gj.float32, [4], name="x")
    with gj.name_scope("model"):
        shifted = x - 1.0
        bad = gj.sqrt(shifted); line = _line()  # noqa: E702
        out = gj.log(bad + 1.0) * 2.0  # later NaNs must not be the ones reported
    with gj.Session(debug=True) as sess:
        np.testing.assert_allclose(sess.run(out, {x: [1, 2, 5, 10]}),
                                   2 * np.log(np.sqrt([0, 1, 4, 9]) + 1), rtol=1e-6)
        with pytest.raises(gj.errors.InvalidArgumentError) as info:
            sess.run(out, {x: [1.0, 0.0, 5.0, 10.0]})
    err = info.value
    assert err.op is bad.op
    text = str(err)
    assert f"sqrt op 'model/Sqrt' (created at {HERE}:{line})" in text
    assert "produced 1 NaN (of 4 elements)" in text
    assert f"{shifted.name} (subtract): float32[4] min=-1 max=9 mean=3 nan=0 inf=0" in text


def test_debug_session_reports_inf_and_bad_feeds():
    x = gj.placeholder(gj.float32, [2], name="x")
    y = gj.constant(1.0) / x
    with gj.Session(debug=True) as sess:
        with pytest.raises(gj.errors.InvalidArgumentError, match=r"produced 1 Inf"):
            sess.run(y, {x: [0.0, 1.0]})
        with pytest.raises(gj.errors.InvalidArgumentError,
                           match=r"value fed to x:0 holds 1 NaN"):
            sess.run(y, {x: [np.nan, 1.0]})


def test_debug_session_trains_like_the_interpreter():
    w = gj.Variable(np.array([1.0, -2.0], np.float32), name="w")
    loss = gj.reduce_sum(w * w)
    train = gj.train.GradientDescentOptimizer(0.25).minimize(loss)
    results = []
    for debug in (False, True):
        with gj.Session(executor="interpreted", debug=debug) as sess:
            sess.run(gj.global_variables_initializer())
            for _ in range(3):
                sess.run(train)
            results.append(sess.run(w))
    np.testing.assert_array_equal(results[0], results[1])


# -- compiled failures re-run op by op ---------------------------------------------------

class _CrashingPlan:
    def run(self, ctx, feed_values):
        raise RuntimeError("kernel crashed")


def test_compiled_failure_is_rerun_op_by_op_to_name_the_op(monkeypatch):
    a = gj.placeholder(gj.float32, [None, 3], name="a")
    b = gj.placeholder(gj.float32, [None, 2], name="b")
    product = gj.matmul(a, b); line = _line()  # noqa: E702
    out = gj.nn.relu(product)
    sess = gj.Session(executor="compiled")
    monkeypatch.setattr(sess._executor, "prepare", lambda *args: _CrashingPlan())
    with pytest.raises(gj.errors.InvalidArgumentError) as info:
        sess.run(out, {a: np.ones((2, 3)), b: np.ones((4, 2))})
    assert info.value.op is product.op
    text = str(info.value)
    assert f'{HERE}", line {line}' in text
    assert "RuntimeError: kernel crashed" in text
    assert isinstance(info.value.__cause__, RuntimeError)


def test_compiled_failure_that_the_reference_does_not_repeat_is_an_internal_error(
        monkeypatch):
    x = gj.placeholder(gj.float32, [2], name="x")
    v = gj.Variable(np.zeros(2, np.float32), name="v")
    step = v.assign_add(x)
    sess = gj.Session(executor="compiled")
    sess.run(gj.global_variables_initializer())
    monkeypatch.setattr(sess._executor, "prepare", lambda *args: _CrashingPlan())
    with pytest.raises(gj.errors.InternalError, match="compiler bug"):
        sess.run(step, {x: [1.0, 2.0]})
    monkeypatch.undo()
    np.testing.assert_array_equal(sess.run(v), [0.0, 0.0])  # the re-run wrote nothing


def test_op_errors_show_the_user_line_not_graphjit_internals():
    a = gj.placeholder(gj.float32, [None, 3], name="a")
    b = gj.placeholder(gj.float32, [None, 2], name="b")
    product = gj.matmul(a, b); line = _line()  # noqa: E702
    for executor in EXECUTORS:
        with gj.Session(executor=executor) as sess, \
                pytest.raises(gj.errors.InvalidArgumentError) as info:
            sess.run(product, {a: np.ones((2, 3)), b: np.ones((4, 2))})
        trace = str(info.value).split("the op was created at):", 1)[1]
        assert f'{HERE}", line {line}' in trace
        assert "graphlib" not in trace and "runtime" not in trace


# -- gradient-path diagnostics -----------------------------------------------------------

def _broken_model():
    x = gj.placeholder(gj.float32, [3], name="x")
    w = gj.Variable(np.ones(3, np.float32), name="w")
    v = gj.Variable(np.ones(3, np.float32), name="v")
    k = gj.Variable(np.ones(3, np.float32), name="k")
    unused = gj.Variable(np.ones(3, np.float32), name="unused")
    s = gj.Variable(np.ones(3, np.float32), name="s")
    a = gj.cast(gj.argmax(w * x), gj.float32); argmax_line = _line()  # noqa: E702
    b = gj.stop_gradient(v) * x; stop_line = _line()  # noqa: E702
    c = gj.cast(gj.cast(k, gj.int32), gj.float32); cast_line = _line()  # noqa: E702
    blocked = s * 2.0
    loss = gj.reduce_sum(a + b + c + blocked + x)
    lines = {"argmax": argmax_line, "stop": stop_line, "cast": cast_line}
    return x, (w, v, k, unused, s), blocked, loss, lines


def test_gradients_raise_explains_each_broken_path():
    x, (w, v, k, unused, s), blocked, loss, lines = _broken_model()
    with pytest.raises(ValueError) as info:
        gj.gradients(loss, [w, v, k, unused, s, x], stop_gradients=[blocked],
                     unconnected_gradients="raise")
    text = str(info.value)
    assert text.startswith("No gradient for 5 of 6 sources:")
    assert (f"w:0: every path to the loss breaks at:\n    argmax op 'ArgMax' (created at "
            f"{HERE}:{lines['argmax']}) has no gradient") in text
    assert f"stop_gradient op 'StopGradient' (created at {HERE}:{lines['stop']})" in text
    assert (f"cast op 'Cast_1' (created at {HERE}:{lines['cast']}) outputs int32 Cast_1:0: "
            "integer and boolean tensors carry no gradient") in text
    assert "unused:0: no path" in text
    assert f"mul_2' (created at {HERE}" in text and "is listed in stop_gradients" in text
    assert "\nx:0:" not in text  # x has a gradient


def test_default_behaviour_is_unchanged_and_the_helper_explains_one_source():
    x, (w, v, k, unused, s), blocked, loss, lines = _broken_model()
    grads = gj.gradients(loss, [w, x])
    assert grads[0] is None and grads[1] is not None
    assert "argmax op 'ArgMax'" in debugging.explain_no_gradient(loss, w)
    assert "no path" in debugging.explain_no_gradient(loss, unused)
    with pytest.raises(ValueError, match="unconnected_gradients"):
        gj.gradients(loss, [w], unconnected_gradients="explain")


def test_gradient_function_returning_none_is_named():
    g = gj.placeholder(gj.float32, [2, 3], name="g")
    like = gj.placeholder(gj.float32, [1, 3], name="like")
    out = gj.sum_to_shape(g, like)
    with pytest.raises(ValueError, match=r"its gradient function gives no gradient for input "
                                         r"1 \(like:0\)"):
        gj.gradients(gj.reduce_sum(out), [like], unconnected_gradients="raise")


def test_integer_sources_are_explained():
    i = gj.placeholder(gj.int32, [2], name="i")
    loss = gj.reduce_sum(gj.cast(i, gj.float32))
    with pytest.raises(ValueError, match="i:0 is int32: integer and boolean tensors"):
        gj.gradients(loss, [i], unconnected_gradients="raise")
