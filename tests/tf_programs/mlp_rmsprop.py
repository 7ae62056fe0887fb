"""Two-layer network trained with RMSProp (plain and centered with momentum), each in its
own graph; also reads an optimizer slot."""

import numpy as np


def train(tf, rng, **options):
    data = rng.standard_normal((40, 4)).astype(np.float32)
    target = (data @ np.array([[1.0], [-2.0], [0.5], [0.0]], np.float32)) ** 2
    with tf.Graph().as_default():
        x = tf.constant(data)
        w1 = tf.Variable(rng.normal(0, 0.5, (4, 8)).astype(np.float32))
        w2 = tf.Variable(rng.normal(0, 0.5, (8, 1)).astype(np.float32))
        out = tf.matmul(tf.nn.softplus(tf.matmul(x, w1)), w2)
        loss = tf.losses.mean_squared_error(labels=target, predictions=out)
        opt = tf.train.RMSPropOptimizer(0.01, **options)
        step = opt.minimize(loss)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            losses = [sess.run([step, loss])[1] for _ in range(20)]
            rms = sess.run(opt.get_slot(w1, "rms"))
            return np.array(losses), sess.run(w2), rms


def main(tf, seed):
    plain = train(tf, np.random.default_rng(seed))
    centered = train(tf, np.random.default_rng(seed), decay=0.8, momentum=0.5, centered=True)
    return {"plain_losses": plain[0], "plain_w2": plain[1], "plain_rms": plain[2],
            "centered_losses": centered[0], "centered_w2": centered[1]}
