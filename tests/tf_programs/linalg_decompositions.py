"""The decompositions and solvers of tf.linalg on a batch of matrices: inverse (and of the
adjoint), determinant, matrix_solve, lstsq, QR (reconstructed), SVD (values, and vectors
made sign-independent), eigh of a symmetric matrix, eigvalsh; a loss through all of them
and its gradient, and the TF1 top-level names (tf.matrix_inverse, tf.svd, tf.qr, ...)."""

import numpy as np

RTOL = 1e-4
ATOL = 1e-4


def main(tf, seed):
    rng = np.random.default_rng(seed)
    a_v = (rng.uniform(-1, 1, (2, 3, 3)) + 3 * np.eye(3)).astype(np.float32)
    b_v = rng.standard_normal((2, 3, 2)).astype(np.float32)
    m_v = rng.standard_normal((5, 3)).astype(np.float32)

    a = tf.placeholder(tf.float32, [2, 3, 3])
    b = tf.placeholder(tf.float32, [2, 3, 2])
    m = tf.placeholder(tf.float32, [5, 3])
    inv = tf.matrix_inverse(a)
    inv_adj = tf.linalg.inv(a, adjoint=True)
    det = tf.matrix_determinant(a)
    sol = tf.matrix_solve(a, b)
    ls = tf.linalg.lstsq(m, m[:, :1] * 2.0 + 1.0)
    q, r = tf.qr(m)
    s, u, v = tf.svd(m)
    signs = tf.sign(u[:1, :])
    sym = a + tf.matrix_transpose(a)
    e, vecs = tf.self_adjoint_eig(sym)
    vecs = vecs * tf.sign(vecs[:, :1, :])
    evals = tf.linalg.eigvalsh(sym)
    loss = (tf.reduce_sum(inv) + tf.reduce_sum(det) + tf.reduce_sum(sol * b)
            + tf.reduce_sum(s) + tf.reduce_sum(tf.square(u * signs))
            + tf.reduce_sum(e * e) + tf.reduce_sum(tf.abs(r)))
    grads = tf.gradients(loss, [a, b, m])

    with tf.Session() as sess:
        out = sess.run([inv, inv_adj, det, sol, ls, tf.matmul(q, r), tf.abs(r), s, u * signs,
                        v * signs, e, vecs, evals, loss] + grads, {a: a_v, b: b_v, m: m_v})
    tensors = (inv, det, sol, q, r, s, u, v, e, vecs)
    return {"out": out, "shapes": [t.shape.as_list() for t in tensors],
            "dtypes": [t.dtype.name for t in tensors],
            "names": [inv.name, det.name, q.name, s.name, e.name]}
