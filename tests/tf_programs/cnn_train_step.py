"""A small CNN (conv2d -> max_pool -> conv2d -> avg_pool -> reshape -> dense) and three
Adam training steps on a fixed batch of images."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    images = rng.standard_normal((4, 8, 8, 1)).astype(np.float32)
    labels = np.array([0, 1, 2, 1], np.int64)

    x = tf.placeholder(tf.float32, [None, 8, 8, 1], name="images")
    y = tf.placeholder(tf.int64, [None], name="labels")
    k1 = tf.Variable(rng.normal(0, 0.3, (3, 3, 1, 4)).astype(np.float32), name="conv1/kernel")
    c1 = tf.nn.relu(tf.nn.conv2d(x, k1, strides=[1, 1, 1, 1], padding="SAME"))
    p1 = tf.nn.max_pool(c1, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")
    k2 = tf.Variable(rng.normal(0, 0.3, (3, 3, 4, 6)).astype(np.float32), name="conv2/kernel")
    b2 = tf.Variable(np.full(6, 0.05, np.float32), name="conv2/bias")
    c2 = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(p1, k2, [1, 1, 1, 1], "VALID"), b2))
    p2 = tf.nn.avg_pool(c2, ksize=[1, 2, 2, 1], strides=[1, 1, 1, 1], padding="SAME")
    flat = tf.reshape(p2, [-1, 2 * 2 * 6])
    w = tf.Variable(rng.normal(0, 0.3, (24, 3)).astype(np.float32), name="fc/weights")
    logits = tf.matmul(flat, w)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                         logits=logits))
    grads = tf.gradients(loss, [k1, k2, b2, w])
    train = tf.train.AdamOptimizer(0.01).minimize(loss)

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        first_grads = sess.run(grads, {x: images, y: labels})
        losses = [sess.run([train, loss], {x: images, y: labels})[1] for _ in range(3)]
        k1_value, out = sess.run([k1, logits], {x: images})
    return {"grads": first_grads, "losses": np.array(losses), "k1": k1_value,
            "logits": out, "shapes": [p1.shape.as_list(), c2.shape.as_list(),
                                      flat.shape.as_list()]}
