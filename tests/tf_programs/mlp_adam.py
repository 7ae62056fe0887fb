"""Softmax classifier with one hidden layer trained with Adam; sparse integer labels."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    features = rng.standard_normal((48, 6)).astype(np.float32)
    classes = np.argmax(features[:, :4] + 0.3 * features[:, 4:5], axis=1).astype(np.int32)

    x = tf.placeholder(tf.float32, [None, 6], name="features")
    labels = tf.placeholder(tf.int32, [None], name="labels")
    with tf.name_scope("hidden"):
        w = tf.Variable(rng.normal(0, 0.3, (6, 12)).astype(np.float32), name="weights")
        b = tf.Variable(tf.zeros([12]), name="biases")
        h = tf.nn.elu(tf.matmul(x, w) + b)
    with tf.name_scope("softmax_linear"):
        w_out = tf.Variable(rng.normal(0, 0.3, (12, 4)).astype(np.float32), name="weights")
        logits = tf.nn.bias_add(tf.matmul(h, w_out), tf.constant([0.0, 0.1, 0.0, -0.1]))
    xent = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    loss = tf.reduce_mean(xent, name="xentropy_mean")
    train_op = tf.train.AdamOptimizer(learning_rate=0.01).minimize(loss)
    predictions = tf.argmax(tf.nn.softmax(logits), axis=1, output_type=tf.int32)

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        losses = [sess.run([train_op, loss], {x: features, labels: classes})[1]
                  for _ in range(30)]
        pred, w_value = sess.run([predictions, w_out], {x: features})
    return {"losses": np.array(losses), "predictions": pred, "w_out": w_value,
            "names": [w.name, w_out.name, loss.name, logits.name]}
