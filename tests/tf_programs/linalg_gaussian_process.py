"""Gaussian-process regression as TF1 users wrote it: an RBF kernel matrix, its Cholesky
factor, cholesky_solve and matrix_triangular_solve for the posterior, the log marginal
likelihood through logdet and slogdet, and a few GradientDescent steps on the log
length-scale and noise through the Cholesky gradient."""

import numpy as np

RTOL = 1e-4
ATOL = 1e-4


def main(tf, seed):
    rng = np.random.default_rng(seed)
    x_v = np.sort(rng.uniform(-3, 3, (12, 1)), axis=0).astype(np.float32)
    y_v = (np.sin(x_v) + 0.1 * rng.standard_normal((12, 1))).astype(np.float32)
    xs_v = np.linspace(-3, 3, 5, dtype=np.float32)[:, None]

    x = tf.placeholder(tf.float32, [12, 1])
    y = tf.placeholder(tf.float32, [12, 1])
    xs = tf.placeholder(tf.float32, [5, 1])
    log_length = tf.Variable(0.3, name="log_length")
    log_noise = tf.Variable(-1.0, name="log_noise")

    def rbf(a, b):
        d = tf.reduce_sum(tf.square(a[:, None, :] - b[None, :, :]), -1)
        return tf.exp(-0.5 * d / tf.exp(2.0 * log_length))

    k = rbf(x, x) + (tf.exp(2.0 * log_noise) + 1e-4) * tf.eye(12)
    chol = tf.cholesky(k)
    alpha = tf.cholesky_solve(chol, y)
    k_star = rbf(x, xs)
    mean = tf.matmul(k_star, alpha, transpose_a=True)
    v = tf.matrix_triangular_solve(chol, k_star, lower=True)
    var = 1.0 - tf.reduce_sum(tf.square(v), 0)
    nll = (0.5 * tf.reduce_sum(y * alpha) + 0.5 * tf.linalg.logdet(k)
           + 6.0 * np.log(2 * np.pi).astype(np.float32))
    sign, logabs = tf.linalg.slogdet(k)
    grads = tf.gradients(nll, [log_length, log_noise])
    train = tf.train.GradientDescentOptimizer(0.05).minimize(nll)

    feed = {x: x_v, y: y_v, xs: xs_v}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        first = sess.run([mean, var, nll, sign, logabs, chol] + grads, feed)
        losses = []
        for _ in range(5):
            losses.append(sess.run([nll, train], feed)[0])
        params = sess.run([log_length, log_noise])
    return {"first": first, "losses": losses, "params": params,
            "names": [chol.name, alpha.name, mean.shape.as_list()]}
