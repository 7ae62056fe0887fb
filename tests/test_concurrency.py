"""Concurrency: one Session used from 8 threads at once (TF1 sessions are thread-safe), and
two processes compiling the same kernels at once into one disk cache.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

import graphjit as gj

THREADS = 8


def _model():
    graph = gj.Graph()
    with graph.as_default():
        x = gj.placeholder(gj.float32, [None, 3], name="x")
        w = gj.Variable(np.linspace(-1, 1, 6, dtype=np.float32).reshape(3, 2), name="w")
        h = gj.tanh(gj.matmul(x, w) + 0.5)
        out = {"h": h, "sum": gj.reduce_sum(h, axis=1), "soft": gj.nn.softmax(h)}
        init = gj.global_variables_initializer()
    return graph, x, w, out, init


def _expected(x: np.ndarray, w: np.ndarray) -> dict:
    h = np.tanh(x @ w + 0.5)
    e = np.exp(h - h.max(axis=1, keepdims=True))
    return {"h": h, "sum": h.sum(axis=1), "soft": e / e.sum(axis=1, keepdims=True)}


def _hammer(sess, x, out, w_value, iterations: int) -> list:
    errors: list = []
    barrier = threading.Barrier(THREADS)

    def worker(k: int) -> None:
        try:
            rng = np.random.default_rng(k)
            barrier.wait()
            for i in range(iterations):
                batch = 1 + (k + i) % 4  # several batch sizes: plans are built concurrently
                feed = rng.normal(size=(batch, 3)).astype(np.float32)
                got = sess.run(out, {x: feed})
                want = _expected(feed, w_value)
                for key in want:
                    np.testing.assert_allclose(got[key], want[key], rtol=1e-5, atol=1e-6,
                                               err_msg=f"thread {k} step {i} {key}")
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return errors


@pytest.mark.parametrize("executor", ["interpreted", "compiled"])
def test_one_session_from_eight_threads(executor):
    graph, x, w, out, init = _model()
    with gj.Session(graph=graph, executor=executor) as sess:
        sess.run(init)
        w_value = sess.run(w.value())
        plans = sess.plan_cache_size
        errors = _hammer(sess, x, out, w_value, iterations=40)
        assert not errors, errors[0]
        # the plan cache holds one plan per signature (4 batch sizes), not one per thread
        assert sess.plan_cache_size == plans + 4


def test_threads_sharing_a_session_with_their_own_default_graphs():
    """Default graphs are per thread (as in TF): building in one thread does not leak
    into another's graph while a shared session runs."""
    graph, x, w, out, init = _model()
    errors = []
    with gj.Session(graph=graph, executor="interpreted") as sess:
        sess.run(init)

        def build(k: int) -> None:
            try:
                own = gj.Graph()
                with own.as_default():
                    for _ in range(50):
                        gj.constant(k) + 1
                    assert gj.get_default_graph() is own
                    assert len(own.get_operations()) == 150
                sess.run(out["sum"], {x: np.ones((2, 3), np.float32)})
            except BaseException as e:  # noqa: BLE001
                errors.append(e)

        threads = [threading.Thread(target=build, args=(k,)) for k in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors, errors[0]


_COMPILE_SCRIPT = textwrap.dedent("""
    import sys, numpy as np, graphjit as gj
    x = gj.placeholder(gj.float32, [64])
    y = gj.sigmoid(x) * gj.cos(x) + gj.square(x - 0.25)
    z = gj.reduce_max(gj.exp(y) - x, axis=0)
    values = np.linspace(-2, 2, 64, dtype=np.float32)
    with gj.Session() as sess:
        a, b = sess.run([y, z], {x: values})
    s = 1 / (1 + np.exp(-values))
    want = s * np.cos(values) + (values - 0.25) ** 2
    np.testing.assert_allclose(a, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b, np.max(np.exp(want) - values), rtol=1e-5)
    print("ok")
""")


def _spawn(cache_dir):
    env = dict(os.environ, GRAPHJIT_CACHE_DIR=str(cache_dir))
    return subprocess.Popen([sys.executable, "-c", _COMPILE_SCRIPT], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _snapshot(cache_dir) -> dict:
    return {os.path.join(root, f): os.stat(os.path.join(root, f)).st_mtime_ns
            for root, _, files in os.walk(cache_dir) for f in files}


def test_two_processes_compiling_the_same_kernels_share_the_disk_cache(tmp_path):
    procs = [_spawn(tmp_path) for _ in range(2)]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0 and out.strip() == "ok", err[-3000:]
    files = _snapshot(tmp_path)
    assert files and not any(f.endswith(".tmp") for f in files), sorted(files)
    # a third process finds every kernel: it writes nothing
    third = _spawn(tmp_path)
    out, err = third.communicate(timeout=300)
    assert third.returncode == 0 and out.strip() == "ok", err[-3000:]
    assert _snapshot(tmp_path) == files
