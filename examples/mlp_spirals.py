"""A two-layer perceptron learns the two-spirals problem: a TF1 graph-mode program.

Two interleaved noisy spirals in the plane, one per class, are made with NumPy; an MLP
(two hidden ReLU layers) is trained with softmax cross-entropy and Adam on mini-batches.
The held-out accuracy must reach 95%; the script exits with status 1 if it does not.
Runs unchanged under TensorFlow with `import tensorflow.compat.v1 as tf;
tf.disable_eager_execution()`.
"""

import sys

import numpy as np

import graphjit as tf

TARGET_ACCURACY = 0.95


def two_spirals(rng, n_per_class, noise=0.15):
    """Points on two interleaved spirals (1.75 turns each), labels 0 and 1."""
    t = np.sqrt(rng.uniform(size=n_per_class)) * 3.5 * np.pi
    arm = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / (3.5 * np.pi)
    points = np.concatenate([arm, -arm]) + noise / (3.5 * np.pi) * rng.normal(
        size=(2 * n_per_class, 2))
    labels = np.concatenate([np.zeros(n_per_class), np.ones(n_per_class)]).astype(np.int64)
    order = rng.permutation(2 * n_per_class)
    return points[order].astype(np.float32), labels[order]


def dense(inputs, units, activation, name, seed):
    with tf.name_scope(name):
        fan_in = int(inputs.shape[1])
        w = tf.Variable(tf.truncated_normal([fan_in, units], stddev=np.sqrt(2.0 / fan_in),
                                            seed=seed), name="weights")
        b = tf.Variable(tf.zeros([units]), name="biases")
        out = tf.matmul(inputs, w) + b
        return activation(out) if activation is not None else out


def main() -> int:
    rng = np.random.RandomState(0)
    x_train, y_train = two_spirals(rng, 500)
    x_test, y_test = two_spirals(rng, 250)

    tf.set_random_seed(1)
    x = tf.placeholder(tf.float32, shape=[None, 2], name="x")
    labels = tf.placeholder(tf.int64, shape=[None], name="labels")
    hidden = dense(x, 64, tf.nn.relu, "hidden1", seed=1)
    hidden = dense(hidden, 64, tf.nn.relu, "hidden2", seed=2)
    logits = dense(hidden, 2, None, "logits", seed=3)
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(
        labels=tf.one_hot(labels, 2), logits=logits), name="loss")
    correct = tf.equal(tf.argmax(logits, axis=1), labels)
    accuracy = tf.reduce_mean(tf.cast(correct, tf.float32), name="accuracy")
    train_op = tf.train.AdamOptimizer(0.01).minimize(loss)

    batch_size = 100
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for epoch in range(1, 41):
            order = rng.permutation(len(x_train))
            for start in range(0, len(x_train), batch_size):
                batch = order[start:start + batch_size]
                sess.run(train_op, feed_dict={x: x_train[batch], labels: y_train[batch]})
            if epoch % 5 == 0:
                train_loss, train_acc = sess.run(
                    [loss, accuracy], feed_dict={x: x_train, labels: y_train})
                print(f"epoch {epoch}: train loss {train_loss:.4f}, "
                      f"train accuracy {train_acc:.3f}")
        test_acc = sess.run(accuracy, feed_dict={x: x_test, labels: y_test})

    print(f"final test accuracy {test_acc:.3f} (target >= {TARGET_ACCURACY})")
    if test_acc >= TARGET_ACCURACY:
        print("target reached")
        return 0
    print("target NOT reached")
    return 1


if __name__ == "__main__":
    sys.exit(main())
