"""fuse_elementwise and plan_memory: the printed program before and after, and values."""

from __future__ import annotations

import numpy as np

import graphjit as gj
from graphjit.compiler import build_program, optimize
from graphjit.compiler.passes import PassLog
from graphjit.compiler.passes.fuse_elementwise import fuse_elementwise
from graphjit.compiler.passes.plan_memory import plan_memory
from graphjit.compiler.pipeline import GRAPH_PASSES
from graphjit.runtime.context import RunContext, VariableStore
from tests.test_codegen import compiled_run, interpreted_run


def _program(fetches, feeds):
    fed = list(feeds)
    program, _ = optimize(build_program(fetches, [], fed, [np.shape(feeds[t]) for t in fed]),
                          passes=GRAPH_PASSES)
    return program


def _ops(program):
    return [n.op for n in program.nodes]


def test_w1_chain_fuses_into_one_kernel_with_provenance():
    x = gj.placeholder(gj.float32, [None], name="x")
    y = gj.tanh(x * 0.5 + 0.1) * gj.sigmoid(x) - gj.exp(-x * x)
    program = _program([y], {x: np.zeros(10, np.float32)})
    assert _ops(program) == ["const", "multiply", "const", "add", "tanh", "sigmoid",
                             "multiply", "negative", "multiply", "exp", "subtract"]
    log = PassLog()
    fused = fuse_elementwise(program, log)
    assert _ops(fused) == ["const", "const", "fused"]
    node = fused.nodes[-1]
    assert node.outputs[0].id == program.outputs[0] == fused.outputs[0]
    assert [b[0] for b in node.attrs["body"]] == ["multiply", "add", "tanh", "sigmoid",
                                                 "multiply", "negative", "multiply", "exp",
                                                 "subtract"]
    assert {o.type for o in node.origins} >= {"tanh", "sigmoid", "exp", "negative", "subtract"}
    assert log.counts["fused"] == 9
    assert "fused: %" in log.lines[0] and "9 ops" in log.lines[0]


def test_reductions_fuse_with_private_producers_only():
    x = gj.placeholder(gj.float32, [4, 6], name="x")
    e = gj.exp(x - 1.0)
    # Over leading axes: an elementwise body feeding one reduction.
    column = gj.reduce_sum(e * e, axis=0)
    fused = fuse_elementwise(_program([column], {x: np.zeros((4, 6), np.float32)}))
    assert _ops(fused) == ["const", "fused"]
    assert fused.nodes[-1].attrs["kind"] == "reduction"
    assert fused.nodes[-1].attrs["combiner"] == "sum"
    # When the producer chain is also fetched, the reduction stays separate.
    fused = fuse_elementwise(_program([column, e], {x: np.zeros((4, 6), np.float32)}))
    assert _ops(fused) == ["const", "fused", "reduce_sum"]
    assert fused.nodes[1].attrs["kind"] == "elementwise"
    assert len(fused.nodes[1].outputs) == 2  # e (fetched) and e * e (reduced)


def test_row_reductions_fuse_producers_and_consumers_into_one_rows_kernel():
    x = gj.placeholder(gj.float32, [8, 16], name="x")
    gamma = gj.placeholder(gj.float32, [16], name="gamma")
    mean = gj.reduce_mean(x, axis=-1, keepdims=True)
    centered = x - mean
    var = gj.reduce_mean(gj.square(centered), axis=-1, keepdims=True)
    y = centered * gj.rsqrt(var + 1e-5) * gamma
    rowsum = gj.reduce_sum(gj.exp(x), axis=1)  # not keepdims: an output of its group only
    feeds = {x: np.zeros((8, 16), np.float32), gamma: np.zeros(16, np.float32)}
    fused = fuse_elementwise(_program([y, rowsum], feeds))
    kinds = [n.attrs["kind"] for n in fused.nodes if n.op == "fused"]
    assert kinds == ["rows", "rows"]
    norm = [n for n in fused.nodes if n.op == "fused"][0]
    assert [b[0] for b in norm.attrs["body"]] == [
        "reduce_mean", "subtract", "square", "reduce_mean", "add", "rsqrt", "multiply",
        "multiply"]
    assert norm.attrs["member_shapes"][0] == (8, 1) and norm.attrs["member_shapes"][1] == (8, 16)
    rng = np.random.default_rng(3)
    values = {x: rng.normal(size=(8, 16)).astype(np.float32),
              gamma: rng.normal(size=16).astype(np.float32)}
    executable, out = compiled_run([y, rowsum], values)
    expected = interpreted_run([y, rowsum], values)
    assert executable.describe().count("rows[") == 2
    for a, b in zip(out, expected):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-6)


