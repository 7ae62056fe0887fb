"""Numerical conventions a TF1 user relies on: round half to even, float->int casts
truncating toward zero, integer mean truncation of negative sums, argmax ties, inf/nan
from log/sqrt/division, stable softmax and cross-entropy at extreme logits, and TF's
gradients at ties and kinks (maximum, abs, relu, clip, reduce_max)."""

import numpy as np


def main(tf, seed):
    halves = tf.constant([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.7], tf.float32)
    ints = tf.constant([[-7, 2, -1], [3, -3, 1]], tf.int32)
    ties = tf.constant([[1.0, 3.0, 3.0], [2.0, 2.0, 1.0]])
    x = tf.placeholder(tf.float32, [5])
    big = tf.constant([[1000.0, 0.0, -1000.0], [-50.0, 50.0, 50.0]])
    point = np.array([0.0, 1.0, -1.0, 2.0, 0.5], np.float32)

    values = {
        "round": tf.round(halves),
        "cast_int": tf.cast(halves, tf.int32),
        "int_mean": tf.reduce_mean(ints, axis=1),
        "int_mean_all": tf.reduce_mean(ints),
        "argmax_ties": tf.argmax(ties, axis=1),
        "argmin_ties": tf.argmin(ties, axis=0),
        "log0": tf.log(tf.constant([0.0, -1.0, 1.0])),
        "div0": tf.constant([1.0, -1.0, 0.0]) / 0.0,
        "sqrt_neg": tf.sqrt(tf.constant([-1.0, 4.0])),
        "softmax_big": tf.nn.softmax(big),
        "log_softmax_big": tf.nn.log_softmax(big),
        "xent_big": tf.nn.softmax_cross_entropy_with_logits_v2(
            labels=tf.constant([[0.0, 0.0, 1.0], [0.5, 0.5, 0.0]]), logits=big),
        "sigmoid_xent_big": tf.nn.sigmoid_cross_entropy_with_logits(
            labels=tf.constant([1.0, 0.0, 1.0]), logits=tf.constant([-100.0, 100.0, 0.0])),
    }
    y = tf.constant([0.0, 1.0, 0.0, 2.0, 1.0])
    kinks = (tf.reduce_sum(tf.maximum(x, y)) + tf.reduce_sum(tf.minimum(x, y) * 2.0)
             + tf.reduce_sum(tf.abs(x) * 3.0) + tf.reduce_sum(tf.nn.relu(x) * 5.0)
             + tf.reduce_sum(tf.clip_by_value(x, -1.0, 0.5) * 7.0)
             + tf.reduce_max(tf.stack([x[0], x[0] + 0.0, x[4]])))
    values["kink_grad"] = tf.gradients(kinks, x)[0]
    values["max_tie_grad"] = tf.gradients(tf.reduce_max(ties), ties)[0]

    with tf.Session() as sess:
        out = sess.run(values, {x: point})
    out["dtypes"] = {k: v.dtype.name for k, v in values.items()}
    return out
