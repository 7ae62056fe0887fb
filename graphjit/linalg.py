"""`gj.linalg`: TF1's `tf.linalg` namespace: matmul, transpose (`matrix_transpose`: the last
two axes), adjoint, eye, norm, einsum, tensordot, band_part, diag, diag_part, trace, and
the decompositions and solvers (inv, det, slogdet, logdet, solve, triangular_solve,
cholesky, cholesky_solve, lstsq, qr, svd, eigh, eigvalsh).

May import: graphjit.graphlib.
"""

from __future__ import annotations

from .graphlib.ops.extra import einsum, eye, norm, tensordot, trace
from .graphlib.ops.extra import matrix_band_part as band_part
from .graphlib.ops.extra import matrix_diag as diag
from .graphlib.ops.extra import matrix_diag_part as diag_part
from .graphlib.ops.linalg import (
    cholesky,
    cholesky_solve,
    logdet,
    matmul,
    matrix_transpose,
    qr,
    svd,
)
from .graphlib.ops.linalg import log_matrix_determinant as slogdet
from .graphlib.ops.linalg import matrix_determinant as det
from .graphlib.ops.linalg import matrix_inverse as inv
from .graphlib.ops.linalg import matrix_solve as solve
from .graphlib.ops.linalg import matrix_solve_ls as lstsq
from .graphlib.ops.linalg import matrix_triangular_solve as triangular_solve
from .graphlib.ops.linalg import self_adjoint_eig as eigh
from .graphlib.ops.linalg import self_adjoint_eigvals as eigvalsh

transpose = matrix_transpose
adjoint = matrix_transpose  # the conjugate transpose is the transpose for real dtypes

__all__ = ["matmul", "matrix_transpose", "transpose", "adjoint", "eye", "norm", "einsum",
           "tensordot", "band_part", "diag", "diag_part", "trace", "inv", "det", "slogdet",
           "logdet", "solve", "triangular_solve", "cholesky", "cholesky_solve", "lstsq", "qr",
           "svd", "eigh", "eigvalsh"]
