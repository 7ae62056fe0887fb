"""GraphDef round trips over every op case, files (text, binary, external data), the
reader's errors on malformed input (with a hypothesis fuzz test), and the pinned protoc."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import graphjit as gj
from graphjit.graphlib import serialization as ser
from graphjit.graphlib.proto import graph_pb2
from tests.opcases import all_cases
from tests.test_ops import build_graph

CASES = all_cases()
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _roundtrip(graph: gj.Graph) -> gj.Graph:
    gd = graph_pb2.GraphDef.FromString(graph.as_graph_def().SerializeToString())
    copy = gj.Graph()
    with copy.as_default():
        ser.import_graph_def(gd, name="")
    return copy


def _assert_same_graph(a: gj.Graph, b: gj.Graph) -> None:
    ops_a, ops_b = a.get_operations(), b.get_operations()
    assert [o.name for o in ops_a] == [o.name for o in ops_b]
    for x, y in zip(ops_a, ops_b):
        assert x.type == y.type, x.name
        assert x.attrs.keys() == y.attrs.keys(), x.name
        for k in x.attrs:
            assert ser.same_value(x.attrs[k], y.attrs[k]), f"{x.name}.{k}: {x.attrs[k]!r} " \
                                                           f"!= {y.attrs[k]!r}"
        assert [t.name for t in x.inputs] == [t.name for t in y.inputs], x.name
        assert [c.name for c in x.control_inputs] == [c.name for c in y.control_inputs]
        assert [(t.dtype, t.shape) for t in x.outputs] == \
            [(t.dtype, t.shape) for t in y.outputs], x.name
        assert x.device == y.device
    for key in a.get_all_collection_keys():
        names = [getattr(i, "name", None) for i in a.get_collection(key)]
        assert names == [getattr(i, "name", None) for i in b.get_collection(key)], key


def _run(graph, outs, feeds):
    with gj.Session(graph=graph, executor="interpreted") as sess:
        with graph.as_default():
            sess.run(gj.variables_initializer(graph.get_collection("variables")))
        return sess.run(outs, feeds)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_op_case_round_trips_exactly_and_computes_the_same(case):
    graph, inputs, outs = build_graph(gj, case)
    copy = _roundtrip(graph)
    _assert_same_graph(graph, copy)
    assert copy.as_graph_def() == graph.as_graph_def()
    if case.random:
        return
    feeds = {t.name: v for t, v in zip(inputs, case.inputs)}
    names = [t.name for t in outs]
    for want, got in zip(_run(graph, names, feeds), _run(copy, names, feeds)):
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want), err_msg=case.name)


GRAD_CASES = [c for c in CASES if c.grad and not c.random]


@pytest.mark.parametrize("case", GRAD_CASES, ids=[c.name for c in GRAD_CASES])
def test_gradients_build_on_an_imported_graph(case):
    graph, inputs, outs = build_graph(gj, case)
    with graph.as_default():
        floats = [x for x in inputs if x.dtype.is_floating]
        diff = [o for o in outs if o.dtype.is_floating]
        grads = gj.gradients(diff, floats)
    copy = _roundtrip(graph)  # the gradient graph itself round trips too
    _assert_same_graph(graph, copy)
    with copy.as_default():
        c_in = [copy.get_tensor_by_name(x.name) for x in floats]
        c_out = [copy.get_tensor_by_name(o.name) for o in diff]
        regrads = gj.gradients(c_out, c_in)
    feeds = {t.name: v for t, v in zip(inputs, case.inputs)}
    want = [g.name for g in grads if g is not None]
    assert [g is None for g in grads] == [g is None for g in regrads]
    got = [g.name for g in regrads if g is not None]
    for a, b, c in zip(_run(graph, want, feeds), _run(copy, want, feeds),
                       _run(copy, got, feeds)):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(c, a, rtol=1e-6, atol=1e-6, err_msg=case.name)


def _small_graph():
    graph = gj.Graph()
    with graph.as_default():
        x = gj.placeholder(gj.float32, [None, 3], name="x")
        v = gj.Variable(np.arange(6, dtype=np.float32).reshape(2, 3), name="layer/v")
        frozen = gj.Variable(np.zeros(3, np.float32), trainable=False, name="frozen")
        with gj.name_scope("layer"):
            y = gj.add_n([x, gj.identity(x), v.value()], name="sum")
        with gj.control_dependencies([y.op]):
            z = gj.identity(x, name="after")
        graph.add_to_collection("outputs", y)
        graph.add_to_collection("outputs", z.op)
        gj.global_variables_initializer()
    return graph, v, frozen


def test_variables_collections_and_control_edges_round_trip():
    graph, v, frozen = _small_graph()
    copy = _roundtrip(graph)
    _assert_same_graph(graph, copy)
    with copy.as_default():
        assert [x.name for x in gj.global_variables()] == ["layer/v:0", "frozen:0"]
        assert [x.name for x in gj.trainable_variables()] == ["layer/v:0"]
        assert copy.get_operation_by_name("after").control_inputs[0].name == "layer/sum"
        assert copy.get_collection("outputs")[0].name == "layer/sum:0"
        with gj.Session(graph=copy) as sess:
            sess.run(gj.global_variables_initializer())
            out = sess.run("layer/sum:0", {"x:0": np.ones((2, 3), np.float32)})
    np.testing.assert_array_equal(out, 2 + np.arange(6).reshape(2, 3))


def test_import_with_prefix_input_map_and_return_elements():
    graph, _, _ = _small_graph()
    gd = graph.as_graph_def()
    gj.reset_default_graph()
    feed = gj.constant(np.full((2, 3), 5.0, np.float32), name="feed")
    y, op = ser.import_graph_def(gd, input_map={"x": feed},
                                return_elements=["layer/sum:0", "init"])
    assert y.name == "import/layer/sum:0" and op.name == "import/init"
    again = ser.import_graph_def(gd, input_map={"x:0": feed}, return_elements=["after"])
    assert again[0].name == "import_1/after"
    with gj.Session(executor="interpreted") as sess:
        sess.run(op)
        np.testing.assert_array_equal(sess.run(y), 10 + np.arange(6).reshape(2, 3))
    with pytest.raises(ValueError, match="not in the graph"):
        ser.import_graph_def(gd, input_map={"nope:0": feed})
    with pytest.raises(ValueError, match="return_elements"):
        ser.import_graph_def(gd, return_elements=["nope:0"])


def test_write_and_read_text_and_binary(tmp_path):
    graph, _, _ = _small_graph()
    for as_text, name in ((True, "g.pbtxt"), (False, "g.pb")):
        path = ser.write_graph(graph, str(tmp_path), name, as_text=as_text)
        assert path == os.path.join(str(tmp_path), name)
        gd = ser.read_graph(path)
        assert gd == graph.as_graph_def()
        if as_text:
            assert open(path).read().startswith("node {")
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_large_constants_go_to_a_side_file(tmp_path):
    graph = gj.Graph()
    big = np.arange(5000, dtype=np.float64).reshape(50, 100)
    with graph.as_default():
        a = gj.constant(big, name="big")
        b = gj.constant(np.ones(3, np.float32), name="small")
        out = gj.identity(a, name="out")
    path = ser.write_graph(graph, str(tmp_path), "model.pb", as_text=False,
                           external_data_threshold=10_000)
    assert os.path.getsize(path) < big.nbytes
    assert os.path.getsize(path + ".data") >= big.nbytes
    gd = ser.read_graph(path)
    assert ser.A_EXTERNAL in gd.node[0].attr and ser.A_EXTERNAL not in gd.node[1].attr
    copy = gj.Graph()
    with copy.as_default():
        ser.import_graph_def(gd, name="")
        with gj.Session(executor="interpreted") as sess:
            np.testing.assert_array_equal(sess.run("out:0"), big)
    # The same from a GraphDef message, and the checksum guards the side file.
    path2 = ser.write_graph(graph.as_graph_def(), str(tmp_path), "m2.pbtxt",
                            external_data_threshold=10_000)
    assert ser.read_graph(path2) == gd.__class__.FromString(
        ser.read_graph(path2).SerializeToString())
    with open(path2 + ".data", "r+b") as f:
        f.seek(8)
        f.write(b"\x01\x02")
    with pytest.raises(ValueError, match="checksum"):
        ser.read_graph(path2)
    del b, out


def test_below_the_threshold_nothing_moves(tmp_path):
    graph = gj.Graph()
    with graph.as_default():
        gj.constant(np.zeros(1000, np.float32))
    path = ser.write_graph(graph, str(tmp_path), "m.pb", as_text=False)
    assert not os.path.exists(path + ".data")


# -- malformed input ----------------------------------------------------------------------


def _write(tmp_path, gd, name="bad.pb") -> str:
    path = str(tmp_path / name)
    with open(path, "wb") as f:
        f.write(gd.SerializeToString() if not isinstance(gd, bytes) else gd)
    return path


def _valid_gd():
    graph, _, _ = _small_graph()
    return graph.as_graph_def()


def _node(gd, name):
    return next(n for n in gd.node if n.name == name)


def _expect_clean_failure(path, match):
    before = len(gj.get_default_graph().get_operations())
    with pytest.raises(ValueError, match=match) as info:
        ser.import_graph_def(ser.read_graph(path, validate=False), source=path)
    assert len(gj.get_default_graph().get_operations()) == before, "half-built graph"
    with pytest.raises(ValueError, match=match):
        ser.read_graph(path)
    assert path in str(info.value)
    return str(info.value)


def test_truncated_file(tmp_path):
    data = _valid_gd().SerializeToString()
    for cut in (len(data) // 3, len(data) - 3):
        path = _write(tmp_path, data[:cut], f"t{cut}.pb")
        with pytest.raises(ValueError, match=str(tmp_path)):
            ser.read_graph(path)


def test_random_bytes_and_empty_file(tmp_path):
    rng = np.random.default_rng(0)
    path = _write(tmp_path, rng.integers(0, 256, 4096, dtype=np.uint8).tobytes())
    with pytest.raises(ValueError, match="not a GraphDef"):
        ser.read_graph(path)
    with pytest.raises(ValueError, match="empty"):
        ser.read_graph(_write(tmp_path, b"", "empty.pb"))


def test_newer_producer(tmp_path):
    gd = _valid_gd()
    gd.versions.min_consumer = ser.GRAPHDEF_VERSION + 1
    _expect_clean_failure(_write(tmp_path, gd), "newer")
    gd = _valid_gd()
    gd.versions.bad_consumers.append(ser.GRAPHDEF_VERSION)
    _expect_clean_failure(_write(tmp_path, gd), "unable to read")


def test_unknown_ops_are_listed_all_at_once(tmp_path):
    gd = _valid_gd()
    _node(gd, "after").op = "FancyOp"
    _node(gd, "after").ClearField("attr")
    _node(gd, "layer/sum").op = "OtherOp"
    _node(gd, "layer/sum").ClearField("attr")
    message = _expect_clean_failure(_write(tmp_path, gd), "2 unsupported op type")
    assert "FancyOp" in message and "OtherOp" in message and "'after'" in message


def test_dangling_input(tmp_path):
    gd = _valid_gd()
    _node(gd, "after").input[0] = "missing"
    msg = _expect_clean_failure(_write(tmp_path, gd), "not in the graph")
    assert "'after'" in msg


def test_cycle(tmp_path):
    gd = _valid_gd()
    _node(gd, "layer/Identity").input[0] = "after"
    msg = _expect_clean_failure(_write(tmp_path, gd), "cycle")
    assert "layer/Identity" in msg


def test_duplicate_name(tmp_path):
    gd = _valid_gd()
    gd.node[-1].name = gd.node[0].name
    _expect_clean_failure(_write(tmp_path, gd), "duplicate node name")


def test_tensor_bytes_do_not_match(tmp_path):
    gd = _valid_gd()
    const = next(n for n in gd.node if n.op == "Const")
    const.attr["value"].tensor.tensor_content += b"\0\0"
    msg = _expect_clean_failure(_write(tmp_path, gd), "bytes do not match")
    assert const.name in msg
    gd = _valid_gd()
    const = next(n for n in gd.node if n.op == "Const")
    const.attr["dtype"].type = graph_pb2.DT_INT32
    _expect_clean_failure(_write(tmp_path, gd), "does not match")


def test_bad_output_index_and_bad_attr_fail_before_the_graph_changes(tmp_path):
    gd = _valid_gd()
    _node(gd, "after").input[0] = "x:3"
    _expect_clean_failure(_write(tmp_path, gd), "output")
    gd = _valid_gd()
    _node(gd, "layer/sum").input[0] = "layer/v"  # a resource handle into AddN
    _expect_clean_failure(_write(tmp_path, gd), "layer/sum")


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzzed_files_give_value_errors_or_valid_graphs(tmp_path, data):
    original = _valid_gd().SerializeToString()
    raw = bytearray(original)
    for _ in range(data.draw(st.integers(1, 8))):
        kind = data.draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        if not raw:
            break
        at = data.draw(st.integers(0, len(raw) - 1))
        if kind == "flip":
            raw[at] ^= 1 << data.draw(st.integers(0, 7))
        elif kind == "cut":
            del raw[at:]
        elif kind == "insert":
            raw[at:at] = data.draw(st.binary(min_size=1, max_size=8))
        else:
            del raw[at:at + data.draw(st.integers(1, 16))]
    path = _write(tmp_path, bytes(raw), "fuzz.pb")
    graph = gj.Graph()
    with graph.as_default():
        try:
            gd = ser.read_graph(path)
            ser.import_graph_def(gd, source=path)
        except ValueError as e:
            assert path in str(e) or "graph_def" in str(e)
            assert not graph.get_operations(), "half-built graph after an error"


def test_tensorflow_encodings_of_constants():
    tp = graph_pb2.TensorProto(dtype=graph_pb2.DT_FLOAT)
    tp.tensor_shape.dim.add().size = 4
    tp.float_val.append(2.5)  # a splat
    np.testing.assert_array_equal(ser.tensor_proto_to_array(tp, "t"), [2.5] * 4)
    tp.float_val.append(1.0)  # a short list repeats its last value
    np.testing.assert_array_equal(ser.tensor_proto_to_array(tp, "t"), [2.5, 1, 1, 1])
    tp.ClearField("float_val")
    np.testing.assert_array_equal(ser.tensor_proto_to_array(tp, "t"), [0] * 4)
    tp = graph_pb2.TensorProto(dtype=graph_pb2.DT_INT64, int64_val=[7])
    assert ser.tensor_proto_to_array(tp, "t").shape == ()
    tp = graph_pb2.TensorProto(dtype=graph_pb2.DT_HALF, half_val=[1])
    with pytest.raises(ValueError, match="DT_HALF"):
        ser.tensor_proto_to_array(tp, "node x")
    tp = graph_pb2.TensorProto(dtype=graph_pb2.DT_INT32, float_val=[1.0])
    with pytest.raises(ValueError, match="float_val"):
        ser.tensor_proto_to_array(tp, "node x")


@given(st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1) | st.floats() |
    st.text(max_size=5) | st.sampled_from([gj.float32, gj.int64, gj.bool]) |
    st.sampled_from([gj.TensorShape(None), gj.TensorShape([None, 3]), gj.TensorShape([])]),
    lambda inner: st.lists(inner, max_size=3) | st.lists(inner, max_size=3).map(tuple),
    max_leaves=8))
def test_any_attr_value_round_trips_exactly(value):
    node = graph_pb2.NodeDef()
    ser._store_attr(node, "a", value, "a")
    (key, av), = node.attr.items()
    got = ser.decode_attr(av, key) if key == "a" else \
        ser.from_json(__import__("json").loads(av.s))
    assert ser.same_value(got, value)


def test_a_graphjit_file_is_parsed_by_tensorflow_and_back():
    tf = pytest.importorskip("tensorflow.compat.v1")
    graph, _, _ = _small_graph()
    data = graph.as_graph_def().SerializeToString()
    theirs = tf.GraphDef.FromString(data)
    assert [n.name for n in theirs.node] == [n.name for n in graph.as_graph_def().node]
    assert graph_pb2.GraphDef.FromString(theirs.SerializeToString()) == graph.as_graph_def()


def _protoc_python() -> str | None:
    candidates = [os.environ.get("GRAPHJIT_PROTOC_PYTHON"), "/tmp/protoc-venv/bin/python",
                  sys.executable]
    for python in filter(None, candidates):
        if not os.path.exists(python):
            continue
        probe = subprocess.run([python, "-c", "from importlib.metadata import version; "
                                "print(version('grpcio-tools'))"], capture_output=True,
                               text=True)
        if probe.returncode == 0 and probe.stdout.strip() == "1.76.0":
            return python
    return None


def test_generated_protobuf_modules_match_the_pinned_protoc():
    python = _protoc_python()
    if python is None:
        pytest.skip("grpcio-tools==1.76.0 is not installed (see graphlib/proto/regenerate.py)")
    result = subprocess.run([python, os.path.join(ROOT, "graphlib", "proto", "regenerate.py"),
                             "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_generated_code_is_not_newer_than_the_declared_runtime():
    text = open(os.path.join(ROOT, "graphlib", "proto", "graph_pb2.py")).read()
    assert "Protobuf Python Version: 6.31.1" in text  # pyproject: protobuf>=6.31



def test_each_imported_copy_of_a_random_op_draws_from_its_own_stream():
    source = gj.Graph()
    with source.as_default():
        seeded = gj.random_uniform([4], seed=5, name="r")
        gj.random_uniform([4], name="u")
    graph_def = source.as_graph_def()
    target = gj.Graph()
    with target.as_default():
        first = gj.import_graph_def(graph_def, return_elements=[seeded.name], name="one")[0]
        second = gj.import_graph_def(graph_def, return_elements=[seeded.name], name="two")[0]
        alone = gj.Graph()
        with alone.as_default():
            only = gj.import_graph_def(graph_def, return_elements=[seeded.name])[0]
            with gj.Session(graph=alone) as sess:
                expect = sess.run(only)
        with gj.Session(graph=target) as sess:
            a, b = sess.run([first, second])
    # same op seed, separate ops: the same sequence, as TensorFlow gives
    np.testing.assert_array_equal(a, expect)
    np.testing.assert_array_equal(b, expect)
