"""`tf.py_func` and `tf.numpy_function`: an op that calls a Python function on NumPy arrays.

As in TF, the function is not part of the graph: the op's `token` attr names it in this
module's registry, where it stays for as long as the graph that made the op lives. A
serialized graph keeps only the token; run in a process where no function has that token
(tokens carry a per-process suffix, so another process's functions never match), the op
fails at run time with InvalidArgumentError, as TF's does.

The op is stateful with side effects (never folded, merged or dropped when it is run), its
outputs have unknown shapes, and it has no gradient (TF registers PyFunc as not
differentiable). Exceptions map to TF's error classes: ValueError/TypeError ->
InvalidArgumentError, StopIteration -> OutOfRangeError, MemoryError ->
ResourceExhaustedError, NotImplementedError -> UnimplementedError, others -> UnknownError.

May import: dtypes, errors, graph, registry, ops.core.
"""

from __future__ import annotations

import itertools
import traceback
import uuid
import weakref
from collections.abc import Callable

import numpy as np

from .. import dtypes, errors
from ..graph import Operation, Tensor, get_default_graph
from ..registry import OpDef, Spec, register
from .core import convert_to_tensor

_FUNCTIONS: dict[str, Callable] = {}
_PROCESS = uuid.uuid4().hex[:8]
_COUNTER = itertools.count()

_ERROR_CLASSES = (
    ((ValueError, TypeError), errors.InvalidArgumentError),
    ((StopIteration,), errors.OutOfRangeError),
    ((MemoryError,), errors.ResourceExhaustedError),
    ((NotImplementedError,), errors.UnimplementedError),
)


def _register_function(graph, func: Callable) -> str:
    """A new token for `func`, released when `graph` is garbage collected."""
    token = f"pyfunc_{next(_COUNTER)}_{_PROCESS}"
    _FUNCTIONS[token] = func
    weakref.finalize(graph, _FUNCTIONS.pop, token, None)
    return token


def _py_func_infer(*inputs: Spec, token: str, Tout, stateful: bool) -> list[Spec]:
    return [Spec(dtype, None) for dtype in Tout]


def _py_func_reference(*arrays: np.ndarray, token: str, Tout, stateful: bool) -> tuple:
    func = _FUNCTIONS.get(token)
    if func is None:
        raise errors.InvalidArgumentError(
            None, None, f"Could not find callback with key={token} in the registry: a "
            "py_func's Python function is not serialized with its graph, and none with this "
            "token exists in this process (build the graph with tf.py_func here instead)")
    # copies: the function may keep or modify its arguments and results, and the
    # executors reuse and overwrite their buffers
    args = [np.array(a) for a in arrays]
    try:
        result = func(*args)
    except Exception as e:  # any Python error becomes the OpError class TF would raise
        cls = next((c for kinds, c in _ERROR_CLASSES if isinstance(e, kinds)),
                   errors.UnknownError)
        text = "".join(traceback.format_exception(type(e), e, e.__traceback__))
        raise cls(None, None, f"{token} raised {type(e).__name__}: {e}\n{text}") from e
    values = list(result) if isinstance(result, (list, tuple)) else \
        ([] if result is None and not Tout else [result])
    if len(values) != len(Tout):
        raise errors.InvalidArgumentError(
            None, None, f"{token} returns {len(values)} values, but expects to see "
            f"{len(Tout)} values.")
    outs = []
    for i, (value, dtype) in enumerate(zip(values, Tout)):
        array = np.array(value, order="C")
        if array.dtype != dtype.np:
            raise errors.InvalidArgumentError(
                None, None, f"{i}-th value returned by {token} is {array.dtype.name}, but "
                f"expects {dtype.name}")
        outs.append(array)
    return tuple(outs)


register(OpDef(
    name="py_func", infer=_py_func_infer, reference=_py_func_reference,
    no_gradient="TF's PyFunc is not differentiable", stateful=True,
    doc="Calls the Python function registered under the `token` attr on its inputs' values "
        "(TF's PyFunc); outputs of dtypes `Tout`, shapes unknown. Always stateful; the "
        "`stateful` attr records the builder's argument."))


def py_func(func: Callable, inp, Tout, stateful: bool = True, name=None):
    """`tf.py_func`: `func` called on the NumPy values of `inp` when the op runs; returns one
    tensor for a single dtype `Tout`, a list for a list of dtypes, the Operation for an
    empty list. Results must have exactly the dtypes in `Tout`."""
    if not callable(func):
        raise TypeError(f"py_func expects a callable, got {type(func).__name__}")
    single = not isinstance(Tout, (list, tuple))
    out_types = tuple(dtypes.as_dtype(t) for t in ([Tout] if single else Tout))
    values = inp if isinstance(inp, (list, tuple)) else [inp]
    tensors = [convert_to_tensor(v) for v in values]
    graph = tensors[0].graph if tensors else get_default_graph()
    token = _register_function(graph, func)
    op: Operation = graph.create_op(
        "py_func", tensors, {"token": token, "Tout": out_types, "stateful": bool(stateful)},
        name=name or ("PyFunc" if stateful else "PyFuncStateless"))
    if not out_types:
        return op
    outputs: list[Tensor] = op.outputs
    return outputs[0] if single else outputs


def numpy_function(func=None, inp=None, Tout=None, stateful: bool = True, name=None):
    """`tf.numpy_function`: `py_func` under its TF2 name."""
    return py_func(func, [] if inp is None else inp, Tout, stateful=stateful, name=name)


__all__ = ["py_func", "numpy_function"]
