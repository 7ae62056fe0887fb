"""Dynamic shape arithmetic with an unknown batch dimension: tf.shape/size/rank, reshape
with computed shapes (static shapes compared only where graphjit infers TF's: see
docs/differences-from-tf1.md), fill/zeros/ones from a dynamic shape, range over the batch, tile with
computed multiples, and the same graph run with different batch sizes."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    x = tf.placeholder(tf.float32, [None, 3, 4])
    shape = tf.shape(x)
    batch = shape[0]
    flat = tf.reshape(x, [batch, 12])
    computed = tf.reshape(x, [batch, shape[1] * shape[2]])
    flat2 = tf.reshape(x, tf.stack([-1, 12]))
    back = tf.reshape(flat, shape)
    filled = tf.fill(tf.stack([batch, 2]), 7.0)
    zeros = tf.zeros(tf.shape(flat), dtype=tf.int32)
    ones = tf.ones_like(flat2, dtype=tf.float64)
    idx = tf.range(batch)
    pos = tf.cast(tf.range(0, batch * 2, 2), tf.float32)
    tiled = tf.tile(tf.expand_dims(pos, 1), tf.stack([1, shape[1]]))
    mean_over_batch = tf.reduce_sum(flat, 0) / tf.cast(batch, tf.float32)
    last = x[-1]
    n = tf.size(x)
    r = tf.rank(x)
    size_f = tf.cast(n, tf.float32) / tf.cast(batch, tf.float32)
    col = tf.slice(flat, [0, 2], tf.stack([batch, 3]))

    results = []
    with tf.Session() as sess:
        for b in (1, 4):
            data = rng.standard_normal((b, 3, 4)).astype(np.float32)
            results.append(sess.run([shape, flat, computed, flat2, back, filled, zeros, ones,
                                     idx, tiled, mean_over_batch, last, n, r, size_f, col],
                                    {x: data}))
    return {"runs": results,
            "static": [t.shape.as_list() if t.shape.rank is not None else None
                       for t in (flat, flat2, idx, last)],
            "dtypes": [t.dtype.name for t in (shape, n, r, idx, zeros, ones)]}
