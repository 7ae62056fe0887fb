"""Label plumbing: one_hot with on/off values, axis and dtype; argmax/argmin with
output_type; casts (float->int truncation, bool->float, saturate_cast, to_float/to_int64);
one-argument where, boolean_mask with axis, and accuracy computed from them."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    logits_v = rng.standard_normal((5, 4)).astype(np.float32) * 3
    labels_v = rng.integers(0, 4, 5).astype(np.int64)

    logits = tf.placeholder(tf.float32, [None, 4])
    labels = tf.placeholder(tf.int64, [None])
    oh = tf.one_hot(labels, 4)
    oh_smooth = tf.one_hot(labels, depth=4, on_value=0.9, off_value=0.1 / 3)
    oh_axis0 = tf.one_hot(labels, 4, axis=0, dtype=tf.int32)
    oh_int = tf.one_hot(tf.cast(labels, tf.int32), 3, on_value=5, off_value=-1)
    pred = tf.argmax(logits, axis=1)
    pred32 = tf.argmax(logits, 1, output_type=tf.int32)
    worst = tf.argmin(logits, axis=-1)
    worst0 = tf.math.argmin(logits, 0, output_type=tf.int64)
    correct = tf.equal(pred, labels)
    accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
    truncated = tf.cast(logits, tf.int32)
    as_int64 = tf.to_int64(truncated)
    as_float = tf.to_float(correct)
    saturated = tf.saturate_cast(logits * 100.0, tf.int32)
    coords = tf.where(correct)
    wrong = tf.boolean_mask(logits, tf.logical_not(correct))
    cols = tf.boolean_mask(logits, [True, False, True, True], axis=1)

    with tf.Session() as sess:
        out = sess.run([oh, oh_smooth, oh_axis0, oh_int, pred, pred32, worst, worst0, accuracy,
                        truncated, as_int64, as_float, saturated, coords, wrong, cols],
                       {logits: logits_v, labels: labels_v})
    tensors = (oh, oh_smooth, oh_axis0, oh_int, pred, pred32, worst, worst0, truncated,
               as_int64, saturated, coords, wrong, cols)
    return {"out": out, "dtypes": [t.dtype.name for t in tensors],
            "shapes": [t.shape.as_list() for t in tensors]}
