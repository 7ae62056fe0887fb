"""Segment reductions as TF1 programs use them for pooling variable-length groups:
segment_sum/mean/max over sorted ids, unsorted_segment_sum/max/mean with a fed number of
segments, and the gradients of the sum and mean forms."""

import numpy as np

RTOL = 1e-5


def main(tf, seed):
    rng = np.random.default_rng(seed)
    values = rng.standard_normal((7, 3)).astype(np.float32)
    sorted_ids = np.array([0, 0, 1, 2, 2, 2, 4], np.int32)
    ids = np.array([3, 0, 1, 3, 0, 0, 2], np.int64)

    x = tf.placeholder(tf.float32, [None, 3])
    seg = tf.placeholder(tf.int32, [None])
    uid = tf.placeholder(tf.int64, [None])
    s_sum = tf.math.segment_sum(x, seg)
    s_mean = tf.segment_mean(x, seg)
    s_max = tf.segment_max(x, seg)
    u_sum = tf.unsorted_segment_sum(x, uid, 5)
    u_max = tf.math.unsorted_segment_max(x, uid, num_segments=4)
    u_mean = tf.math.unsorted_segment_mean(x, uid, 4)
    pooled = tf.unsorted_segment_sum(tf.reduce_sum(x, axis=1), uid, tf.constant(4))
    loss = (tf.reduce_sum(s_sum * s_sum) + tf.reduce_sum(u_sum * 2.0)
            + tf.reduce_sum(tf.sin(s_mean)) + tf.reduce_sum(u_mean))
    (grad,) = tf.gradients(loss, [x])

    with tf.Session() as sess:
        out = sess.run([s_sum, s_mean, s_max, u_sum, u_max, u_mean, pooled, grad],
                       {x: values, seg: sorted_ids, uid: ids})
    return {"out": out, "shapes": [t.shape.as_list() for t in (s_sum, u_sum, u_max, pooled)]}
