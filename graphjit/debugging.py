"""`gj.debugging`: numeric checks and assertions (as `tf.debugging`) and gradient-path
diagnostics.

The ops live in graphlib/ops/debug.py and graphlib/ops/extra.py (`Assert`); this namespace
adds TF1's helpers built on them (`assert_all_finite`, `add_check_numerics_ops`, and the
`assert_*` family, built as TF1's check_ops builds them: an Assert op over
`reduce_all(x OP y)` whose data names the tensors, and a build-time InvalidArgumentError
(ValueError for ranks) when the inputs are known statically and fail) and graphjit's
`explain_no_gradient`.
`Session(..., debug=True)` (runtime/debug.py) is the whole-graph NaN/Inf hunter; see
docs/debugging.md.

May import: graphjit.graphlib.
"""

from __future__ import annotations

import numpy as np

from .graphlib import dtypes, errors
from .graphlib.gradients import explain_no_gradient
from .graphlib.graph import Operation, Tensor, constant_value, get_default_graph
from .graphlib.ops import array as _array
from .graphlib.ops import math as _math
from .graphlib.ops import reduce as _reduce
from .graphlib.ops.core import convert_to_tensor, group, no_op
from .graphlib.ops.debug import Print, check_numerics, print  # noqa: A004
from .graphlib.ops.extra import Assert


def assert_all_finite(t, msg: str, name: str | None = None) -> Tensor:
    """`tf.debugging.assert_all_finite` (TF1's `verify_tensor_all_finite`): `t`, failing
    at run time with `msg` when it holds NaN or Inf."""
    return check_numerics(t, msg, name=name or "VerifyFinite")


verify_tensor_all_finite = assert_all_finite


def add_check_numerics_ops() -> Operation:
    """`tf.add_check_numerics_ops`: one op that checks every floating-point tensor now in
    the default graph; run it with the fetches to find the first NaN/Inf. Unlike TF1
    the checks do not order the graph's ops (Session(debug=True) finds the first
    producer instead)."""
    graph = get_default_graph()
    checks = []
    for op in graph.get_operations():
        for t in op.outputs:
            if t.dtype.is_floating and op.type != "check_numerics":
                message = f"{op.type} op '{op.name}' (created at {op.user_location()})"
                checks.append(check_numerics(t, message, name=f"{op.name}/CheckNumerics"))
    return group(*checks, name="CheckNumerics")


def _message_prefix(message) -> str:
    return f"{message}.  " if message else ""


def _static_text(item) -> str:
    if isinstance(item, Tensor):
        value = constant_value(item)
        return str(item) if value is None else str(value)
    return str(item)


def _binary_assert(sym: str, opname: str, op_func, static_func, x, y, data, summarize,
                   message, name) -> Operation:
    """TF1's graph-mode `_binary_assert`: Assert(reduce_all(op_func(x, y)), data), and an
    InvalidArgumentError now when x and y are constants that fail."""
    graph = get_default_graph()
    with graph.name_scope(name or opname):
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, name="y", dtype_hint=x.dtype)
        if data is None:
            data = [f"Condition x {sym} y did not hold element-wise:", f"x ({x.name}) = ", x,
                    f"y ({y.name}) = ", y]
        if message is not None:
            data = [message] + list(data)
        condition = _reduce.reduce_all(op_func(x, y))
        x_static, y_static = constant_value(x), constant_value(y)
        if x_static is not None and y_static is not None and \
                not np.all(static_func(x_static, y_static)):
            raise errors.InvalidArgumentError(None, None,
                                              "\n".join(_static_text(d) for d in data))
        return Assert(condition, [d for d in data if d is not None], summarize=summarize)


def assert_equal(x, y, data=None, summarize=None, message=None, name=None) -> Operation:
    """`tf.assert_equal`: an op failing the run unless x == y everywhere."""
    return _binary_assert("==", "assert_equal", _math.equal, np.equal, x, y, data,
                          summarize, message, name)


def assert_none_equal(x, y, data=None, summarize=None, message=None, name=None
                      ) -> Operation:
    """`tf.assert_none_equal`: an op failing the run unless x != y everywhere."""
    return _binary_assert("!=", "assert_none_equal", _math.not_equal, np.not_equal, x, y,
                          data, summarize, message, name)


def assert_less(x, y, data=None, summarize=None, message=None, name=None) -> Operation:
    """`tf.assert_less`: an op failing the run unless x < y everywhere."""
    return _binary_assert("<", "assert_less", _math.less, np.less, x, y, data, summarize,
                          message, name)


def assert_less_equal(x, y, data=None, summarize=None, message=None, name=None
                      ) -> Operation:
    """`tf.assert_less_equal`: an op failing the run unless x <= y everywhere."""
    return _binary_assert("<=", "assert_less_equal", _math.less_equal, np.less_equal, x, y,
                          data, summarize, message, name)


