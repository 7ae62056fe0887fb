"""Cases for graphlib/ops/debug.py: check_numerics, print (tf.print) and Print (tf.Print).

The print ops write to stderr as they run; tests/test_debugging.py checks that text.
"""

import graphjit.debugging  # noqa: F401  (registers the debug ops, gives gj.debugging)
from tests.opcases import Case, f32, i32


def _api(tf, name: str):
    """TensorFlow's `tf.print`/`tf.Print`, or graphjit's (gj.debugging holds them too)."""
    return getattr(tf, name, None) or getattr(graphjit.debugging, name)


def _printed_identity(tf, x, y):
    with tf.control_dependencies([_api(tf, "print")("x =", x, {"y": y}, summarize=2)]):
        return tf.identity(x) * 3.0


CASES = [
    Case("check_numerics", lambda tf, x: tf.debugging.check_numerics(x * 2.0, "doubled"),
         [f32(2, 3)], lambda x: x * 2),
    Case("print_v1", lambda tf, x, y, k: _api(tf, "Print")(x * 2.0, [x, y, k], "values: ",
                                                            summarize=4),
         [f32(3, 2), f32(5, seed=1), i32(2)], lambda x, y, k: 2 * x),
    Case("print", _printed_identity, [f32(4), f32(2, 2, seed=1)], lambda x, y: 3 * x),
]
