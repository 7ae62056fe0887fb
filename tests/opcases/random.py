"""Cases for graphlib/ops/random.py: random outputs, so the table checks dtypes and shapes
(and TensorFlow's static shapes); tests/test_random.py checks statistics and seeds."""

import numpy as np

from tests.opcases import Case, f32

CASES = [
    Case("random_normal", lambda tf: tf.random_normal([3, 4], mean=1.0, stddev=2.0, seed=1),
         [], random=True),
    Case("random_normal_f64", lambda tf, x: x + tf.random_normal([2], dtype=tf.float64),
         [np.zeros(2)], random=True),
    Case("random_uniform", lambda tf: tf.random_uniform([5, 2], seed=2), [], random=True),
    Case("random_uniform_range", lambda tf: tf.random_uniform([7], -3.0, 4.0, seed=3), [],
         random=True),
    Case("random_uniform_int",
         lambda tf: tf.random_uniform([6], minval=-2, maxval=9, dtype=tf.int64, seed=4), [],
         random=True),
    Case("random_truncated_normal", lambda tf: tf.truncated_normal([3, 3], stddev=0.1, seed=5),
         [], random=True),
    Case("random_shuffle", lambda tf, x: tf.random_shuffle(x, seed=6), [f32(5, 2)],
         random=True),
    Case("random_dynamic_shape", lambda tf, x: tf.random_uniform(tf.shape(x)) * x,
         [f32(2, 3)], random=True),
]
