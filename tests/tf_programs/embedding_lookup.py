"""Embeddings looked up with gather, a bag-of-words classifier over them, one_hot labels,
and training that updates only the gathered rows."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    vocab, dim = 10, 4
    sentences = rng.integers(0, vocab - 2, (6, 5)).astype(np.int32)  # ids 8, 9 never used
    labels = np.array([0, 1, 1, 0, 2, 1], np.int32)

    ids = tf.placeholder(tf.int32, [None, 5], name="ids")
    y = tf.placeholder(tf.int32, [None], name="y")
    embeddings = tf.Variable(rng.uniform(-1, 1, (vocab, dim)).astype(np.float32),
                             name="embeddings")
    vectors = tf.gather(embeddings, ids)  # [batch, 5, dim]
    sentence = tf.reduce_mean(vectors, axis=1)
    w = tf.Variable(rng.normal(0, 0.5, (dim, 3)).astype(np.float32))
    logits = tf.matmul(sentence, w)
    onehot = tf.one_hot(y, depth=3, on_value=0.9, off_value=0.05)
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=onehot,
                                                                     logits=logits))
    (emb_grad,) = tf.gradients(loss, [embeddings])
    train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
    first_token = tf.gather(vectors, 0, axis=1)
    picked = tf.gather(embeddings, [[9, 0], [1, 1]])

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        before = sess.run(embeddings)
        grad = sess.run(emb_grad, {ids: sentences, y: labels})
        for _ in range(10):
            sess.run(train, {ids: sentences, y: labels})
        after = sess.run(embeddings)
        extra = sess.run([first_token, picked, onehot], {ids: sentences, y: labels})
    grad = np.asarray(getattr(grad, "values", grad)) if not hasattr(grad, "indices") else \
        _dense(grad, vocab, dim)
    return {"grad": grad, "unused_rows_unchanged": bool(np.all(after[8:] == before[8:])),
            "after": after, "extra": extra}


def _dense(slices, vocab, dim):
    """TF returns IndexedSlices for gather's gradient; densify it the way TF would."""
    dense = np.zeros((vocab, dim), np.float32)
    np.add.at(dense, slices.indices, slices.values)
    return dense
