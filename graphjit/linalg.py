"""`gj.linalg`: TF1's `tf.linalg` namespace: matmul, transpose (`matrix_transpose`: the last
two axes), eye, norm, einsum, tensordot, band_part, diag, diag_part, trace.

May import: graphjit.graphlib.
"""

from __future__ import annotations

from .graphlib.graph import Tensor
from .graphlib.ops import array as _array
from .graphlib.ops.core import convert_to_tensor
from .graphlib.ops.extra import einsum, eye, norm, tensordot, trace
from .graphlib.ops.extra import matrix_band_part as band_part
from .graphlib.ops.extra import matrix_diag as diag
from .graphlib.ops.extra import matrix_diag_part as diag_part
from .graphlib.ops.linalg import matmul


def matrix_transpose(a, name="matrix_transpose", conjugate=False) -> Tensor:
    """`tf.linalg.matrix_transpose` (`tf.linalg.transpose`): swaps the last two axes."""
    a = convert_to_tensor(a)
    rank = a.shape.rank
    if rank is None:
        raise ValueError("matrix_transpose needs a tensor of known rank")
    if rank < 2:
        raise ValueError(f"Argument `a` should be a (batch) matrix with rank >= 2.  Received "
                         f"`a` = {a} with shape: {a.shape}")
    perm = list(range(rank - 2)) + [rank - 1, rank - 2]
    return _array.transpose(a, perm, name=name)


transpose = matrix_transpose

__all__ = ["matmul", "matrix_transpose", "transpose", "eye", "norm", "einsum", "tensordot",
           "band_part", "diag", "diag_part", "trace"]
