"""Matrix and sequence utilities: matrix_band_part (causal masks), matrix_diag/diag/
diag_part/matrix_diag_part/trace, linalg.matrix_transpose, eye with batch_shape, reverse
and reverse_sequence, linspace/range/meshgrid, broadcast_to, and gradients through them."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    m_v = rng.standard_normal((2, 4, 4)).astype(np.float32)
    s_v = rng.standard_normal((3, 5, 2)).astype(np.float32)

    m = tf.placeholder(tf.float32, [2, 4, 4])
    s = tf.placeholder(tf.float32, [3, 5, 2])
    causal = tf.matrix_band_part(tf.ones([4, 4]), -1, 0)
    banded = tf.linalg.band_part(m, 1, 1)
    masked = m * causal - 1e9 * (1.0 - causal)
    attn = tf.nn.softmax(masked)
    d = tf.matrix_diag_part(m)
    dd = tf.linalg.diag(d)
    plain_diag = tf.diag([1.0, 2.0, 3.0])
    plain_part = tf.diag_part(m[0])
    tr = tf.trace(m)
    mt = tf.linalg.matrix_transpose(m)
    eye = tf.eye(3, batch_shape=[2])
    rev = tf.reverse(s, axis=[1])
    rev2 = tf.reverse(s, [0, -1])
    rseq = tf.reverse_sequence(s, seq_lengths=[5, 2, 3], seq_axis=1, batch_axis=0)
    lin = tf.linspace(0.0, 1.0, 5)
    rng_t = tf.range(10, 0, -3)
    gx, gy = tf.meshgrid(tf.range(3), tf.range(2))
    bcast = tf.broadcast_to(tf.constant([1.0, 2.0]), [3, 2])
    loss = (tf.reduce_sum(attn * m) + tf.reduce_sum(banded) + tf.reduce_sum(dd * 2.0)
            + tf.reduce_sum(tr) + tf.reduce_sum(mt * m) + tf.reduce_sum(rseq * s)
            + tf.reduce_sum(rev * rev2))
    grads = tf.gradients(loss, [m, s])

    with tf.Session() as sess:
        out = sess.run([causal, banded, attn, d, dd, plain_diag, plain_part, tr, mt, eye, rev,
                        rev2, rseq, lin, rng_t, gx, gy, bcast] + grads, {m: m_v, s: s_v})
    tensors = (causal, d, dd, plain_diag, tr, eye, rseq, lin, rng_t, gx, bcast)
    return {"out": out, "shapes": [t.shape.as_list() for t in tensors],
            "dtypes": [t.dtype.name for t in tensors]}
