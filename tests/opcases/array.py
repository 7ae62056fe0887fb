"""Cases for graphlib/ops/array.py: shape and array ops, slicing, and their gradient ops."""

import numpy as np

from tests.opcases import Case, f32

_IDX = np.array([[0, 4], [2, 2]], np.int32)  # a repeated index: its gradient must add up
_SEGMENTS = np.array([0, 2, 0, -1, 1], np.int32)  # -1 drops its row


def _array_ops():
    from graphjit.graphlib.ops import array
    return array


def _strided_grad_expect(dy):
    out = np.zeros((4, 5), dy.dtype)
    out[1:3, 0:5:2] = dy
    return out


def _mirror_fold(g):
    """REFLECT padding [[1, 1], [2, 0]] of a (2, 3) tensor, folded back by hand."""
    out = g[1:3, 2:5].copy()
    out[1] += g[0, 2:5]  # row -1 mirrors row 1
    out[0] += g[3, 2:5]  # row 2 mirrors row 0
    out[:, 2] += g[1:3, 0]  # column -2 mirrors column 2
    out[:, 1] += g[1:3, 1]  # column -1 mirrors column 1
    out[1, 2] += g[0, 0]
    out[1, 1] += g[0, 1]
    out[0, 2] += g[3, 0]
    out[0, 1] += g[3, 1]
    return out


def _segment_sum(data, ids, n):
    out = np.zeros((n,) + data.shape[1:], data.dtype)
    for row, s in zip(data, ids):
        if s >= 0:
            out[s] += row
    return out


def _batch_gather(p, idx):
    return np.stack([p[b][:, idx[b]] for b in range(p.shape[0])])


