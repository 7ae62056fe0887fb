"""Linear algebra: `matmul` (2-D and batched, with BatchMatMulV2's broadcasting of the
batch dimensions) and the `@` operator on Tensors and Variables; `matrix_transpose`; the
decompositions and solvers of TF's linalg_ops, each batched over the leading dimensions:
`matrix_inverse`, `matrix_determinant`, `log_matrix_determinant`, `matrix_solve`,
`matrix_triangular_solve`, `cholesky`, `qr`, `svd`, `self_adjoint_eig` (and the composites
`self_adjoint_eigvals`, `cholesky_solve`, `logdet`, `matrix_solve_ls`).

matmul has kind="matmul" and the attrs the lowering reads: `transpose_a`, `transpose_b`
(adjoints are transposes for the real dtypes graphjit has). The decompositions are
kind="opaque": every backend runs their NumPy (LAPACK) kernels. Their gradients are TF's
(tensorflow/python/ops/linalg_grad.py), built from public builders so they differentiate
again.

May import: dtypes, errors, graph, registry, shapes, ops.core, ops.state, ops.array,
ops.math, ops.reduce (ops.extra lazily: it imports this module).
"""

from __future__ import annotations

import numpy as np

from .. import dtypes, errors
from ..graph import Tensor, get_default_graph
from ..registry import OpDef, Spec, register
from ..shapes import TensorShape, broadcast_shapes
from . import array as array_ops
from . import math as math_ops
from . import reduce as reduce_ops
from .array import _in_op_graph
from .core import convert_to_tensor, sum_to_shape
from .state import Variable

_MATMUL_DTYPES = (dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64)


def _matrix_dims(shape: TensorShape, transpose: bool):
    """(rows, cols) of the matrices of `shape` after the optional transpose."""
    rows, cols = shape[-2], shape[-1]
    return (cols, rows) if transpose else (rows, cols)


def _matmul_infer(a: Spec, b: Spec, *, transpose_a: bool, transpose_b: bool) -> Spec:
    if a.dtype != b.dtype:
        raise TypeError(f"matmul inputs must have the same dtype, got {a.dtype.name} and "
                        f"{b.dtype.name}")
    if a.dtype not in _MATMUL_DTYPES:
        names = ", ".join(d.name for d in _MATMUL_DTYPES)
        raise TypeError(f"Value passed to parameter 'a' has DataType {a.dtype.name} not in "
                        f"list of allowed values: {names}")
    for s in (a, b):
        if s.shape.rank is not None and s.shape.rank < 2:
            raise ValueError(f"Shape must be rank >= 2 but is rank {s.shape.rank}")
    if a.shape.rank is None or b.shape.rank is None:
        return Spec(a.dtype, TensorShape(None))
    m, k_a = _matrix_dims(a.shape, transpose_a)
    k_b, n = _matrix_dims(b.shape, transpose_b)
    if k_a is not None and k_b is not None and k_a != k_b:
        raise ValueError(f"Dimensions must be equal, but are {k_a} and {k_b}")
    batch = broadcast_shapes(a.shape[:-2], b.shape[:-2])
    return Spec(a.dtype, batch.concatenate([m, n]))


def _matmul_reference(a: np.ndarray, b: np.ndarray, *, transpose_a: bool,
                      transpose_b: bool) -> np.ndarray:
    x = np.swapaxes(a, -1, -2) if transpose_a else a
    y = np.swapaxes(b, -1, -2) if transpose_b else b
    if x.shape[-1] != y.shape[-2]:
        raise ValueError(f"Matrix size-incompatible: In[0]: {list(a.shape)}, In[1]: "
                         f"{list(b.shape)} (inner dimensions {x.shape[-1]} and "
                         f"{y.shape[-2]} with transpose_a={transpose_a}, "
                         f"transpose_b={transpose_b})")
    try:
        np.broadcast_shapes(x.shape[:-2], y.shape[:-2])
    except ValueError:
        raise ValueError(f"Incompatible batch dimensions: In[0]: {list(a.shape)}, In[1]: "
                         f"{list(b.shape)}") from None
    return np.matmul(x, y).astype(a.dtype, copy=False)


def _matmul_grad(op, grad):
    """TF's _MatMulGrad / _BatchMatMulV2 gradient: one product per transpose combination,
    then summed over the batch dimensions an input was broadcast along."""
    a, b = op.inputs
    t_a, t_b = op.attrs["transpose_a"], op.attrs["transpose_b"]
    if not t_a and not t_b:
        grad_a = matmul(grad, b, transpose_b=True)
        grad_b = matmul(a, grad, transpose_a=True)
    elif not t_a and t_b:
        grad_a = matmul(grad, b)
        grad_b = matmul(grad, a, transpose_a=True)
    elif t_a and not t_b:
        grad_a = matmul(b, grad, transpose_b=True)
        grad_b = matmul(a, grad)
    else:
        grad_a = matmul(b, grad, transpose_a=True, transpose_b=True)
        grad_b = matmul(grad, a, transpose_a=True, transpose_b=True)
    if a.shape.rank == 2 and b.shape.rank == 2:
        return [grad_a, grad_b]
    return [sum_to_shape(grad_a, a), sum_to_shape(grad_b, b)]


