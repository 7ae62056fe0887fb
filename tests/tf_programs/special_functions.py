"""tf.math special functions and stable reductions as used in likelihoods: lgamma, erf/erfc,
reduce_logsumexp (axis, keepdims), cumprod (exclusive, reverse), log_sigmoid, softsign,
squared_difference, xlogy, reduce_variance/reduce_std, is_nan/is_inf/is_finite,
and the gradients of a Poisson/Gaussian negative log-likelihood built from them."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    rate_v = rng.uniform(0.5, 3.0, (4, 3)).astype(np.float32)
    counts_v = rng.integers(0, 5, (4, 3)).astype(np.float32)
    z_v = rng.standard_normal((4, 3)).astype(np.float32)

    rate = tf.placeholder(tf.float32, [4, 3])
    counts = tf.placeholder(tf.float32, [4, 3])
    z = tf.placeholder(tf.float32, [4, 3])
    poisson_nll = tf.reduce_sum(rate - counts * tf.log(rate) + tf.lgamma(counts + 1.0))
    cdf = 0.5 * (1.0 + tf.erf(z / np.sqrt(2.0).astype(np.float32)))
    tail = tf.math.erfc(z)
    lse = tf.reduce_logsumexp(z, axis=1)
    lse_keep = tf.math.reduce_logsumexp(z * 50.0, axis=-1, keepdims=True)
    lse_all = tf.reduce_logsumexp(z)
    cp = tf.cumprod(rate, axis=1)
    cp_ex = tf.math.cumprod(rate, axis=0, exclusive=True, reverse=True)
    log_sig = tf.math.log_sigmoid(z)
    soft = tf.nn.softsign(z)
    sqd = tf.squared_difference(z, rate)
    xl = tf.math.xlogy(counts, rate)
    var = tf.math.reduce_variance(z, axis=0)
    std = tf.math.reduce_std(z, axis=1, keepdims=True)
    weird = tf.log(z)
    flags = [tf.is_nan(weird), tf.math.is_inf(tf.log(tf.abs(z) * 0.0)), tf.is_finite(weird)]
    loss = (poisson_nll + tf.reduce_sum(lse) + tf.reduce_sum(cdf * tail) + tf.reduce_sum(cp_ex)
            + tf.reduce_sum(log_sig + soft + sqd + xl) + tf.reduce_sum(var)
            + tf.reduce_sum(std) + tf.reduce_sum(cp))
    grads = tf.gradients(loss, [rate, z])

    with tf.Session() as sess:
        out = sess.run([poisson_nll, cdf, tail, lse, lse_keep, lse_all, cp, cp_ex, log_sig, soft,
                        sqd, xl, var, std] + flags + grads,
                       {rate: rate_v, counts: counts_v, z: z_v})
    return {"out": out, "shapes": [t.shape.as_list() for t in (lse, lse_keep, var, std)]}
