"""TF1 breadth in one model: attention scores by einsum, a tensordot projection, a
sequence_mask over padded steps, gather_nd picking per-example positions, scatter_nd
building a dense update, top_k / in_top_k accuracy, count_nonzero, norm-based
regularization, div_no_nan averages, identity_n, and Adam steps through all of it."""

import numpy as np

RTOL = 1e-4
ATOL = 1e-5


def main(tf, seed):
    rng = np.random.default_rng(seed)
    batch, steps, dim, classes = 4, 5, 3, 6
    tokens = rng.standard_normal((batch, steps, dim)).astype(np.float32)
    lengths = np.array([5, 2, 3, 1], np.int32)
    labels = rng.integers(0, classes, batch).astype(np.int32)

    x = tf.placeholder(tf.float32, [None, steps, dim], name="tokens")
    n = tf.placeholder(tf.int32, [None], name="lengths")
    y = tf.placeholder(tf.int32, [None], name="labels")
    query = tf.Variable(rng.normal(0, 0.5, (dim,)).astype(np.float32), name="query")
    proj = tf.Variable(rng.normal(0, 0.5, (dim, classes)).astype(np.float32), name="proj")

    mask = tf.sequence_mask(n, steps, dtype=tf.float32)
    scores = tf.einsum("btd,d->bt", x, query) - 1e4 * (1.0 - mask)
    weights = tf.nn.softmax(scores)
    pooled = tf.einsum("bt,btd->bd", weights, x)
    logits = tf.tensordot(pooled, proj, axes=1)
    last = tf.gather_nd(x, tf.stack([tf.range(tf.shape(n)[0]), n - 1], axis=1))
    logits += tf.tensordot(last, proj, [[1], [0]]) * 0.1

    xent = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
    loss = tf.reduce_mean(xent) + 0.01 * tf.norm(proj) + 0.001 * tf.norm(query, ord=1)
    values, indices = tf.nn.top_k(logits, k=2)
    hit1 = tf.nn.in_top_k(logits, y, 1)
    hit3 = tf.nn.in_top_k(logits, y, 3)
    counted = tf.count_nonzero(hit3)
    accuracy = tf.div_no_nan(tf.cast(tf.count_nonzero(hit1), tf.float32),
                             tf.cast(tf.size(y), tf.float32))
    dense = tf.scatter_nd(tf.expand_dims(y, 1), tf.ones_like(xent), [classes])
    loss_out, acc_out = tf.identity_n([loss, accuracy])
    top_value_grad = tf.gradients(tf.reduce_sum(values), proj)[0]
    train = tf.train.AdamOptimizer(0.05).minimize(loss)

    feed = {x: tokens, n: lengths, y: labels}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        first = sess.run({"mask": mask, "weights": weights, "last": last, "values": values,
                          "indices": indices, "hit1": hit1, "hit3": hit3,
                          "counted": counted, "accuracy": acc_out, "dense": dense,
                          "top_value_grad": top_value_grad}, feed)
        losses = [sess.run([train, loss_out], feed)[1] for _ in range(10)]
        final = sess.run({"proj": proj, "query": query, "indices": indices}, feed)
    return {"first": first, "losses": np.array(losses), "final": final,
            "names": [loss_out.name, acc_out.name, indices.name, counted.name]}
