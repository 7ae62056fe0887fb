"""A small mobile-style network trained for a few steps: conv1d over a sequence, a
depthwise convolution (channel multiplier 2, stride 2), a separable convolution and a
dilated depthwise one, then a dense head; the loss falls under GradientDescent and the
filters' gradients match TensorFlow's."""

import numpy as np

RTOL = 1e-4
ATOL = 1e-5


def main(tf, seed):
    rng = np.random.default_rng(seed)
    images = rng.standard_normal((4, 8, 8, 3)).astype(np.float32)
    sequence = rng.standard_normal((4, 10, 2)).astype(np.float32)
    labels = rng.integers(0, 3, 4).astype(np.int32)

    def weight(shape, name):
        return tf.Variable((rng.standard_normal(shape) * 0.3).astype(np.float32), name=name)

    x = tf.placeholder(tf.float32, [None, 8, 8, 3], name="images")
    s = tf.placeholder(tf.float32, [None, 10, 2], name="sequence")
    y = tf.placeholder(tf.int32, [None], name="labels")
    seq_filter = weight((3, 2, 4), "seq_filter")
    dw_filter = weight((3, 3, 3, 2), "dw_filter")
    sep_depthwise = weight((3, 3, 6, 1), "sep_depthwise")
    sep_pointwise = weight((1, 1, 6, 5), "sep_pointwise")
    dilated = weight((2, 2, 5, 1), "dilated")
    head = weight((5 + 4, 3), "head")

    seq = tf.nn.relu(tf.nn.conv1d(s, seq_filter, stride=2, padding="SAME"))
    depthwise = tf.nn.depthwise_conv2d(x, dw_filter, [1, 2, 2, 1], "SAME")
    separable = tf.nn.separable_conv2d(tf.nn.relu(depthwise), sep_depthwise, sep_pointwise,
                                       [1, 1, 1, 1], "SAME")
    # TF computes a dilated depthwise convolution through space_to_batch: the same values
    # under other op names
    h = tf.nn.depthwise_conv2d(tf.nn.relu(separable), dilated, [1, 1, 1, 1], "VALID",
                               rate=[2, 2])
    features = tf.concat([tf.reduce_mean(h, [1, 2]), tf.reduce_mean(seq, 1)], 1)
    logits = tf.matmul(features, head)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                         logits=logits))
    variables = [seq_filter, dw_filter, sep_depthwise, sep_pointwise, dilated, head]
    grads = tf.gradients(loss, variables)
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)

    feed = {x: images, s: sequence, y: labels}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        first = sess.run([loss, grads, h, seq], feed)
        losses = [sess.run([train, loss], feed)[1] for _ in range(5)]
        final = sess.run(variables)
    return {"first": first, "losses": losses, "final": final,
            "shapes": [t.shape.as_list() for t in (seq, h, features)],
            "names": [t.name for t in (seq, depthwise, separable)]}
