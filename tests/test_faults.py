"""Faults: a `Session.run` that fails part way leaves variables exactly as before the call
(a bad feed found at run time, an exception inside a kernel, KeyboardInterrupt during a run
or between steps), on both executors; truncated or corrupted kernel-cache entries are
recompiled; corrupted checkpoints and graph files fail with an error naming the file; a
`Saver.save` that dies part way leaves the previous checkpoint loadable.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import graphjit as gj
from graphjit.graphlib import registry

EXECUTORS = ["interpreted", "compiled"]


def _training_graph():
    """Two variables that a step updates before a later op of the same run can fail."""
    graph = gj.Graph()
    with graph.as_default():
        w = gj.Variable(np.arange(6, dtype=np.float32).reshape(3, 2), name="w")
        step = gj.Variable(np.int64(0), name="step")
        x = gj.placeholder(gj.float32, [None, None], name="x")
        bump = step.assign_add(1)
        with gj.control_dependencies([bump]):
            shrink = w.assign_sub(0.5 * w)
        with gj.control_dependencies([shrink]):
            y = gj.matmul(x, w)  # fails at run time when x has != 3 columns
            loss = gj.reduce_sum(y)
        init = gj.global_variables_initializer()
    return graph, w, step, x, loss, init


def _values(sess, *variables):
    return [np.array(v) for v in sess.run([v.value() for v in variables])]


@pytest.mark.parametrize("executor", EXECUTORS)
def test_bad_feed_found_at_run_time_leaves_variables_unchanged(executor):
    graph, w, step, x, loss, init = _training_graph()
    with graph.as_default(), gj.Session(graph=graph, executor=executor) as sess:
        sess.run(init)
        sess.run(loss, {x: np.ones((2, 3), np.float32)})
        before = _values(sess, w, step)
        with pytest.raises(gj.errors.InvalidArgumentError):
            sess.run(loss, {x: np.ones((2, 4), np.float32)})
        after = _values(sess, w, step)
    np.testing.assert_array_equal(after[0], before[0])
    assert after[1] == before[1] == 1


@pytest.mark.parametrize("executor", EXECUTORS)
def test_exception_in_a_kernel_leaves_variables_unchanged(executor):
    graph = gj.Graph()
    with graph.as_default():
        v = gj.Variable(np.ones(3, np.float32), name="v")
        x = gj.placeholder(gj.float32, [3])
        update = v.assign_add(x)
        with gj.control_dependencies([update]):
            checked = gj.debugging.check_numerics(gj.log(x), "log of the feed")
        init = gj.global_variables_initializer()
    with graph.as_default(), gj.Session(graph=graph, executor=executor) as sess:
        sess.run(init)
        sess.run(checked, {x: np.ones(3, np.float32)})
        with pytest.raises(gj.errors.InvalidArgumentError, match="log of the feed"):
            sess.run(checked, {x: np.array([1.0, -1.0, 2.0], np.float32)})
        np.testing.assert_array_equal(sess.run(v.value()), [2.0, 2.0, 2.0])


def _interrupting(op_type: str, after_calls: int):
    """A copy of `op_type`'s OpDef whose kernel raises KeyboardInterrupt on its
    `after_calls`-th call (Ctrl-C arriving while that kernel runs)."""
    original = registry.get(op_type)
    calls = [0]

    def reference(*args, **kwargs):
        calls[0] += 1
        if calls[0] >= after_calls:
            raise KeyboardInterrupt
        return original.reference(*args, **kwargs)

    return dataclasses.replace(original, reference=reference)


@pytest.mark.parametrize("executor", EXECUTORS)
def test_keyboard_interrupt_during_a_run_leaves_variables_unchanged(executor, monkeypatch):
    graph = gj.Graph()
    with graph.as_default():
        v = gj.Variable(np.arange(4, dtype=np.float32), name="v")
        update = v.assign_add(np.ones(4, np.float32))
        with gj.control_dependencies([update]):
            out = gj.reverse(v.value(), [0])  # "reverse" runs its reference kernel
        init = gj.global_variables_initializer()
    monkeypatch.setitem(registry._REGISTRY, "reverse", _interrupting("reverse", 2))
    with graph.as_default(), gj.Session(graph=graph, executor=executor) as sess:
        sess.run(init)
        np.testing.assert_array_equal(sess.run(out), [4, 3, 2, 1])
        with pytest.raises(KeyboardInterrupt):
            sess.run(out)
        np.testing.assert_array_equal(sess.run(v.value()), [1, 2, 3, 4])


@pytest.mark.parametrize("executor", EXECUTORS)
def test_keyboard_interrupt_between_steps_keeps_the_completed_steps(executor):
    graph, w, step, x, loss, init = _training_graph()
    feed = {x: np.ones((1, 3), np.float32)}
    with graph.as_default(), gj.Session(graph=graph, executor=executor) as sess:
        sess.run(init)
        done = 0
        with pytest.raises(KeyboardInterrupt):
            for k in range(10):
                if k == 3:
                    raise KeyboardInterrupt
                sess.run(loss, feed)
                done += 1
        w_value, step_value = _values(sess, w, step)
        # the session is still usable after the interrupt
        sess.run(loss, feed)
    assert step_value == done == 3
    np.testing.assert_allclose(w_value, np.arange(6).reshape(3, 2) * 0.5 ** 3)


# -- kernel cache ------------------------------------------------------------------------

_CACHE_SCRIPT = textwrap.dedent("""
    import numpy as np, graphjit as gj
    x = gj.placeholder(gj.float32, [4])
    y = gj.reduce_sum(gj.tanh(x) * 3.0 + gj.exp(-x), axis=0)
    z = gj.sqrt(gj.abs(x)) - x * x
    with gj.Session() as sess:
        a, b = sess.run([y, z], {x: np.arange(4, dtype=np.float32)})
    print(repr(float(a)), repr(b.tolist()))
