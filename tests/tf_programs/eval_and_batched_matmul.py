"""Tensor.eval / Operation.run under a default session, broadcasting arithmetic whose
gradients reduce back to each input's shape, and batched matmul with transposes."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    a_val = rng.standard_normal((2, 3, 4)).astype(np.float32)
    b_val = rng.standard_normal((2, 5, 4)).astype(np.float32)

    a = tf.constant(a_val)
    b = tf.placeholder(tf.float32, [2, 5, 4])
    row = tf.Variable(np.linspace(-1, 1, 4, dtype=np.float32))
    col = tf.Variable(np.ones((3, 1), np.float32))
    scaled = a * row + col  # [2,3,4] with [4] and [3,1]
    product = tf.matmul(scaled, b, transpose_b=True)  # [2,3,5]
    back = tf.matmul(product, b)  # [2,3,4]
    loss = tf.reduce_sum(back * a) / 10.0
    grads = tf.gradients(loss, [row, col, b])
    bump = tf.assign_add(row, tf.ones([4]))

    sess = tf.Session()
    with sess.as_default():
        tf.global_variables_initializer().run()
        product_value = product.eval(feed_dict={b: b_val})
        grad_values = [g.eval(feed_dict={b: b_val}) for g in grads]
        bump.op.run()
        row_after = row.eval()
    sess.close()
    return {"product": product_value, "grads": grad_values, "row_after": row_after,
            "grad_shapes": [g.shape.as_list() for g in grads],
            "product_shape": product.shape.as_list()}
