"""gj.summary: the summary ops' serialized Summaries equal TensorFlow's (bytes, or decoded
PNG pixels for images), and FileWriter's event file loads in a real TensorBoard process on
loopback (skipped when the optional `tensorboard` package is missing)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import graphjit as gj

pytest.importorskip("tensorboard")

from graphjit import summary  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def _small_graph() -> gj.Graph:
    graph = gj.Graph()
    with graph.as_default():
        x = gj.placeholder(gj.float32, [None, 3], name="x")
        with gj.name_scope("layer"):
            w = gj.Variable(gj.ones([3, 2]), name="w")
            gj.nn.relu(gj.matmul(x, w), name="act")
    return graph


def test_event_file_holds_the_graph(tmp_path):
    from tensorboard.backend.event_processing.event_file_loader import RawEventFileLoader
    from tensorboard.compat.proto import event_pb2, graph_pb2

    with summary.FileWriter(str(tmp_path), _small_graph()) as writer:
        writer.add_scalar("loss", 0.5, global_step=3)
    (name,) = os.listdir(tmp_path)
    events = [event_pb2.Event.FromString(r)
              for r in RawEventFileLoader(str(tmp_path / name)).Load()]
    graphs = [e for e in events if e.HasField("graph_def")]
    assert len(graphs) == 1
    graph_def = graph_pb2.GraphDef.FromString(graphs[0].graph_def)
    names = {n.name for n in graph_def.node}
    assert {"x", "layer/act", "layer/MatMul", "layer/w"} <= names
    scalars = [e for e in events if e.HasField("summary")]
    assert scalars[0].step == 3 and scalars[0].summary.value[0].simple_value == 0.5


def _summaries(t, executor=None):
    """Summaries of every kind built with `t` (graphjit or TF), run by a Session."""
    rng = np.random.default_rng(0)
    t.summary.scalar("loss", t.constant(1.5), family="fam")
    t.summary.scalar("zero", t.constant(0, t.int32))
    with t.name_scope("outer"):
        t.summary.histogram("h", np.array([[-1.0, 0.5], [0.0, 2.0]], np.float32))
    t.summary.histogram("h", rng.standard_normal(200) * 1e3)
    t.summary.histogram("empty", np.zeros((0,), np.float64))
    t.summary.image("im", rng.uniform(-1, 2, (3, 3, 4, 3)).astype(np.float32), max_outputs=2)
    t.summary.image("gray", rng.uniform(0, 1, (1, 2, 5, 1)))
    t.summary.image("rgba", rng.uniform(0, 3, (2, 2, 2, 4)).astype(np.float32), max_outputs=1)
    t.summary.scalar("skipped", t.constant(2.0), collections=[])
    merged = t.summary.merge_all()
    names = [s.name for s in t.get_collection(t.GraphKeys.SUMMARIES)] + [merged.name]
    with t.Session(**({} if executor is None else {"executor": executor})) as sess:
        return names, sess.run(merged)


def _pixels(encoded: bytes) -> np.ndarray:
    import io

    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(encoded)))


@pytest.mark.parametrize("executor", ["interpreted", "compiled"])
def test_summaries_equal_tensorflows(executor):
    tf = pytest.importorskip("tensorflow.compat.v1")
    pytest.importorskip("PIL")
    from tensorboard.compat.proto import summary_pb2

    tf.disable_eager_execution()
    with tf.Graph().as_default():
        their_names, theirs = _summaries(tf)
    with gj.Graph().as_default():
        our_names, ours = _summaries(gj, executor)
    assert our_names == their_names
    ours, theirs = (summary_pb2.Summary.FromString(b).value
                    for b in (summary.summary_bytes(ours), theirs))
    assert [v.tag for v in ours] == [v.tag for v in theirs]
    for a, b in zip(ours, theirs):
        if b.HasField("image"):
            assert (a.image.height, a.image.width, a.image.colorspace) == \
                (b.image.height, b.image.width, b.image.colorspace)
            np.testing.assert_array_equal(_pixels(a.image.encoded_image_string),
                                          _pixels(b.image.encoded_image_string))
        else:  # scalars and TF's histogram buckets, byte for byte
            assert a.SerializeToString() == b.SerializeToString(), (a, b)


def test_merge_rejects_a_duplicate_tag_and_merge_all_of_nothing_is_none():
    with gj.Graph().as_default():
        assert gj.summary.merge_all() is None
        a = gj.summary.scalar("x", 1.0, collections=[])
        merged = gj.summary.merge([a, a], name="both")
        assert merged.name == "both/both:0"
        with gj.Session() as sess, pytest.raises(gj.errors.InvalidArgumentError,
                                                  match="Duplicate tag x"):
            sess.run(merged)


def test_summary_ops_reject_what_tf_rejects():
    with gj.Graph().as_default():
        with pytest.raises(ValueError, match="same shape"):
            gj.summary.scalar("v", [1.0, 2.0])
        with pytest.raises(ValueError, match="4-D"):
            gj.summary.image("i", np.zeros((2, 2, 3), np.float32))
        with gj.Session() as sess, pytest.raises(gj.errors.InvalidArgumentError,
                                                  match="Nan in summary histogram for: h"):
            sess.run(gj.summary.histogram("h", [1.0, np.nan]))


@settings(max_examples=25, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=6),
                  elements=st.floats(-1e6, 1e6)))
def test_histogram_counts_every_value_in_its_bucket(values):
    from tensorboard.compat.proto import summary_pb2

    with gj.Graph().as_default(), gj.Session() as sess:
        value = sess.run(gj.summary.histogram("h", values))
    (h,) = (v.histo for v in summary_pb2.Summary.FromString(summary.summary_bytes(value)).value)
    assert h.num == values.size and sum(h.bucket) == values.size
    limits = np.array(h.bucket_limit)
    assert np.all(np.diff(limits) > 0)
    lower = np.concatenate([[-np.inf], limits[:-1]])
    for x in values.ravel():  # TF's buckets hold [previous limit, limit)
        (i,) = np.nonzero((lower <= x) & (x < limits))[0]
        assert h.bucket[i] > 0
    if values.size:
        assert (h.min, h.max) == (values.min(), values.max())


def test_tensorboard_serves_the_graph_and_scalars(tmp_path):
    with gj.Graph().as_default() as graph:
        merged = gj.summary.merge([gj.summary.scalar("loss", gj.constant(0.25) * step)
                                   for step in (1.0,)])
        with summary.FileWriter(str(tmp_path), _small_graph()) as writer, \
                gj.Session(graph=graph) as sess:
            for step in range(3):
                writer.add_summary(sess.run(merged), global_step=step)
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tensorboard.main", "--logdir", str(tmp_path),
         "--host", "127.0.0.1", "--port", str(port), "--reload_interval", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        text = None
        while time.monotonic() < deadline and proc.poll() is None:
            text = _get(f"{base}/data/plugin/graphs/graph?run=.")
            if text and "node" in text:
                break
            time.sleep(0.5)
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        assert text is not None and 'name: "layer/act"' in text, text
        assert 'name: "x"' in text and 'op: "Relu"' in text
        assert '"_output_shapes"' in text  # shapes travel for the graph dashboard
        points = None
        while time.monotonic() < deadline and not points:
            text = _get(f"{base}/data/plugin/scalars/scalars?run=.&tag=loss")
            points = json.loads(text) if text else None
            time.sleep(0.2)
        assert [(p[1], p[2]) for p in points] == [(0, 0.25), (1, 0.25), (2, 0.25)]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_without_tensorboard_the_error_says_how_to_install(monkeypatch, tmp_path):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.startswith("tensorboard"):
            raise ImportError("No module named 'tensorboard'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ImportError, match=r"graphjit\[viz\]"):
        summary.FileWriter(str(tmp_path))


# --- the small TF1 APIs of graphjit.misc (also run against TF in
# tests/tf_programs/summary_training_loop.py) ---

def test_coordinator_join_reraises_the_reported_exception_but_not_a_clean_stop():
    import threading

    coord = gj.train.Coordinator()

    def worker():
        with coord.stop_on_exception():
            raise RuntimeError("worker failed")

    thread = threading.Thread(target=worker)
    thread.start()
    with pytest.raises(RuntimeError, match="worker failed"):
        coord.join([thread])
    assert coord.should_stop() and coord.joined
    coord.clear_stop()
    assert not coord.should_stop()
    coord.request_stop(gj.errors.OutOfRangeError(None, None, "end of input"))
    coord.join([])  # an OutOfRangeError is a clean stop
    assert gj.train.start_queue_runners(coord=coord) == []


def test_template_shares_variables_and_rejects_new_ones_later():
    with gj.Graph().as_default():
        def dense(x):
            return x * gj.get_variable("v", initializer=2.0)

        shared = gj.make_template("dense", dense)
        shared(1.0)
        shared(3.0)
        assert [v.name for v in gj.trainable_variables()] == ["dense/v:0"]

        def leaky(x):
            return x * gj.Variable(1.0)

        fresh = gj.make_template("leaky", leaky)
        fresh(1.0)
        with pytest.raises(ValueError, match="after the first time"):
            fresh(1.0)


def test_hessians_of_a_cubic_and_switch_case_defaults():
    with gj.Graph().as_default():
        x = gj.constant(np.array([[1.0, 2.0], [3.0, -1.0]]))
        (hessian,) = gj.hessians(gj.reduce_sum(x ** 3), x)
        index = gj.placeholder(gj.int32, [])
        picked = gj.switch_case(index, {1: lambda: gj.constant(10), 4: lambda: gj.constant(40)},
                                default=lambda: gj.constant(-1))
        with gj.Session() as sess:
            value = sess.run(hessian)
            assert [sess.run(picked, {index: i}) for i in (1, 4, 2)] == [10, 40, -1]
    expected = np.diag(6 * np.array([1.0, 2.0, 3.0, -1.0])).reshape(2, 2, 2, 2)
    np.testing.assert_allclose(value, expected)
