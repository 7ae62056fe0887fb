"""Power iteration with tf.while_loop: a fixed number of steps over a (counter, vector)
state, then a tolerance-driven loop whose condition is a tensor known only at run time,
bounded by maximum_iterations, and the gradient of the Rayleigh quotient through the
unrolled iterations."""

import numpy as np

RTOL = 1e-4
ATOL = 1e-5


def main(tf, seed):
    rng = np.random.default_rng(seed)
    m = rng.standard_normal((5, 5)).astype(np.float32)
    sym = (m + m.T) / 2 + np.diag(np.arange(5, dtype=np.float32) * 2)

    a = tf.placeholder(tf.float32, [5, 5])
    v0 = tf.ones([5, 1]) / np.sqrt(5.0)

    def step(v):
        w = tf.matmul(a, v)
        return w / tf.norm(w)

    i, v = tf.while_loop(lambda i, v: i < 30, lambda i, v: (i + 1, step(v)),
                         [tf.constant(0), v0])
    rayleigh = tf.squeeze(tf.matmul(tf.matmul(v, a, transpose_a=True), v))

    def not_converged(k, u, delta):
        return delta > 1e-4

    def refine(k, u, delta):
        nxt = step(u)
        return k + 1, nxt, tf.reduce_max(tf.abs(nxt - u))

    steps, u, delta = tf.while_loop(not_converged, refine,
                                    (tf.constant(0), v0, tf.constant(1.0)),
                                    maximum_iterations=60)
    grad = tf.gradients(rayleigh, a)[0]

    with tf.Session() as sess:
        out = sess.run({"i": i, "v": tf.abs(v), "rayleigh": rayleigh, "steps": steps,
                        "u": tf.abs(u), "grad": grad}, {a: sym})
    out["names"] = [i.name, v.name, steps.name]
    return out
