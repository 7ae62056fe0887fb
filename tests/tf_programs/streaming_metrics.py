"""tf.metrics as TF1 evaluation loops use them: accuracy, mean and mean_squared_error each
return (value, update_op) over local variables; batches are accumulated, then the metric
variables are reset with local_variables_initializer."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    batches = [(rng.integers(0, 3, 4).astype(np.int64), rng.standard_normal((4, 3))
                .astype(np.float32)) for _ in range(3)]

    labels = tf.placeholder(tf.int64, [None])
    logits = tf.placeholder(tf.float32, [None, 3])
    pred = tf.argmax(logits, 1)
    acc, acc_update = tf.metrics.accuracy(labels, pred)
    mean, mean_update = tf.metrics.mean(tf.reduce_max(logits, 1))
    mse, mse_update = tf.metrics.mean_squared_error(tf.one_hot(labels, 3), tf.nn.softmax(logits))
    updates = tf.group(acc_update, mean_update, mse_update)

    history = []
    with tf.Session() as sess:
        for _ in range(2):
            sess.run(tf.local_variables_initializer())
            for lab, log in batches:
                sess.run(updates, {labels: lab, logits: log})
                history.append(sess.run([acc, mean, mse]))
    return {"history": history, "n_local": len(tf.local_variables()),
            "dtypes": [t.dtype.name for t in (acc, mean, mse, acc_update)]}
