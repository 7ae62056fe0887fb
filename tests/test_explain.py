"""The plan as text (gj.compile / Session.explain), the Session's plan cache, and the
compiled executor's agreement with the interpreter on a training step."""

from __future__ import annotations

import numpy as np
import pytest

import graphjit as gj
from graphjit.compiler import compile as compile_plan


def _mlp(batch_dim=None):
    x = gj.placeholder(gj.float32, [batch_dim, 4], name="x")
    y = gj.placeholder(gj.float32, [batch_dim, 3], name="y")
    h = x
    sizes = [4, 8, 8, 3]
    for i in range(3):
        w = gj.Variable(np.full((sizes[i], sizes[i + 1]), 0.1 * (i + 1), np.float32),
                        name=f"w{i}")
        b = gj.Variable(np.zeros(sizes[i + 1], np.float32), name=f"b{i}")
        h = gj.matmul(h, w) + b
        if i < 2:
            h = gj.nn.relu(h)
    loss = gj.reduce_mean(gj.square(h - y))
    variables = gj.trainable_variables()
    grads = gj.gradients(loss, variables)
    updates = [v.assign_sub(0.1 * g) for v, g in zip(variables, grads)]
    return x, y, loss, gj.group(*updates)


def _feeds(x, y, batch=5):
    rng = np.random.default_rng(0)
    return {x: rng.normal(size=(batch, 4)).astype(np.float32),
            y: rng.normal(size=(batch, 3)).astype(np.float32)}


def test_plan_text_lists_signature_passes_program_and_lowering():
    x, y, loss, train = _mlp()
    plan = compile_plan([loss, train], _feeds(x, y), verify=True)
    text = str(plan)
    lines = text.splitlines()
    assert lines[0] == "plan for fetch Mean:0; run group_deps; feed x:0 f32[5,4], y:0 f32[5,3] " \
                       "(device cpu)"
    assert lines[1] == f"nodes: {len(plan.raw)} built -> {len(plan.program)} after optimization"
    for name in ("fold_constants", "simplify_algebra", "eliminate_common_subexpressions",
                 "eliminate_dead_nodes"):
        assert any(line.startswith(f"  {name}: ") for line in lines), name
    assert "program:" in lines
    # one line per node, with value, dtype, shape, op, inputs and the user's op and line
    matmul = next(line for line in lines if "= matmul %" in line and "# MatMul @" in line)
    assert matmul.strip().startswith("%") and ":f32[5,8] = matmul %0 %" in matmul
    assert "test_explain.py:" in matmul
    assert len(plan.program) < len(plan.raw)
    counts = plan.counts()
    assert counts["removed"] >= 1 and counts["folded"] >= 1


def test_training_step_plan_is_smaller_than_the_raw_graph():
    x, y, loss, train = _mlp()
    plan = compile_plan([loss, train], _feeds(x, y))
    raw, optimized = plan.raw.op_counts(), plan.program.op_counts()
    assert sum(optimized.values()) < sum(raw.values())
    assert optimized.get("sum_to_shape", 0) < raw["sum_to_shape"]
    assert "no_op" not in optimized and "ones_like" not in optimized


def test_dump_after_adds_the_program_after_that_pass():
    x = gj.placeholder(gj.float32, [2], name="x")
    plan = compile_plan(gj.identity(x) * (gj.constant(3.0) - 2.0), {x: np.ones(2)},
                        dump_after=["fold_constants"])
    text = str(plan)
    assert "    program after fold_constants:" in text
    assert "program after simplify_algebra" not in text
    assert "      in %0:f32[2] <- x:0" in text


def test_session_explain_matches_compile():
    x, y, loss, train = _mlp()
    feeds = _feeds(x, y)
    with gj.Session() as sess:
        explained = sess.explain([loss, train], feeds)
    assert explained.splitlines()[:2] == str(compile_plan([loss, train], feeds)).splitlines()[:2]


def test_compiled_training_matches_interpreted_and_plans_are_cached_per_shape():
    x, y, loss, train = _mlp()
    results = {}
    for executor in ("interpreted", "compiled"):
        with gj.Session(executor=executor) as sess:
            sess.run(gj.global_variables_initializer())
            losses = [sess.run([loss, train], _feeds(x, y))[0] for _ in range(4)]
            cached = sess.plan_cache_size
            sess.run(loss, _feeds(x, y, batch=7))
            results[executor] = (losses, cached, sess.plan_cache_size)
    np.testing.assert_allclose(results["compiled"][0], results["interpreted"][0], rtol=1e-5)
    assert results["compiled"][1:] == (2, 3)


def test_compile_accepts_names_and_rejects_other_fetches():
    x = gj.placeholder(gj.float32, [2], name="x")
    gj.negative(x, name="neg")
    plan = compile_plan("neg:0", {"x:0": np.ones(2)})
    assert plan.program.output_names == ("neg:0",)
    with pytest.raises(TypeError):
        compile_plan([3], {})


def test_runtime_errors_in_compiled_plans_name_the_user_op():
    v = gj.Variable(1.0, name="never_initialized")
    y = v.value() * 2.0
    with gj.Session() as sess, pytest.raises(gj.errors.FailedPreconditionError) as info:
        sess.run(y)
    assert "never_initialized" in str(info.value)
