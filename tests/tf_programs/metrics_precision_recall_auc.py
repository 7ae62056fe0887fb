"""Streaming classification metrics over several batches: precision, recall and auc (ROC
and PR) of thresholded probabilities, weighted accuracy, mean_absolute_error and
root_mean_squared_error, the count metrics, a get_local_variable counter, the local
variables they create, and a reset with local_variables_initializer."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    batches = [(rng.integers(0, 2, 6).astype(np.int64), rng.uniform(0, 1, 6).astype(np.float32),
                rng.uniform(0.5, 2, 6).astype(np.float32)) for _ in range(3)]

    labels = tf.placeholder(tf.int64, [None])
    probs = tf.placeholder(tf.float32, [None])
    weights = tf.placeholder(tf.float32, [None])
    predicted = tf.greater(probs, 0.5)
    metrics = {
        "precision": tf.metrics.precision(labels, predicted),
        "recall": tf.metrics.recall(labels, predicted, weights=weights),
        "auc": tf.metrics.auc(labels, probs, num_thresholds=50),
        "auc_pr": tf.metrics.auc(labels, probs, curve="PR", num_thresholds=20,
                                 summation_method="minoring"),
        "accuracy": tf.metrics.accuracy(labels, tf.cast(predicted, tf.int64),
                                        weights=weights),
        "mae": tf.metrics.mean_absolute_error(tf.cast(labels, tf.float32), probs),
        "rmse": tf.metrics.root_mean_squared_error(tf.cast(labels, tf.float32), probs),
        "tp": tf.metrics.true_positives(labels, predicted),
        "fn": tf.metrics.false_negatives(labels, predicted),
    }
    seen = tf.get_local_variable("seen", [], tf.int32, initializer=tf.zeros_initializer())
    count = tf.assign_add(seen, tf.size(labels))
    values = {k: v for k, (v, _) in metrics.items()}
    updates = {k: u for k, (_, u) in metrics.items()}

    history, update_values = [], []
    with tf.Session() as sess:
        for _ in range(2):
            sess.run(tf.local_variables_initializer())
            for lab, p, w in batches:
                feed = {labels: lab, probs: p, weights: w}
                update_values.append(sess.run([updates, count], feed))
                history.append(sess.run(values))
    return {
        "history": history, "updates": update_values,
        "local": sorted(v.name for v in tf.local_variables()),
        "global": [v.name for v in tf.global_variables()],
        "trainable": [v.name for v in tf.trainable_variables()],
        "names": {k: [v.name, u.name] for k, (v, u) in metrics.items()
                  if k in ("precision", "accuracy", "mae")},
    }
