"""Scale: a 10,000-op chain goes through graph building, gradients, the interpreter,
the pass pipeline, compilation, serialization and DOT export with Python's default
recursion limit (nothing here raises it). 100,000-op graphs are in benchmarks/scale.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import graphjit as gj
import graphjit.viz
from graphjit.compiler import build_program, optimize
from graphjit.compiler.pipeline import PASSES

CHAIN = 10_000
DEFAULT_RECURSION_LIMIT = 1000


def chain(n: int = CHAIN):
    """A graph of n ops: x -> (x * 1.0001 | tanh) + 0.001 -> ... -> reduce_sum."""
    graph = gj.Graph()
    with graph.as_default():
        x = gj.placeholder(gj.float64, [3], name="x")
        y = x
        for i in range((n - 2) // 3):
            y = gj.tanh(y) if i % 2 else y * 1.0001
            y = y + 0.001
        loss = gj.reduce_sum(y, name="loss")
    return graph, x, loss


def expected_loss(x: np.ndarray, n: int = CHAIN) -> float:
    y = x.astype(np.float64)
    for i in range((n - 2) // 3):
        y = np.tanh(y) if i % 2 else y * 1.0001
        y = y + 0.001
    return float(y.sum())


@pytest.fixture(scope="module", autouse=True)
def default_recursion_limit():
    """Python's default limit for these tests, whatever ran before (importing TensorFlow,
    an optional oracle elsewhere in the suite, raises it to 3000)."""
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(DEFAULT_RECURSION_LIMIT)
    yield
    sys.setrecursionlimit(before)


@pytest.fixture(scope="module")
def big():
    graph, x, loss = chain()
    assert len(graph.get_operations()) >= CHAIN
    with graph.as_default():
        (grad,) = gj.gradients(loss, [x])
    return graph, x, loss, grad


def test_build_and_gradients_of_a_10k_chain(big):
    graph, x, loss, grad = big
    assert len(graph.get_operations()) > 2 * CHAIN
    assert grad.shape.as_list() == [3]


def test_interpreted_run_of_a_10k_chain_and_its_gradient(big):
    graph, x, loss, grad = big
    value = np.array([0.1, -0.5, 2.0])
    with gj.Session(graph=graph, executor="interpreted") as sess:
        got, g = sess.run([loss, grad], {x: value})
    assert got == pytest.approx(expected_loss(value), rel=1e-12)
    eps = 1e-6
    bumped = value + np.array([eps, 0, 0])
    numeric = (expected_loss(bumped) - expected_loss(value - np.array([eps, 0, 0]))) / (2 * eps)
    assert g[0] == pytest.approx(numeric, rel=1e-5, abs=1e-9)


def test_passes_before_fusion_on_a_10k_chain(big):
    graph, x, loss, grad = big
    program = build_program([loss, grad], [], [x], [(3,)])
    early = tuple(p for p in PASSES if p[0] not in ("fuse_elementwise", "plan_memory"))
    optimized, records = optimize(program, passes=early, verify=True)
    assert len(optimized) <= len(program)
    assert [r.name for r in records] == [name for name, _ in early]


_COMPILE_10K = textwrap.dedent("""
    import sys, numpy as np
    sys.path.insert(0, {root!r})
    from tests.test_scale import chain, expected_loss
    import graphjit as gj
    graph, x, loss = chain()
    with graph.as_default():
        (grad,) = gj.gradients(loss, [x])
    with gj.Session(graph=graph) as sess:
        got, _ = sess.run([loss, grad], {{x: np.array([0.1, -0.5, 2.0])}})
    assert abs(got - expected_loss(np.array([0.1, -0.5, 2.0]))) < 1e-9, got
    print("ok")
""")


def test_compiled_10k_chain_and_gradient_within_60_seconds(tmp_path):
    # fuse_elementwise caps a kernel at MAX_FUSED_MEMBERS ops, so the chain becomes many
    # small kernels of a few distinct sources (about 3 s cold on a 2-core machine).
    env = dict(os.environ, GRAPHJIT_CACHE_DIR=str(tmp_path))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        done = subprocess.run([sys.executable, "-c", _COMPILE_10K.format(root=root)],
                              env=env, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("compiling and running a 10,000-op chain and its gradient took > 60 s")
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "ok"


def test_serialization_round_trip_of_a_10k_chain(big, tmp_path):
    graph, x, loss, grad = big
    graph_def = graph.as_graph_def()
    # export may add const nodes for inputs that graphjit keeps as attrs (TF op mapping)
    assert len(graph_def.node) >= len(graph.get_operations())
    gj.train.write_graph(graph_def, str(tmp_path), "big.pb", as_text=False)
    read = gj.io.read_graph(str(tmp_path / "big.pb"))
    imported = gj.Graph()
    with imported.as_default():
        gj.import_graph_def(read, name="")
    value = np.array([0.3, 0.2, -1.0])
    with gj.Session(graph=imported, executor="interpreted") as sess:
        got = sess.run("loss:0", {"x:0": value})
    assert got == pytest.approx(expected_loss(value), rel=1e-12)


def test_dot_export_of_a_10k_chain(big):
    graph, x, loss, grad = big
    dot = gj.viz.to_dot(graph)
    assert dot.startswith("digraph")
    assert dot.count("->") >= len(graph.get_operations()) - 1
