"""Array ops against NumPy: hypothesis over shapes, permutations, slice specs and concat
axes; static shape inference (unknown dims, unknown rank, build-time constants); build-
and run-time errors; TF-style names and attrs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphjit as gj
from graphjit.graphlib.graph import constant_value

SETTINGS = settings(max_examples=60, deadline=None)

shapes = st.lists(st.integers(0, 4), min_size=0, max_size=4)


def run(fetches, feed=None):
    with gj.Session(executor="interpreted") as sess:
        return sess.run(fetches, feed)


def arange(shape, dtype=np.float32):
    return np.arange(int(np.prod(shape)), dtype=dtype).reshape(shape)


# -- hypothesis: reshape, transpose, slicing, concat ----------------------------------------

@st.composite
def reshapes(draw):
    shape = draw(st.lists(st.integers(1, 4), min_size=0, max_size=4))
    target = draw(st.permutations(shape))
    target = list(target) + [1] * draw(st.integers(0, 1))
    if target and draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    return shape, target


@SETTINGS
@given(reshapes(), st.booleans())
def test_reshape_matches_numpy(case, fed_shape):
    shape, target = case
    gj.reset_default_graph()
    x = gj.placeholder(gj.float32, shape)
    t = gj.placeholder(gj.int32, [len(target)]) if fed_shape else target
    y = gj.reshape(x, t)
    expected = arange(shape).reshape(target)
    if not fed_shape:
        assert y.shape.as_list() == list(expected.shape)
    feed = {x: arange(shape)}
    if fed_shape:
        feed[t] = np.array(target, np.int32)
    np.testing.assert_array_equal(run(y, feed), expected)


@SETTINGS
@given(shapes.flatmap(lambda s: st.tuples(st.just(s), st.permutations(range(len(s))))))
def test_transpose_matches_numpy(case):
    shape, perm = case
    gj.reset_default_graph()
    x = gj.placeholder(gj.float32, shape)
    y = gj.transpose(x, list(perm))
    expected = arange(shape).transpose(perm)
    assert y.shape.as_list() == list(expected.shape)
    np.testing.assert_array_equal(run(y, {x: arange(shape)}), expected)


_bounds = st.one_of(st.none(), st.integers(-6, 6))


@st.composite
def slice_specs(draw):
    """A shape and a valid NumPy basic index for it: ints, slices, one `...`, `None`."""
    shape = draw(st.lists(st.integers(1, 5), min_size=1, max_size=3))
    items, dim = [], 0
    ellipsis_used = False
    for _ in range(draw(st.integers(0, len(shape) + 1))):
        kind = draw(st.sampled_from(["int", "slice", "slice", "none", "ellipsis"]))
        if kind == "none":
            items.append(None)
        elif kind == "ellipsis" and not ellipsis_used:
            items.append(Ellipsis)
            ellipsis_used = True
        elif dim < len(shape) and kind == "int":
            # An ellipsis shifts which dim an int indexes: fit the smallest one.
            items.append(draw(st.integers(-min(shape), min(shape) - 1)))
            dim += 1
        elif dim < len(shape) and kind == "slice":
            step = draw(st.one_of(st.none(), st.sampled_from([-3, -2, -1, 1, 2, 3])))
            items.append(slice(draw(_bounds), draw(_bounds), step))
            dim += 1
    return shape, tuple(items)


@SETTINGS
@given(slice_specs(), st.booleans())
def test_getitem_matches_numpy(case, tensor_ints):
    shape, key = case
    gj.reset_default_graph()
    x = gj.placeholder(gj.float32, shape)
    feed = {x: arange(shape)}
    graph_key = []
    for item in key:
        if tensor_ints and isinstance(item, int):
            i = gj.placeholder(gj.int32, [])
            feed[i] = np.int32(item)
            graph_key.append(i)
        else:
            graph_key.append(item)
    y = x[tuple(graph_key)]
    expected = arange(shape)[key]
    assert [op.type for op in gj.get_default_graph().get_operations()].count(
        "strided_slice") == 1
    assert y.shape.is_compatible_with(expected.shape)
    if not tensor_ints:
        assert y.shape.as_list() == list(expected.shape)
    got = run(y, feed)
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)


@st.composite
def concat_cases(draw):
    base = draw(st.lists(st.integers(0, 3), min_size=1, max_size=3))
    axis = draw(st.integers(-len(base), len(base) - 1))
    shapes_ = []
    for _ in range(draw(st.integers(2, 4))):
        s = list(base)
        s[axis] = draw(st.integers(0, 3))
        shapes_.append(s)
    return shapes_, axis


@SETTINGS
@given(concat_cases())
def test_concat_matches_numpy_and_splits_back(case):
    shapes_, axis = case
    gj.reset_default_graph()
    xs = [gj.placeholder(gj.float32, s) for s in shapes_]
    values = [arange(s) + 100 * k for k, s in enumerate(shapes_)]
    y = gj.concat(xs, axis)
    expected = np.concatenate(values, axis)
    assert y.shape.as_list() == list(expected.shape)
    sizes = [s[axis] for s in shapes_]
    back = gj.split(y, sizes, axis)
    got = run([y] + back, dict(zip(xs, values)))
    np.testing.assert_array_equal(got[0], expected)
    for piece, value in zip(got[1:], values):
        np.testing.assert_array_equal(piece, value)


# -- static shapes --------------------------------------------------------------------------

def test_reshape_to_dynamic_shape_of_known_tensor_is_static():
    x = gj.placeholder(gj.float32, [6])
    y = gj.placeholder(gj.float32, [2, 3])
    assert gj.reshape(x, gj.shape(y)).shape.as_list() == [2, 3]
    assert constant_value(gj.size(y)) == 6
    assert constant_value(gj.rank(y)) == 2
    assert constant_value(gj.shape(y)[1]) == 3


def test_shapes_mixing_tensors_and_ints_keep_their_known_entries():
    x = gj.placeholder(gj.float32, [None, 28, 28])
    assert gj.reshape(x, [gj.shape(x)[0], 784]).shape.as_list() == [None, 784]
    assert gj.reshape(x, [gj.shape(x)[0], -1]).shape.as_list() == [None, None]
    assert gj.reshape(x, gj.concat([gj.shape(x)[:1], [28, 28, 1]], 0)).shape.as_list() == \
        [None, 28, 28, 1]
    assert gj.broadcast_to(3.0, gj.shape(x)).shape.as_list() == [None, 28, 28]
    value = np.zeros((2, 28, 28), np.float32)
    assert run(gj.reshape(x, [gj.shape(x)[0], 784]), {x: value}).shape == (2, 784)


def test_known_entries_picked_from_a_partly_known_shape_are_constants():
    x = gj.placeholder(gj.float32, [None, 7, 7, 64])
    s = gj.shape(x)
    assert constant_value(s[1]) == 7 and constant_value(s[0]) is None
    assert constant_value(s[1:3]).tolist() == [7, 7] and constant_value(s[:2]) is None
    assert constant_value(gj.gather(s, [3, 1])).tolist() == [64, 7]
    flat = gj.reshape(x, [s[0], s[1] * s[2] * s[3]])
    assert flat.shape.as_list() == [None, 3136]
    _, height, width, channels = gj.unstack(s)
    assert gj.reshape(x, [-1, height * width * channels]).shape.as_list() == [None, 3136]
    value = np.arange(2 * 7 * 7 * 64, dtype=np.float32).reshape(2, 7, 7, 64)
    np.testing.assert_array_equal(run(flat, {x: value}), value.reshape(2, 3136))


def test_unknown_dims_propagate():
    x = gj.placeholder(gj.float32, [None, 28, 28])
    assert gj.reshape(x, [-1, 784]).shape.as_list() == [None, 784]
    assert gj.reshape(x, gj.shape(x)).shape.as_list() == [None, 28, 28]
    assert gj.transpose(x).shape.as_list() == [28, 28, None]
    assert gj.concat([x, x], 0).shape.as_list() == [None, 28, 28]
    assert gj.concat([x, x], 1).shape.as_list() == [None, 56, 28]
    assert x[:, 3].shape.as_list() == [None, 28]
    assert x[1:].shape.as_list() == [None, 28, 28]
    assert gj.squeeze(x).shape.rank is None  # a None dim might be 1
    assert gj.shape(x).shape.as_list() == [3]
    assert constant_value(gj.shape(x)) is None
    assert gj.tile(x, [2, 1, 1]).shape.as_list() == [None, 28, 28]
    assert gj.gather(x, [1, 2], axis=1).shape.as_list() == [None, 2, 28]


def test_unknown_rank_is_handled():
    x = gj.placeholder(gj.float32)
    assert gj.reshape(x, [2, -1]).shape.as_list() == [2, None]
    assert gj.transpose(x).shape.rank is None
    assert gj.transpose(x, [1, 0]).shape.as_list() == [None, None]
    assert gj.expand_dims(x, 0).shape.rank is None
    assert gj.squeeze(x, [0]).shape.rank is None
    assert x[0].shape.rank is None
    assert gj.stack([x, x]).shape.rank is None
    assert gj.concat([x, gj.placeholder(gj.float32, [None, 3])], 0).shape.as_list() == \
        [None, 3]
    assert gj.shape(x).shape.as_list() == [None]
    assert gj.pad(x, [[1, 1]]).shape.as_list() == [None]
    value = np.arange(6, dtype=np.float32).reshape(2, 3)
    got = run([gj.transpose(x), x[1, ::-1], gj.shape(x), gj.size(x), gj.rank(x)], {x: value})
    np.testing.assert_array_equal(got[0], value.T)
    np.testing.assert_array_equal(got[1], value[1, ::-1])
    assert got[2].tolist() == [2, 3] and got[3] == 6 and got[4] == 2


def test_fill_and_zeros_from_partially_dynamic_shape():
    n = gj.placeholder(gj.int32, [])
    z = gj.zeros([n, 3])
    assert z.shape.as_list() == [None, 3]
    assert run(z, {n: 2}).shape == (2, 3)
    assert gj.ones([2000]).op.type == "fill"  # large constants are not embedded
    assert gj.zeros([2, 2], gj.bool).dtype == gj.bool


# -- errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize("build, error, message", [
    (lambda x: gj.reshape(x, [4, 2]), ValueError, "Cannot reshape a tensor with 6"),
    (lambda x: gj.reshape(x, [-1, -1]), ValueError, "only one dimension can be -1"),
    (lambda x: gj.squeeze(x, [1]), ValueError, "Can not squeeze dim[1]"),
    (lambda x: gj.transpose(x, [0, 0]), ValueError, "permutation"),
    (lambda x: gj.concat([x, gj.placeholder(gj.int32, [2, 3])], 0), TypeError, "dtype"),
    (lambda x: gj.concat([x, gj.placeholder(gj.float32, [3, 3])], 1), ValueError,
     "dimension 0"),
    (lambda x: gj.stack([x, gj.placeholder(gj.float32, [3, 2])]), ValueError, "equal"),
    (lambda x: gj.split(x, 2, axis=1), ValueError, "evenly divisible"),
    (lambda x: gj.split(x, [1, 1], axis=1), ValueError, "add up"),
    (lambda x: x[2], ValueError, "out of bounds"),
    (lambda x: x[0, 0, 0], ValueError, "Index out of range"),
    (lambda x: x[1.5], TypeError, "valid indices"),
    (lambda x: x[[0, 1]], TypeError, "valid indices"),
    (lambda x: x[gj.placeholder(gj.float32, [])], TypeError, "valid indices"),
    (lambda x: gj.slice(x, [1, 0], [2, -1]), ValueError, "Expected size[0]"),
    (lambda x: gj.pad(x, [[4, 0], [0, 0]], "REFLECT"), ValueError, "REFLECT"),
    (lambda x: gj.gather(x, [0], axis=2), ValueError, "axis"),
    (lambda x: gj.one_hot([0], 2, on_value=1.0, off_value=0), TypeError, "off_value"),
    (lambda x: gj.range(0, 5, 0), ValueError, "delta != 0"),
    (lambda x: gj.broadcast_to(x, [3, 3]), ValueError, "Unable to broadcast"),
    (lambda x: gj.reverse(x, [0, -2]), ValueError, "more than once"),
    (lambda x: gj.unstack(gj.placeholder(gj.float32, [None, 2])), ValueError, "num"),
    (lambda x: gj.tile(x, [2]), ValueError, "multiples"),
    (lambda x: gj.reshape(x, gj.placeholder(gj.float32, [2])), TypeError, "int32 or int64"),
])
def test_build_time_errors(build, error, message):
    x = gj.placeholder(gj.float32, [2, 3], name="x")
    with pytest.raises(error) as info:
        build(x)
    assert message in str(info.value)


def test_run_time_index_errors_name_the_op():
    x = gj.placeholder(gj.float32, [3, 2])
    i = gj.placeholder(gj.int32, [2])
    k = gj.placeholder(gj.int32, [])
    gathered = gj.gather(x, i, name="my_gather")
    with pytest.raises(gj.errors.InvalidArgumentError, match=r"indices\[1\] = -1 is not in"):
        run(gathered, {x: np.zeros((3, 2), np.float32), i: np.array([0, -1], np.int32)})
    with pytest.raises(gj.errors.InvalidArgumentError, match="my_gather"):
        run(gathered, {x: np.zeros((3, 2), np.float32), i: np.array([3, 0], np.int32)})
    with pytest.raises(gj.errors.InvalidArgumentError):
        run(x[k], {x: np.zeros((3, 2), np.float32), k: 3})
    s = gj.placeholder(gj.int32, [2])
    with pytest.raises(gj.errors.InvalidArgumentError):
        run(gj.reshape(x, s), {x: np.zeros((3, 2), np.float32), s: np.array([4, 2], np.int32)})
    sq = gj.squeeze(gj.placeholder(gj.float32, [None, 2], name="p"), [0])
    with pytest.raises(gj.errors.InvalidArgumentError, match="squeeze"):
        run(sq, {"p:0": np.zeros((3, 2), np.float32)})


# -- TF conventions ---------------------------------------------------------------------------

def test_names_and_attrs_follow_tf():
    x = gj.placeholder(gj.float32, [4, 6], name="x")
    assert gj.reshape(x, [-1]).name == "Reshape:0"
    assert x[1:, 2].name == "strided_slice:0"
    assert gj.concat([x, x], 0).name == "concat:0"
    assert [t.name for t in gj.split(x, 2, 1)] == ["split:0", "split:1"]
    assert gj.stack([x, x]).name == "stack:0"
    assert gj.transpose(x).name == "transpose:0"
    assert gj.gather(x, [0]).name == "GatherV2:0"
    op = x[1:, 2, None, ...].op
    assert (op.get_attr("begin_mask"), op.get_attr("end_mask"), op.get_attr("shrink_axis_mask"),
            op.get_attr("new_axis_mask"), op.get_attr("ellipsis_mask")) == (0, 1, 2, 4, 8)
    for o in gj.get_default_graph().get_operations():
        for value in o.attrs.values():
            assert isinstance(value, (int, float, bool, str, tuple, list, np.ndarray,
                                      gj.DType, gj.TensorShape)), (o.type, value)


def test_variable_slicing_and_tensor_iteration():
    v = gj.Variable(arange([3, 2]))
    rows = list(gj.constant(arange([3, 2])))
    with gj.Session(executor="interpreted") as sess:
        sess.run(gj.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(v[1:, ::-1]), arange([3, 2])[1:, ::-1])
        assert [r.tolist() for r in sess.run(rows)] == arange([3, 2]).tolist()


def test_convert_to_tensor_autopacks_through_stack():
    x = gj.placeholder(gj.float32, [2])
    packed = gj.convert_to_tensor([x, [1.0, 2.0]])
    assert packed.op.type == "stack" and packed.shape.as_list() == [2, 2]
    np.testing.assert_array_equal(run(packed, {x: [3.0, 4.0]}), [[3, 4], [1, 2]])


def test_range_dtype_rules():
    assert gj.range(5).dtype == gj.int32
    assert gj.range(1, 5.0).dtype == gj.float32
    assert gj.range(gj.constant(3, gj.int64)).dtype == gj.int64
    assert gj.range(0, 3, dtype=gj.float64).dtype == gj.float64
    np.testing.assert_allclose(run(gj.range(0.0, 1.0, 0.1)), np.arange(0, 1, 0.1), rtol=1e-6)


def test_unsorted_segment_sum_gradient_drops_negative_ids():
    data = gj.placeholder(gj.float64, [4, 2])
    ids = gj.placeholder(gj.int32, [4])
    out = gj.unsorted_segment_sum(data, ids, 2)
    (grad,) = gj.gradients(out, [data], grad_ys=gj.constant([[1.0, 2.0], [3.0, 4.0]],
                                                             gj.float64))
    got = run(grad, {data: np.zeros((4, 2)), ids: np.array([1, -1, 0, 1], np.int32)})
    np.testing.assert_array_equal(got, [[3, 4], [0, 0], [1, 2], [3, 4]])
