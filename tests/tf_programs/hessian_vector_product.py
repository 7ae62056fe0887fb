"""Second-order gradients: a Hessian-vector product by double backprop, the full Hessian
of a small function row by row, and a Newton step on a quadratic."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((3, 3))
    spd = (a @ a.T + 3 * np.eye(3)).astype(np.float64)
    rhs = rng.standard_normal(3)

    x = tf.Variable(rng.standard_normal(3), dtype=tf.float64, name="x")
    v = tf.placeholder(tf.float64, [3], name="v")
    f = tf.reduce_sum(tf.sin(x) * tf.exp(0.3 * x)) + tf.reduce_sum(x ** 3) / 6
    (grad,) = tf.gradients(f, [x])
    (hvp,) = tf.gradients(tf.reduce_sum(grad * tf.stop_gradient(v)), [x])
    hessian_rows = [tf.gradients(grad[i], x)[0] for i in range(3)]

    ax = tf.reshape(tf.matmul(spd, tf.reshape(x, [3, 1])), [3])
    quad = 0.5 * tf.reduce_sum(x * ax) - tf.reduce_sum(rhs * x)
    (qgrad,) = tf.gradients(quad, [x])
    (qhvp,) = tf.gradients(qgrad, [x], grad_ys=[qgrad])

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        values = sess.run({"f": f, "grad": grad, "hvp": hvp, "hessian": hessian_rows},
                          {v: np.array([1.0, -0.5, 2.0])})
        values["quad_hvp"] = sess.run(qhvp)
    return values
