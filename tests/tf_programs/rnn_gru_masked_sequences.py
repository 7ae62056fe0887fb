"""Variable-length sequences: a two-layer MultiRNNCell (GRUCell then LSTMCell) under
dynamic_rnn with sequence_length, a masked per-step regression loss, gradients fetched
and applied with GradientDescent; padded steps give zero outputs and the final state is
each sequence's state at its last valid step."""

import numpy as np

RTOL = 1e-4
ATOL = 1e-5
SEEDS = (0, 1)


def main(tf, seed):
    rng = np.random.default_rng(seed)
    batch, steps, depth = 4, 7, 2
    sequences = rng.standard_normal((batch, steps, depth)).astype(np.float32)
    lengths_value = np.array([7, 3, 5, 1], np.int32)
    targets_value = rng.standard_normal((batch, steps)).astype(np.float32)

    x = tf.placeholder(tf.float32, [None, steps, depth])
    lengths = tf.placeholder(tf.int32, [None])
    y = tf.placeholder(tf.float32, [None, steps])
    cells = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.GRUCell(4),
                                         tf.nn.rnn_cell.LSTMCell(3, forget_bias=0.5)])
    outputs, (gru_state, lstm_state) = tf.nn.dynamic_rnn(cells, x, sequence_length=lengths,
                                                         dtype=tf.float32, scope="encoder")
    with tf.variable_scope("readout"):
        w = tf.get_variable("w", [3, 1])
    pred = tf.squeeze(tf.tensordot(outputs, w, axes=1), axis=2)
    mask = tf.sequence_mask(lengths, steps, dtype=tf.float32)
    loss = tf.reduce_sum(tf.square(pred - y) * mask) / tf.reduce_sum(mask)
    variables = tf.trainable_variables()
    grads = tf.gradients(loss, variables)
    train_op = tf.train.GradientDescentOptimizer(0.1).apply_gradients(zip(grads, variables))
    loads = [v.assign(rng.uniform(-0.6, 0.6, v.shape.as_list()).astype(np.float32))
             for v in variables]

    feed = {x: sequences, lengths: lengths_value, y: targets_value}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(loads)
        first = sess.run({"outputs": outputs, "gru": gru_state, "c": lstm_state.c,
                          "h": lstm_state.h, "grads": grads}, feed)
        history = [sess.run([loss, train_op], feed)[0] for _ in range(4)]
    return {"first": first, "history": history, "names": [v.name for v in variables],
            "output_shape": outputs.shape.as_list()}
