"""Batch normalization written the TF1 way: tf.nn.moments, tf.nn.batch_normalization,
moving statistics updated through UPDATE_OPS and control_dependencies, and an inference
path selected with placeholder_with_default."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    batches = [rng.normal(2.0, 3.0, (16, 4)).astype(np.float32) for _ in range(4)]

    x = tf.placeholder(tf.float32, [None, 4])
    training = tf.placeholder_with_default(True, shape=[], name="training")
    gamma = tf.Variable(tf.ones([4]), name="gamma")
    beta = tf.Variable(tf.zeros([4]), name="beta")
    moving_mean = tf.Variable(tf.zeros([4]), trainable=False, name="moving_mean")
    moving_var = tf.Variable(tf.ones([4]), trainable=False, name="moving_variance")
    mean, variance = tf.nn.moments(x, axes=[0])
    momentum = 0.9
    tf.add_to_collection(tf.GraphKeys.UPDATE_OPS,
                         moving_mean.assign(moving_mean * momentum + mean * (1 - momentum)))
    tf.add_to_collection(tf.GraphKeys.UPDATE_OPS,
                         moving_var.assign(moving_var * momentum + variance * (1 - momentum)))
    use_mean = tf.where(training, mean, moving_mean.value())
    use_var = tf.where(training, variance, moving_var.value())
    y = tf.nn.batch_normalization(x, use_mean, use_var, beta, gamma, variance_epsilon=1e-3)
    loss = tf.reduce_mean(tf.square(y - 1.0))
    with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
        train = tf.train.GradientDescentOptimizer(0.2).minimize(loss)

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        losses = [sess.run([train, loss], {x: b})[1] for b in batches]
        stats = sess.run([moving_mean, moving_var, gamma, beta])
        inference = sess.run(y, {x: batches[0][:3], training: False})
        moments = sess.run([mean, variance], {x: batches[1]})
    return {"losses": np.array(losses), "stats": stats, "inference": inference,
            "moments": moments}
