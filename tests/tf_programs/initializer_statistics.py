"""Random initializers and ops compared by shape, dtype and statistics only (their bits are
implementation-specific): get_variable's default glorot_uniform, truncated normals within
two standard deviations, seeded draws repeating across sessions, dropout's keep rate."""

import math

import numpy as np


def main(tf, seed):
    tf.set_random_seed(seed)
    w = tf.get_variable("w", [200, 300])
    t = tf.get_variable("t", [100, 100], initializer=tf.truncated_normal_initializer(
        mean=1.0, stddev=0.5))
    he = tf.get_variable("he", [3, 3, 16, 32], initializer=tf.variance_scaling_initializer(
        scale=2.0, mode="fan_in", distribution="untruncated_normal"))
    u = tf.get_variable("u", [1000], initializer=tf.random_uniform_initializer(-2.0, 3.0))
    n = tf.random_normal([2000], mean=5.0, stddev=2.0, seed=1)
    dropped = tf.nn.dropout(tf.ones([100, 100]), rate=0.3)
    limit = math.sqrt(6.0 / (200 + 300))

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        wv, tv, hv, uv, nv, dv = sess.run([w, t, he, u, n, dropped])
    with tf.Session() as sess2:
        nv_again = sess2.run(n)
    return {
        "shapes": [list(a.shape) for a in (wv, tv, hv, uv, nv, dv)],
        "dtypes": [str(a.dtype) for a in (wv, tv, hv, uv, nv)],
        "glorot_in_limit": bool(np.abs(wv).max() <= limit),
        "glorot_spread": bool(np.abs(wv).max() > 0.95 * limit and abs(wv.mean()) < 0.01),
        "truncated_within_2sd": bool(np.all(np.abs(tv - 1.0) <= 1.0 + 1e-6)),
        "truncated_mean": bool(abs(tv.mean() - 1.0) < 0.02),
        "he_std": bool(abs(hv.std() - math.sqrt(2.0 / 144)) < 0.01),
        "uniform_range": bool(uv.min() >= -2.0 and uv.max() < 3.0 and abs(uv.mean() - 0.5) < 0.15),
        "normal_moments": bool(abs(nv.mean() - 5.0) < 0.15 and abs(nv.std() - 2.0) < 0.15),
        "seeded_repeat": bool(np.array_equal(nv, nv_again)),
        "dropout_values": sorted({round(float(v), 4) for v in np.unique(dv)}),
        "dropout_rate": bool(abs((dv == 0).mean() - 0.3) < 0.02),
    }
