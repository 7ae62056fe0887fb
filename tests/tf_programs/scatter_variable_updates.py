"""Sparse variable updates: tf.scatter_update / scatter_add / scatter_sub / scatter_nd_update
on a table, ordered by control_dependencies, a running count kept with assign_add, and
gradient descent through an embedding gather (sparse gradients applied to a variable)."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    init = rng.standard_normal((6, 3)).astype(np.float32)
    rows = np.array([4, 1], np.int32)
    updates = rng.standard_normal((2, 3)).astype(np.float32)

    table = tf.Variable(init, name="table")
    counts = tf.Variable(tf.zeros([6], tf.int32), name="counts", trainable=False)
    idx = tf.placeholder(tf.int32, [None])
    upd = tf.placeholder(tf.float32, [None, 3])
    set_rows = tf.scatter_update(table, idx, upd)
    with tf.control_dependencies([set_rows]):
        add_rows = tf.scatter_add(table, idx, upd * 2.0)
    with tf.control_dependencies([add_rows]):
        sub_rows = tf.scatter_sub(table, [0], [[1.0, 1.0, 1.0]])
    count = tf.scatter_add(counts, idx, tf.ones_like(idx))
    nd = tf.scatter_nd_update(table, [[5, 0], [5, 2]], [10.0, 20.0])

    emb = tf.Variable(init, name="emb")
    looked = tf.nn.embedding_lookup(emb, idx)
    loss = tf.reduce_sum(tf.square(looked - 1.0))
    step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        after_sub = sess.run(sub_rows, {idx: rows, upd: updates})
        counted = [sess.run(count, {idx: rows}) for _ in range(2)]
        after_nd = sess.run(nd)
        sess.run(step, {idx: np.array([2, 2, 3], np.int32)})
        trained = sess.run(emb)
    return {"after_sub": after_sub, "counted": counted, "after_nd": after_nd,
            "trained": trained,
            "dtypes": [t.dtype.name for t in (set_rows, count, nd)]}
