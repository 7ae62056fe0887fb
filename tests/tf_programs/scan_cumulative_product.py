"""tf.scan as TF1 programs use it: a cumulative product, a reversed discounted return
with an initializer, an exponential moving average carried as a (value, count) pair, and
tf.foldr / tf.foldl reductions, with gradients through the scans."""

import numpy as np

RTOL = 1e-4


def main(tf, seed):
    rng = np.random.default_rng(seed)
    growth_v = rng.uniform(0.9, 1.1, (6, 3)).astype(np.float32)
    rewards_v = rng.standard_normal(6).astype(np.float32)

    growth = tf.placeholder(tf.float32, [6, 3])
    rewards = tf.placeholder(tf.float32, [6])
    cumprod = tf.scan(lambda acc, g: acc * g, growth)
    returns = tf.scan(lambda acc, r: r + 0.9 * acc, rewards, initializer=tf.constant(0.0),
                      reverse=True)
    ema, count = tf.scan(lambda acc, g: (0.8 * acc[0] + 0.2 * g, acc[1] + 1), growth,
                         initializer=(tf.zeros([3]), tf.constant(0)))
    horner = tf.foldr(lambda acc, c: acc * 0.5 + c, rewards)
    total = tf.foldl(lambda acc, row: acc + tf.reduce_prod(row), growth,
                     initializer=tf.constant(0.0))
    grads = tf.gradients(tf.reduce_sum(cumprod[-1]) + returns[0] + horner, [growth, rewards])

    with tf.Session() as sess:
        out = sess.run([cumprod, returns, ema, count, horner, total] + grads,
                       {growth: growth_v, rewards: rewards_v})
    return {"out": out, "names": [cumprod.name, horner.name]}
