"""An Elman RNN unrolled by hand over tf.unstack'ed time steps, outputs restacked, a length
mask from tf.sequence_mask, Adam with exponential_decay on a global step, and
clip_by_global_norm between compute_gradients and apply_gradients."""

import numpy as np

RTOL = 1e-4
ATOL = 1e-5


def main(tf, seed):
    rng = np.random.default_rng(seed)
    steps, batch, dim, hidden = 5, 3, 2, 4
    seqs = rng.standard_normal((batch, steps, dim)).astype(np.float32)
    lengths = np.array([5, 3, 2], np.int32)
    targets = rng.standard_normal((batch, steps)).astype(np.float32)

    x = tf.placeholder(tf.float32, [None, steps, dim])
    lens = tf.placeholder(tf.int32, [None])
    y = tf.placeholder(tf.float32, [None, steps])
    wx = tf.Variable(rng.normal(0, 0.5, (dim, hidden)).astype(np.float32))
    wh = tf.Variable(rng.normal(0, 0.5, (hidden, hidden)).astype(np.float32))
    wo = tf.Variable(rng.normal(0, 0.5, (hidden, 1)).astype(np.float32))
    h = tf.zeros(tf.stack([tf.shape(x)[0], hidden]))
    outputs = []
    for x_t in tf.unstack(x, axis=1):
        h = tf.tanh(tf.matmul(x_t, wx) + tf.matmul(h, wh))
        outputs.append(tf.squeeze(tf.matmul(h, wo), axis=1))
    pred = tf.stack(outputs, axis=1)
    mask = tf.sequence_mask(lens, steps, dtype=tf.float32)
    loss = tf.reduce_sum(tf.square(pred - y) * mask) / tf.reduce_sum(mask)

    global_step = tf.train.get_or_create_global_step()
    lr = tf.train.exponential_decay(0.05, global_step, 2, 0.5, staircase=True)
    opt = tf.train.AdamOptimizer(lr)
    grads, variables = zip(*opt.compute_gradients(loss))
    clipped, norm = tf.clip_by_global_norm(grads, 1.0)
    train = opt.apply_gradients(zip(clipped, variables), global_step=global_step)

    feed = {x: seqs, lens: lengths, y: targets}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        history = [sess.run([loss, norm, lr, train], feed)[:3] for _ in range(4)]
        final = sess.run([pred, global_step, wh], feed)
    return {"history": history, "final": final, "pred_shape": pred.shape.as_list()}