""")


def _run_cached(cache_dir) -> str:
    env = dict(os.environ, GRAPHJIT_CACHE_DIR=str(cache_dir))
    done = subprocess.run([sys.executable, "-c", _CACHE_SCRIPT], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


def _cache_files(cache_dir) -> list[str]:
    return [os.path.join(root, f) for root, _, files in os.walk(cache_dir) for f in files]


def test_corrupted_kernel_cache_entries_are_recompiled(tmp_path):
    expected = _run_cached(tmp_path)
    for damage in ("truncate", "garbage", "empty"):
        files = _cache_files(tmp_path)
        assert any(f.endswith(".py") for f in files), files
        for path in files:
            size = os.path.getsize(path)
            with open(path, "r+b") as f:
                if damage == "truncate":
                    f.truncate(size // 2)
                elif damage == "empty":
                    f.truncate(0)
                else:
                    f.seek(0)
                    f.write(bytes(range(256)) * (size // 256 + 1))
        assert _run_cached(tmp_path) == expected, f"after {damage}"
    assert _run_cached(tmp_path) == expected  # and the repaired cache is good again


# -- checkpoints and graph files ---------------------------------------------------------

def _saved_model(tmp_path):
    graph = gj.Graph()
    with graph.as_default():
        v = gj.Variable(np.arange(4, dtype=np.float32), name="v")
        saver = gj.train.Saver()
        sess = gj.Session(graph=graph, executor="interpreted")
        sess.run(gj.global_variables_initializer())
        prefix = saver.save(sess, str(tmp_path / "model"))
    return graph, v, saver, sess, prefix


@pytest.mark.parametrize("which", ["index", "data"])
@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_corrupted_checkpoint_names_the_file(tmp_path, which, damage):
    graph, v, saver, sess, prefix = _saved_model(tmp_path)
    name = next(f for f in os.listdir(tmp_path) if f.startswith(f"model.{which}"))
    path = tmp_path / name
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2] if damage == "truncate" else
                     b"\x07garbage" + data[::-1])
    with graph.as_default(), pytest.raises(gj.errors.OpError) as info:
        saver.restore(sess, prefix)
    assert str(path) in str(info.value)


def test_save_that_dies_part_way_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    graph, v, saver, sess, prefix = _saved_model(tmp_path)
    with graph.as_default():
        sess.run(v.assign(np.full(4, 9.0, np.float32)))

        def die(*args, **kwargs):
            raise OSError("disk full")

        monkeypatch.setattr(os, "replace", die)
        with pytest.raises(OSError):
            saver.save(sess, prefix)
        monkeypatch.undo()
        saver.restore(sess, prefix)
        np.testing.assert_array_equal(sess.run(v.value()), np.arange(4))


@pytest.mark.parametrize("as_text", [False, True])
def test_corrupted_graph_file_names_the_file(tmp_path, as_text):
    graph = gj.Graph()
    with graph.as_default():
        x = gj.placeholder(gj.float32, [2], name="x")
        gj.identity(x * 2.0, name="y")
    name = "g.pbtxt" if as_text else "g.pb"
    gj.train.write_graph(graph, str(tmp_path), name, as_text=as_text)
    path = tmp_path / name
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2] + b"\x00\xff{")
    with pytest.raises((ValueError, gj.errors.OpError)) as info:
        gj.io.read_graph(str(path))
    assert str(path) in str(info.value)
    missing = tmp_path / "missing.pb"
    with pytest.raises((OSError, ValueError, gj.errors.OpError)) as info:
        gj.io.read_graph(str(missing))
    assert "missing.pb" in str(info.value)
