"""An Elman RNN written as TF1's dynamic_rnn is: inputs unstacked into a TensorArray, a
tf.while_loop over the (known) sequence length reading one step and writing each output
into another TensorArray, outputs stacked and transposed back, then a few steps of
GradientDescent training through the unrolled loop."""

import numpy as np

RTOL = 1e-4
ATOL = 1e-5


def main(tf, seed):
    rng = np.random.default_rng(seed)
    steps, batch, dim, hidden = 6, 3, 2, 4
    seqs = rng.standard_normal((batch, steps, dim)).astype(np.float32)
    targets = rng.standard_normal((batch, steps)).astype(np.float32)

    x = tf.placeholder(tf.float32, [batch, steps, dim])
    y = tf.placeholder(tf.float32, [batch, steps])
    wx = tf.Variable(rng.normal(0, 0.5, (dim, hidden)).astype(np.float32))
    wh = tf.Variable(rng.normal(0, 0.5, (hidden, hidden)).astype(np.float32))
    wo = tf.Variable(rng.normal(0, 0.5, (hidden, 1)).astype(np.float32))

    time_major = tf.transpose(x, [1, 0, 2])
    inputs = tf.TensorArray(tf.float32, size=steps).unstack(time_major)
    outputs = tf.TensorArray(tf.float32, size=steps)

    def body(t, h, out):
        h = tf.tanh(tf.matmul(inputs.read(t), wx) + tf.matmul(h, wh))
        return t + 1, h, out.write(t, tf.squeeze(tf.matmul(h, wo), axis=1))

    _, last, out = tf.while_loop(lambda t, h, out: t < steps, body,
                                 [tf.constant(0), tf.zeros([batch, hidden]), outputs])
    pred = tf.transpose(out.stack())
    loss = tf.reduce_mean(tf.square(pred - y))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)

    feed = {x: seqs, y: targets}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        history = [sess.run([loss, train], feed)[0] for _ in range(5)]
        final = sess.run([pred, last, wh, out.size()], feed)
    return {"history": history, "final": final, "pred_shape": pred.shape.as_list()}
