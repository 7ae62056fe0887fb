"""Kernel generation: typing of scalar expressions, iteration-space coalescing, and fused
kernels against the interpreter on hypothesis-generated graphs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphjit as gj
from graphjit.compiler import build_program, optimize
from graphjit.compiler.lowering import codegen
from graphjit.compiler.lowering.cpu import lower_cpu
from graphjit.compiler.passes.fuse_elementwise import fuse_elementwise
from graphjit.compiler.passes.plan_memory import plan_memory
from graphjit.compiler.pipeline import GRAPH_PASSES
from graphjit.runtime.context import RunContext, VariableStore


def compiled_run(fetches, feeds: dict, fuse: bool = True):
    """Values of `fetches` through build -> optimize -> (fuse, plan) -> lower_cpu."""
    fed = list(feeds)
    values = [np.asarray(feeds[t]) for t in fed]
    program, _ = optimize(build_program(fetches, [], fed, [v.shape for v in values]),
                          passes=GRAPH_PASSES)
    if fuse:
        program = plan_memory(fuse_elementwise(program))
    executable = lower_cpu(program)
    return executable, executable.run(RunContext(VariableStore()), values)


def interpreted_run(fetches, feeds: dict):
    with gj.Session(executor="interpreted") as sess:
        return sess.run(fetches, feeds)


def _lines(steps, inputs):
    return codegen.emit_steps(steps, inputs)[0]


def test_weak_literals_keep_float32_and_int_division_is_float64():
    f32, i32 = np.dtype(np.float32), np.dtype(np.int32)
    (line,) = _lines([codegen.Step("relu", (0,), (), f32)], [("x", f32)])
    assert line == "v0 = np.float32(fm.maximum_float(x, np.float32(0)))"
    (line,) = _lines([codegen.Step("truediv", (0, 1), (), np.dtype(np.float64))],
                     [("a", i32), ("b", i32)])
    assert line == "v0 = (np.float64(a) / np.float64(b))"
    (line,) = _lines([codegen.Step("add", (0, 1), (), i32)], [("a", i32), ("b", i32)])
    assert line == "v0 = np.int32((a + b))"  # Numba widens; NumPy wraps in int32
    (line,) = _lines([codegen.Step("cast", (0,), (), np.dtype(bool))], [("x", f32)])
    assert line == "v0 = (x != 0)"


def test_coalesce_merges_dimensions_by_broadcast_pattern():
    assert codegen.coalesce((4, 5, 6), [(4, 5, 6), (4, 5, 6)]) == ((120,), ((True,),) * 2)
    assert codegen.coalesce((4, 5, 6), [(4, 5, 6), (6,)]) == \
        ((20, 6), ((True, True), (False, True)))
    assert codegen.coalesce((4, 1, 6), [(4, 1, 6), (4, 1, 1)]) == \
        ((4, 6), ((True, True), (True, False)))
    assert codegen.coalesce((), [()]) == ((1,), ((True,),))


def test_literal_is_exact_for_specials():
    assert codegen.literal(np.float32(0.1), np.float32) == "np.float32(0.10000000149011612)"
    assert codegen.literal(float("nan"), np.float64) == "np.float64(np.nan)"
    assert codegen.literal(-np.inf, np.float32) == "np.float32(-np.inf)"


def test_kernels_are_shape_generic_and_deduplicated():
    x = gj.placeholder(gj.float32, [None, 8])
    y = gj.exp(x) * 2.0 + 1.0
    first, (a,) = compiled_run([y], {x: np.ones((3, 8), np.float32)})
    second, (b,) = compiled_run([y], {x: np.ones((5, 8), np.float32)})
    k1 = [s.kernel.module for s in first.steps if s.kernel]
    k2 = [s.kernel.module for s in second.steps if s.kernel]
    assert k1 and k1 == k2  # a new batch size reuses the same kernel module
    np.testing.assert_allclose(b, np.exp(1.0) * 2 + 1, rtol=1e-6)


_UNARY = [
    ("exp", lambda t: gj.exp(t * 0.5)), ("log", lambda t: gj.log(gj.abs(t) + 0.1)),
    ("tanh", gj.tanh), ("sigmoid", gj.sigmoid), ("neg", lambda t: -t),
    ("softplus", gj.nn.softplus), ("relu", gj.nn.relu), ("square", gj.square),
    ("sqrt", lambda t: gj.sqrt(gj.abs(t))), ("expm1", lambda t: gj.math.expm1(t * 0.3)
                                              if hasattr(gj, "math") else gj.expm1(t * 0.3)),
]
_BINARY = [("add", lambda a, b: a + b), ("sub", lambda a, b: a - b),
           ("mul", lambda a, b: a * b), ("max", gj.maximum), ("min", gj.minimum),
           ("where", lambda a, b: gj.where(a > 0.1, a, a * 0.5)),
           ("div", lambda a, b: a / (gj.abs(b) + 1.0))]


@st.composite
def fused_graphs(draw):
    rank = draw(st.integers(1, 3))
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=rank, max_size=rank)))
    n_inputs = draw(st.integers(1, 3))
    shapes = [shape]
    for _ in range(n_inputs - 1):
        # broadcastable: drop leading dims and set some dims to 1
        cut = draw(st.integers(0, rank))
        sub = [d if draw(st.booleans()) else 1 for d in shape[cut:]]
        shapes.append(tuple(sub))
    program = draw(st.lists(st.tuples(st.booleans(), st.integers(0, 9), st.integers(0, 9),
                                      st.integers(0, 20)), min_size=1, max_size=8))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    reduce = draw(st.sampled_from([None, "sum", "max", "mean"]))
    return shapes, program, dtype, reduce


@settings(max_examples=15, deadline=None)
@given(fused_graphs())
def test_fused_graphs_match_interpreter(spec):
    shapes, recipe, dtype, reduce = spec
    gj.reset_default_graph()
    rng = np.random.default_rng(0)
    dt = gj.as_dtype(dtype)
    inputs = [gj.placeholder(dt, s) for s in shapes]
    values = [rng.uniform(-2, 2, size=s).astype(dtype) for s in shapes]
    pool = list(inputs)
    for unary, i, j, k in recipe:
        a, b = pool[i % len(pool)], pool[j % len(pool)]
        if unary:
            pool.append(_UNARY[k % len(_UNARY)][1](a))
        else:
            pool.append(_BINARY[k % len(_BINARY)][1](a, b))
    result = pool[-1]
    fetches = [result]
    if reduce is not None and result.shape.rank:
        builder = {"sum": gj.reduce_sum, "max": gj.reduce_max, "mean": gj.reduce_mean}[reduce]
        fetches = [builder(result * 1.5, axis=-1)]
    feeds = dict(zip(inputs, values))
    _, compiled = compiled_run(fetches, feeds)
    expected = interpreted_run(fetches, feeds)
    tol = 2e-5 if dtype == np.float32 else 1e-12
    for c, e in zip(compiled, expected):
        assert c.dtype == np.asarray(e).dtype
        np.testing.assert_allclose(c, e, rtol=tol, atol=tol)


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_row_kernels(op):
    x = gj.placeholder(gj.float32, [None, 33])
    y = getattr(gj.nn, op)(x)
    value = np.random.default_rng(1).normal(scale=4, size=(17, 33)).astype(np.float32)
    value[3, 5] = 80.0
    executable, (out,) = compiled_run([y], {x: value})
    assert "row kernel" in executable.describe()
    (expected,) = interpreted_run([y], {x: value})
    np.testing.assert_allclose(out, expected, rtol=2e-6, atol=2e-7)


@pytest.mark.parametrize("n", [3, 512, 1500, 70_000])
def test_row_sums_block_float32_partials_without_losing_accuracy(n):
    """Rows kernels sum float32 in blocks of float32 partial sums added in float64: whole
    blocks and the tail both count, and long rows stay as exact as a float64 sum."""
    x = gj.placeholder(gj.float32, [None, n])
    mean = gj.reduce_mean(x, axis=1, keepdims=True)
    centered = gj.reduce_sum(gj.square(x - mean), axis=1)
    value = (1.0 + np.random.default_rng(n).random((3, n))).astype(np.float32)
    executable, (got_mean, got_var) = compiled_run([mean, centered], {x: value})
    assert "rows[" in executable.describe()
    wide = value.astype(np.float64)
    want_mean = wide.mean(axis=1, keepdims=True)
    want_var = ((value - want_mean.astype(np.float32)).astype(np.float64) ** 2).sum(axis=1)
    np.testing.assert_allclose(got_mean, want_mean, rtol=2e-7)
    np.testing.assert_allclose(got_var, want_var, rtol=2e-6)


def test_softmax_rows_kernel_keeps_its_row_in_the_output():
    source = codegen.row_op_kernel("softmax", np.dtype(np.float32)).source
    assert "np.empty" not in source  # exp(x - max) waits in the output row, no scratch
    assert "for jj in range(512):" in source


def test_reduction_layouts_and_fallback():
    x = gj.placeholder(gj.float32, [4, 5, 6])
    value = np.random.default_rng(2).normal(size=(4, 5, 6)).astype(np.float32)
    fetches = [gj.reduce_sum(gj.exp(x), axis=[1]), gj.reduce_max(x * 2.0, axis=0),
               gj.reduce_min(x, axis=[0, 2]), gj.reduce_mean(x), gj.reduce_sum(x, axis=2,
                                                                            keepdims=True)]
    executable, out = compiled_run(fetches, {x: value})
    expected = interpreted_run(fetches, {x: value})
    for a, b in zip(out, expected):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    text = executable.describe()
    assert "reduction[sum, 1 fused ops" in text and "reduce_min" in text
