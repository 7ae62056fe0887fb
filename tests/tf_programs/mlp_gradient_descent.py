"""MLP classifier (two hidden ReLU layers, softmax cross-entropy) trained with plain
gradient descent on mini-batches fed through placeholders."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    data = rng.standard_normal((64, 5)).astype(np.float32)
    labels = (data[:, 0] + data[:, 1] * data[:, 2] > 0).astype(np.int64) + (data[:, 3] > 1)
    onehot = np.eye(3, dtype=np.float32)[labels]

    x = tf.placeholder(tf.float32, [None, 5], name="x")
    y = tf.placeholder(tf.float32, [None, 3], name="y")
    w1 = tf.Variable(rng.normal(0, 0.4, (5, 16)).astype(np.float32), name="w1")
    b1 = tf.Variable(tf.zeros([16]), name="b1")
    w2 = tf.Variable(rng.normal(0, 0.3, (16, 8)).astype(np.float32), name="w2")
    b2 = tf.Variable(tf.constant(0.1, shape=[8]), name="b2")
    w3 = tf.Variable(rng.normal(0, 0.3, (8, 3)).astype(np.float32), name="w3")
    b3 = tf.Variable(tf.zeros([3]), name="b3")

    h1 = tf.nn.relu(tf.matmul(x, w1) + b1)
    h2 = tf.nn.relu(tf.matmul(h1, w2) + b2)
    logits = tf.matmul(h2, w3) + b3
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits))
    correct = tf.equal(tf.argmax(logits, 1), tf.argmax(y, 1))
    accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
    train_op = tf.train.GradientDescentOptimizer(learning_rate=0.1).minimize(loss)

    losses = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(40):
            lo = (step * 16) % 64
            _, value = sess.run([train_op, loss], {x: data[lo:lo + 16], y: onehot[lo:lo + 16]})
            losses.append(value)
        final_loss, acc, w1_value, b3_value = sess.run([loss, accuracy, w1, b3],
                                                       {x: data, y: onehot})
    return {"losses": np.array(losses), "final_loss": final_loss, "accuracy": acc,
            "w1": w1_value, "b3": b3_value,
            "names": [x.name, loss.name, accuracy.name, train_op.name]}
