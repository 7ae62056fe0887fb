"""`gj.debugging`: numeric checks (as `tf.debugging`) and gradient-path diagnostics.

The ops live in graphlib/ops/debug.py; this namespace adds TF1's helpers built on them
(`assert_all_finite`, `add_check_numerics_ops`) and graphjit's `explain_no_gradient`.
`Session(..., debug=True)` (runtime/debug.py) is the whole-graph NaN/Inf hunter; see
docs/debugging.md.

May import: graphjit.graphlib.
"""

from __future__ import annotations

from .graphlib.gradients import explain_no_gradient
from .graphlib.graph import Operation, Tensor, get_default_graph
from .graphlib.ops.core import group
from .graphlib.ops.debug import Print, check_numerics, print  # noqa: A004


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


__all__ = ["check_numerics", "assert_all_finite", "verify_tensor_all_finite",
           "add_check_numerics_ops", "explain_no_gradient", "print", "Print"]
