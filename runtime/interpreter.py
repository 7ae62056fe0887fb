"""The interpreted executor: runs the needed ops one by one with their NumPy reference
kernels. It is the specification that compiled execution is checked against.

May import: graphjit.graphlib, runtime.context.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..graphlib import errors, registry
from ..graphlib.graph import Operation, Tensor
from ..graphlib.traversal import last_uses, required_ops
from .context import RunContext


def _dtype_name(t: Tensor) -> str:
    return {"float32": "float", "float64": "double"}.get(t.dtype.name, t.dtype.name)


def _shape_text(t: Tensor) -> str:
    if t.shape.rank is None:
        return "<unknown>"
    return "[" + ",".join("?" if d is None else str(d) for d in t.shape.as_list()) + "]"


def run_op(op: Operation, inputs: Sequence[np.ndarray], ctx: RunContext | None) -> tuple:
    """Runs one op's reference kernel, turning failures into OpErrors that name the op."""
    if op.type == "placeholder":
        raise errors.InvalidArgumentError(
            None, op, f"You must feed a value for placeholder tensor '{op.name}' with dtype "
            f"{_dtype_name(op.outputs[0])} and shape {_shape_text(op.outputs[0])}")
    return registry.run_checked(registry.get(op.type), inputs, op.attrs, ctx,
                                [t.dtype for t in op._outputs], op)


class InterpretedPlan:
    """The ops needed for one (fetches, targets, feeds) signature, in order."""

    def __init__(self, fetches: Sequence[Tensor], targets: Sequence[Operation],
                 fed: Sequence[Tensor]):
        self.fetches = list(fetches)
        self.fed = list(fed)
        self.ops = required_ops(self.fetches, targets, self.fed)
        keep = set(self.fetches)
        self.release = [[] for _ in self.ops]
        for t, i in last_uses(self.ops).items():
            if t not in keep:
                self.release[i].append(t)

    def run(self, ctx: RunContext, feed_values: Sequence[np.ndarray]) -> list[np.ndarray]:
        values: dict[Tensor, np.ndarray] = dict(zip(self.fed, feed_values))
        fed = set(self.fed)
        for i, op in enumerate(self.ops):
            if all(t in fed for t in op._outputs) and op._outputs:
                continue
            outs = run_op(op, [values[t] for t in op._inputs], ctx)
            for t, v in zip(op._outputs, outs):
                if t not in fed:
                    values[t] = v
            for t in self.release[i]:
                if t not in fed:
                    values.pop(t, None)
        return [values[t] for t in self.fetches]


class InterpretedExecutor:
    """Builds InterpretedPlans; no optimization, op by op."""

    name = "interpreted"

    def prepare(self, fetches, targets, fed, feed_values) -> InterpretedPlan:
        return InterpretedPlan(fetches, targets, fed)
