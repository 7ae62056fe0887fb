"""gj.summary.FileWriter: the event file loads in a real TensorBoard process on loopback
(skipped when the optional `tensorboard` package is missing)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

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


def test_tensorboard_serves_the_graph(tmp_path):
    with summary.FileWriter(str(tmp_path), _small_graph()):
        pass
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
