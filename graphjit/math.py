"""`gj.math`: TF's `tf.math` namespace (the same builders as the top level)."""

from .graphlib.ops.extra import count_nonzero, div_no_nan, in_top_k, top_k
from .graphlib.ops.math import *  # noqa: F403
from .graphlib.ops.math import __all__ as _math_all
from .graphlib.ops.nn import softplus
from .graphlib.ops.reduce import *  # noqa: F403
from .graphlib.ops.reduce import __all__ as _reduce_all

divide_no_nan = div_no_nan

__all__ = [*_math_all, *_reduce_all, "softplus", "top_k", "in_top_k", "count_nonzero",
           "divide_no_nan"]
