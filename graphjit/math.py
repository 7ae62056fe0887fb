"""`gj.math`: TF's `tf.math` namespace (the same builders as the top level).

May import: graphjit.graphlib.
"""

from .graphlib.ops.extra import (
    acos,
    acosh,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    bincount,
    count_nonzero,
    digamma,
    div_no_nan,
    erf,
    erfc,
    in_top_k,
    is_inf,
    lgamma,
    log_sigmoid,
    polygamma,
    reduce_euclidean_norm,
    reduce_std,
    reduce_variance,
    segment_max,
    segment_mean,
    segment_min,
    segment_sum,
    top_k,
    truncatediv,
    truncatemod,
    unsorted_segment_max,
    unsorted_segment_mean,
    unsorted_segment_min,
    xlogy,
)
from .graphlib.ops.math import *  # noqa: F403
from .graphlib.ops.math import __all__ as _math_all
from .graphlib.ops.nn import l2_normalize, softplus
from .graphlib.ops.reduce import *  # noqa: F403
from .graphlib.ops.reduce import __all__ as _reduce_all

divide_no_nan = div_no_nan

__all__ = [*_math_all, *_reduce_all, "softplus", "top_k", "in_top_k", "count_nonzero",
           "divide_no_nan", "erf", "erfc", "lgamma", "digamma", "polygamma", "log_sigmoid",
           "reduce_variance", "reduce_std", "xlogy", "is_inf", "segment_sum", "segment_mean",
           "segment_max", "segment_min", "unsorted_segment_max", "unsorted_segment_min",
           "unsorted_segment_mean", "asin", "acos", "atan", "asinh", "acosh", "atanh",
           "atan2", "bincount", "truncatediv", "truncatemod", "reduce_euclidean_norm",
           "l2_normalize"]
