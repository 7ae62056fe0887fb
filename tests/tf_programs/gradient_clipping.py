"""Gradient manipulation: compute_gradients -> clip_by_value (and a hand-written global
norm clip) -> apply_gradients, and gradients that are None for unconnected variables."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    data = rng.standard_normal((16, 4)).astype(np.float32) * 3
    target = rng.standard_normal((16, 2)).astype(np.float32)

    x = tf.constant(data)
    w = tf.Variable(rng.normal(0, 1, (4, 2)).astype(np.float32), name="w")
    b = tf.Variable(np.zeros(2, np.float32), name="b")
    unused = tf.Variable(1.0, name="unused")
    loss = tf.reduce_sum(tf.square(tf.matmul(x, w) + b - target))

    opt = tf.train.GradientDescentOptimizer(0.01)
    grads_and_vars = opt.compute_gradients(loss, var_list=[w, b, unused])
    none_mask = [g is None for g, _ in grads_and_vars]
    clipped = [(tf.clip_by_value(g, -1.0, 1.0), v) for g, v in grads_and_vars if g is not None]
    train_value_clip = opt.apply_gradients(clipped)

    grads = [g for g, _ in grads_and_vars if g is not None]
    global_norm = tf.sqrt(tf.add_n([tf.reduce_sum(tf.square(g)) for g in grads]))
    scale = 5.0 / tf.maximum(global_norm, 5.0)
    train_norm_clip = opt.apply_gradients([(g * scale, v) for g, v in
                                           zip(grads, [w, b])])

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        norm_before = sess.run(global_norm)
        for _ in range(5):
            sess.run(train_value_clip)
        after_value_clip = sess.run([w, b, loss])
        for _ in range(5):
            sess.run(train_norm_clip)
        after_norm_clip = sess.run([w, b, loss, global_norm])
    return {"none_mask": none_mask, "norm_before": norm_before,
            "after_value_clip": after_value_clip, "after_norm_clip": after_norm_clip}
