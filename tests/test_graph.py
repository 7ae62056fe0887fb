"""Graph building: names, scopes, control dependencies, collections, lookup, finalize,
provenance and build-time errors."""

from __future__ import annotations

import numpy as np
import pytest

import graphjit as gj


def test_unique_names_follow_tf():
    a = gj.constant(1.0, name="x")
    b = gj.constant(2.0, name="x")
    c = gj.constant(3.0, name="x")
    d = gj.constant(4.0, name="x_1")
    assert [t.name for t in (a, b, c)] == ["x:0", "x_1:0", "x_2:0"]
    assert d.name == "x_1_1:0"


def test_name_scopes_nest_and_uniquify():
    with gj.name_scope("layer") as scope:
        assert scope == "layer/"
        a = gj.constant(1.0, name="w")
        with gj.name_scope("inner"):
            b = gj.identity(a)
    with gj.name_scope("layer") as scope2:
        c = gj.constant(1.0, name="w")
    assert a.name == "layer/w:0"
    assert b.name == "layer/inner/Identity:0"
    assert scope2 == "layer_1/"
    assert c.name == "layer_1/w:0"
    with gj.name_scope("layer/"):
        d = gj.constant(1.0, name="w")
    assert d.name == "layer/w_1:0"


def test_default_graph_and_as_default():
    g = gj.Graph()
    with g.as_default():
        t = gj.constant(1.0)
        assert gj.get_default_graph() is g
    assert t.graph is g
    assert gj.get_default_graph() is not g
    assert g.get_operations() == [t.op]


def test_tensor_and_operation_lookup():
    x = gj.placeholder(gj.float32, [None, 2], name="x")
    y = gj.identity(x, name="y")
    g = gj.get_default_graph()
    assert g.get_tensor_by_name("y:0") is y
    assert g.get_operation_by_name("y") is y.op
    assert y.op.inputs == (x,)
    assert y.op.outputs == [y]
    assert y.op.type == "identity"
    with pytest.raises(KeyError):
        g.get_tensor_by_name("nope:0")
    with pytest.raises(KeyError):
        g.get_tensor_by_name("y:1")
    with pytest.raises(ValueError):
        g.get_tensor_by_name("y")
    with pytest.raises(ValueError):
        g.get_operation_by_name("y:0")


def test_static_shapes_and_dtypes():
    x = gj.placeholder(gj.float32, [None, 3])
    assert x.shape.as_list() == [None, 3]
    assert x.dtype == gj.float32 and x.dtype == np.float32 and x.dtype == "float32"
    assert x.shape[1] == 3 and x.shape[0] is None
    u = gj.placeholder(gj.int32)
    assert u.shape.rank is None
    assert gj.constant([[1, 2]]).dtype == gj.int32
    assert gj.constant(np.zeros(2)).dtype == gj.float64
    assert gj.constant([1.5]).dtype == gj.float32
    assert gj.constant(True).dtype == gj.bool


def test_control_dependencies_attach_and_reset():
    a = gj.constant(1.0, name="a")
    b = gj.constant(2.0, name="b")
    with gj.control_dependencies([a]):
        c = gj.identity(b)
        with gj.control_dependencies([b.op]):
            d = gj.identity(b)
        with gj.control_dependencies(None):
            e = gj.identity(b)
    assert c.op.control_inputs == [a.op]
    assert d.op.control_inputs == [a.op]  # b is already a data input
    assert e.op.control_inputs == []


def test_control_dependency_orders_a_read_after_an_assign():
    v = gj.Variable(1.0)
    inc = v.assign_add(1.0)
    with gj.control_dependencies([inc]):
        after = v.read_value()
    with gj.Session() as sess:
        sess.run(gj.global_variables_initializer())
        assert sess.run(after) == 2.0
        assert sess.run(after) == 3.0


def test_collections_hold_variables():
    v = gj.Variable(1.0, name="v")
    w = gj.Variable(2.0, name="w", trainable=False)
    assert gj.global_variables() == [v, w]
    assert gj.trainable_variables() == [v]
    assert gj.get_collection(gj.GraphKeys.TRAINABLE_VARIABLES) == [v]
    assert v.name == "v:0" and v.shape.as_list() == [] and v.dtype == gj.float32


def test_finalize_rejects_new_ops_with_a_clear_error():
    g = gj.get_default_graph()
    gj.constant(1.0)
    g.finalize()
    with pytest.raises(RuntimeError, match="finalized"):
        gj.constant(2.0)


def test_ops_record_the_user_line_that_created_them():
    t = gj.identity(gj.constant(1.0))
    filename, lineno, func = t.op.traceback[-1]
    assert filename == __file__
    assert func == "test_ops_record_the_user_line_that_created_them"
    assert "test_graph.py" in t.op.user_location()
    assert "gj.identity(gj.constant(1.0))" in t.op.traceback_text()


def test_build_time_shape_error_names_op_shapes_and_line():
    a = gj.placeholder(gj.float32, [2, 3], name="a")
    b = gj.placeholder(gj.float32, [4], name="b")
    with pytest.raises(ValueError) as info:
        gj.add_n([a, b])
    message = str(info.value)
    assert "AddN" in message and "[2,3]" in message and "[4]" in message
    assert "test_graph.py" in message


def test_tensors_from_another_graph_are_rejected():
    g = gj.Graph()
    with g.as_default():
        other = gj.constant(1.0)
    with pytest.raises(ValueError, match="same graph"):
        gj.add_n([other, gj.constant(1.0)])


def test_tensor_is_not_a_python_bool():
    with pytest.raises(TypeError):
        bool(gj.constant(True))


def test_placeholder_with_default_is_not_a_build_time_constant():
    from graphjit.graphlib.graph import constant_value
    graph = gj.Graph()
    with graph.as_default():
        rows = gj.placeholder_with_default(3, [])
        assert constant_value(rows) is None and constant_value(rows + 1) is None
        reshaped = gj.reshape(gj.ones([6]), gj.stack([rows, -1]))
        assert reshaped.shape.as_list() == [None, None]
        with gj.Session() as sess:
            assert sess.run(reshaped).shape == (3, 2)
            assert sess.run(reshaped, {rows: 2}).shape == (2, 3)


def test_operations_since_lists_what_a_builder_created():
    graph = gj.Graph()
    with graph.as_default():
        x = gj.placeholder(gj.float32, [2])
        start = graph.num_operations
        y = gj.exp(x) + 1.0
        created = graph.operations_since(start)
    assert y.op in created and x.op not in created
    assert [op.name for op in created] == [op.name for op in graph.get_operations()[start:]]
