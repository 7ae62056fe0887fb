"""A bidirectional sequence tagger: bidirectional_dynamic_rnn with an LSTMCell (peepholes,
projection) forward and a DropoutWrapper'd GRUCell backward (keep probabilities fed as 1
for evaluation), outputs concatenated per step into per-token logits, trained with
Momentum; also a static_rnn over the same steps with the weights restored by a Saver."""

import os
import tempfile

import numpy as np

RTOL = 1e-4
ATOL = 1e-5


def main(tf, seed):
    rng = np.random.default_rng(seed)
    batch, steps, depth, tags = 3, 5, 4, 3
    tokens = rng.standard_normal((batch, steps, depth)).astype(np.float32)
    lengths_value = np.array([5, 4, 2], np.int32)
    tags_value = rng.integers(0, tags, (batch, steps)).astype(np.int32)

    x = tf.placeholder(tf.float32, [None, steps, depth])
    lengths = tf.placeholder(tf.int32, [None])
    labels = tf.placeholder(tf.int32, [None, steps])
    keep = tf.placeholder_with_default(1.0, [])
    fw = tf.nn.rnn_cell.LSTMCell(4, use_peepholes=True, num_proj=3)
    bw = tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.GRUCell(3), output_keep_prob=keep)
    (out_fw, out_bw), (state_fw, state_bw) = tf.nn.bidirectional_dynamic_rnn(
        fw, bw, x, sequence_length=lengths, dtype=tf.float32)
    features = tf.concat([out_fw, out_bw], axis=2)
    with tf.variable_scope("tagger"):
        w = tf.get_variable("w", [6, tags])
    logits = tf.reshape(tf.matmul(tf.reshape(features, [-1, 6]), w), [-1, steps, tags])
    mask = tf.sequence_mask(lengths, steps, dtype=tf.float32)
    xent = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    loss = tf.reduce_sum(xent * mask) / tf.reduce_sum(mask)
    train_op = tf.train.MomentumOptimizer(0.1, 0.9).minimize(loss)
    variables = tf.trainable_variables()
    loads = [tf.assign(v, rng.uniform(-0.5, 0.5, v.shape.as_list()).astype(np.float32))
             for v in variables]

    with tf.variable_scope("unrolled"):
        static_cell = tf.nn.rnn_cell.BasicRNNCell(3)
        static_outputs, static_state = tf.nn.static_rnn(
            static_cell, tf.unstack(x, axis=1), sequence_length=lengths, dtype=tf.float32)
    static_loads = [tf.assign(v, rng.uniform(-0.5, 0.5, v.shape.as_list()).astype(np.float32))
                    for v in static_cell.trainable_variables]
    saver = tf.train.Saver(static_cell.trainable_variables)

    feed = {x: tokens, lengths: lengths_value, labels: tags_value}
    path = os.path.join(tempfile.mkdtemp(), "static.ckpt")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(loads + static_loads)
        saver.save(sess, path)
        before = sess.run({"fw": out_fw, "bw": out_bw, "fw_c": state_fw.c,
                           "fw_h": state_fw.h, "bw_state": state_bw}, feed)
        history = [sess.run([loss, train_op], feed)[0] for _ in range(4)]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        saver.restore(sess, path)
        unrolled = sess.run([static_outputs, static_state], feed)
    return {"before": before, "history": history, "unrolled": unrolled,
            "names": [v.name for v in tf.global_variables()],
            "feature_shape": features.shape.as_list()}
