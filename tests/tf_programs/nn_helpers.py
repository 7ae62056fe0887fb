"""tf.nn helpers outside the core activations: selu, swish (sigmoid * x by hand),
xw_plus_b, relu_layer, weighted_cross_entropy_with_logits, softmax/log_softmax with an
axis, l2_normalize over several axes, moments with keep_dims, sufficient_statistics +
normalize_moments, zero_fraction, and their gradients."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    x_v = rng.standard_normal((4, 3)).astype(np.float32)
    t_v = (rng.random((4, 2)) < 0.5).astype(np.float32)
    w_v = rng.normal(0, 0.5, (3, 2)).astype(np.float32)

    x = tf.placeholder(tf.float32, [None, 3])
    t = tf.placeholder(tf.float32, [None, 2])
    w = tf.Variable(w_v)
    b = tf.Variable([0.1, -0.2])
    logits = tf.nn.xw_plus_b(x, w, b)
    hidden = tf.nn.relu_layer(x, w, b)
    act = tf.nn.selu(x)
    sw = x * tf.sigmoid(x)
    wce = tf.nn.weighted_cross_entropy_with_logits(labels=t, logits=logits, pos_weight=3.0)
    sm0 = tf.nn.softmax(x, axis=0)
    lsm = tf.nn.log_softmax(x, axis=-1)
    l2 = tf.nn.l2_normalize(x, axis=[0, 1])
    mean, variance = tf.nn.moments(x, axes=[0], keep_dims=True)
    count, m_ss, v_ss, _ = tf.nn.sufficient_statistics(x, axes=[0])
    n_mean, n_var = tf.nn.normalize_moments(count, m_ss, v_ss, shift=None)
    zf = tf.nn.zero_fraction(hidden)
    loss = (tf.reduce_mean(wce) + tf.reduce_sum(act * sw) + tf.reduce_sum(sm0 * lsm)
            + tf.reduce_sum(l2 * x) + tf.reduce_sum(variance) + tf.reduce_sum(hidden))
    grads = tf.gradients(loss, [x, w, b])

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out = sess.run([logits, hidden, act, sw, wce, sm0, lsm, l2, mean, variance, count, m_ss,
                        v_ss, n_mean, n_var, zf] + grads, {x: x_v, t: t_v})
    return {"out": out, "shapes": [t.shape.as_list() for t in (mean, variance, n_mean)],
            "dtypes": [zf.dtype.name, count.dtype.name]}
