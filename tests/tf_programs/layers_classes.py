"""tf.layers in class form: Conv1D, Conv2D, MaxPooling2D, Flatten, Dropout, Dense and
BatchNormalization objects, each called twice (train and eval towers) so that the second
call shares the first call's variables; their weights / trainable_variables lists and
attribute variables (kernel, moving_mean), and a training step with UPDATE_OPS."""

import numpy as np

RTOL = 1e-4
ATOL = 1e-5


def main(tf, seed):
    rng = np.random.default_rng(seed)
    images = rng.standard_normal((4, 6, 6, 2)).astype(np.float32)
    series = rng.standard_normal((4, 7, 3)).astype(np.float32)
    labels = rng.integers(0, 3, 4).astype(np.int32)

    def init(*shape):
        return tf.constant_initializer((rng.standard_normal(shape) * 0.4).astype(np.float32))

    conv = tf.layers.Conv2D(4, 3, padding="same", activation=tf.nn.relu,
                            kernel_initializer=init(3, 3, 2, 4))
    pool = tf.layers.MaxPooling2D(2, 2)
    flat = tf.layers.Flatten()
    norm = tf.layers.BatchNormalization(momentum=0.9)
    drop = tf.layers.Dropout(rate=0.5)
    seq_conv = tf.layers.Conv1D(2, 3, strides=2, kernel_initializer=init(3, 3, 2),
                                name="seq")
    dense = tf.layers.Dense(3, kernel_initializer=init(42, 3), name="logits")

    def tower(x, s, training):
        h = flat(pool(conv(x)))
        h = drop(norm(h, training=training), training=False)
        return dense(tf.concat([h, flat(seq_conv(s))], 1))

    x = tf.placeholder(tf.float32, [None, 6, 6, 2])
    s = tf.placeholder(tf.float32, [None, 7, 3])
    y = tf.placeholder(tf.int32, [None])
    train_logits = tower(x, s, True)
    eval_logits = tower(x, s, False)
    loss = tf.losses.sparse_softmax_cross_entropy(y, train_logits)
    with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
        train = tf.train.GradientDescentOptimizer(0.05).minimize(loss)

    feed = {x: images, s: series, y: labels}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        before = sess.run([train_logits, eval_logits], feed)
        losses = [sess.run([train, loss], feed)[1] for _ in range(3)]
        after = sess.run([eval_logits, norm.moving_mean, norm.moving_variance], feed)
    return {
        "before": before, "losses": losses, "after": after,
        "weights": [[v.name for v in layer.weights]
                    for layer in (conv, norm, seq_conv, dense, pool)],
        "trainable": [[v.name for v in layer.trainable_variables]
                      for layer in (conv, norm, dense)],
        "kernel": [conv.kernel.name, dense.bias.name, norm.gamma.name],
        "all_trainable": [v.name for v in tf.trainable_variables()],
        "update_ops": len(tf.get_collection(tf.GraphKeys.UPDATE_OPS)),
    }