register(OpDef(
    name="matmul", infer=_matmul_infer, reference=_matmul_reference, gradient=_matmul_grad,
    kind="matmul",
    doc="Matrix product of the last two dimensions (TF's MatMul / BatchMatMulV2); leading "
        "batch dimensions broadcast. Attrs transpose_a, transpose_b."))


def _as_pair(a, b) -> tuple[Tensor, Tensor]:
    """Converts both operands; a Python/NumPy operand takes the other one's dtype."""
    if isinstance(a, Tensor) or hasattr(a, "_to_tensor"):
        a = convert_to_tensor(a)
        return a, convert_to_tensor(b, dtype_hint=a.dtype)
    b = convert_to_tensor(b)
    return convert_to_tensor(a, dtype_hint=b.dtype), b


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, output_type=None, name=None) -> Tensor:
    """`tf.matmul`: `a @ b` over the last two dimensions, batched over the leading ones
    (which broadcast). Adjoint equals transpose for real dtypes; the sparsity flags are
    hints that do not change the result."""
    for t, adj, which in ((transpose_a, adjoint_a, "a"), (transpose_b, adjoint_b, "b")):
        if t and adj:
            raise ValueError(f"Only one of `transpose_{which}` and `adjoint_{which}` can be "
                             f"True. Received `transpose_{which}`={t}, "
                             f"`adjoint_{which}`={adj}.")
    a, b = _as_pair(a, b)
    if output_type is not None and dtypes.as_dtype(output_type) != a.dtype:
        raise TypeError(f"matmul output_type {dtypes.as_dtype(output_type).name} differs "
                        f"from the input dtype {a.dtype.name}; graphjit's matmul keeps the "
                        "input dtype")
    attrs = {"transpose_a": bool(transpose_a or adjoint_a),
             "transpose_b": bool(transpose_b or adjoint_b)}
    return a.graph.create_op("matmul", [a, b], attrs, name=name or "MatMul").outputs[0]


def _matmul_operator(a, b) -> Tensor:
    return matmul(a, b)


def _rmatmul_operator(b, a) -> Tensor:
    return matmul(a, b)


Tensor._override_operator("__matmul__", _matmul_operator)
Tensor._override_operator("__rmatmul__", _rmatmul_operator)
# Variable is not a Tensor subclass: it gets the same operators directly.
Variable.__matmul__ = _matmul_operator
Variable.__rmatmul__ = _rmatmul_operator



# -- shared rules of the decompositions ------------------------------------------------------

_DECOMPOSITION_DTYPES = (dtypes.float32, dtypes.float64)


def _check_matrices(x: Spec, what: str, square: bool = False) -> None:
    """TF's shape functions of the linalg ops: float dtype, rank >= 2, square if asked."""
    if x.dtype not in _DECOMPOSITION_DTYPES:
        raise TypeError(f"Value passed to parameter 'input' of {what} has DataType "
                        f"{x.dtype.name} not in list of allowed values: float32, float64")
    if x.shape.rank is not None and x.shape.rank < 2:
        raise ValueError(f"Shape must be at least rank 2 but is rank {x.shape.rank}")
    if square and x.shape.rank is not None:
        m, n = x.shape[-2], x.shape[-1]
        if m is not None and n is not None and m != n:
            raise ValueError(f"Dimensions must be equal, but are {m} and {n}")


def _batch(x: Spec) -> list | None:
    return None if x.shape.rank is None else x.shape.as_list()[:-2]


def _square_dim(x: Spec):
    if x.shape.rank is None:
        return None
    m, n = x.shape[-2], x.shape[-1]
    return m if m is not None else n


def matrix_transpose(a, name="matrix_transpose", conjugate=False) -> Tensor:
    """`tf.linalg.matrix_transpose` (`tf.matrix_transpose`, `tf.linalg.adjoint` for the
    real dtypes): swaps the last two axes."""
    a = convert_to_tensor(a)
    rank = a.shape.rank
    if rank is None:
        raise ValueError("matrix_transpose needs a tensor of known rank")
    if rank < 2:
        raise ValueError(f"Argument `a` should be a (batch) matrix with rank >= 2.  Received "
                         f"`a` = {a} with shape: {a.shape}")
    perm = list(range(rank - 2)) + [rank - 1, rank - 2]
    return array_ops.transpose(a, perm, name=name)


def _adjoint(x: Tensor) -> Tensor:
    return matrix_transpose(x, name="adjoint")


def _safe_reciprocal(x: Tensor, epsilon: float = 1e-20) -> Tensor:
    """TF's Lorentz-broadened 1/x (0 at x == 0), so degenerate spectra give no NaN."""
    return x * math_ops.reciprocal(x * x + epsilon)


