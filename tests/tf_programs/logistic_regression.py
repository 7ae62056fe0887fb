"""Binary logistic regression with sigmoid cross-entropy, a decaying learning rate and
a global step, evaluated on held-out data."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    true_w = np.array([1.5, -2.0, 0.5], np.float32)
    train_x = rng.standard_normal((100, 3)).astype(np.float32)
    train_y = (train_x @ true_w + 0.3 > 0).astype(np.float32)[:, None]
    test_x = rng.standard_normal((20, 3)).astype(np.float32)
    test_y = (test_x @ true_w + 0.3 > 0).astype(np.float32)[:, None]

    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.placeholder(tf.float32, [None, 1])
    w = tf.Variable(tf.zeros([3, 1]))
    b = tf.Variable(0.0)
    logits = tf.matmul(x, w) + b
    loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))
    global_step = tf.Variable(0, trainable=False, name="global_step")
    lr = tf.train.exponential_decay(0.5, global_step, decay_steps=10, decay_rate=0.5)
    train = tf.train.GradientDescentOptimizer(lr).minimize(loss, global_step=global_step)
    probability = tf.sigmoid(logits)
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.round(probability), y), tf.float32))

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(30):
            sess.run(train, feed_dict={x: train_x, y: train_y})
        w_value, b_value, lr_value = sess.run([w, b, lr])
        test_loss, test_acc = sess.run([loss, accuracy], {x: test_x, y: test_y})
    return {"w": w_value, "b": b_value, "lr": lr_value, "test_loss": test_loss,
            "test_accuracy": test_acc, "dtypes": [str(b.dtype.name), global_step.dtype.name]}
