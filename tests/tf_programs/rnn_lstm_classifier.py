"""An LSTM sequence classifier as TF1 tutorials write it: tf.logging and a ConfigProto
session (soft placement, GPU memory growth, thread counts), BasicLSTMCell under
dynamic_rnn, the last state's h into a softmax layer, Adam for a few steps; the cell's
weights are loaded with tf.assign from NumPy."""

import numpy as np

RTOL = 1e-4
ATOL = 1e-5


def main(tf, seed):
    rng = np.random.default_rng(seed)
    batch, steps, depth, hidden, classes = 8, 6, 3, 5, 3
    sequences = rng.standard_normal((batch, steps, depth)).astype(np.float32)
    labels_value = (np.argmax(sequences.sum(axis=1), axis=1) % classes).astype(np.int64)

    tf.logging.set_verbosity(tf.logging.ERROR)
    x = tf.placeholder(tf.float32, [None, steps, depth], name="sequences")
    labels = tf.placeholder(tf.int64, [None], name="labels")
    cell = tf.nn.rnn_cell.BasicLSTMCell(hidden, forget_bias=1.0)
    outputs, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    with tf.variable_scope("softmax"):
        w = tf.get_variable("w", [hidden, classes])
        b = tf.get_variable("b", [classes], initializer=tf.zeros_initializer())
        logits = tf.matmul(state.h, w) + b
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=labels, logits=logits))
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), labels), tf.float32))
    train_op = tf.train.AdamOptimizer(0.05).minimize(loss)
    weights = tf.trainable_variables()
    loads = [tf.assign(v, rng.uniform(-0.5, 0.5, v.shape.as_list()).astype(np.float32))
             for v in weights]

    config = tf.ConfigProto(allow_soft_placement=True, log_device_placement=False,
                            intra_op_parallelism_threads=2, inter_op_parallelism_threads=2)
    config.gpu_options.allow_growth = True
    feed = {x: sequences, labels: labels_value}
    with tf.Session(config=config) as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(loads)
        history = []
        for step in range(6):
            _, loss_value = sess.run([train_op, loss], feed)
            history.append(loss_value)
            tf.logging.info("step %d loss %f", step, loss_value)
        final = sess.run({"loss": loss, "accuracy": accuracy, "outputs": outputs,
                          "c": state.c, "h": state.h}, feed)
    return {"history": history, "final": final,
            "names": [v.name for v in weights],
            "shapes": [outputs.shape.as_list(), state.c.shape.as_list()],
            "verbosity": tf.logging.get_verbosity()}
