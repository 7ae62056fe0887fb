"""Selecting with where (elementwise and TF1's row-selecting rank-1 condition), masks built
from comparisons and logical ops, masked means, and where(cond) coordinates."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    scores = rng.standard_normal((5, 4)).astype(np.float32)
    valid = rng.random(5) < 0.6

    x = tf.placeholder(tf.float32, [5, 4])
    keep_row = tf.placeholder(tf.bool, [5])
    positive = x > 0
    small = tf.less_equal(tf.abs(x), 0.5)
    either = tf.logical_or(positive, small)
    both = positive & ~small
    relu_by_hand = tf.where(positive, x, tf.zeros_like(x))
    rows = tf.where(keep_row, x, -tf.ones_like(x))
    mask = tf.cast(both, tf.float32)
    masked_mean = tf.reduce_sum(x * mask, axis=1) / tf.maximum(tf.reduce_sum(mask, 1), 1.0)
    coordinates = tf.where(both)
    counts = tf.reduce_sum(tf.cast(either, tf.int32), axis=0)
    any_row = tf.reduce_any(both, axis=1)
    all_col = tf.reduce_all(either, axis=0, keepdims=True)
    (grad,) = tf.gradients(tf.reduce_sum(relu_by_hand * rows), [x])

    with tf.Session() as sess:
        out = sess.run([either, both, relu_by_hand, rows, masked_mean, coordinates, counts,
                        any_row, all_col, grad], {x: scores, keep_row: valid})
    return {"values": out, "dtypes": [t.dtype.name for t in (coordinates, counts, mask)],
            "where_shape": coordinates.shape.as_list()}
