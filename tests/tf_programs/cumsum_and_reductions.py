"""Reductions over int/list/None/negative axes with keepdims, arg reductions with
output_type, cumsum (exclusive, reverse) and a normalization written with them."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    data = rng.uniform(-3, 3, (3, 4, 5)).astype(np.float32)
    ints = rng.integers(-9, 9, (4, 6)).astype(np.int32)

    x = tf.constant(data)
    n = tf.constant(ints)
    results = {
        "sum_all": tf.reduce_sum(x),
        "sum_axis": tf.reduce_sum(x, axis=1),
        "mean_neg": tf.reduce_mean(x, axis=-1, keepdims=True),
        "max_list": tf.reduce_max(x, axis=[0, 2]),
        "min_keep": tf.reduce_min(x, axis=[-1, 0], keepdims=True),
        "prod": tf.reduce_prod(x[:, :2, :2], axis=0),
        "int_mean": tf.reduce_mean(n, axis=1),
        "int_sum": tf.reduce_sum(n, 0, keepdims=True),
        "argmax": tf.argmax(x, axis=2),
        "argmin32": tf.argmin(n, axis=0, output_type=tf.int32),
        "cumsum": tf.cumsum(x, axis=1),
        "cumsum_exclusive": tf.cumsum(n, axis=1, exclusive=True),
        "cumsum_reverse": tf.cumsum(x, axis=-1, reverse=True),
        "logsumexp": tf.reduce_logsumexp(x, axis=1),
    }
    centered = x - tf.reduce_mean(x, axis=[0, 1], keepdims=True)
    variance = tf.reduce_mean(tf.square(centered), axis=[0, 1], keepdims=True)
    results["normalized"] = centered * tf.rsqrt(variance + 1e-5)
    (results["grad"],) = tf.gradients(tf.reduce_sum(tf.cumsum(x, axis=2) ** 2)
                                      + tf.reduce_max(x), [x])

    with tf.Session() as sess:
        values = sess.run(results)
    values["dtypes"] = {k: v.dtype.name for k, v in results.items()}
    values["shapes"] = {k: v.shape.as_list() for k, v in results.items()}
    return values
