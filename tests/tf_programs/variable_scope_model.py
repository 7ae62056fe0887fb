"""A siamese encoder built with variable_scope/get_variable: the second tower reuses the
first one's weights, a regularizer fills REGULARIZATION_LOSSES, and the shared weights
train from both towers' gradients."""

import numpy as np


def encoder(tf, x, kernel_value):
    with tf.variable_scope("layer1"):
        w = tf.get_variable("weights", initializer=tf.constant(kernel_value))
        b = tf.get_variable("bias", [5], initializer=tf.constant_initializer(0.1))
        h = tf.nn.tanh(tf.matmul(x, w) + b)
    with tf.variable_scope("layer2"):
        w2 = tf.get_variable("weights", [5, 2], initializer=tf.ones_initializer(),
                             regularizer=lambda t: 0.01 * tf.nn.l2_loss(t))
        return tf.matmul(h, w2)


def main(tf, seed):
    rng = np.random.default_rng(seed)
    kernel = rng.normal(0, 0.5, (3, 5)).astype(np.float32)
    left_data = rng.standard_normal((4, 3)).astype(np.float32)
    right_data = rng.standard_normal((4, 3)).astype(np.float32)

    left = tf.placeholder(tf.float32, [None, 3])
    right = tf.placeholder(tf.float32, [None, 3])
    with tf.variable_scope("siamese") as scope:
        out_left = encoder(tf, left, kernel)
        scope.reuse_variables()
        out_right = encoder(tf, right, kernel)
    with tf.variable_scope("siamese", reuse=True):
        shared = tf.get_variable("layer1/weights")
    distance = tf.reduce_sum(tf.square(out_left - out_right), axis=1)
    reg = tf.add_n(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES))
    loss = tf.reduce_mean(distance) + reg
    train = tf.train.GradientDescentOptimizer(0.05).minimize(loss)

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        feed = {left: left_data, right: right_data}
        losses = [sess.run([train, loss], feed)[1] for _ in range(8)]
        weights = sess.run(shared)
    return {"losses": np.array(losses), "weights": weights,
            "variables": [v.name for v in tf.trainable_variables()],
            "scope_vars": [v.name for v in tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES,
                                                             scope="siamese/layer2")],
            "names": [out_left.name, out_right.name, reg.name],
            "same_object": shared is tf.trainable_variables()[0]}
