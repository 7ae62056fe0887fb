"""No leaks: many `Session.run` calls of a training step keep RSS, the graph and the plan
cache flat; a finalized graph rejects new ops (TF1's "graph grows inside the training loop"
leak); the plan cache is bounded and evicts the least recently used plan.

The CI run is 2,000 steps; `GRAPHJIT_LEAK_STEPS=10000` runs the issue's full 10,000.
"""

from __future__ import annotations

import gc
import os

import numpy as np
import pytest

import graphjit as gj
from graphjit.runtime import session as session_module

STEPS = int(os.environ.get("GRAPHJIT_LEAK_STEPS", "2000"))


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _training_step():
    graph = gj.Graph()
    with graph.as_default():
        x = gj.placeholder(gj.float32, [None, 8], name="x")
        y = gj.placeholder(gj.float32, [None, 1], name="y")
        w1 = gj.Variable(np.random.default_rng(0).normal(size=(8, 16)).astype(np.float32) * .3)
        w2 = gj.Variable(np.random.default_rng(1).normal(size=(16, 1)).astype(np.float32) * .3)
        h = gj.nn.relu(gj.matmul(x, w1))
        loss = gj.reduce_mean(gj.square(gj.matmul(h, w2) - y))
        train = gj.train.AdamOptimizer(0.01).minimize(loss)
        init = gj.global_variables_initializer()
    return graph, x, y, loss, train, init


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc (Linux)")
@pytest.mark.parametrize("executor", ["compiled", "interpreted"])
def test_training_steps_keep_memory_flat(executor):
    graph, x, y, loss, train, init = _training_step()
    graph.finalize()
    rng = np.random.default_rng(0)
    feed = {x: rng.normal(size=(32, 8)).astype(np.float32),
            y: rng.normal(size=(32, 1)).astype(np.float32)}
    with gj.Session(graph=graph, executor=executor) as sess:
        sess.run(init)
        first = sess.run([loss, train], feed)[0]
        for _ in range(200):  # warm-up: plans, kernels, allocator pools
            sess.run([loss, train], feed)
        gc.collect()
        before = rss_bytes()
        ops, plans = len(graph.get_operations()), sess.plan_cache_size
        for _ in range(STEPS):
            last = sess.run([loss, train], feed)[0]
        gc.collect()
        grown = rss_bytes() - before
        assert sess.plan_cache_size == plans
    assert len(graph.get_operations()) == ops
    assert last < first  # it trained
    # a leak of one small array per step would be > 2,000 * 512 bytes; allow noise
    assert grown < 8 * 2**20, f"RSS grew by {grown / 2**20:.1f} MiB over {STEPS} steps"


def test_finalized_graph_rejects_new_ops_with_a_clear_error():
    graph, x, y, loss, train, init = _training_step()
    graph.finalize()
    assert graph.finalized
    with graph.as_default():
        for build in (lambda: x * 2.0, lambda: gj.constant(1.0),
                      lambda: gj.Variable(1.0), lambda: gj.gradients(loss, [x]),
                      lambda: gj.train.GradientDescentOptimizer(0.1).minimize(loss)):
            with pytest.raises(RuntimeError, match="finalized"):
                build()
    # running it still works and adds nothing
    with gj.Session(graph=graph, executor="interpreted") as sess:
        sess.run(init)
        sess.run(train, {x: np.ones((2, 8), np.float32), y: np.ones((2, 1), np.float32)})


def test_plan_cache_is_bounded_and_evicts_the_least_recently_used(monkeypatch):
    monkeypatch.setattr(session_module, "_PLAN_CACHE_SIZE", 4)
    graph = gj.Graph()
    with graph.as_default():
        x = gj.placeholder(gj.float32, [None])
        y = gj.reduce_sum(x * 2.0)
    with gj.Session(graph=graph, executor="interpreted") as sess:
        prepared = []
        original = sess._executor.prepare

        def counting(fetches, targets, fed, feed_values):
            prepared.append(feed_values[0].shape[0])
            return original(fetches, targets, fed, feed_values)

        monkeypatch.setattr(sess._executor, "prepare", counting)

        def run(n: int) -> None:
            assert sess.run(y, {x: np.ones(n, np.float32)}) == 2.0 * n

        for n in (1, 2, 3, 4):
            run(n)
        run(1)                 # a hit: 1 becomes the most recently used
        run(5)                 # evicts 2, the least recently used
        assert sess.plan_cache_size == 4
        run(1)                 # still cached
        run(2)                 # was evicted: prepared again
        assert prepared == [1, 2, 3, 4, 5, 2]
        for n in range(6, 60):
            run(n)
        assert sess.plan_cache_size == 4
