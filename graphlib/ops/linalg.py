"""Matrix multiplication: `matmul` (2-D and batched, with BatchMatMulV2's broadcasting of
the batch dimensions) and the `@` operator on Tensors and Variables.

The op has kind="matmul" and the attrs the lowering reads: `transpose_a`, `transpose_b`
(adjoints are transposes for the real dtypes graphjit has).

May import: dtypes, graph, registry, shapes, ops.core, ops.state.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes
from ..graph import Tensor
from ..registry import OpDef, Spec, register
from ..shapes import TensorShape, broadcast_shapes
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

__all__ = ["matmul"]
