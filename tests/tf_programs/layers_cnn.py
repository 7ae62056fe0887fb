"""A tf.layers CNN (conv2d -> max_pooling2d -> conv2d -> average_pooling2d -> flatten ->
dense) with one Adam training step; kernels from constant initializers."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    images = rng.standard_normal((3, 8, 8, 2)).astype(np.float32)
    labels = np.array([1, 0, 2], np.int32)
    k1 = rng.normal(0, 0.3, (3, 3, 2, 4)).astype(np.float32)
    k2 = rng.normal(0, 0.3, (2, 2, 4, 4)).astype(np.float32)
    k3 = rng.normal(0, 0.3, (16, 3)).astype(np.float32)

    x = tf.placeholder(tf.float32, [None, 8, 8, 2])
    y = tf.placeholder(tf.int32, [None])
    net = tf.layers.conv2d(x, 4, 3, padding="same", activation=tf.nn.relu,
                           kernel_initializer=tf.constant_initializer(k1))
    net = tf.layers.max_pooling2d(net, pool_size=2, strides=2)
    net = tf.layers.conv2d(net, 4, (2, 2), strides=(1, 1), padding="valid",
                           activation=tf.nn.elu, kernel_initializer=tf.constant_initializer(k2))
    net = tf.layers.average_pooling2d(net, 2, 1)
    net = tf.layers.flatten(net)
    logits = tf.layers.dense(net, 3, kernel_initializer=tf.constant_initializer(k3))
    loss = tf.losses.sparse_softmax_cross_entropy(labels=y, logits=logits)
    train = tf.train.AdamOptimizer(0.01).minimize(loss)

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        first = sess.run(loss, {x: images, y: labels})
        sess.run(train, {x: images, y: labels})
        second, out = sess.run([loss, logits], {x: images, y: labels})
        kernel = sess.run(tf.trainable_variables()[0])
    return {"first": first, "second": second, "logits": out, "kernel": kernel,
            "flat_shape": net.shape.as_list(),
            "variables": [v.name for v in tf.trainable_variables()],
            "names": [logits.name, net.name]}
