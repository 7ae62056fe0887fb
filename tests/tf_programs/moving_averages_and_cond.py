"""tf.train.ExponentialMovingAverage over trained variables (with num_updates from the
global step), a zero-debiased average of a tensor, average/average_name/
variables_to_restore, restoring the averages into the model through a Saver, and tf.cond /
tf.case in a model: train/eval switches whose gradients reach only the taken branch."""

import os
import tempfile

import numpy as np

RTOL = 1e-4


def moving_averages(tf, rng):
    data = rng.standard_normal((16, 2)).astype(np.float32)
    target = data @ np.array([[1.5], [-0.5]], np.float32) + 0.25
    global_step = tf.train.get_or_create_global_step()
    w = tf.Variable(rng.normal(0, 0.3, (2, 1)).astype(np.float32), name="w")
    b = tf.Variable(0.0, name="b")
    loss = tf.reduce_mean(tf.square(tf.matmul(data, w) + b - target))
    step = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=global_step)
    ema = tf.train.ExponentialMovingAverage(0.9, num_updates=global_step)
    with tf.control_dependencies([step]):
        train = ema.apply([w, b])
    loss_avg = tf.train.ExponentialMovingAverage(0.8, zero_debias=True, name="loss_ema")
    track_loss = loss_avg.apply([loss])
    restore_map = ema.variables_to_restore()
    names = {"average_w": ema.average(w).op.name, "average_name_b": ema.average_name(b),
             "loss_average": loss_avg.average(loss).op.name,
             "restore_keys": sorted(restore_map),
             "restore_values": [restore_map[k].op.name for k in sorted(restore_map)],
             "unapplied_name": ema.average_name(global_step),
             "train_op": train.name}
    path = os.path.join(tempfile.mkdtemp(), "model")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        trace = []
        for _ in range(12):
            sess.run(train)
            trace.append(sess.run([w, ema.average(w), ema.average(b)]))
            sess.run(track_loss)
        debiased = sess.run(loss_avg.average(loss))
        tf.train.Saver().save(sess, path)
    with tf.Session() as sess:
        tf.train.Saver(restore_map).restore(sess, path)
        restored = sess.run([w, b])
    return {"w": np.array([t[0] for t in trace]), "avg_w": np.array([t[1] for t in trace]),
            "avg_b": np.array([t[2] for t in trace]), "debiased_loss": debiased,
            "restored": restored, "names": names}


def conditional_model(tf, rng):
    x = tf.placeholder(tf.float32, [None, 3])
    training = tf.placeholder_with_default(False, [])
    mode = tf.placeholder(tf.int32, [])
    w = tf.Variable(rng.normal(0, 0.5, (3, 2)).astype(np.float32))
    h = tf.matmul(x, w)
    # Scale during training, a softsign at evaluation (no side effects in either branch).
    out = tf.cond(training, lambda: h * 0.5, lambda: h / (1.0 + tf.abs(h)))
    picked = tf.case([(tf.equal(mode, 0), lambda: tf.reduce_sum(out)),
                      (tf.equal(mode, 1), lambda: tf.reduce_max(out))],
                     default=lambda: tf.reduce_min(out))
    pair = tf.cond(training, lambda: (out, tf.constant(1)), lambda: (-out, tf.constant(2)))
    grad = tf.gradients(picked, w)[0]
    feed = {x: rng.standard_normal((4, 3)).astype(np.float32)}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        results = {}
        for is_training in (False, True):
            for m in (0, 1, 2):
                feed.update({training: is_training, mode: m})
                results[f"{is_training}-{m}"] = sess.run([picked, grad, pair[1]], feed)
        results["pair0"] = sess.run(pair[0], feed)
        return results


def main(tf, seed):
    rng = np.random.default_rng(seed)
    with tf.Graph().as_default():
        averages = moving_averages(tf, rng)
    with tf.Graph().as_default():
        conditional = conditional_model(tf, rng)
    return {"averages": averages, "conditional": conditional}
