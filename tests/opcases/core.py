"""Cases for graphlib/ops/core.py and state.py."""

import numpy as np

from tests.opcases import Case, f32, i32

CASES = [
    Case("identity", lambda tf, x: tf.identity(x), [f32(2, 3)], lambda x: x),
    Case("stop_gradient", lambda tf, x, y: tf.stop_gradient(x) * y, [f32(3), f32(3, seed=1)],
         lambda x, y: x * y, grad=False),
    Case("stop_gradient_blocks", lambda tf, x, y: tf.stop_gradient(x * y) + y,
         [f32(3), f32(3, seed=1)], lambda x, y: x * y + y, grad=False),
    Case("add_n", lambda tf, x, y: tf.add_n([x, y, x]), [f32(2, 3), f32(2, 3, seed=1)],
         lambda x, y: 2 * x + y),
    Case("const", lambda tf, x: x + tf.constant([1.0, 2.0, 3.0], dtype=x.dtype), [f32(3)],
         lambda x: x + np.array([1, 2, 3], np.float32)),
    Case("zeros_ones_like", lambda tf, x: [tf.zeros_like(x), tf.ones_like(x, dtype=tf.int32)],
         [f32(2, 2)], lambda x: [np.zeros_like(x), np.ones((2, 2), np.int32)], grad=False),
    Case("placeholder_with_default",
         lambda tf, x: tf.placeholder_with_default(x, shape=[2]) * 2.0, [f32(2)],
         lambda x: 2 * x),
    Case("no_op_group", lambda tf, x: [tf.identity(x), tf.group(tf.identity(x))][0], [i32(2)],
         lambda x: x, grad=False),
    Case("variable", lambda tf, x: tf.Variable(np.ones(3, np.float32)) * x
         + tf.Variable(2.0).assign_add(1.0), [f32(3)], lambda x: x + 3.0, grad=False),
    Case("variable_read_grad",
         lambda tf, x: tf.Variable(np.ones(3, x.dtype.as_numpy_dtype)) * x, [f32(3)],
         lambda x: x),
    Case("variable_sub_assign",
         lambda tf, x: tf.Variable(np.ones(3, np.float32)).assign_sub(x) + 0
         + tf.Variable(np.zeros(3, np.float32)).assign(x), [f32(3)], lambda x: 1.0 - x + x,
         grad=False),
    Case("sum_to_shape", lambda tf, x, y: tf.sum_to_shape(x, y), [f32(2, 3), f32(1, 3)],
         lambda x, y: x.sum(0, keepdims=True), tf=False),
    Case("broadcast_like", lambda tf, x, y: tf.broadcast_like(x, y), [f32(3), f32(2, 3)],
         lambda x, y: np.broadcast_to(x, (2, 3)), tf=False),
]