def _halve_diagonal(x: Tensor) -> Tensor:
    """matrix_set_diag(x, 0.5 * matrix_diag_part(x)) for square x."""
    from .extra import matrix_diag, matrix_diag_part
    return x - 0.5 * matrix_diag(matrix_diag_part(x))


def _lower(x: Tensor) -> Tensor:
    from .extra import matrix_band_part
    return matrix_band_part(x, -1, 0)


def _upper(x: Tensor) -> Tensor:
    from .extra import matrix_band_part
    return matrix_band_part(x, 0, -1)


def _as_matrix_scalar(x: Tensor) -> Tensor:
    """A batch of scalars [...] as [..., 1, 1], to scale a batch of matrices."""
    return array_ops.expand_dims(array_ops.expand_dims(x, -1), -1)


# -- matrix_inverse -----------------------------------------------------------------------------

def _inverse_infer(x: Spec, *, adjoint: bool) -> Spec:
    _check_matrices(x, "MatrixInverse", square=True)
    if x.shape.rank is None:
        return Spec(x.dtype, None)
    n = _square_dim(x)
    return Spec(x.dtype, _batch(x) + [n, n])


def _inverse_reference(x: np.ndarray, *, adjoint: bool) -> np.ndarray:
    _check_square_at_run_time(x)
    m = np.swapaxes(x, -1, -2) if adjoint else x
    try:
        return np.linalg.inv(m).astype(x.dtype, copy=False)
    except np.linalg.LinAlgError:
        raise errors.InvalidArgumentError(None, None, "Input is not invertible.") from None


def _check_square_at_run_time(x: np.ndarray) -> None:
    if x.shape[-1] != x.shape[-2]:
        raise ValueError(f"Input matrix must be square, got shape {list(x.shape)}")


@_in_op_graph
def _inverse_grad(op, grad):
    """TF's _MatrixInverseGrad: -A^-H @ grad @ A^-H (adjoints swapped when adjoint=True)."""
    ainv = op.outputs[0]
    adj = op.attrs["adjoint"]
    inner = matmul(grad, ainv, adjoint_a=adj, adjoint_b=not adj)
    return [-matmul(ainv, inner, adjoint_a=not adj)]


register(OpDef(
    name="matrix_inverse", infer=_inverse_infer, reference=_inverse_reference,
    gradient=_inverse_grad,
    doc="Inverse of each innermost square matrix (TF's MatrixInverse; with adjoint, of its "
        "transpose). A singular matrix raises InvalidArgumentError 'Input is not "
        "invertible.'"))


def matrix_inverse(input, adjoint=False, name=None) -> Tensor:  # noqa: A002
    """`tf.linalg.inv` (`tf.matrix_inverse`): the inverse of each innermost matrix (of its
    adjoint with `adjoint=True`)."""
    x = convert_to_tensor(input)
    return x.graph.create_op("matrix_inverse", [x], {"adjoint": bool(adjoint)},
                             name=name or "MatrixInverse").outputs[0]


# -- matrix_determinant, log_matrix_determinant -----------------------------------------------

def _determinant_infer(x: Spec) -> Spec:
    _check_matrices(x, "MatrixDeterminant", square=True)
    return Spec(x.dtype, _batch(x))


def _determinant_reference(x: np.ndarray) -> np.ndarray:
    _check_square_at_run_time(x)
    return np.asarray(np.linalg.det(x), dtype=x.dtype)


@_in_op_graph
def _determinant_grad(op, grad):
    """TF's _MatrixDeterminantGrad: grad * det(A) * A^-H."""
    a, det = op.inputs[0], op.outputs[0]
    return [_as_matrix_scalar(grad * det) * matrix_inverse(a, adjoint=True)]


register(OpDef(
    name="matrix_determinant", infer=_determinant_infer, reference=_determinant_reference,
    gradient=_determinant_grad,
    doc="Determinant of each innermost square matrix (TF's MatrixDeterminant)."))


def matrix_determinant(input, name=None) -> Tensor:  # noqa: A002
    """`tf.linalg.det` (`tf.matrix_determinant`)."""
    x = convert_to_tensor(input)
    return x.graph.create_op("matrix_determinant", [x],
                             name=name or "MatrixDeterminant").outputs[0]


def _log_determinant_infer(x: Spec) -> list[Spec]:
    _check_matrices(x, "LogMatrixDeterminant", square=True)
    return [Spec(x.dtype, _batch(x)), Spec(x.dtype, _batch(x))]


def _log_determinant_reference(x: np.ndarray) -> tuple:
    _check_square_at_run_time(x)
    sign, logabs = np.linalg.slogdet(x)
    return np.asarray(sign, x.dtype), np.asarray(logabs, x.dtype)


@_in_op_graph
def _log_determinant_grad(op, _, grad_log_abs):
    """TF's _LogMatrixDeterminantGrad: grad * A^-H (the sign has no gradient)."""
    return [_as_matrix_scalar(grad_log_abs) * matrix_inverse(op.inputs[0], adjoint=True)]


