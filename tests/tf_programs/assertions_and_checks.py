"""Run-time and build-time checks: tf.Assert and the tf.assert_* family as control
dependencies, a failing assertion (InvalidArgumentError at run time, with its message
text), checks that TF decides statically (a constant comparison fails while building;
a known rank mismatch is a ValueError; a known match needs no run-time op)."""

import numpy as np


def _fails(tf, sess, fetch, feed):
    try:
        sess.run(fetch, feed)
    except tf.errors.InvalidArgumentError as e:
        return e.message
    return ""


def main(tf, seed):
    rng = np.random.default_rng(seed)
    good = rng.uniform(0.5, 2.0, (2, 3)).astype(np.float32)
    bad = good.copy()
    bad[1, 2] = -1.0

    x = tf.placeholder(tf.float32, [None, 3], name="x")
    checks = [
        tf.Assert(tf.reduce_all(x > 0.0), ["x must be positive:", x], summarize=6,
                  name="positive"),
        tf.assert_less(x, 10.0, message="x too large"),
        tf.debugging.assert_non_negative(x + 5.0),
        tf.assert_rank(x, 2),
        tf.assert_equal(tf.shape(x)[1], 3),
    ]
    with tf.control_dependencies(checks):
        total = tf.reduce_sum(tf.log(x), name="total")
    positive = tf.debugging.assert_positive(x, message="positive check")
    with tf.control_dependencies([positive]):
        scaled = tf.identity(x * 2.0)

    static = {}
    try:
        tf.assert_equal(tf.constant([1, 2]), tf.constant([1, 3]), message="static")
        static["equal"] = "built"
    except tf.errors.InvalidArgumentError as e:
        static["equal"] = e.message.split("\n")[:2]
    try:
        tf.assert_rank(tf.ones([2, 2]), 3)
        static["rank"] = "built"
    except ValueError:
        static["rank"] = "ValueError"
    static["rank_ok"] = tf.assert_rank(tf.ones([2, 2]), 2).name

    with tf.Session() as sess:
        ok_total = sess.run(total, {x: good})
        ok_scaled = sess.run(scaled, {x: good})
        failed = _fails(tf, sess, total, {x: bad})
        failed_positive = _fails(tf, sess, scaled, {x: bad})
        failed_large = _fails(tf, sess, total, {x: good * 10.0})
    return {
        "ok": [ok_total, ok_scaled],
        "failed": "assertion failed: [x must be positive:]" in failed,
        "failed_value": "-1]" in failed,
        "failed_positive": "positive check" in failed_positive,
        "failed_large": "x too large" in failed_large,
        "static": static,
    }