def test_groups_close_when_read_outside_and_shapes_must_match():
    x = gj.placeholder(gj.float32, [3, 4], name="x")
    b = gj.placeholder(gj.float32, [4], name="b")
    nb = gj.exp(b)                     # a [4] chain: not fused into the [3, 4] group
    h = gj.nn.relu(x + nb)
    m = gj.reduce_max(h, axis=0, keepdims=True)   # a column reduction: closes h's group
    z = (h - m) * 2.0
    feeds = {x: np.zeros((3, 4), np.float32), b: np.zeros(4, np.float32)}
    fused = fuse_elementwise(_program([z], feeds))
    assert _ops(fused) == ["exp", "fused", "reduce_max", "const", "fused"]
    values = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
    feeds = {x: values, b: values[0]}
    (out,) = compiled_run([z], feeds)[1]
    np.testing.assert_allclose(out, interpreted_run([z], feeds)[0], rtol=1e-6)


def test_ordering_edges_are_not_fused():
    x = gj.placeholder(gj.float32, [3], name="x")
    a = x * 2.0
    with gj.control_dependencies([a]):
        b = gj.exp(x)
    c = a + b
    fused = fuse_elementwise(_program([c], {x: np.zeros(3, np.float32)}))
    assert "exp" in _ops(fused)


def test_memory_plan_reuses_buffers_and_reports_peak():
    x = gj.placeholder(gj.float32, [256, 256], name="x")
    w = gj.placeholder(gj.float32, [256, 256], name="w")
    h = x
    for _ in range(4):
        h = gj.nn.softmax(gj.matmul(h, w))
    feeds = {x: np.eye(256, dtype=np.float32), w: np.eye(256, dtype=np.float32) * 0.5}
    program = fuse_elementwise(_program([h], feeds))
    log = PassLog()
    planned = plan_memory(program, log)
    plan = planned.memory
    size = 256 * 256 * 4
    # 7 intermediates (4 matmuls, 3 softmaxes; the last softmax is fetched) in 2 buffers.
    assert len(plan.slots) == 7
    assert plan.slot_bytes == (size, size)
    assert plan.peak_bytes == 2 * size
    assert planned.nodes == program.nodes and planned.outputs == program.outputs
    assert "2 buffers" in log.lines[0]
    executable, (first,) = compiled_run([h], feeds)
    _, (second,) = compiled_run([h], feeds)
    assert "memory: 2 buffers" in executable.describe()
    expected = interpreted_run([h], feeds)[0]
    np.testing.assert_allclose(first, expected, rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(first, second)


def test_in_place_elementwise_and_fetched_values_stay_private():
    x = gj.placeholder(gj.float32, [64, 64], name="x")
    y = gj.matmul(x, x)
    z = gj.reduce_sum(gj.nn.softmax(y), axis=1)
    feeds = {x: np.ones((64, 64), np.float32)}
    executable, (first,) = compiled_run([z], feeds)
    again = executable.run(RunContext(VariableStore()), [feeds[x]])[0]
    assert first is not again  # fetched arrays are fresh every run
    np.testing.assert_allclose(first, np.ones(64), rtol=1e-6)


def test_values_read_by_gradient_sums_and_matmuls_are_planned():
    x = gj.placeholder(gj.float32, [32, 16], name="x")
    w = gj.constant(np.ones((16, 8), np.float32))
    b = gj.placeholder(gj.float32, [8], name="b")
    h = gj.nn.relu(gj.matmul(x, w) + b)
    dx, db = gj.gradients(gj.reduce_sum(h * 3.0), [x, b])
    program = plan_memory(_program([dx, db], {x: np.ones((32, 16), np.float32),
                                             b: np.ones(8, np.float32)}))
    (relu_grad,) = [n for n in program.nodes if n.op == "relu_grad"]
    # read by sum_to_shape (db) and matmul (dx) only: its buffer is planned
    assert relu_grad.outputs[0].id in program.memory.slots
