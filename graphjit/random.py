"""`gj.random`: TF1's `tf.random` namespace (the same builders as `tf.random_normal`, ...):
normal, uniform, truncated_normal, shuffle, set_random_seed, get_seed, and categorical
(TF1's `tf.multinomial`), built by the Gumbel-max trick over uniform draws.

May import: graphjit.graphlib.
"""

from __future__ import annotations

import numpy as np

from .graphlib import dtypes
from .graphlib.graph import Tensor
from .graphlib.ops import array as _array
from .graphlib.ops import math as _math
from .graphlib.ops import reduce as _reduce
from .graphlib.ops.core import convert_to_tensor
from .graphlib.ops.random import get_seed, set_random_seed, truncated_normal
from .graphlib.ops.random import random_normal as normal
from .graphlib.ops.random import random_shuffle as shuffle
from .graphlib.ops.random import random_uniform as uniform


def categorical(logits, num_samples, dtype=None, seed=None, name=None) -> Tensor:
    """`tf.random.categorical`: `num_samples` class indices per row of the [batch, classes]
    unnormalized log-probabilities, shape [batch, num_samples] (int64 unless `dtype`).
    Each draw is argmax(logits + Gumbel noise), which picks class k with probability
    softmax(logits)[k]; the stream differs from TF's."""
    logits = convert_to_tensor(logits)
    if logits.shape.rank is not None and logits.shape.rank != 2:
        raise ValueError(f"categorical: logits must be 2-D [batch, classes], got shape "
                         f"{logits.shape}")
    if not logits.dtype.is_floating:
        raise TypeError(f"categorical: logits must be float, got {logits.dtype.name}")
    out = dtypes.as_dtype(dtype or dtypes.int64)
    if out not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"categorical: dtype must be int32 or int64, got {out.name}")
    with logits.graph.name_scope(name or "categorical"):
        dims = _array.shape(logits)
        n = convert_to_tensor(num_samples, dtype_hint=dtypes.int32)
        shape = _array.stack([dims[0], n, dims[1]])
        tiny = float(np.finfo(logits.dtype.np).tiny)
        u = uniform(shape, tiny, 1.0, logits.dtype, seed=seed)
        gumbel = _math.negative(_math.log(_math.negative(_math.log(u))))
        return _reduce.argmax(_math.add(_array.expand_dims(logits, 1), gumbel), -1,
                            output_type=out)


def multinomial(logits, num_samples, seed=None, name=None, output_dtype=None) -> Tensor:
    """`tf.multinomial` (TF1's name for categorical)."""
    return categorical(logits, num_samples, dtype=output_dtype, seed=seed, name=name)

__all__ = ["normal", "uniform", "truncated_normal", "shuffle", "set_random_seed", "get_seed",
           "categorical", "multinomial"]
