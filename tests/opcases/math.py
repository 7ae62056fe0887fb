"""Cases for graphlib/ops/math.py: elementwise arithmetic, comparisons, logic, casts,
clipping and selection, through both the builders and the Python operators.

Gradient cases keep inputs away from kinks and ties (those are checked against TF in
tests/test_math.py); integer-only cases set grad=False.
"""

import numpy as np

from tests.opcases import Case, bools, f32, f64, i32, i64, pos32

NAN, INF = np.nan, np.inf


def special32(*values) -> np.ndarray:
    return np.array(values, np.float32)


def nonzero_i32(*shape, seed=0) -> np.ndarray:
    a = i32(*shape, seed=seed)
    return np.where(a == 0, 3, a).astype(np.int32)


def quiet(fn):
    """`fn` with NumPy's divide/invalid warnings off (the special-value cases want them)."""
    def wrapped(*args):
        with np.errstate(all="ignore"):
            return fn(*args)
    return wrapped


def _floor_mod(x, y):
    return x - np.floor(x / y) * y


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x.astype(np.float64)))


CASES = [
    # -- binary arithmetic, with broadcasting ----------------------------------------------
    Case("add", lambda tf, x, y: tf.add(x, y), [f32(2, 3), f32(3, seed=1)],
         lambda x, y: x + y),
    Case("add_operators", lambda tf, x, y: [x + y, x + 1.5, 2 + x, np.float32(3) + y],
         [f32(2, 1), f32(1, 3, seed=1)],
         lambda x, y: [x + y, x + 1.5, 2 + x, 3 + y]),
    Case("add_int", lambda tf, x, y: [tf.add(x, y), x + 1, 2 + y],
         [i32(2, 3), i32(2, 3, seed=1)], lambda x, y: [x + y, x + 1, 2 + y], grad=False),
    Case("subtract", lambda tf, x, y: [tf.subtract(x, y), x - y, 1 - x, y - 0.5],
         [f32(2, 1), f32(3, seed=1)],
         lambda x, y: [x - y, x - y, 1 - x, y - 0.5]),
    Case("multiply", lambda tf, x, y: [tf.multiply(x, y), x * y, 3 * x, y * 2.0],
         [f32(4, 1, 3), f32(2, 1, seed=1)], lambda x, y: [x * y, x * y, 3 * x, 2 * y],
         grad2=True),
    Case("multiply_int64", lambda tf, x, y: x * y * 3, [i64(2, 3), i64(3, seed=1)],
         lambda x, y: x * y * 3, grad=False),
    Case("scalar_mul", lambda tf, x: tf.scalar_mul(2.5, x), [f32(2, 3)], lambda x: 2.5 * x),
    Case("truediv", lambda tf, x, y: [tf.truediv(x, y), x / y, 1.0 / y, x / 4],
         [f32(2, 3), pos32(3, seed=1)], lambda x, y: [x / y, x / y, 1 / y, x / 4],
         grad2=True),
    Case("divide", lambda tf, x, y: tf.divide(x, y), [f32(3, 1), pos32(2, seed=1)],
         lambda x, y: x / y),
    Case("truediv_int", lambda tf, x, y: [x / y, tf.truediv(x, 2), tf.divide(x, y)],
         [i32(2, 3), nonzero_i32(3, seed=1)],
         lambda x, y: [x.astype(np.float64) / y, x / 2.0, x.astype(np.float64) / y],
         grad=False),
    Case("truediv_int64_by_zero", lambda tf, x, y: x / y,
         [np.array([7, -7, 0, 3], np.int64), np.array([2, 0, 0, -4], np.int64)],
         lambda x, y: np.array([3.5, -INF, NAN, -0.75]), grad=False),
    Case("div_v1", lambda tf, x, y, a, b: [tf.div(x, y), tf.div(a, b)],
         [f32(2, 3), pos32(3, seed=1), i32(2, 3, seed=2), nonzero_i32(3, seed=3)],
         lambda x, y, a, b: [x / y, np.floor_divide(a, b)]),
    Case("floordiv", lambda tf, x, y: [tf.floordiv(x, y), x // y, x // 0.5],
         [f32(2, 3, low=-5, high=5), pos32(3, seed=1)],
         lambda x, y: [np.floor(x / y), np.floor(x / y), np.floor(x / 0.5)]),
    Case("floordiv_int", lambda tf, x, y: [x // y, tf.floordiv(x, 2), -7 // y],
         [i32(3, 4, low=-20, high=20), nonzero_i32(4, seed=1)],
         lambda x, y: [np.floor_divide(x, y), np.floor_divide(x, 2), np.floor_divide(-7, y)],
         grad=False),
    Case("floordiv_float_edges", lambda tf, x, y: x // y,
         [special32(1, -7, 1, 5, 0, -5, 0.3), special32(0.1, 2, 0, INF, 0, INF, 0.1)],
         quiet(lambda x, y: np.floor(x / y)), grad=False),
    Case("mod", lambda tf, x, y: [tf.mod(x, y), x % y, tf.floormod(x, -1.5)],
         [f32(2, 3, low=-5, high=5), f32(3, seed=1, low=0.7, high=2) * np.float32([1, -1, 1])],
         lambda x, y: [_floor_mod(x, y), _floor_mod(x, y), _floor_mod(x, -1.5)],
         rtol=1e-4, atol=1e-5),
    Case("mod_int", lambda tf, x, y: [x % y, tf.mod(x, 3), 7 % y],
         [i32(3, 4, low=-20, high=20), nonzero_i32(4, seed=1)],
         lambda x, y: [np.mod(x, y), np.mod(x, 3), np.mod(7, y)], grad=False),
    Case("pow", lambda tf, x, y: [tf.pow(x, y), x ** 2, 2.0 ** y, x ** y],
         [pos32(2, 3), f32(3, seed=1)], lambda x, y: [x ** y, x ** 2, 2.0 ** y, x ** y],
         rtol=1e-5, grad2=True),
    Case("pow_int", lambda tf, x, y: [tf.pow(x, y), x ** 2, 3 ** y],
         [i32(2, 3), i32(3, seed=1, low=0, high=4)],
         lambda x, y: [x ** y, x ** 2, 3 ** y], grad=False),
    Case("squared_difference", lambda tf, x, y: tf.squared_difference(x, y),
         [f32(2, 3), f32(2, 1, seed=1)], lambda x, y: (x - y) ** 2, grad2=True),
    Case("squared_difference_int", lambda tf, x, y: tf.squared_difference(x, y),
         [i32(2, 3), i32(3, seed=1)], lambda x, y: (x - y) ** 2, grad=False),
    Case("maximum", lambda tf, x, y: tf.maximum(x, y), [f32(2, 3), f32(3, seed=1)],
         lambda x, y: np.maximum(x, y)),
    Case("minimum", lambda tf, x, y: tf.minimum(x, y), [f32(2, 1), f32(3, seed=1)],
         lambda x, y: np.minimum(x, y)),
    Case("maximum_minimum_int", lambda tf, x, y: [tf.maximum(x, y), tf.minimum(x, 0)],
         [i64(2, 3), i64(3, seed=1)], lambda x, y: [np.maximum(x, y), np.minimum(x, 0)],
         grad=False),
    Case("maximum_minimum_nan", lambda tf, x, y: [tf.maximum(x, y), tf.minimum(x, y)],
         [special32(NAN, 1, NAN, -INF), special32(1, NAN, NAN, 2)],
         lambda x, y: [special32(NAN, NAN, NAN, 2), special32(NAN, NAN, NAN, -INF)],
         grad=False),

    # -- unary arithmetic ------------------------------------------------------------------
    Case("negative", lambda tf, x: [tf.negative(x), -x], [f32(2, 3)], lambda x: [-x, -x]),
    Case("negative_int", lambda tf, x: -x, [i32(5)], lambda x: -x, grad=False),
    Case("abs", lambda tf, x: [tf.abs(x), abs(x)], [f32(2, 3)],
         lambda x: [np.abs(x), np.abs(x)], grad2=True),
    Case("abs_int", lambda tf, x, y: [tf.abs(x), abs(y)], [i32(6), i64(3, seed=1)],
         lambda x, y: [np.abs(x), np.abs(y)], grad=False),
    Case("sign", lambda tf, x: tf.sign(x) * x, [f32(2, 3)], lambda x: np.sign(x) * x),
    Case("sign_special", lambda tf, x, i: [tf.sign(x), tf.sign(i)],
         [special32(NAN, -0.0, 0, -3, INF, -INF), i32(6)],
         lambda x, i: [np.sign(x), np.sign(i)], grad=False),
    Case("square", lambda tf, x, i: [tf.square(x), tf.square(i)], [f32(2, 3), i32(4)],
         lambda x, i: [x * x, i * i], grad2=True),
    Case("reciprocal", lambda tf, x: tf.reciprocal(x), [pos32(2, 3)], lambda x: 1 / x,
         grad2=True),
    Case("sqrt", lambda tf, x: tf.sqrt(x), [pos32(2, 3)], lambda x: np.sqrt(x), grad2=True),
    Case("rsqrt", lambda tf, x: tf.rsqrt(x), [pos32(2, 3)], lambda x: 1 / np.sqrt(x),
         grad2=True),
    Case("exp", lambda tf, x: tf.exp(x), [f32(2, 3)], lambda x: np.exp(x), grad2=True),
    Case("log", lambda tf, x: tf.log(x), [pos32(2, 3)], lambda x: np.log(x), grad2=True),
    Case("log1p", lambda tf, x: tf.log1p(x), [f32(2, 3, low=-0.5, high=2)],
         lambda x: np.log1p(x), grad2=True),
    Case("expm1", lambda tf, x: tf.expm1(x), [f32(2, 3)], lambda x: np.expm1(x), grad2=True),
    Case("sin_cos", lambda tf, x: [tf.sin(x), tf.cos(x)], [f32(2, 3, low=-4, high=4)],
         lambda x: [np.sin(x), np.cos(x)], grad2=True),
    Case("tanh", lambda tf, x: [tf.tanh(x), tf.nn.tanh(-x)], [f32(2, 3, low=-3, high=3)],
         lambda x: [np.tanh(x), np.tanh(-x)], grad2=True),
    Case("sigmoid", lambda tf, x: [tf.sigmoid(x), tf.nn.sigmoid(-x)], [f32(2, 3, low=-4, high=4)],
         lambda x: [_sigmoid(x), _sigmoid(-x)], grad2=True),
    Case("sigmoid_extremes", lambda tf, x: tf.sigmoid(x),
         [special32(-100, 100, 0, NAN, -INF, INF)],
         lambda x: special32(0, 1, 0.5, NAN, 0, 1), grad=False),
    Case("unary_special_values",
         lambda tf, x: [tf.exp(x), tf.log(x), tf.sqrt(x), tf.tanh(x), tf.reciprocal(x)],
         [special32(NAN, INF, -INF, 0, -0.0, -1)],
         quiet(lambda x: [np.exp(x), np.log(x), np.sqrt(x), np.tanh(x), 1 / x]), grad=False),
    Case("floor_ceil", lambda tf, x: [tf.floor(x), tf.ceil(x), x * tf.floor(x)],
         [f32(2, 3, low=-3, high=3)], lambda x: [np.floor(x), np.ceil(x), x * np.floor(x)]),
    Case("round_half_even", lambda tf, x, i: [tf.round(x), tf.round(i)],
         [special32(0.5, 1.5, 2.5, -0.5, -1.5, 2.4, -2.6), i32(3)],
         lambda x, i: [special32(0, 2, 2, -0.0, -2, 2, -3), i], grad=False),
    Case("round", lambda tf, x: x * tf.round(x), [f32(2, 3, low=-3, high=3)],
         lambda x: x * np.round(x)),

    # -- casts -----------------------------------------------------------------------------
    Case("cast_float_to_int", lambda tf, x: [tf.cast(x, tf.int32), tf.cast(x, tf.int64)],
         [special32(-2.7, 2.7, -0.5, 0.5, 100.9, -1e3)],
         lambda x: [np.trunc(x).astype(np.int32), np.trunc(x).astype(np.int64)], grad=False),
    Case("cast_to_bool", lambda tf, x, i: [tf.cast(x, tf.bool), tf.cast(i, tf.bool)],
         [special32(NAN, 0, -0.0, 0.1, -INF), i32(5)], lambda x, i: [x != 0, i != 0],
         grad=False),
    Case("cast_from_bool", lambda tf, b: [tf.cast(b, tf.float32), tf.cast(b, tf.int64),
                                          tf.cast(b, tf.float64)],
         [bools(2, 3)],
         lambda b: [b.astype(np.float32), b.astype(np.int64), b.astype(np.float64)],
         grad=False),
    Case("cast_ints", lambda tf, i, j: [tf.cast(i, tf.float32), tf.cast(j, tf.int32),
                                        tf.cast(i, tf.int64), tf.to_double(i)],
         [i32(4), np.array([2**33 + 5, -2**40 - 1, 7], np.int64)],
         lambda i, j: [i.astype(np.float32), j.astype(np.int32), i.astype(np.int64),
                       i.astype(np.float64)], grad=False),
    Case("cast_float_to_float", lambda tf, x: tf.cast(tf.cast(x, tf.float64), x.dtype) * x,
         [f32(2, 3)], lambda x: x * x),
    Case("cast_same_dtype", lambda tf, x: tf.cast(x, x.dtype) * 2.0, [f32(3)],
         lambda x: 2 * x),
    Case("cast_through_int", lambda tf, x: tf.cast(tf.cast(x, tf.int32), x.dtype) + x,
         [f32(2, 3, low=-3, high=3)], lambda x: np.trunc(x) + x),
    Case("to_float_int32", lambda tf, x, i: [tf.to_float(i), tf.to_int32(x), tf.to_int64(x)],
         [f32(3, low=-5, high=5), i64(3)],
         lambda x, i: [i.astype(np.float32), x.astype(np.int32), x.astype(np.int64)],
         grad=False),

    # -- clipping --------------------------------------------------------------------------
    Case("clip_by_value", lambda tf, x: tf.clip_by_value(x, -0.5, 1.0),
         [f32(3, 4)], lambda x: np.clip(x, -0.5, 1.0)),
    Case("clip_by_value_tensors", lambda tf, x, lo, hi: tf.clip_by_value(x, lo, hi),
         [f32(3, 4), f32(4, seed=1, low=-1.0, high=-0.2), f32(1, 4, seed=2, low=0.2, high=1)],
         lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi)),
    Case("clip_by_value_int", lambda tf, x: tf.clip_by_value(x, -2, 3), [i32(3, 4)],
         lambda x: np.clip(x, -2, 3), grad=False),
    Case("clip_by_value_nan", lambda tf, x: tf.clip_by_value(x, 0.0, 1.0),
         [special32(NAN, -INF, INF, 0.5)], lambda x: special32(NAN, 0, 1, 0.5), grad=False),

    # -- comparisons -----------------------------------------------------------------------
    Case("comparisons",
         lambda tf, x, y: [tf.equal(x, y), tf.not_equal(x, y), tf.less(x, y),
                           tf.less_equal(x, y), tf.greater(x, y), tf.greater_equal(x, y)],
         [np.array([[1, 2, 3], [3, 2, 1]], np.float32), np.array([2, 2, 2], np.float32)],
         lambda x, y: [x == y, x != y, x < y, x <= y, x > y, x >= y], grad=False),
    Case("comparison_operators",
         lambda tf, x, y: [x < y, x <= 0, x > y, 1 >= x, 2 < x, x >= y],
         [i32(3, 4), i32(4, seed=1)],
         lambda x, y: [x < y, x <= 0, x > y, 1 >= x, 2 < x, x >= y], grad=False),
    Case("equal_bool_and_nan", lambda tf, a, b, x: [tf.equal(a, b), tf.not_equal(a, b),
                                                    tf.equal(x, x), tf.not_equal(x, x)],
         [bools(5), bools(5, seed=1), special32(NAN, 1, INF, -INF, 0)],
         lambda a, b, x: [a == b, a != b, x == x, x != x], grad=False),
    Case("is_nan_is_finite", lambda tf, x: [tf.is_nan(x), tf.is_finite(x)],
         [special32(NAN, INF, -INF, 0, 1e30)], lambda x: [np.isnan(x), np.isfinite(x)],
         grad=False),

    # -- logic and bitwise -----------------------------------------------------------------
    Case("logical", lambda tf, a, b: [tf.logical_and(a, b), tf.logical_or(a, b),
                                      tf.logical_xor(a, b), tf.logical_not(a)],
         [bools(2, 4), bools(4, seed=1)],
         lambda a, b: [a & b, a | b, a ^ b, ~a], grad=False),
    Case("logical_operators", lambda tf, a, b: [a & b, a | b, a ^ b, ~a, True & a, False | b],
         [bools(3, 1), bools(1, 4, seed=1)],
         lambda a, b: [a & b, a | b, a ^ b, ~a, a, b], grad=False),
    Case("bitwise_operators", lambda tf, x, y: [x & y, x | y, x ^ y, ~x, 6 & y],
         [i32(2, 3, low=-50, high=50), i32(3, seed=1, low=-50, high=50)],
         lambda x, y: [x & y, x | y, x ^ y, ~x, 6 & y], grad=False),

    # -- selection -------------------------------------------------------------------------
    Case("where", lambda tf, c, x, y: tf.where(c, x, y),
         [bools(2, 3), f32(2, 3, seed=1), f32(2, 3, seed=2)],
         lambda c, x, y: np.where(c, x, y), grad2=True),
    Case("where_scalar_condition", lambda tf, c, x, y: tf.where(c, x, y),
         [np.array(True), f32(2, 3, seed=1), f32(2, 3, seed=2)],
         lambda c, x, y: x),
    Case("where_rows", lambda tf, c, x, y: tf.where(c, x, y),
         [np.array([True, False, True]), f32(3, 2, 2, seed=1), f32(3, 2, 2, seed=2)],
         lambda c, x, y: np.where(c[:, None, None], x, y)),
    Case("where_int", lambda tf, c, x: tf.where(c, x, -x), [bools(4), i64(4)],
         lambda c, x: np.where(c, x, -x), grad=False),
    Case("where_v2", lambda tf, c, x, y: tf.where_v2(c, x, y),
         [bools(2, 1), f32(3, seed=1), f32(2, 3, seed=2)],
         lambda c, x, y: np.where(c, x, y)),
    Case("where_indices", lambda tf, c, x: [tf.where(c), tf.where(x), tf.where_v2(c)],
         [np.array([[True, False, True], [False, False, True]]),
          np.array([0, 1.5, 0, NAN], np.float32)],
         lambda c, x: [np.argwhere(c), np.array([[1], [3]]), np.argwhere(c)], grad=False),

    # -- float64 ---------------------------------------------------------------------------
    Case("float64_chain", lambda tf, x, y: tf.sqrt(tf.square(x) + y) / (1.0 + tf.exp(-x)),
         [f64(2, 3), f64(3, seed=1, low=0.5, high=1)],
         lambda x, y: np.sqrt(x * x + y) / (1 + np.exp(-x)), grad2=True),
]
