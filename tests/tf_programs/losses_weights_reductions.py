"""tf.losses with weights (scalar, per-example, per-element), label_smoothing for sigmoid
and softmax cross-entropy, every Reduction, the LOSSES collection and get_total_loss with
a regularization term, plus huber, absolute_difference, log_loss, hinge and cosine_distance."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    logits_v = rng.standard_normal((6, 4)).astype(np.float32)
    labels_v = rng.integers(0, 4, 6).astype(np.int32)
    preds_v = rng.random((6, 4)).astype(np.float32)
    targets_v = rng.random((6, 4)).astype(np.float32)
    weights_v = rng.random((6, 1)).astype(np.float32)

    logits = tf.placeholder(tf.float32, [None, 4])
    labels = tf.placeholder(tf.int32, [None])
    preds = tf.placeholder(tf.float32, [None, 4])
    targets = tf.placeholder(tf.float32, [None, 4])
    weights = tf.placeholder(tf.float32, [None, 1])
    onehot = tf.one_hot(labels, 4)
    R = tf.losses.Reduction
    w = tf.Variable(np.ones((4, 4), np.float32))
    tf.add_to_collection(tf.GraphKeys.REGULARIZATION_LOSSES, 0.01 * tf.nn.l2_loss(w))
    scores = tf.matmul(logits, w)

    results = {
        "mse": tf.losses.mean_squared_error(targets, preds, weights=weights),
        "mse_sum": tf.losses.mean_squared_error(targets, preds, reduction=R.SUM),
        "mse_none": tf.losses.mean_squared_error(targets, preds, reduction=R.NONE,
                                                 loss_collection=None),
        "mse_mean": tf.losses.mean_squared_error(targets, preds, weights=weights,
                                                 reduction=R.MEAN),
        "mse_nz": tf.losses.mean_squared_error(
            targets, preds, weights=weights * 0.0 + [[1], [0], [1], [0], [1], [1]],
            reduction=R.SUM_BY_NONZERO_WEIGHTS),
        "abs": tf.losses.absolute_difference(targets, preds, weights=2.0),
        "huber": tf.losses.huber_loss(targets, preds * 3.0, delta=0.5),
        "log": tf.losses.log_loss(targets, preds),
        "hinge": tf.losses.hinge_loss(tf.cast(targets > 0.5, tf.float32), logits),
        "cosine": tf.losses.cosine_distance(tf.nn.l2_normalize(targets, 1),
                                            tf.nn.l2_normalize(preds, 1), axis=1),
        "sigmoid_ls": tf.losses.sigmoid_cross_entropy(tf.cast(targets > 0.5, tf.float32),
                                                      logits, label_smoothing=0.1),
        "softmax_ls": tf.losses.softmax_cross_entropy(onehot, scores, weights=weights[:, 0],
                                                      label_smoothing=0.2),
        "sparse_w": tf.losses.sparse_softmax_cross_entropy(labels, scores,
                                                           weights=weights[:, 0]),
    }
    total = tf.losses.get_total_loss()
    collected = tf.losses.get_losses()
    regularization = tf.losses.get_regularization_loss()
    (grad,) = tf.gradients(total, [w])

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out = sess.run({"losses": results, "total": total, "grad": grad,
                        "regularization": regularization},
                       {logits: logits_v, labels: labels_v, preds: preds_v,
                        targets: targets_v, weights: weights_v})
    out["n_collected"] = len(collected)
    out["shapes"] = {k: v.shape.as_list() for k, v in results.items()}
    return out
