"""`gj.bitwise`: TF's `tf.bitwise` namespace."""

from .graphlib.ops.math import bitwise_and, bitwise_or, bitwise_xor, invert

__all__ = ["bitwise_and", "bitwise_or", "bitwise_xor", "invert"]
