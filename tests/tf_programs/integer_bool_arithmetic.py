"""TF's dtype rules on integer and boolean arithmetic: int / int -> float64, floor division
and modulo with negative operands, int64 promotion by cast, bitwise-like logic on bools,
comparisons, and the errors TF raises for mixed dtypes."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    a_val = rng.integers(-20, 20, (6,)).astype(np.int32)
    b_val = np.array([3, -4, 5, -2, 7, 1], np.int32)

    a = tf.placeholder(tf.int32, [6])
    b = tf.constant(b_val)
    c64 = tf.cast(a, tf.int64) * 3_000_000_000
    flags = a > 0
    results = {
        "truediv": a / b,
        "floordiv": a // b,
        "mod": a % b,
        "neg_floordiv": -a // 4,
        "pow": b ** 2,
        "int_plus_literal": a + 1,
        "int64": c64 // 7,
        "mixed_cast": tf.cast(a, tf.float32) / 4,
        "bool_and": flags & (b > 0),
        "bool_or": flags | tf.equal(a, b),
        "bool_xor": tf.logical_xor(flags, b < 0),
        "not": ~flags,
        "count": tf.reduce_sum(tf.cast(flags, tf.int32)),
        "bool_to_float": tf.cast(flags, tf.float64) * 0.5,
        "maximum": tf.maximum(a, b),
        "abs_sign": tf.abs(a) * tf.sign(b),
        "float_floordiv": tf.constant([7.5, -7.5]) // 2.0,
        "float_mod": tf.constant([7.5, -7.5]) % 2.0,
    }
    errors = []
    for build in (lambda: a + tf.constant(1.5), lambda: a * tf.constant([1.0] * 6),
                  lambda: tf.cast(a, tf.int64) + a):
        try:
            build()
            errors.append("no error")
        except (TypeError, ValueError) as e:
            errors.append(type(e).__name__)

    with tf.Session() as sess:
        values = sess.run(results, {a: a_val})
    values["dtypes"] = {k: t.dtype.name for k, t in results.items()}
    values["errors"] = errors
    return values
