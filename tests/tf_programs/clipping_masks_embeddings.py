"""The common TF1 helpers around training: clip_by_global_norm / clip_by_norm /
global_norm on gradients, boolean_mask to select valid entries, and
tf.nn.embedding_lookup (with max_norm) feeding a small sequence classifier."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    table = rng.uniform(-1, 1, (7, 3)).astype(np.float32) * 2
    tokens = rng.integers(0, 7, (4, 5)).astype(np.int32)
    lengths = np.array([5, 3, 1, 4], np.int32)

    ids = tf.placeholder(tf.int32, [None, 5])
    valid = tf.placeholder(tf.bool, [None, 5])
    embeddings = tf.Variable(table, name="embeddings")
    w = tf.Variable(rng.normal(0, 1, (3, 1)).astype(np.float32), name="w")
    vectors = tf.nn.embedding_lookup(embeddings, ids)
    clipped_vectors = tf.nn.embedding_lookup(embeddings, ids, max_norm=1.0)
    kept = tf.boolean_mask(vectors, valid)  # [num_valid, 3]
    scores = tf.matmul(kept, w)
    loss = tf.reduce_mean(tf.square(scores - 1.0))
    row_mask = tf.boolean_mask(tf.range(5), [True, False, True, True, False])

    opt = tf.train.GradientDescentOptimizer(0.1)
    grads, variables = zip(*opt.compute_gradients(loss, [embeddings, w]))
    dense_grads = [tf.convert_to_tensor(g) for g in grads]
    clipped, norm = tf.clip_by_global_norm(dense_grads, clip_norm=0.5)
    per_tensor = [tf.clip_by_norm(g, 0.2) for g in dense_grads]
    train = opt.apply_gradients(zip(clipped, variables))
    norm_again = tf.global_norm(clipped)

    mask = np.arange(5)[None, :] < lengths[:, None]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        feed = {ids: tokens, valid: mask}
        first = sess.run({"norm": norm, "clipped": clipped, "per_tensor": per_tensor,
                          "norm_again": norm_again, "kept": kept, "row_mask": row_mask,
                          "max_norm": clipped_vectors}, feed)
        losses = [sess.run([train, loss], feed)[1] for _ in range(5)]
        first["losses"] = np.array(losses)
        first["w"] = sess.run(w)
    first["kept_shape"] = kept.shape.as_list()
    return first
