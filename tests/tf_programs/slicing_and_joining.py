"""Slicing (ints, steps, negative indices, ellipsis, newaxis), concat/stack/split/unstack,
tile, pad, transpose, expand_dims/squeeze, and the gradient through all of them."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    data = rng.standard_normal((4, 6, 3)).astype(np.float32)

    x = tf.placeholder(tf.float32, [None, 6, 3], name="x")
    pieces = {
        "row": x[1],
        "steps": x[:, ::2, -1],
        "negative": x[-2:, 1:-1],
        "ellipsis": x[..., 0],
        "newaxis": x[:, tf.newaxis, 0, :],
        "reverse": x[::-1, 3],
    }
    a, b, c = tf.split(x, num_or_size_splits=3, axis=1)
    parts = tf.split(x, [1, 2, 3], axis=1)
    joined = tf.concat([c, a, b], axis=1)
    stacked = tf.stack([a, b], axis=-1)
    columns = tf.unstack(x, axis=2)
    tiled = tf.tile(x[:1, :2], [2, 1, 3])
    padded = tf.pad(x[0], [[1, 0], [0, 2]], constant_values=-1.0)
    moved = tf.transpose(tf.expand_dims(x, 0), perm=[0, 3, 1, 2])
    squeezed = tf.squeeze(x[:, :1, :1], axis=[1, 2])
    mixed = joined * 2.0 + tf.reduce_sum(stacked) + columns[1][:, :, None]
    loss = tf.reduce_sum(mixed * mixed) + tf.reduce_sum(padded) + tf.reduce_sum(tiled ** 2)
    (grad,) = tf.gradients(loss, [x])

    with tf.Session() as sess:
        out = sess.run({"pieces": pieces, "joined": joined, "stacked": stacked,
                        "columns": columns, "parts": parts, "tiled": tiled, "padded": padded,
                        "moved": moved, "squeezed": squeezed, "grad": grad}, {x: data})
    out["static_shapes"] = {k: v.shape.as_list() for k, v in pieces.items()}
    out["split_shapes"] = [p.shape.as_list() for p in parts]
    return out