CASES = [
    # reshape
    Case("reshape", lambda tf, x: tf.reshape(x, [-1, 4]), [f32(2, 3, 4)],
         lambda x: x.reshape(6, 4)),
    Case("reshape_to_shape_of", lambda tf, x, y: tf.reshape(x, tf.shape(y)),
         [f32(6), f32(2, 3, seed=1)], lambda x, y: x.reshape(2, 3)),
    Case("reshape_fed_shape", lambda tf, x, s: tf.reshape(tf.reshape(x, s), [6]),
         [f32(6), np.array([3, 2], np.int32)], lambda x, s: x),
    # transpose, invert_permutation
    Case("transpose_default", lambda tf, x: tf.transpose(x), [f32(2, 3, 4)],
         lambda x: x.transpose()),
    Case("transpose_perm", lambda tf, x: tf.transpose(x, [1, 0, 2]), [f32(2, 3, 4)],
         lambda x: x.transpose(1, 0, 2)),
    # A trailing reshape gives the output a static shape (the gradient check needs one).
    Case("transpose_fed_perm", lambda tf, x, p: tf.reshape(tf.transpose(x, p), [4, 2, 3]),
         [f32(2, 3, 4), np.array([2, 0, 1], np.int32)], lambda x, p: x.transpose(2, 0, 1),
         grad2=True),
    Case("invert_permutation", lambda tf, p: tf.invert_permutation(p),
         [np.array([2, 0, 3, 1], np.int32)], lambda p: np.array([1, 3, 0, 2], np.int32),
         grad=False),
    # expand_dims, squeeze
    Case("expand_dims", lambda tf, x: [tf.expand_dims(x, 1), tf.expand_dims(x, -1)],
         [f32(2, 3)], lambda x: [x[:, None, :], x[:, :, None]]),
    Case("squeeze", lambda tf, x: [tf.squeeze(x), tf.squeeze(x, [2]), tf.squeeze(x, -4)],
         [f32(1, 3, 1, 2)], lambda x: [x.reshape(3, 2), x.reshape(1, 3, 2), x.reshape(3, 1, 2)]),
    # concat, stack, unstack
    Case("concat", lambda tf, x, y: tf.concat([x, y, x], -1), [f32(2, 3), f32(2, 2, seed=1)],
         lambda x, y: np.concatenate([x, y, x], 1)),
    Case("concat_axis0_literal", lambda tf, x: tf.concat([x, [[1.0, 2.0]]], 0), [f32(2, 2)],
         lambda x: np.concatenate([x, np.array([[1, 2]], np.float32)])),
    Case("concat_one", lambda tf, x: tf.concat([x], 0), [f32(3)], lambda x: x),
    Case("concat_fed_axis", lambda tf, x, y, a: tf.reshape(tf.concat([x, y], a), [2, 4]),
         [f32(2, 3), f32(2, 1, seed=1), np.array(1, np.int32)],
         lambda x, y, a: np.concatenate([x, y], 1), grad2=True),
    Case("stack", lambda tf, x, y: tf.stack([x, y], axis=1), [f32(2, 3), f32(2, 3, seed=1)],
         lambda x, y: np.stack([x, y], 1)),
    Case("stack_autopack", lambda tf, x, y: tf.identity([[x, y], [y, x]]),
         [f32(3), f32(3, seed=1)], lambda x, y: np.array([[x, y], [y, x]])),
    Case("unstack", lambda tf, x: tf.unstack(x, axis=1), [f32(2, 3)],
         lambda x: [x[:, 0], x[:, 1], x[:, 2]]),
    Case("unstack_one_used", lambda tf, x: tf.unstack(x)[1], [f32(3, 2)], lambda x: x[1]),
    # split
    Case("split_even", lambda tf, x: tf.split(x, 3, axis=1), [f32(2, 6)],
         lambda x: np.split(x, 3, 1)),
    Case("split_sizes", lambda tf, x: tf.split(x, [1, -1, 2], 1), [f32(2, 6)],
         lambda x: [x[:, :1], x[:, 1:4], x[:, 4:]], grad2=True),
    Case("split_one_used", lambda tf, x: tf.split(x, [1, 3], 0)[1], [f32(4, 2)],
         lambda x: x[1:]),
    # tile
    Case("tile", lambda tf, x: tf.tile(x, [2, 1, 3]), [f32(2, 3, 2)],
         lambda x: np.tile(x, (2, 1, 3))),
    Case("tile_fed_multiples", lambda tf, x, m: tf.reshape(tf.tile(x, m), [6, 6]),
         [f32(2, 3), np.array([3, 2], np.int32)], lambda x, m: np.tile(x, (3, 2)), grad2=True),
    # pad, mirror_pad, mirror_pad_grad
    Case("pad", lambda tf, x: tf.pad(x, [[1, 0], [2, 1]]), [f32(2, 3)],
         lambda x: np.pad(x, [(1, 0), (2, 1)])),
    Case("pad_constant_values", lambda tf, x: tf.pad(x, [[0, 1], [1, 1]], constant_values=3.0),
         [f32(2, 3)], lambda x: np.pad(x, [(0, 1), (1, 1)], constant_values=3)),
    Case("pad_fed_paddings", lambda tf, x, p: tf.reshape(tf.pad(x, p), [5, 4]),
         [f32(2, 3), np.array([[1, 2], [0, 1]], np.int32)],
         lambda x, p: np.pad(x, [(1, 2), (0, 1)])),
    Case("pad_reflect", lambda tf, x: tf.pad(x, [[1, 1], [2, 0]], "REFLECT"), [f32(2, 3)],
         lambda x: np.pad(x, [(1, 1), (2, 0)], mode="reflect"), grad2=True),
    Case("pad_symmetric", lambda tf, x: tf.pad(x, [[2, 1], [0, 3]], mode="SYMMETRIC"),
         [f32(2, 3)], lambda x: np.pad(x, [(2, 1), (0, 3)], mode="symmetric")),
    Case("mirror_pad_grad",
         lambda tf, g: _array_ops().mirror_pad_grad(g, [[1, 1], [2, 0]], "REFLECT"),
         [f32(4, 5)], _mirror_fold, tf=False),
    # gather, unsorted_segment_sum
    # TF's gradient of an axis-0 gather is IndexedSlices, which the TF oracle cannot
    # compare; scaling params first makes TF's gradient for x a dense tensor.
    Case("gather", lambda tf, x, i: tf.gather(2.0 * x, i), [f32(5, 3), _IDX],
         lambda x, i: 2 * x[i]),
    Case("gather_axis1", lambda tf, x, i: tf.gather(x, i, axis=1), [f32(2, 5, 3), _IDX],
         lambda x, i: x[:, i], grad2=True),
    Case("gather_axis_last", lambda tf, x: tf.gather(x, [2, 0, 2], axis=-1), [f32(2, 3)],
         lambda x: x[:, [2, 0, 2]]),
    Case("gather_batch_dims", lambda tf, x, i: tf.gather(x, i, axis=2, batch_dims=1),
         [f32(2, 3, 4), np.array([[0, 3, 3], [1, 1, 2]], np.int32)], _batch_gather, grad2=True),
    Case("unsorted_segment_sum", lambda tf, x, s: tf.unsorted_segment_sum(x, s, 3),
         [f32(5, 2), _SEGMENTS], lambda x, s: _segment_sum(x, s, 3), grad2=True),
    # one_hot
    Case("one_hot", lambda tf, i: tf.one_hot(i, 4), [np.array([0, 2, -1, 5, 3], np.int32)],
         lambda i: np.eye(5, dtype=np.float32)[[0, 2, 4, 4, 3]][:, :4], grad=False),
    Case("one_hot_axis0_values", lambda tf, i: tf.one_hot(i, 3, 2, -1, axis=0),
         [np.array([[0, 2], [1, 1]], np.int64)],
         lambda i: np.where(np.arange(3)[:, None, None] == i, 2, -1).astype(np.int32),
         grad=False),
    # shape, size, rank, fill, zeros, ones
    Case("shape_size_rank",
         lambda tf, x: [tf.shape(x), tf.shape(x, out_type=tf.int64), tf.size(x), tf.rank(x)],
         [f32(2, 3, 4)], lambda x: [np.array([2, 3, 4], np.int32),
                                    np.array([2, 3, 4], np.int64), np.int32(24),
                                    np.int32(3)], grad=False),
    Case("fill", lambda tf, v: tf.fill([2, 3], v), [np.array(1.5, np.float32)],
         lambda v: np.full((2, 3), 1.5, np.float32)),
    Case("zeros_ones",
         lambda tf, x: [tf.zeros([2, 3]), tf.ones((2,), tf.int32), tf.zeros(tf.shape(x)),
                        tf.ones([40, 30], tf.float64)],
         [f32(2, 3)], lambda x: [np.zeros((2, 3), np.float32), np.ones(2, np.int32),
                                 np.zeros((2, 3), np.float32), np.ones((40, 30))],
         grad=False),
    # range
    Case("range", lambda tf, n: [tf.range(5), tf.range(1, 5.0), tf.range(10, 0, -3),
                                 tf.range(0.0, 1.0, 0.3), tf.range(n),
                                 tf.range(2, 7, dtype=tf.int64)],
         [np.array(4, np.int32)],
         lambda n: [np.arange(5, dtype=np.int32), np.arange(1, 5, dtype=np.float32),
                    np.arange(10, 0, -3, dtype=np.int32),
                    np.arange(0, 1, 0.3).astype(np.float32), np.arange(4, dtype=np.int32),
                    np.arange(2, 7)], grad=False),
    # broadcast_to, reverse, slice
    Case("broadcast_to", lambda tf, x, y: [tf.broadcast_to(x, [2, 3]),
                                           tf.broadcast_to(y, [4, 2, 3])],
         [f32(3), f32(2, 1, seed=1)],
         lambda x, y: [np.broadcast_to(x, (2, 3)), np.broadcast_to(y, (4, 2, 3))]),
    Case("reverse", lambda tf, x: tf.reverse(x, [0, -1]), [f32(2, 3, 2)],
         lambda x: x[::-1, :, ::-1]),
    Case("slice", lambda tf, x: tf.slice(x, [1, 0], [2, -1]), [f32(4, 3)], lambda x: x[1:3]),
    Case("slice_fed_begin", lambda tf, x, b: tf.reshape(tf.slice(x, b, [2, -1]), [2, 2]),
         [f32(4, 3), np.array([2, 1], np.int32)], lambda x, b: x[2:4, 1:], grad2=True),
    # strided_slice and __getitem__
    Case("getitem_slices", lambda tf, x: x[1:3, ::-1], [f32(4, 5)], lambda x: x[1:3, ::-1]),
    Case("getitem_negative_int", lambda tf, x: x[-1], [f32(4, 5)], lambda x: x[-1]),
    Case("getitem_steps", lambda tf, x: x[::2, 3:0:-2], [f32(5, 5)],
         lambda x: x[::2, 3:0:-2]),
    Case("getitem_ellipsis_newaxis", lambda tf, x: x[..., None, 1:], [f32(2, 3, 4)],
         lambda x: x[..., None, 1:]),
    Case("getitem_mixed", lambda tf, x: x[1, None, ..., ::-2], [f32(2, 3, 4)],
         lambda x: x[1, None, ..., ::-2], grad2=True),
    Case("getitem_out_of_range_slice", lambda tf, x: x[-10:10, 5:], [f32(3, 4)],
         lambda x: x[-10:10, 5:]),
    Case("getitem_tensor_index", lambda tf, x, i: x[i], [f32(4, 5), np.array(-2, np.int32)],
         lambda x, i: x[-2]),
    Case("getitem_tensor_bounds", lambda tf, x, i: tf.reshape(x[i:, :i], [2, 2]),
         [f32(4, 5), np.array(2, np.int32)],
         lambda x, i: x[2:, :2]),
    Case("strided_slice", lambda tf, x: tf.strided_slice(x, [0, 1], [3, 4], [2, 1]),
         [f32(4, 5)], lambda x: x[0:3:2, 1:4]),
    Case("variable_getitem",
         lambda tf, x: tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3))[1] * x,
         [f32(3)], lambda x: np.array([3, 4, 5], np.float32) * x, grad=False),
    Case("strided_slice_grad",
         lambda tf, dy: _array_ops().strided_slice_grad([4, 5], [1, 0], [3, 5], [1, 2], dy),
         [f32(2, 3)], _strided_grad_expect, tf=False),
]
