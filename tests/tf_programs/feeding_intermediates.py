"""Feeding tensors that are not placeholders (an intermediate activation, a variable's
read value through a name), placeholder_with_default, and partial runs of the graph."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    data = rng.standard_normal((3, 4)).astype(np.float32)
    override = rng.standard_normal((3, 2)).astype(np.float32)

    x = tf.placeholder(tf.float32, [None, 4], name="x")
    w = tf.Variable(rng.normal(0, 1, (4, 2)).astype(np.float32), name="w")
    hidden = tf.nn.relu(tf.matmul(x, w), name="hidden")
    scale = tf.placeholder_with_default(tf.constant(2.0), shape=[], name="scale")
    out = tf.reduce_sum(hidden * scale, axis=1, name="out")
    (grad_hidden,) = tf.gradients(out, [hidden])

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        normal = sess.run(out, {x: data})
        fed_hidden = sess.run(out, {hidden: override})  # x is not needed now
        fed_scale = sess.run(out, {x: data, scale: -1.0})
        by_name = sess.run("out:0", {"hidden:0": override, "scale:0": 0.5})
        grad = sess.run(grad_hidden, {hidden: override})
        hidden_value = sess.run(hidden, {x: data})
    return {"normal": normal, "fed_hidden": fed_hidden, "fed_scale": fed_scale,
            "by_name": by_name, "grad": grad, "hidden": hidden_value,
            "shapes": [hidden.shape.as_list(), out.shape.as_list(), scale.shape.as_list()]}
