"""Linear regression by mini-batch gradient descent: a TF1 graph-mode program.

Fits y = x @ w + b to noisy synthetic data and checks that the learned parameters are
within 0.01 of the true ones and the held-out mean squared error is below 1e-3 (the noise
variance is 1e-4). Exits with status 1 if not. Runs unchanged under TensorFlow with
`import tensorflow.compat.v1 as tf; tf.disable_eager_execution()`.
"""

import sys

import numpy as np

import graphjit as tf

TARGET_MSE = 1e-3
TARGET_PARAM_ERROR = 0.01


def make_data(rng, n, true_w, true_b):
    x = rng.normal(size=(n, true_w.shape[0])).astype(np.float32)
    noise = 0.01 * rng.normal(size=(n, 1))
    y = (x @ true_w + true_b + noise).astype(np.float32)
    return x, y


def main() -> int:
    rng = np.random.RandomState(0)
    true_w = np.array([[2.0], [-3.4], [1.7], [0.5]], np.float32)
    true_b = 4.2
    x_train, y_train = make_data(rng, 2000, true_w, true_b)
    x_test, y_test = make_data(rng, 500, true_w, true_b)

    x = tf.placeholder(tf.float32, shape=[None, 4], name="x")
    y = tf.placeholder(tf.float32, shape=[None, 1], name="y")
    with tf.name_scope("linear"):
        w = tf.Variable(tf.zeros([4, 1]), name="w")
        b = tf.Variable(0.0, name="b")
        prediction = tf.matmul(x, w) + b
    loss = tf.reduce_mean(tf.square(prediction - y), name="mse")
    global_step = tf.train.get_or_create_global_step()
    train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=global_step)

    batch_size = 100
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for epoch in range(5):
            order = rng.permutation(len(x_train))
            for start in range(0, len(x_train), batch_size):
                batch = order[start:start + batch_size]
                sess.run(train_op, feed_dict={x: x_train[batch], y: y_train[batch]})
            train_mse = sess.run(loss, feed_dict={x: x_train, y: y_train})
            print(f"epoch {epoch + 1}: step {sess.run(global_step)}, "
                  f"train mse {train_mse:.6f}")
        test_mse = sess.run(loss, feed_dict={x: x_test, y: y_test})
        w_value, b_value = sess.run([w, b])

    param_error = max(np.abs(w_value - true_w).max(), abs(b_value - true_b))
    print("learned w = [" + ", ".join(f"{v:.3f}" for v in w_value.ravel()) +
          f"], b = {b_value:.3f}")
    print(f"final test mse {test_mse:.6f} (target < {TARGET_MSE}), "
          f"max parameter error {param_error:.4f} (target < {TARGET_PARAM_ERROR})")
    if test_mse < TARGET_MSE and param_error < TARGET_PARAM_ERROR:
        print("target reached")
        return 0
    print("target NOT reached")
    return 1


if __name__ == "__main__":
    sys.exit(main())