def assert_greater(x, y, data=None, summarize=None, message=None, name=None) -> Operation:
    """`tf.assert_greater`: an op failing the run unless x > y everywhere."""
    return _binary_assert(">", "assert_greater", _math.greater, np.greater, x, y, data,
                          summarize, message, name)


def assert_greater_equal(x, y, data=None, summarize=None, message=None, name=None
                         ) -> Operation:
    """`tf.assert_greater_equal`: an op failing the run unless x >= y everywhere."""
    return _binary_assert(">=", "assert_greater_equal", _math.greater_equal,
                          np.greater_equal, x, y, data, summarize, message, name)


def _sign_assert(opname: str, sym: str, compare, x, data, summarize, message, name
                 ) -> Operation:
    message = _message_prefix(message)
    with get_default_graph().name_scope(name or opname):
        x = convert_to_tensor(x, name="x")
        if data is None:
            data = [message, f"Condition x {sym} did not hold element-wise:",
                    f"x ({x.name}) = ", x]
        zero = convert_to_tensor(0, dtype=x.dtype)
        return compare(zero, x, data=data, summarize=summarize)


def assert_positive(x, data=None, summarize=None, message=None, name=None) -> Operation:
    """`tf.assert_positive`: an op failing the run unless x > 0 everywhere."""
    return _sign_assert("assert_positive", "> 0", assert_less, x, data, summarize, message,
                        name)


def assert_non_negative(x, data=None, summarize=None, message=None, name=None
                        ) -> Operation:
    """`tf.assert_non_negative`: an op failing the run unless x >= 0 everywhere."""
    return _sign_assert("assert_non_negative", ">= 0", assert_less_equal, x, data, summarize,
                        message, name)


def assert_negative(x, data=None, summarize=None, message=None, name=None) -> Operation:
    """`tf.assert_negative`: an op failing the run unless x < 0 everywhere."""
    return _sign_assert("assert_negative", "< 0", lambda zero, x, **kw: assert_less(
        x, zero, **kw), x, data, summarize, message, name)


def assert_non_positive(x, data=None, summarize=None, message=None, name=None
                        ) -> Operation:
    """`tf.assert_non_positive`: an op failing the run unless x <= 0 everywhere."""
    return _sign_assert("assert_non_positive", "<= 0", lambda zero, x, **kw:
                        assert_less_equal(x, zero, **kw), x, data, summarize, message, name)


def assert_rank(x, rank, data=None, summarize=None, message=None, name=None) -> Operation:
    """`tf.assert_rank`: a ValueError now when x's rank is known and differs (a no_op
    when it matches); otherwise an op failing the run unless rank(x) == rank."""
    graph = get_default_graph()
    with graph.name_scope(name or "assert_rank"):
        x = convert_to_tensor(x, name="x")
        rank = convert_to_tensor(rank, name="rank", dtype_hint=dtypes.int32)
        if rank.dtype != dtypes.int32:
            raise TypeError(f"assert_rank: rank must be int32, got {rank.dtype.name}")
        message = _message_prefix(message)
        rank_static = constant_value(rank)
        if rank_static is not None:
            if np.ndim(rank_static) != 0:
                raise ValueError("Rank must be a scalar.")
            if x.shape.rank is not None:
                if x.shape.rank != int(rank_static):
                    raise ValueError(f"{message}Tensor {x.name} must have rank "
                                     f"{int(rank_static)}.  Received rank {x.shape.rank}, "
                                     f"shape {x.shape}")
                return no_op(name="static_checks_determined_all_ok")
        if data is None:
            data = [message, f"Tensor {x.name} must have rank", rank, "Received shape: ",
                    _array.shape(x)]
        condition = _math.equal(_array.rank(x), rank)
        return Assert(condition, [d for d in data if d is not None], summarize=summarize)


def assert_type(tensor, tf_type, message=None, name=None) -> Operation:
    """`tf.assert_type`: a TypeError now unless `tensor` has dtype `tf_type` (a no_op)."""
    tensor = convert_to_tensor(tensor)
    if tensor.dtype != dtypes.as_dtype(tf_type):
        raise TypeError(f"{_message_prefix(message)}{tensor.name} must be of type "
                        f"{dtypes.as_dtype(tf_type).name}; got {tensor.dtype.name}")
    return no_op(name=name or "statically_determined_correct_type")


__all__ = ["check_numerics", "assert_all_finite", "verify_tensor_all_finite",
           "add_check_numerics_ops", "explain_no_gradient", "print", "Print", "Assert",
           "assert_equal", "assert_none_equal", "assert_less", "assert_less_equal",
           "assert_greater", "assert_greater_equal", "assert_positive",
           "assert_non_negative", "assert_negative", "assert_non_positive", "assert_rank",
           "assert_type"]
