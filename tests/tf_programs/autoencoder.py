"""A tied-weights autoencoder (sigmoid encoder, transposed decoder) trained with momentum
on tf.losses.mean_squared_error; returns reconstructions and the code layer."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    basis = rng.standard_normal((3, 8)).astype(np.float32)
    data = (rng.uniform(0, 1, (30, 3)).astype(np.float32) @ basis) / 2

    x = tf.placeholder(tf.float32, [None, 8], name="input")
    with tf.name_scope("encoder"):
        w = tf.Variable(rng.normal(0, 0.2, (8, 3)).astype(np.float32), name="w")
        b_enc = tf.Variable(tf.zeros([3]), name="b")
        code = tf.sigmoid(tf.matmul(x, w) + b_enc, name="code")
    with tf.name_scope("decoder"):
        b_dec = tf.Variable(tf.zeros([8]), name="b")
        reconstruction = tf.matmul(code, w, transpose_b=True) + b_dec
    loss = tf.losses.mean_squared_error(labels=x, predictions=reconstruction)
    train = tf.train.MomentumOptimizer(0.1, 0.8).minimize(loss)

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        curve = []
        for _ in range(15):
            for lo in range(0, 30, 10):
                sess.run(train, {x: data[lo:lo + 10]})
            curve.append(sess.run(loss, {x: data}))
        codes, recon = sess.run([code, reconstruction], {x: data[:4]})
    return {"curve": np.array(curve), "codes": codes, "reconstruction": recon,
            "names": [code.name, reconstruction.name, loss.name]}
