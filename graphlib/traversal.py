"""Graph walks shared by the interpreter, the compiler and serialization: all iterative.

May import: graph.
"""

from __future__ import annotations

from collections.abc import Iterable

from .graph import Operation, Tensor


def required_ops(fetches: Iterable[Tensor], targets: Iterable[Operation],
                 fed: Iterable[Tensor] = ()) -> list[Operation]:
    """The ops needed to compute `fetches` and run `targets`, in topological order.

    A fed tensor's producer is not needed on its account. Control inputs are needed.
    Creation order is a topological order (an op's inputs and control inputs exist before
    it), so sorting by creation id suffices.
    """
    fed_set = set(fed)
    needed: set[Operation] = set()
    stack = [t.op for t in fetches if t not in fed_set] + list(targets)
    while stack:
        op = stack.pop()
        if op in needed:
            continue
        needed.add(op)
        for t in op._inputs:
            if t not in fed_set and t._op not in needed:
                stack.append(t._op)
        for c in op._control_inputs:
            if c not in needed:
                stack.append(c)
    return sorted(needed, key=lambda op: op._id)


def last_uses(ops: list[Operation]) -> dict[Tensor, int]:
    """For each tensor consumed by `ops`, the index of its last consumer."""
    last: dict[Tensor, int] = {}
    for i, op in enumerate(ops):
        for t in op._inputs:
            last[t] = i
    return last
