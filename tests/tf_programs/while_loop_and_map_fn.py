"""Control flow TF1 programs use for iteration: tf.while_loop with a tensor condition and
several loop variables, tf.map_fn over the batch, tf.foldl, and gradients through the loop."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    x_v = rng.standard_normal((3, 2)).astype(np.float32)

    x = tf.placeholder(tf.float32, [3, 2])
    w = tf.Variable([[0.5, -0.3], [0.2, 0.8]])
    i0 = tf.constant(0)

    def cond(i, h):
        return i < 4

    def body(i, h):
        return i + 1, tf.tanh(tf.matmul(h, w))

    n, h = tf.while_loop(cond, body, [i0, x])
    squared = tf.map_fn(lambda row: tf.reduce_sum(row * row), x)
    total = tf.foldl(lambda acc, row: acc + row, x, initializer=tf.zeros([2]))
    grads = tf.gradients(tf.reduce_sum(h), [x, w])

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out = sess.run([n, h, squared, total] + grads, {x: x_v})
    return {"out": out}
