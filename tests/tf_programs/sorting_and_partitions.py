"""Sorting: sort/argsort (both directions, integer and float keys), top_k over the last
axis, gather with axis and batch_dims, and the gradient through sort, top_k and gather."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    v_v = rng.permutation(12).astype(np.float32).reshape(3, 4)

    v = tf.placeholder(tf.float32, [3, 4])
    up = tf.sort(v)
    down = tf.sort(v, direction="DESCENDING", axis=0)
    order = tf.argsort(v, axis=-1)
    int_order = tf.argsort(tf.cast(v, tf.int32) // 3, direction="DESCENDING")
    int_sorted = tf.sort(tf.cast(v, tf.int64) // 3, axis=0)
    values, indices = tf.nn.top_k(v, k=2)
    cols = tf.gather(v, [3, 0], axis=1)
    per_row = tf.gather(v, [[1, 2], [0, 0], [3, 1]], axis=1, batch_dims=1)
    loss = tf.reduce_sum(up * tf.range(4.0)) + tf.reduce_sum(per_row * per_row) \
        + tf.reduce_sum(cols) + tf.reduce_sum(values)
    (grad,) = tf.gradients(loss, [v])

    with tf.Session() as sess:
        out = sess.run([up, down, order, int_order, int_sorted, values, indices, cols, per_row,
                        grad], {v: v_v})
    return {"out": out, "dtypes": [t.dtype.name for t in (order, int_order, int_sorted, indices)],
            "shapes": [t.shape.as_list() for t in (up, order, per_row, cols)]}
