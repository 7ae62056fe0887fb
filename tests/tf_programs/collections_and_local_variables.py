"""Variable bookkeeping: local variables and their initializer, non-trainable globals,
collections by scope, variables_initializer for a subset, is_variable_initialized,
Variable.load / feeding a variable, and fetching Variables."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    init = rng.standard_normal((2, 2)).astype(np.float32)

    with tf.name_scope("model"):
        w = tf.Variable(init, name="w")
        b = tf.Variable(tf.zeros([2]), name="b", trainable=False)
    total = tf.Variable(0.0, name="total", collections=[tf.GraphKeys.LOCAL_VARIABLES])
    local = tf.Variable(0, name="count", trainable=False,
                        collections=[tf.GraphKeys.LOCAL_VARIABLES])
    tf.add_to_collection("extras", w)
    tf.add_to_collection("extras", b)
    out = tf.matmul(tf.ones([1, 2]), w) + b
    acc = tf.assign_add(total, tf.reduce_sum(out))
    tick = tf.assign_add(local, 1)

    with tf.Session() as sess:
        ready_before = sess.run([tf.is_variable_initialized(v) for v in (w, b, total)])
        sess.run(tf.variables_initializer([w]))
        w_ready = sess.run(tf.is_variable_initialized(w))
        b_ready = sess.run(tf.is_variable_initialized(b))
        sess.run([tf.global_variables_initializer(), tf.local_variables_initializer()])
        ready_after = sess.run([tf.is_variable_initialized(v) for v in (w, b, total, local)])
        first = sess.run([acc, tick])
        second = sess.run([acc, tick])
        w.load(np.eye(2, dtype=np.float32), sess)
        loaded = sess.run(out)
        fed = sess.run(out, {w: np.full((2, 2), 3.0, np.float32)})
        fetched = sess.run([w, b])
    return {
        "ready_before": ready_before, "ready_after": ready_after,
        "ready": [bool(w_ready), bool(b_ready)], "first": first, "second": second,
        "loaded": loaded, "fed": fed, "fetched": fetched,
        "global": [v.name for v in tf.global_variables()],
        "trainable": [v.name for v in tf.trainable_variables()],
        "local": [v.name for v in tf.local_variables()],
        "scoped": [v.name for v in tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES, "model")],
        "extras": [v.name for v in tf.get_collection("extras")],
    }
