"""A small convolutional decoder: tf.nn.conv2d_transpose with explicit output shapes (SAME
and VALID, stride 2), tf.layers.conv2d_transpose, and gradients through both."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    code = rng.standard_normal((2, 3, 3, 4)).astype(np.float32)
    w1 = rng.normal(0, 0.3, (3, 3, 3, 4)).astype(np.float32)
    k2 = rng.normal(0, 0.3, (2, 2, 2, 3)).astype(np.float32)

    z = tf.placeholder(tf.float32, [2, 3, 3, 4])
    filt = tf.Variable(w1)
    up_same = tf.nn.conv2d_transpose(z, filt, output_shape=[2, 6, 6, 3],
                                     strides=[1, 2, 2, 1], padding="SAME")
    up_valid = tf.nn.conv2d_transpose(z, filt, [2, 7, 7, 3], [1, 2, 2, 1], padding="VALID")
    layer = tf.layers.conv2d_transpose(tf.nn.relu(up_same), 2, 2, strides=2,
                                       padding="same",
                                       kernel_initializer=tf.constant_initializer(k2))
    loss = tf.reduce_sum(tf.square(layer)) + tf.reduce_mean(up_valid)
    grads = tf.gradients(loss, [z, filt])

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out = sess.run([up_same, up_valid, layer, loss] + grads, {z: code})
    return {"out": out, "shapes": [t.shape.as_list() for t in (up_same, up_valid, layer)]}
