"""Data-dependent shapes: unique / unique_with_counts to build a vocabulary and count
words, setdiff1d, dynamic_partition of rows by a computed bucket and dynamic_stitch to put
them back (the classic round trip), with gradients through both, and the inverse
trigonometric functions with atan2 and their gradients."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    words = rng.integers(0, 6, 12).astype(np.int32)
    rows = rng.standard_normal((7, 3)).astype(np.float32)
    angles = rng.uniform(-0.9, 0.9, (2, 4)).astype(np.float32)

    ids = tf.placeholder(tf.int32, [None])
    vocab, index = tf.unique(ids)
    counted = tf.unique_with_counts(ids, out_idx=tf.int64)
    missing, where = tf.setdiff1d(tf.range(8), vocab)
    rebuilt = tf.gather(vocab, index)

    x = tf.placeholder(tf.float32, [None, 3])
    w = tf.Variable(rng.standard_normal((3,)).astype(np.float32), name="w")
    score = tf.reduce_sum(x * w, axis=1)
    bucket = tf.cast(score > 0.0, tf.int32) + tf.cast(score > 1.0, tf.int32)
    parts = tf.dynamic_partition(x, bucket, 3)
    positions = tf.dynamic_partition(tf.range(tf.shape(x)[0]), bucket, 3)
    scaled = [p * float(k + 1) for k, p in enumerate(parts)]
    stitched = tf.dynamic_stitch(positions, scaled)
    loss = tf.reduce_sum(tf.square(stitched)) + tf.reduce_sum(score * score)
    grad_x, grad_w = tf.gradients(loss, [x, w])

    a = tf.placeholder(tf.float32, [2, 4])
    trig = [tf.asin(a), tf.acos(a), tf.atan(a * 3.0), tf.asinh(a * 2.0),
            tf.acosh(2.0 - a), tf.atanh(a), tf.atan2(a, tf.reverse(a, [1]))]
    trig_grads = tf.gradients(tf.add_n([tf.reduce_sum(t) for t in trig]), a)

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        vocab_out = sess.run([vocab, index, list(counted), missing, where, rebuilt],
                             {ids: words})
        part_out = sess.run([parts, stitched, loss, grad_x, grad_w], {x: rows})
        trig_out = sess.run([trig, trig_grads], {a: angles})
    return {"vocab": vocab_out, "partition": part_out, "trig": trig_out,
            "shapes": [t.shape.as_list() for t in [vocab, index, missing] + parts
                       + [stitched]],
            "dtypes": [t.dtype.name for t in list(counted) + [where]]}