register(OpDef(
    name="log_matrix_determinant", infer=_log_determinant_infer,
    reference=_log_determinant_reference, gradient=_log_determinant_grad,
    doc="(sign, log|det|) of each innermost square matrix (TF's LogMatrixDeterminant); a "
        "singular matrix gives (0, -inf)."))


def log_matrix_determinant(input, name=None) -> tuple[Tensor, Tensor]:  # noqa: A002
    """`tf.linalg.slogdet`: (sign, log_abs_determinant) of each innermost matrix."""
    x = convert_to_tensor(input)
    op = x.graph.create_op("log_matrix_determinant", [x],
                           name=name or "LogMatrixDeterminant")
    return op.outputs[0], op.outputs[1]


# -- matrix_solve, matrix_triangular_solve ------------------------------------------------------

def _solve_shapes(a: Spec, b: Spec, what: str, broadcast: bool) -> Spec:
    _check_matrices(a, what, square=True)
    if b.dtype != a.dtype:
        raise TypeError(f"{what} inputs must have the same dtype, got {a.dtype.name} and "
                        f"{b.dtype.name}")
    if b.shape.rank is not None and b.shape.rank < 2:
        raise ValueError(f"Shape must be at least rank 2 but is rank {b.shape.rank}")
    if a.shape.rank is None or b.shape.rank is None:
        return Spec(a.dtype, None)
    n, rows = _square_dim(a), b.shape[-2]
    if n is not None and rows is not None and n != rows:
        raise ValueError(f"Dimensions must be equal, but are {n} and {rows}")
    if broadcast:
        batch = broadcast_shapes(a.shape[:-2], b.shape[:-2])
    else:
        if a.shape.rank != b.shape.rank:
            raise ValueError(f"Shapes must be equal rank, but are {a.shape.rank} and "
                             f"{b.shape.rank}")
        for k, (x, y) in enumerate(zip(a.shape.as_list()[:-2], b.shape.as_list()[:-2])):
            if x is not None and y is not None and x != y:
                raise ValueError(f"Dimension {k} in both shapes must be equal, but are {x} "
                                 f"and {y}")
        batch = a.shape[:-2].merge_with(b.shape[:-2])
    return Spec(a.dtype, batch.concatenate([n if n is not None else rows, b.shape[-1]]))


def _solve_infer(a: Spec, b: Spec, *, adjoint: bool) -> Spec:
    return _solve_shapes(a, b, "MatrixSolve", broadcast=False)


def _solve_reference(a: np.ndarray, b: np.ndarray, *, adjoint: bool) -> np.ndarray:
    _check_square_at_run_time(a)
    if a.shape[:-2] != b.shape[:-2] or a.shape[-1] != b.shape[-2]:
        raise ValueError(f"Incompatible shapes for MatrixSolve: matrix {list(a.shape)}, rhs "
                         f"{list(b.shape)}")
    m = np.swapaxes(a, -1, -2) if adjoint else a
    if b.size == 0 or a.size == 0:
        return np.zeros(b.shape, a.dtype)
    try:
        return np.linalg.solve(m, b).astype(a.dtype, copy=False)
    except np.linalg.LinAlgError:
        raise errors.InvalidArgumentError(None, None,
                                          "Input matrix is not invertible.") from None


@_in_op_graph
def _solve_grad(op, grad):
    """TF's _MatrixSolveGrad."""
    a = op.inputs[0]
    adj = op.attrs["adjoint"]
    c = op.outputs[0]
    grad_b = matrix_solve(a, grad, adjoint=not adj)
    if adj:
        grad_a = -matmul(c, grad_b, adjoint_b=True)
    else:
        grad_a = -matmul(grad_b, c, adjoint_b=True)
    return [grad_a, grad_b]


register(OpDef(
    name="matrix_solve", infer=_solve_infer, reference=_solve_reference,
    gradient=_solve_grad,
    doc="X with A X = B (A^T X = B with adjoint) for each innermost matrix (TF's "
        "MatrixSolve): the batch dimensions of A and B must be equal. A singular A raises "
        "InvalidArgumentError 'Input matrix is not invertible.'"))


def _as_operands(matrix, rhs) -> tuple[Tensor, Tensor]:
    if isinstance(matrix, Tensor) or hasattr(matrix, "_to_tensor"):
        a = convert_to_tensor(matrix)
        return a, convert_to_tensor(rhs, dtype_hint=a.dtype)
    b = convert_to_tensor(rhs)
    return convert_to_tensor(matrix, dtype_hint=b.dtype), b


def matrix_solve(matrix, rhs, adjoint=False, name=None) -> Tensor:
    """`tf.linalg.solve` (`tf.matrix_solve`): X with matrix @ X = rhs per innermost matrix
    (adjoint(matrix) @ X = rhs with `adjoint=True`)."""
    a, b = _as_operands(matrix, rhs)
    return a.graph.create_op("matrix_solve", [a, b], {"adjoint": bool(adjoint)},
                             name=name or "MatrixSolve").outputs[0]


