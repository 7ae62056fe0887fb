"""tf.map_fn over a batch of fixed size: a per-example function returning a nest (dtype
given as a tuple), an integer-valued map, map_fn of a pair of tensors, and the gradient
of a loss built from the mapped values."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    x_v = rng.standard_normal((5, 4)).astype(np.float32)
    labels_v = rng.integers(0, 4, 5).astype(np.int32)

    x = tf.placeholder(tf.float32, [5, 4])
    labels = tf.placeholder(tf.int32, [5])
    w = tf.Variable(rng.normal(0, 0.5, (4, 4)).astype(np.float32))

    def per_example(row):
        logits = tf.squeeze(tf.matmul(tf.expand_dims(row, 0), w), 0)
        centered = logits - tf.reduce_mean(logits)
        return centered / (tf.norm(centered) + 1e-3), tf.argmax(logits, output_type=tf.int32)

    normed, best = tf.map_fn(per_example, x, dtype=(tf.float32, tf.int32))
    picked = tf.map_fn(lambda e: tf.gather(e[0], e[1]), (normed, labels), dtype=tf.float32)
    counts = tf.map_fn(lambda row: tf.reduce_sum(tf.cast(row > 0, tf.int32)), x,
                       dtype=tf.int32)
    loss = -tf.reduce_mean(picked)
    grads = tf.gradients(loss, [x, w])

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out = sess.run([normed, best, picked, counts, loss] + grads,
                       {x: x_v, labels: labels_v})
    return {"out": out, "names": [normed.name, counts.name],
            "shapes": [normed.shape.as_list(), picked.shape.as_list()]}
