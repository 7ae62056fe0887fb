"""A tf.layers MLP (dense + dropout in inference mode) trained with gradient descent, with
deterministic kernels from constant initializers, and a second call sharing the weights."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    data = rng.standard_normal((20, 4)).astype(np.float32)
    target = (data[:, :1] * 2 - data[:, 1:2]).astype(np.float32)
    k1 = rng.normal(0, 0.5, (4, 8)).astype(np.float32)
    k2 = rng.normal(0, 0.5, (8, 1)).astype(np.float32)

    x = tf.placeholder(tf.float32, [None, 4], name="x")
    y = tf.placeholder(tf.float32, [None, 1], name="y")
    hidden = tf.layers.dense(x, 8, activation=tf.nn.relu,
                             kernel_initializer=tf.constant_initializer(k1), name="hidden")
    hidden = tf.layers.dropout(hidden, rate=0.5, training=False)
    prediction = tf.layers.dense(hidden, 1, kernel_initializer=tf.constant_initializer(k2),
                                 bias_initializer=tf.constant_initializer(0.5))
    shared = tf.layers.dense(x, 8, activation=tf.nn.relu, name="hidden", reuse=True)
    loss = tf.losses.mean_squared_error(y, prediction)
    train = tf.train.GradientDescentOptimizer(0.05).minimize(loss)

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        losses = [sess.run([train, loss], {x: data, y: target})[1] for _ in range(15)]
        out, same = sess.run([hidden, shared], {x: data[:3]})
        kernel = sess.run(tf.trainable_variables()[0])
    return {"losses": np.array(losses), "hidden": out, "shared": same, "kernel": kernel,
            "variables": [v.name for v in tf.global_variables()],
            "names": [hidden.name, prediction.name, shared.name]}
