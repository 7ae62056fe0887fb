"""tf.layers.batch_normalization with a `training` placeholder: moving statistics updated
through UPDATE_OPS under control_dependencies, the inference path reading them, a
tf.layers.dropout switched off by the same flag, and the variables the layer creates."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    data = rng.normal(1.5, 2.0, (8, 5)).astype(np.float32)
    target = rng.standard_normal((8, 1)).astype(np.float32)
    k1 = rng.normal(0, 0.4, (5, 4)).astype(np.float32)
    k2 = rng.normal(0, 0.4, (4, 1)).astype(np.float32)
    pixels = rng.normal(-1.0, 3.0, (2, 3, 3, 2)).astype(np.float32)

    x = tf.placeholder(tf.float32, [None, 5])
    y = tf.placeholder(tf.float32, [None, 1])
    training = tf.placeholder_with_default(False, [], name="training")
    net = tf.layers.dense(x, 4, use_bias=False, kernel_initializer=tf.constant_initializer(k1))
    net = tf.layers.batch_normalization(net, training=training, momentum=0.9)
    net = tf.nn.relu(net)
    net = tf.layers.dropout(net, rate=0.3, training=False)
    out = tf.layers.dense(net, 1, kernel_initializer=tf.constant_initializer(k2))
    loss = tf.reduce_mean(tf.square(out - y))
    images = tf.placeholder(tf.float32, [None, 3, 3, 2])
    feature_map = tf.layers.batch_normalization(images, training=True, name="bn_conv",
                                                momentum=0.5, epsilon=1e-4)
    update_ops = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    with tf.control_dependencies(update_ops):
        train = tf.train.GradientDescentOptimizer(0.05).minimize(loss)

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        losses = []
        for _ in range(4):
            _, value = sess.run([train, loss], {x: data, y: target, training: True,
                                                images: pixels})
            losses.append(value)
        inference = sess.run(out, {x: data[:3]})
        normalized = sess.run(feature_map, {images: pixels})
        stats = sess.run([v for v in tf.global_variables() if "moving" in v.name])
    return {"losses": losses, "inference": inference, "normalized": normalized, "stats": stats,
            "n_update_ops": len(update_ops),
            "global": sorted(v.name for v in tf.global_variables()),
            "trainable": sorted(v.name for v in tf.trainable_variables()),
            "bn_shape": net.shape.as_list()}