def _triangular_solve_infer(a: Spec, b: Spec, *, lower: bool, adjoint: bool) -> Spec:
    return _solve_shapes(a, b, "MatrixTriangularSolve", broadcast=True)


def _triangular_solve_reference(a: np.ndarray, b: np.ndarray, *, lower: bool,
                                adjoint: bool) -> np.ndarray:
    """Substitution row by row (vectorized over the batch and the right-hand sides), reading
    only the named triangle; a zero on the diagonal gives inf/NaN as in TF."""
    _check_square_at_run_time(a)
    if a.shape[-1] != b.shape[-2]:
        raise ValueError(f"Incompatible shapes for MatrixTriangularSolve: matrix "
                         f"{list(a.shape)}, rhs {list(b.shape)}")
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    t = np.tril(a) if lower else np.triu(a)
    if adjoint:
        t, lower = np.swapaxes(t, -1, -2), not lower
    t = np.broadcast_to(t, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    n = a.shape[-1]
    x = np.zeros(b.shape, a.dtype)
    for i in (range(n) if lower else range(n - 1, -1, -1)):
        done = slice(0, i) if lower else slice(i + 1, n)
        acc = b[..., i, :] - (t[..., i:i + 1, done] @ x[..., done, :])[..., 0, :]
        x[..., i, :] = acc / t[..., i, i][..., None]
    return x


@_in_op_graph
def _triangular_solve_grad(op, grad):
    """TF's _MatrixTriangularSolveGrad, summed over broadcast batch dimensions."""
    a, b = op.inputs
    adj, low = op.attrs["adjoint"], op.attrs["lower"]
    c = op.outputs[0]
    grad_b = matrix_triangular_solve(a, grad, lower=low, adjoint=not adj)
    if adj:
        grad_a = -matmul(c, grad_b, adjoint_b=True)
    else:
        grad_a = -matmul(grad_b, c, adjoint_b=True)
    grad_a = _lower(grad_a) if low else _upper(grad_a)
    if a.shape.is_fully_defined() and b.shape.is_fully_defined() and \
            a.shape[:-2] == b.shape[:-2]:
        return [grad_a, grad_b]
    return [sum_to_shape(grad_a, a), sum_to_shape(grad_b, b)]


register(OpDef(
    name="matrix_triangular_solve", infer=_triangular_solve_infer,
    reference=_triangular_solve_reference, gradient=_triangular_solve_grad,
    doc="X with A X = B for each innermost triangular A (TF's MatrixTriangularSolve): only "
        "the lower (lower=True) or upper triangle of A is read; adjoint solves A^T X = B; "
        "batch dimensions broadcast. No singularity check (inf/NaN, as TF)."))


def matrix_triangular_solve(matrix, rhs, lower=True, adjoint=False, name=None) -> Tensor:
    """`tf.linalg.triangular_solve` (`tf.matrix_triangular_solve`)."""
    a, b = _as_operands(matrix, rhs)
    return a.graph.create_op("matrix_triangular_solve", [a, b],
                             {"lower": bool(lower), "adjoint": bool(adjoint)},
                             name=name or "MatrixTriangularSolve").outputs[0]


# -- cholesky -------------------------------------------------------------------------------

def _cholesky_infer(x: Spec) -> Spec:
    _check_matrices(x, "Cholesky", square=True)
    return _inverse_infer(x, adjoint=False)


def _cholesky_reference(x: np.ndarray) -> np.ndarray:
    """Reads the lower triangle. A matrix that is not positive definite gets NaN in its lower
    triangle, as TF 2.x's kernel does (it logs a warning instead of failing)."""
    _check_square_at_run_time(x)
    try:
        return np.linalg.cholesky(x).astype(x.dtype, copy=False)
    except np.linalg.LinAlgError:
        pass
    flat = x.reshape((-1,) + x.shape[-2:])
    out = np.zeros_like(flat)
    nan_lower = np.tril(np.full(x.shape[-2:], np.nan, x.dtype))
    for k, m in enumerate(flat):
        try:
            out[k] = np.linalg.cholesky(m)
        except np.linalg.LinAlgError:
            out[k] = nan_lower
    return out.reshape(x.shape)


@_in_op_graph
def _cholesky_grad(op, grad):
    """TF's _CholeskyGrad: L^-H ((L^H grad) * (tril(ones) - eye / 2)) L^-1, symmetrized."""
    from .extra import eye
    chol = op.outputs[0]
    n = array_ops.shape(chol)[-1]
    l_inverse = matrix_triangular_solve(
        chol, eye(n, batch_shape=array_ops.shape(chol)[:-2], dtype=chol.dtype))
    middle = _lower(_halve_diagonal(matmul(chol, grad, adjoint_a=True)))
    grad_a = matmul(matmul(l_inverse, middle, adjoint_a=True), l_inverse)
    return [(grad_a + _adjoint(grad_a)) * 0.5]


register(OpDef(
    name="cholesky", infer=_cholesky_infer, reference=_cholesky_reference,
    gradient=_cholesky_grad,
    doc="Lower Cholesky factor of each innermost symmetric positive definite matrix (TF's "
        "Cholesky; reads the lower triangle; NaN where not positive definite)."))


def cholesky(input, name=None) -> Tensor:  # noqa: A002
    """`tf.linalg.cholesky` (`tf.cholesky`)."""
    x = convert_to_tensor(input)
    return x.graph.create_op("cholesky", [x], name=name or "Cholesky").outputs[0]


def cholesky_solve(chol, rhs, name=None) -> Tensor:
    """`tf.linalg.cholesky_solve`: X with A X = rhs given A's Cholesky factor (two triangular
    solves, as TF)."""
    with get_default_graph().name_scope(name or "cholesky_solve"):
        y = matrix_triangular_solve(chol, rhs, adjoint=False, lower=True)
        return matrix_triangular_solve(chol, y, adjoint=True, lower=True)


def logdet(matrix, name=None) -> Tensor:
    """`tf.linalg.logdet`: log(det(A)) of Hermitian positive definite A, from its Cholesky
    factor."""
    from .extra import matrix_diag_part
    with get_default_graph().name_scope(name or "logdet"):
        chol = cholesky(matrix)
        return 2.0 * reduce_ops.reduce_sum(math_ops.log(matrix_diag_part(chol)), axis=[-1])


def matrix_solve_ls(matrix, rhs, l2_regularizer=0.0, fast=True, name=None) -> Tensor:
    """`tf.linalg.lstsq` (`tf.matrix_solve_ls`) with `fast=True`: least squares through the
    Cholesky factor of the (regularized) Gram matrix, as TF's fast path; needs static
    matrix dimensions."""
    from .extra import eye
    if not fast:
        raise ValueError("graphjit's matrix_solve_ls supports fast=True only (TF's "
                         "fast=False uses a complete orthogonal decomposition)")
    a, b = _as_operands(matrix, rhs)
    m, n = (a.shape.as_list()[-2:] if a.shape.rank is not None else (None, None))
    if m is None or n is None:
        raise ValueError(f"matrix_solve_ls needs static matrix dimensions, got {a.shape}")
    with get_default_graph().name_scope(name or "matrix_solve_ls"):
        l2 = math_ops.cast(convert_to_tensor(l2_regularizer, dtype_hint=a.dtype), a.dtype)
        if m >= n:
            gram = matmul(a, a, adjoint_a=True) + l2 * eye(n, dtype=a.dtype)
            return cholesky_solve(cholesky(gram), matmul(a, b, adjoint_a=True))
        gram = matmul(a, a, adjoint_b=True) + l2 * eye(m, dtype=a.dtype)
        return matmul(a, cholesky_solve(cholesky(gram), b), adjoint_a=True)


# -- qr ------------------------------------------------------------------------------------

def _qr_infer(x: Spec, *, full_matrices: bool) -> list[Spec]:
    _check_matrices(x, "Qr")
    if x.shape.rank is None:
        return [Spec(x.dtype, None), Spec(x.dtype, None)]
    m, n = x.shape[-2], x.shape[-1]
    k = m if full_matrices else (None if m is None or n is None else min(m, n))
    batch = _batch(x)
    return [Spec(x.dtype, batch + [m, k]), Spec(x.dtype, batch + [k, n])]


def _qr_reference(x: np.ndarray, *, full_matrices: bool) -> tuple:
    mode = "complete" if full_matrices else "reduced"
    q, r = np.linalg.qr(x, mode=mode)
    return q.astype(x.dtype, copy=False), r.astype(x.dtype, copy=False)


@_in_op_graph
def _qr_grad(op, dq, dr):
    """TF's _QrGrad (arXiv:2009.10071): deep and square matrices directly, wide ones by
    splitting A = [X, Y]; TF has no gradient for deep matrices with full_matrices=True."""
    q, r = op.outputs
    if r.shape.rank is None or r.shape[-2] is None or r.shape[-1] is None:
        raise ValueError(f"QrGrad not implemented with dynamic shapes. Received r.shape: "
                         f"{r.shape}")
    if r.shape[-2] > r.shape[-1] and q.shape[-2] == q.shape[-1]:
        raise ValueError("QrGrad not implemented when nrows > ncols and full_matrices is "
                         f"true. Received r.shape={r.shape}")

    def triangular_solve(x, r):  # x @ inv(r)^T for upper-triangular r
        return _adjoint(matrix_triangular_solve(r, _adjoint(x), lower=False, adjoint=False))

    def square_and_deep(q, r, dq, dr):
        qdq = matmul(q, dq, adjoint_a=True)
        qdq_ = qdq - _adjoint(qdq)
        rdr = matmul(r, dr, adjoint_b=True)
        rdr_ = rdr - _adjoint(rdr)
        tril = _lower(qdq_ + rdr_)
        grad_a = matmul(q, dr + triangular_solve(tril, r))
        grad_b = triangular_solve(dq - matmul(q, qdq), r)
        return grad_a + grad_b

    rows, cols = q.shape[-2], r.shape[-1]
    if rows >= cols:
        return [square_and_deep(q, r, dq, dr)]
    a = op.inputs[0]
    y = a[..., :, rows:]
    u = r[..., :, :rows]
    dv = dr[..., :, rows:]
    du = dr[..., :, :rows]
    dy = matmul(q, dv)
    dx = square_and_deep(q, u, dq + matmul(y, dv, adjoint_b=True), du)
    return [array_ops.concat([dx, dy], axis=-1)]


register(OpDef(
    name="qr", infer=_qr_infer, reference=_qr_reference, gradient=_qr_grad,
    doc="QR decomposition of each innermost matrix (TF's Qr, Householder, LAPACK's signs); "
        "outputs q, r."))


def qr(input, full_matrices=False, name=None) -> tuple[Tensor, Tensor]:  # noqa: A002
    """`tf.linalg.qr` (`tf.qr`): (q, r) per innermost matrix."""
    x = convert_to_tensor(input)
    op = x.graph.create_op("qr", [x], {"full_matrices": bool(full_matrices)},
                           name=name or "Qr")
    return op.outputs[0], op.outputs[1]


# -- svd -----------------------------------------------------------------------------------

def _svd_infer(x: Spec, *, full_matrices: bool, compute_uv: bool) -> list[Spec]:
    _check_matrices(x, "Svd")
    if x.shape.rank is None:
        return [Spec(x.dtype, None)] * (3 if compute_uv else 1)
    m, n = x.shape[-2], x.shape[-1]
    p = None if m is None or n is None else min(m, n)
    batch = _batch(x)
    s = Spec(x.dtype, batch + [p])
    if not compute_uv:
        return [s]
    u_cols, v_cols = (m, n) if full_matrices else (p, p)
    return [s, Spec(x.dtype, batch + [m, u_cols]), Spec(x.dtype, batch + [n, v_cols])]


def _svd_reference(x: np.ndarray, *, full_matrices: bool, compute_uv: bool):
    m, n = x.shape[-2:]
    p = min(m, n)
    if p == 0:  # LAPACK rejects empty matrices: the factors are identities
        s = np.zeros(x.shape[:-2] + (0,), x.dtype)
        if not compute_uv:
            return s
        u_cols, v_cols = (m, n) if full_matrices else (0, 0)
        u = np.broadcast_to(np.eye(m, u_cols, dtype=x.dtype), x.shape[:-2] + (m, u_cols))
        v = np.broadcast_to(np.eye(n, v_cols, dtype=x.dtype), x.shape[:-2] + (n, v_cols))
        return s, u.copy(), v.copy()
    if not compute_uv:
        return np.linalg.svd(x, compute_uv=False).astype(x.dtype, copy=False)
    u, s, vh = np.linalg.svd(x, full_matrices=full_matrices)
    return (s.astype(x.dtype, copy=False), u.astype(x.dtype, copy=False),
            np.swapaxes(vh, -1, -2).astype(x.dtype))


@_in_op_graph
def _svd_grad(op, grad_s, grad_u=None, grad_v=None):
    """TF's _SvdGrad (Giles; Townsend for full_matrices=False), for real matrices."""
    from .extra import matrix_diag
    a = op.inputs[0]
    grad_s_mat = matrix_diag(grad_s)
    if not op.attrs["compute_uv"]:
        _, u, v = svd(a, compute_uv=True)
        return [matmul(u, matmul(grad_s_mat, v, adjoint_b=True))]
    m, n = (a.shape.as_list()[-2:] if a.shape.rank is not None else (None, None))
    if m is None or n is None:
        raise ValueError("SVD gradient has not been implemented for input with unknown "
                         f"inner matrix shape (got {a.shape}).")
    full_matrices = op.attrs["full_matrices"]
    s, u, v = op.outputs
    use_adjoint = m > n
    if use_adjoint:  # differentiate A^T = V S U^T, and transpose the result
        m, n = n, m
        u, v = v, u
        grad_u, grad_v = grad_v, grad_u
    if full_matrices and abs(m - n) > 1:
        raise ValueError("svd gradient is not implemented for abs(m - n) > 1 when "
                         f"full_matrices is True. Received: m={m} and n={n} from op input "
                         f"with shape={a.shape}.")
    s_mat = matrix_diag(s)
    s2 = math_ops.square(s)
    # f[i, j] = 1 / (s_j^2 - s_i^2) off the diagonal; _safe_reciprocal(0) is 0 on it
    f = _safe_reciprocal(array_ops.expand_dims(s2, -2) - array_ops.expand_dims(s2, -1))
    s_inv_mat = matrix_diag(_safe_reciprocal(s))
    v1 = v[..., :, :m]
    grad_v1 = grad_v[..., :, :m]
    f_u = f * matmul(u, grad_u, adjoint_a=True)
    f_v = f * matmul(v1, grad_v1, adjoint_a=True)
    term1_nouv = (grad_s_mat + matmul(f_u + _adjoint(f_u), s_mat)
                  + matmul(s_mat, f_v + _adjoint(f_v)))
    grad_a = matmul(u, matmul(term1_nouv, v1, adjoint_b=True))
    if m != n:
        gv1t = _adjoint(grad_v1)
        term2_nous = gv1t - matmul(matmul(gv1t, v1), v1, adjoint_b=True)
        if full_matrices:
            v2 = v[..., :, m:n]
            grad_v2 = grad_v[..., :, m:n]
            term2_nous = term2_nous - matmul(matmul(v1, grad_v2, adjoint_a=True), v2,
                                             adjoint_b=True)
        grad_a = grad_a + matmul(matmul(u, s_inv_mat), term2_nous)
    return [_adjoint(grad_a) if use_adjoint else grad_a]


register(OpDef(
    name="svd", infer=_svd_infer, reference=_svd_reference, gradient=_svd_grad,
    doc="Singular values (descending) and, with compute_uv, the vectors u and v (not v^T) of "
        "each innermost matrix (TF's Svd); with compute_uv=False the op has one output. "
        "Vector signs are LAPACK's (TF's Eigen kernel may choose others)."))


def svd(tensor, full_matrices=False, compute_uv=True, name=None):
    """`tf.linalg.svd` (`tf.svd`): (s, u, v) with A = u diag(s) v^T, or s alone with
    `compute_uv=False`."""
    x = convert_to_tensor(tensor)
    op = x.graph.create_op("svd", [x], {"full_matrices": bool(full_matrices),
                                        "compute_uv": bool(compute_uv)}, name=name or "Svd")
    return tuple(op.outputs) if compute_uv else op.outputs[0]


# -- self_adjoint_eig -----------------------------------------------------------------------

def _eig_infer(x: Spec, *, compute_v: bool) -> list[Spec]:
    _check_matrices(x, "SelfAdjointEigV2", square=True)
    if x.shape.rank is None:
        return [Spec(x.dtype, None)] * (2 if compute_v else 1)
    n = _square_dim(x)
    e = Spec(x.dtype, _batch(x) + [n])
    return [e, Spec(x.dtype, _batch(x) + [n, n])] if compute_v else [e]


def _eig_reference(x: np.ndarray, *, compute_v: bool):
    _check_square_at_run_time(x)
    if not compute_v:
        return np.linalg.eigvalsh(x, UPLO="L").astype(x.dtype, copy=False)
    e, v = np.linalg.eigh(x, UPLO="L")
    return e.astype(x.dtype, copy=False), v.astype(x.dtype, copy=False)


@_in_op_graph
def _eig_grad(op, grad_e, grad_v=None):
    """TF's _SelfAdjointEigV2Grad, symmetrized onto the lower triangle the op reads."""
    from .extra import matrix_diag
    e = op.outputs[0]
    if op.attrs["compute_v"]:
        v = op.outputs[1]
        # f[i, j] = 1 / (e_j - e_i) off the diagonal; _safe_reciprocal(0) is 0 on it
        f = _safe_reciprocal(array_ops.expand_dims(e, -2) - array_ops.expand_dims(e, -1))
        inner = matrix_diag(grad_e) + f * matmul(v, grad_v, adjoint_a=True)
        grad_a = matmul(v, matmul(inner, v, adjoint_b=True))
    else:
        _, v = self_adjoint_eig(op.inputs[0])
        grad_a = matmul(v, matmul(matrix_diag(grad_e), v, adjoint_b=True))
    return [_halve_diagonal(_lower(grad_a + _adjoint(grad_a)))]


register(OpDef(
    name="self_adjoint_eig", infer=_eig_infer, reference=_eig_reference,
    gradient=_eig_grad,
    doc="Eigenvalues (ascending) and, with compute_v, eigenvectors (columns) of each "
        "innermost symmetric matrix, reading its lower triangle (TF's SelfAdjointEigV2; "
        "one output with compute_v=False). Vector signs are LAPACK's."))


def self_adjoint_eig(tensor, name=None) -> tuple[Tensor, Tensor]:
    """`tf.linalg.eigh` (`tf.self_adjoint_eig`): (eigenvalues, eigenvectors)."""
    x = convert_to_tensor(tensor)
    op = x.graph.create_op("self_adjoint_eig", [x], {"compute_v": True},
                           name=name or "SelfAdjointEigV2")
    return op.outputs[0], op.outputs[1]


def self_adjoint_eigvals(tensor, name=None) -> Tensor:
    """`tf.linalg.eigvalsh` (`tf.self_adjoint_eigvals`): the eigenvalues, ascending."""
    x = convert_to_tensor(tensor)
    return x.graph.create_op("self_adjoint_eig", [x], {"compute_v": False},
                             name=name or "SelfAdjointEigV2").outputs[0]


__all__ = ["matmul", "matrix_transpose", "matrix_inverse", "matrix_determinant",
           "log_matrix_determinant", "matrix_solve", "matrix_triangular_solve", "cholesky",
           "cholesky_solve", "logdet", "matrix_solve_ls", "qr", "svd", "self_adjoint_eig",
           "self_adjoint_eigvals"]
