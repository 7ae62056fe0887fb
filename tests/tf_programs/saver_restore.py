"""Checkpointing: train a little, save with tf.train.Saver, keep training, restore into
the same session and into a fresh graph built the same way."""

import os
import tempfile

import numpy as np


def build(tf, rng):
    x = tf.constant(rng.standard_normal((8, 2)).astype(np.float32))
    w = tf.Variable(np.array([[0.5], [-0.5]], np.float32), name="w")
    b = tf.Variable(0.0, name="b")
    step = tf.train.get_or_create_global_step()
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - 1.0))
    train = tf.train.AdamOptimizer(0.1).minimize(loss, global_step=step)
    return w, b, step, loss, train


def main(tf, seed):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.ckpt")
        w, b, step, loss, train = build(tf, np.random.default_rng(seed))
        saver = tf.train.Saver()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(3):
                sess.run(train)
            saved = sess.run([w, b, step, loss])
            saver.save(sess, path)
            for _ in range(3):
                sess.run(train)
            moved = sess.run([w, step])
            saver.restore(sess, path)
            restored = sess.run([w, b, step, loss])
        with tf.Graph().as_default():
            w2, b2, step2, loss2, train2 = build(tf, np.random.default_rng(seed))
            with tf.Session() as sess:
                tf.train.Saver().restore(sess, path)
                fresh = sess.run([w2, b2, step2, loss2])
                sess.run(train2)  # Adam's slots came back too
                continued = sess.run([w2, step2])
    return {"saved": saved, "moved": moved, "restored": restored, "fresh": fresh,
            "continued": continued, "variables": [v.name for v in tf.global_variables()]}
