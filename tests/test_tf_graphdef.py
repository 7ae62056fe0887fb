"""Wire compatibility with TensorFlow: frozen graphs written by TensorFlow itself (an MLP
and a LeNet-style CNN) load and reproduce TF's outputs; graphjit's files import into
TensorFlow and compute the same; freezing with graph_util runs in a fresh process."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import graphjit as gj
from graphjit import graph_util
from graphjit import io as gj_io
from graphjit.graphlib import serialization as ser

tf = pytest.importorskip("tensorflow.compat.v1")
tf.disable_eager_execution()

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _freeze_tf(build, outputs, path, as_text=False):
    """Builds a TF model with variables, freezes it, writes it; returns the file path."""
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(3)
        build()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            frozen = tf.graph_util.convert_variables_to_constants(
                sess, graph.as_graph_def(), outputs)
    folder, name = os.path.split(path)
    tf.io.write_graph(frozen, folder, name, as_text=as_text)
    return frozen


def _tf_run(frozen, fetches, feeds):
    graph = tf.Graph()
    with graph.as_default():
        tf.import_graph_def(frozen, name="")
        with tf.Session() as sess:
            return sess.run(fetches, feeds)


def _gj_run(path, fetches, feeds, executor):
    gd = gj_io.read_graph(path)
    graph = gj.Graph()
    with graph.as_default():
        ser.import_graph_def(gd, name="")
        with gj.Session(graph=graph, executor=executor) as sess:
            return sess.run(fetches, feeds)


def _mlp():
    x = tf.placeholder(tf.float32, [None, 20], name="x")
    w1 = tf.Variable(tf.random_normal([20, 32], stddev=0.3))
    b1 = tf.Variable(tf.random_normal([32], stddev=0.1))
    h = tf.nn.relu(tf.nn.bias_add(tf.matmul(x, w1), b1))
    w2 = tf.Variable(tf.random_normal([32, 10], stddev=0.3))
    logits = tf.add(tf.matmul(h, w2), tf.constant(0.5), name="logits")
    tf.nn.softmax(logits, name="probs")
    tf.argmax(logits, axis=1, name="label")
    tf.reduce_mean(tf.square(tf.tanh(logits) - tf.sigmoid(h[:, :10])), name="stat")


def _lenet():
    x = tf.placeholder(tf.float32, [None, 28, 28, 1], name="x")
    k1 = tf.Variable(tf.truncated_normal([5, 5, 1, 6], stddev=0.2))
    c1 = tf.nn.relu(tf.nn.conv2d(x, k1, strides=[1, 1, 1, 1], padding="SAME"))
    p1 = tf.nn.max_pool(c1, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")
    k2 = tf.Variable(tf.truncated_normal([5, 5, 6, 16], stddev=0.2))
    c2 = tf.nn.relu(tf.nn.conv2d(p1, k2, strides=[1, 1, 1, 1], padding="VALID"))
    p2 = tf.nn.avg_pool(c2, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")
    flat = tf.reshape(p2, [-1, 5 * 5 * 16])
    w = tf.Variable(tf.truncated_normal([400, 10], stddev=0.1))
    logits = tf.matmul(flat, w)
    tf.nn.log_softmax(logits, name="log_probs")
    tf.concat([tf.reduce_max(logits, axis=1, keepdims=True), tf.expand_dims(
        tf.cast(tf.argmax(logits, 1), tf.float32), -1)], axis=1, name="summary")


@pytest.mark.parametrize("executor", ["interpreted", "compiled"])
@pytest.mark.parametrize("as_text", [False, True])
def test_tensorflow_frozen_mlp(tmp_path, executor, as_text):
    path = str(tmp_path / ("mlp.pbtxt" if as_text else "mlp.pb"))
    fetches = ["probs:0", "label:0", "stat:0", "logits:0"]
    frozen = _freeze_tf(_mlp, ["probs", "label", "stat"], path, as_text)
    feeds = {"x:0": np.random.default_rng(0).normal(size=(16, 20)).astype(np.float32)}
    want = _tf_run(frozen, fetches, feeds)
    got = _gj_run(path, fetches, feeds, executor)
    for w, g in zip(want, got):
        assert np.asarray(g).dtype == np.asarray(w).dtype
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("executor", ["interpreted", "compiled"])
def test_tensorflow_frozen_lenet(tmp_path, executor):
    path = str(tmp_path / "lenet.pb")
    frozen = _freeze_tf(_lenet, ["log_probs", "summary"], path)
    feeds = {"x:0": np.random.default_rng(1).uniform(size=(4, 28, 28, 1)).astype(np.float32)}
    want = _tf_run(frozen, ["log_probs:0", "summary:0"], feeds)
    got = _gj_run(path, ["log_probs:0", "summary:0"], feeds, executor)
    for w, g in zip(want, got):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)


def test_unsupported_tensorflow_ops_are_listed_at_once(tmp_path):
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [None, 4, 4, 3], name="x")
        tf.nn.local_response_normalization(x, name="lrn")
        tf.math.lgamma(x, name="lgamma")
    path = str(tmp_path / "bad.pb")
    tf.io.write_graph(graph.as_graph_def(), str(tmp_path), "bad.pb", as_text=False)
    with pytest.raises(ValueError) as info:
        gj_io.read_graph(path)
    message = str(info.value)
    assert path in message and "LRN" in message and "Lgamma" in message
    assert "'lrn'" in message


def test_graphjit_files_import_into_tensorflow(tmp_path):
    rng = np.random.default_rng(2)
    graph = gj.Graph()
    with graph.as_default():
        x = gj.placeholder(gj.float32, [None, 8], name="x")
        w = gj.constant(rng.normal(size=(8, 4)).astype(np.float32))
        b = gj.constant(rng.normal(size=4).astype(np.float32))
        h = gj.nn.relu(gj.nn.bias_add(gj.matmul(x, w), b))
        out = gj.nn.softmax(h * 2.0 - gj.reduce_mean(h, axis=1, keepdims=True), name="out")
        gj.argmax(out, axis=1, name="label")
    path = gj_io.write_graph(graph, str(tmp_path), "gj.pb", as_text=False)
    feeds = np.random.default_rng(3).normal(size=(5, 8)).astype(np.float32)
    with gj.Session(graph=graph, executor="interpreted") as sess:
        want = sess.run(["out:0", "label:0"], {"x:0": feeds})
    with open(path, "rb") as f:
        theirs = tf.GraphDef.FromString(f.read())
    got = _tf_run(theirs, ["out:0", "label:0"], {"x:0": feeds})
    np.testing.assert_allclose(got[0], want[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(got[1], want[1])


def test_tensorflow_graph_with_variables_imports(tmp_path):
    graph = tf.Graph()
    with graph.as_default():
        v = tf.Variable(np.arange(3, dtype=np.float32), name="v")
        tf.identity(v * 2.0, name="out")
        init = tf.global_variables_initializer()
    # VarIsInitializedOp (for TF's initialized_value) has no graphjit op: keep what is used.
    gd = graph_util.extract_sub_graph(graph.as_graph_def(), ["out", init.name])
    mine = gj.Graph()
    with mine.as_default():
        ser.import_graph_def(gd, name="")
        with gj.Session(graph=mine, executor="interpreted") as sess:
            sess.run(init.name)
            np.testing.assert_array_equal(sess.run("out:0"), [0, 2, 4])


def test_graph_util_freezes_and_a_fresh_process_predicts_the_same(tmp_path):
    rng = np.random.default_rng(4)
    graph = gj.Graph()
    with graph.as_default():
        x = gj.placeholder(gj.float32, [None, 6], name="x")
        w = gj.Variable(rng.normal(size=(6, 3)).astype(np.float32), name="dense/kernel")
        b = gj.Variable(np.zeros(3, np.float32), name="dense/bias")
        logits = gj.nn.bias_add(gj.matmul(x, w), b)
        gj.nn.softmax(logits, name="probs")
        loss = gj.reduce_mean(gj.square(logits))
        step = gj.train.GradientDescentOptimizer(0.1).minimize(loss)
        init = gj.global_variables_initializer()
    feeds = rng.normal(size=(7, 6)).astype(np.float32)
    with gj.Session(graph=graph, executor="interpreted") as sess:
        sess.run(init)
        for _ in range(3):
            sess.run(step, {x: feeds})
        want = sess.run("probs:0", {x: feeds})
        frozen = graph_util.convert_variables_to_constants(sess, graph.as_graph_def(),
                                                           ["probs"])
    assert not [n for n in frozen.node if n.op in ("VarHandleOp", "ReadVariableOp")]
    path = gj_io.write_graph(frozen, str(tmp_path), "frozen.pb", as_text=False)
    np.save(tmp_path / "x.npy", feeds)
    script = textwrap.dedent(f"""
        import sys
        import numpy as np
        sys.path.insert(0, {ROOT!r})
        import graphjit as gj
        from graphjit import io
        from graphjit.graphlib.serialization import import_graph_def
        import_graph_def(io.read_graph({path!r}), name="")
        with gj.Session(executor="interpreted") as sess:
            out = sess.run("probs:0", {{"x:0": np.load({str(tmp_path / "x.npy")!r})}})
        np.save({str(tmp_path / "out.npy")!r}, out)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), want)
    # TensorFlow runs graphjit's frozen file too.
    np.testing.assert_allclose(_tf_run(tf.GraphDef.FromString(frozen.SerializeToString()),
                                       "probs:0", {"x:0": feeds}), want, rtol=1e-5, atol=1e-6)
