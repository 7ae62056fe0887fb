"""Each pass on hand-built graphs: the program printed before and after, and the exact
effect recorded in its log; IEEE exactness of the algebraic rules; and hypothesis random
graphs (random ops and assignments included) run optimized vs interpreted."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import graphjit as gj
from graphjit.compiler import build_program, optimize
from graphjit.compiler.passes import PassLog
from graphjit.compiler.passes.eliminate_common_subexpressions import (
    eliminate_common_subexpressions,
)
from graphjit.compiler.passes.eliminate_dead_nodes import eliminate_dead_nodes
from graphjit.compiler.passes.fold_constants import fold_constants
from graphjit.compiler.passes.simplify_algebra import simplify_algebra
from graphjit.compiler.passes.verify import verify


def text(program) -> list[str]:
    """Program lines without provenance comments (they hold this file's line numbers)."""
    return [line.split("   #")[0] for line in program.text().splitlines()]


def run_pass(fn, fetches, feeds=None, targets=(), **kwargs):
    feeds = feeds or {}
    program = build_program(fetches, targets, list(feeds), list(feeds.values()))
    log = PassLog()
    result = fn(program, log, **kwargs)
    verify(result, reference=program)
    return program, result, log


# -- constant folding ---------------------------------------------------------------------

def test_fold_evaluates_constant_subgraphs_once_and_keeps_provenance():
    x = gj.placeholder(gj.float32, [2], name="x")
    scale = gj.constant(2.0, name="two") * 3.0 + 1.0
    y = x * scale
    before, after, log = run_pass(fold_constants, [y], {x: (2,)})
    assert text(before)[1:] == [
        "  %1:f32[] = const 2.", "  %2:f32[] = const 3.", "  %3:f32[] = multiply %1 %2",
        "  %4:f32[] = const 1.", "  %5:f32[] = add %3 %4", "  %6:f32[2] = multiply %0 %5",
        "out %6 -> mul_1:0"]
    assert text(after)[1:] == [
        "  %1:f32[] = const 2.", "  %2:f32[] = const 3.", "  %4:f32[] = const 1.",
        "  %5:f32[] = const 7.", "  %6:f32[2] = multiply %0 %5", "out %6 -> mul_1:0"]
    assert log.counts["folded"] == 2 and log.counts["constant"] == 1
    assert log.counts["bytes"] == 4
    const = after.nodes[3]
    assert const.origin.name == "add"  # the folded value remembers the op it came from


def test_fold_uses_static_shapes_and_shape_only_ops():
    x = gj.placeholder(gj.float32, [None, 3], name="x")
    n = gj.cast(gj.shape(x)[0], gj.float32)
    y = gj.reduce_sum(x) / n + gj.reduce_sum(gj.ones_like(x))
    _, after, log = run_pass(fold_constants, [y], {x: (4, 3)})
    ops = [node.op for node in after.nodes]
    assert "shape" not in ops and "strided_slice" not in ops and "ones_like" not in ops
    values = {node.attrs["value"].item() for node in after.nodes
              if node.op == "const" and node.attrs["value"].size == 1}
    assert {4.0, 12.0} <= values
    assert log.counts["folded"] >= 4


def test_fold_never_folds_variable_reads_random_ops_or_ordered_nodes():
    v = gj.Variable(np.ones(2, np.float32), name="v")
    r = gj.random_uniform([2], seed=1)
    with gj.control_dependencies([v.initializer]):
        ordered = gj.constant(5.0) * 2.0
    y = v.value() * 2.0 + r + ordered
    _, after, log = run_pass(fold_constants, [y])
    ops = [n.op for n in after.nodes]
    assert "read_variable" in ops and "random_uniform" in ops
    assert sum(op == "multiply" for op in ops) == 2  # the read's and the ordered one
    assert log.counts["folded"] == 0


def test_fold_leaves_a_failing_kernel_to_the_run_and_says_so():
    x = gj.placeholder(gj.float32, [2], name="x")
    indices = gj.constant([0, 5])
    y = x + gj.gather(gj.constant([1.0, 2.0]), indices)
    _, after, log = run_pass(fold_constants, [y], {x: (2,)})
    assert "gather" in [n.op for n in after.nodes]
    assert any(line.startswith("not folded") and "gather" in line for line in log.lines)


def test_fold_has_no_size_cap_and_reports_bytes():
    x = gj.placeholder(gj.float32, [512, 512], name="x")
    big = gj.ones_like(x) * 2.0
    _, after, log = run_pass(fold_constants, [big], {x: (512, 512)})
    assert {n.op for n in after.nodes} == {"const"}
    assert after.producers[after.outputs[0]][0].attrs["value"].shape == (512, 512)
    assert log.counts["bytes"] == 512 * 512 * 4


# -- simplification -----------------------------------------------------------------------

def simplify(fetch, feeds, **kwargs):
    return run_pass(simplify_algebra, [fetch], feeds, **kwargs)


def test_simplify_removes_identities_and_multiplication_by_one():
    x = gj.placeholder(gj.float32, [3], name="x")
    y = gj.stop_gradient(gj.identity(x)) * 1.0
    before, after, log = simplify(y, {x: (3,)})
    assert text(before)[1:] == ["  %1:f32[3] = identity %0", "  %2:f32[3] = stop_gradient %1",
                                "  %3:f32[] = const 1.", "  %4:f32[3] = multiply %2 %3",
                                "out %4 -> mul:0"]
    assert text(after)[1:] == ["  %3:f32[] = const 1.", "out %0 -> mul:0"]
    assert log.counts["removed"] == 3


def test_broadcasting_multiplication_by_one_is_kept():
    x = gj.placeholder(gj.float32, [3], name="x")
    y = x * np.ones((2, 3), np.float32)
    _, after, log = simplify(y, {x: (3,)})
    assert "multiply" in [n.op for n in after.nodes] and not log.counts


def test_adding_positive_zero_is_kept_but_negative_zero_is_removed():
    x = gj.placeholder(gj.float32, [3], name="x")
    plus_zero = x + 0.0
    _, after, log = simplify(plus_zero, {x: (3,)})
    assert "add" in [n.op for n in after.nodes] and not log.counts
    _, after, log = simplify(x + (-0.0), {x: (3,)})
    assert "add" not in [n.op for n in after.nodes] and log.counts["removed"] == 1
    _, after, log = simplify(x - 0.0, {x: (3,)})
    assert "subtract" not in [n.op for n in after.nodes]
    _, after, log = simplify(x - (-0.0), {x: (3,)})
    assert "subtract" in [n.op for n in after.nodes]
    _, after, log = simplify(plus_zero, {x: (3,)}, fast_math=True)
    assert "add" not in [n.op for n in after.nodes]
    i = gj.placeholder(gj.int32, [3], name="i")
    _, after, log = simplify(0 + i, {i: (3,)})
    assert "add" not in [n.op for n in after.nodes]


def test_double_negation_and_transpose_and_reshape_chains():
    x = gj.placeholder(gj.float32, [2, 3, 4], name="x")
    y = gj.negative(gj.negative(x))
    _, after, _ = simplify(y, {x: (2, 3, 4)})
    assert after.outputs == (0,)
    t = gj.transpose(gj.transpose(x, [1, 2, 0]), [2, 0, 1])
    _, after, log = simplify(t, {x: (2, 3, 4)})
    assert after.outputs == (0,) and log.counts == {"rewritten": 1, "removed": 1}
    t = gj.transpose(gj.transpose(x, [1, 0, 2]), [0, 2, 1])
    _, after, log = simplify(t, {x: (2, 3, 4)})
    node = after.producers[after.outputs[0]][0]
    assert node.op == "transpose" and node.inputs[0] == 0 and log.counts == {"rewritten": 1}
    assert after.values[node.inputs[1]] and [n.attrs["value"].tolist() for n in after.nodes
                                            if n.id == node.inputs[1]] == [[1, 2, 0]]
    r = gj.reshape(gj.reshape(x, [6, 4]), [4, 6])
    before, after, log = simplify(r, {x: (2, 3, 4)})
    node = after.producers[after.outputs[0]][0]
    assert node.op == "reshape" and node.inputs[0] == 0 and log.counts == {"rewritten": 1}
    same = gj.reshape(x, [2, 3, 4])
    _, after, _ = simplify(same, {x: (2, 3, 4)})
    assert after.outputs == (0,)


def test_casts():
    x = gj.placeholder(gj.float32, [3], name="x")
    _, after, _ = simplify(gj.cast(x, gj.float32), {x: (3,)})
    assert after.outputs == (0,)
    i = gj.placeholder(gj.int32, [3], name="i")
    _, after, log = simplify(gj.cast(gj.cast(i, gj.float64), gj.float32), {i: (3,)})
    (node,) = [n for n in after.nodes if n.op == "cast" and n.inputs == (0,)
               and n.outputs[0].dtype == gj.float32]
    assert log.counts == {"rewritten": 1} and node
    d = gj.placeholder(gj.float64, [3], name="d")
    _, after, log = simplify(gj.cast(gj.cast(d, gj.float32), gj.float64), {d: (3,)})
    assert not log.counts  # float64 -> float32 rounds: the chain is not an identity


def test_gradient_broadcast_helpers_vanish_once_shapes_are_concrete():
    x = gj.placeholder(gj.float32, [None, 3], name="x")
    b = gj.placeholder(gj.float32, [None, 3], name="b")
    (g,) = gj.gradients(gj.reduce_sum(x * b), [x])
    before, after, log = run_pass(simplify_algebra, [g], {x: (2, 3), b: (2, 3)})
    assert "sum_to_shape" in [n.op for n in before.nodes]
    assert "sum_to_shape" not in [n.op for n in after.nodes]


def test_identity_with_control_dependencies_is_kept():
    x = gj.placeholder(gj.float32, [3], name="x")
    v = gj.Variable(np.zeros(3, np.float32), name="v")
    with gj.control_dependencies([v.assign(x)]):
        y = gj.identity(x)
    _, after, log = simplify(y, {x: (3,)})
    assert "identity" in [n.op for n in after.nodes] and not log.counts


SPECIAL = np.array([-0.0, 0.0, np.nan, np.inf, -np.inf, 1e-45, -3.5, 7.0], np.float32)


@pytest.mark.parametrize("build", [
    lambda x: x * 1.0, lambda x: 1.0 * x, lambda x: x / 1.0, lambda x: x + (-0.0),
    lambda x: (-0.0) + x, lambda x: x - 0.0, lambda x: gj.negative(-x), lambda x: gj.identity(x),
    lambda x: gj.cast(gj.cast(x, gj.float64), gj.int32),
    lambda x: gj.reshape(gj.reshape(x, [2, 4]), [8]),
])
def test_exact_rules_keep_every_bit_of_special_values(build):
    x = gj.placeholder(gj.float32, [8], name="x")
    y = build(x)
    program = build_program([y], [], [x], [(8,)])
    simplified = simplify_algebra(program)
    assert simplified.text() != program.text()
    with gj.Session(executor="interpreted") as sess:
        expected = sess.run(y, {x: SPECIAL})
    from graphjit.compiler.lowering.reference import ReferenceExecutable
    got = ReferenceExecutable(simplified).run(None, [SPECIAL])[0]
    assert got.dtype == expected.dtype
    assert got.tobytes() == expected.tobytes()


# -- common subexpressions -----------------------------------------------------------------

def test_cse_merges_equal_pure_nodes_and_chains_of_them():
    x = gj.placeholder(gj.float32, [3], name="x")
    a = gj.exp(x * 2.0)
    b = gj.exp(x * 2.0)
    before, after, log = run_pass(eliminate_common_subexpressions, [a + b], {x: (3,)})
    assert text(before)[1:-1] == [
        "  %1:f32[] = const 2.", "  %2:f32[3] = multiply %0 %1", "  %3:f32[3] = exp %2",
        "  %4:f32[] = const 2.", "  %5:f32[3] = multiply %0 %4", "  %6:f32[3] = exp %5",
        "  %7:f32[3] = add %3 %6"]
    assert text(after)[1:-1] == [
        "  %1:f32[] = const 2.", "  %2:f32[3] = multiply %0 %1", "  %3:f32[3] = exp %2",
        "  %7:f32[3] = add %3 %3"]
    assert log.counts == {"merged": 3}
    assert len(after.nodes[1].origins) == 2  # the survivor remembers both user ops


def test_cse_keeps_apart_different_constants_signed_zeros_and_dtypes():
    x = gj.placeholder(gj.float32, [3], name="x")
    y = (x + 0.0) * (x + (-0.0)) * (x + 1.0)
    _, after, log = run_pass(eliminate_common_subexpressions, [y], {x: (3,)})
    assert not log.counts


def test_cse_never_merges_reads_random_ops_assignments_or_ordered_nodes():
    v = gj.Variable(np.ones(2, np.float32), name="v")
    reads = v.value() + v.value()
    draws = gj.random_normal([2], seed=3) + gj.random_normal([2], seed=3)
    assigns = v.assign_add([1.0, 1.0]) + v.assign_add([1.0, 1.0])
    with gj.control_dependencies([v.initializer]):
        ordered = gj.constant(1.0) + gj.constant(1.0)
    fetch = [reads, draws, assigns, ordered]
    _, after, log = run_pass(eliminate_common_subexpressions, fetch)
    merged_ops = {line.split(" = ")[1].split()[0] for line in log.lines}
    assert not merged_ops & {"read_variable", "random_standard_normal",
                             "assign_add_variable", "add"}


# -- dead nodes ----------------------------------------------------------------------------

def test_dce_removes_what_nothing_needs_but_keeps_side_effects():
    x = gj.placeholder(gj.float32, [None], name="x")
    v = gj.Variable(np.zeros(3, np.float32), name="v")
    written = v.assign(gj.ones_like(x))
    y = gj.cast(gj.shape(written)[0], gj.float32) + x  # only the assign's shape is read
    program = build_program([y], [], [x], [(3,)])
    folded = fold_constants(program)
    log = PassLog()
    after = eliminate_dead_nodes(folded, log)
    verify(after, reference=folded)
    ops = [n.op for n in after.nodes]
    assert "assign_variable" in ops  # a side effect: still runs
    assert "shape" not in ops and "strided_slice" not in ops
    assert log.counts["removed"] >= 2


def test_dce_dissolves_no_op_joins_into_their_edges():
    v = gj.Variable(1.0, name="v")
    w = gj.Variable(2.0, name="w")
    init = gj.global_variables_initializer()
    before, after, log = run_pass(eliminate_dead_nodes, [], targets=[init])
    assigns = [n.id for n in after.nodes if n.op == "assign_variable"]
    assert "no_op" not in [n.op for n in after.nodes]
    assert after.targets == tuple(assigns) and after.target_names == ("init", "init")
    assert log.lines[0].startswith("removed: no_op join: ^")
    assert v.dtype == w.dtype


# -- the pipeline on random graphs ---------------------------------------------------------

UNARY = ["negative", "identity", "exp_small", "square", "abs", "stop_gradient", "tanh"]
BINARY = ["add", "subtract", "multiply", "maximum"]


def _unary(name, t):
    if name == "exp_small":
        return gj.exp(gj.minimum(t, 3.0))
    return getattr(gj, name)(t)


@st.composite
def random_graph(draw):
    """A recipe: a list of steps, each making a new tensor from earlier ones."""
    steps = []
    for _ in range(draw(st.integers(2, 14))):
        kind = draw(st.sampled_from(["unary", "binary", "const", "random", "assign",
                                     "read", "cast_chain", "transpose2", "reshape2",
                                     "identity_chain", "dup"]))
        steps.append((kind, draw(st.integers(0, 10**6)),
                      draw(st.sampled_from(UNARY)), draw(st.sampled_from(BINARY)),
                      draw(st.sampled_from([0.0, -0.0, 1.0, 2.5]))))
    return steps


def _build(steps):
    x = gj.placeholder(gj.float32, [None, 3], name="x")
    v = gj.Variable(np.full((2, 3), 0.5, np.float32), name="v")
    pool = [x]
    effects = []
    for kind, pick, un, bi, c in steps:
        a = pool[pick % len(pool)]
        b = pool[(pick // 7) % len(pool)]
        if kind == "unary":
            t = _unary(un, a)
        elif kind == "binary":
            t = getattr(gj, bi)(a, b)
        elif kind == "const":
            t = getattr(gj, bi)(a, gj.constant(c) * 2.0 / 2.0)
        elif kind == "random":
            t = a + gj.random_uniform([3], seed=pick % 5)
        elif kind == "assign":
            op = v.assign_add(gj.reduce_mean(a) * gj.ones([2, 3]) * 0.01)
            effects.append(op)
            t = a * gj.reduce_sum(op)
        elif kind == "read":
            t = a + gj.reduce_mean(v.value())
        elif kind == "cast_chain":
            t = gj.cast(gj.cast(a, gj.float64), gj.float32)
        elif kind == "transpose2":
            t = gj.transpose(gj.transpose(a))
        elif kind == "reshape2":
            t = gj.reshape(gj.reshape(a, [-1]), gj.shape(a))
        elif kind == "identity_chain":
            t = gj.identity(gj.identity(a)) * 1.0
        else:
            t = _unary(un, a) + _unary(un, a)
        pool.append(t)
    return x, v, pool[-3:], effects


def _run(steps, executor, feed):
    graph = gj.Graph()
    with graph.as_default():
        x, v, fetches, effects = _build(steps)
        init = gj.global_variables_initializer()
        with gj.Session(graph=graph, executor=executor) as sess:
            sess.run(init)
            first = sess.run(fetches + effects, {x: feed})
            second = sess.run(fetches, {x: feed})
            state = sess.run(v.value())
    return first + second + [state]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_graph(), st.integers(1, 4))
def test_optimized_programs_compute_what_the_interpreter_computes(steps, batch):
    feed = np.random.default_rng(batch).uniform(-2, 2, (batch, 3)).astype(np.float32)
    expected = _run(steps, "interpreted", feed)
    got = _run(steps, "compiled", feed)
    for e, g in zip(expected, got):
        assert np.asarray(g).dtype == np.asarray(e).dtype
        np.testing.assert_allclose(g, e, rtol=2e-6, atol=1e-6)


@settings(max_examples=25, deadline=None)
@given(random_graph())
def test_every_pass_keeps_the_ir_valid_on_random_graphs(steps):
    graph = gj.Graph()
    with graph.as_default():
        x, _, fetches, effects = _build(steps)
        program = build_program(fetches, [e.op for e in effects], [x], [(2, 3)])
    optimized, records = optimize(program, verify=True)
    assert len(optimized) <= len(program)
    assert [r.name for r in records][:4] == ["fold_constants", "simplify_algebra",
                                             "eliminate_common_subexpressions",
                                             "eliminate_dead_nodes"]
