"""The reference lowering: runs each node's NumPy reference kernel, in program order.

This is the interpreter's loop over an optimized program: values live in a dict keyed by
value id and are released after their last reader; stateful kernels get the run context.
Failures become the interpreter's `errors.OpError`s, naming the user op (the node's first
origin) and the line that created it. It runs every program, so it is what the compiled
executor uses until a Numba backend exists, and a baseline for backends' tests.

May import: graphjit.graphlib, compiler.program.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...graphlib import registry
from ..program import Node, Program


def run_node(node: Node, arrays: Sequence, ctx) -> tuple:
    """Runs one node's kernel, turning failures into OpErrors that name its user op."""
    return registry.run_checked(node.opdef, arrays, node.attrs, ctx,
                                [v.dtype for v in node.outputs], node.origin)


class ReferenceExecutable:
    """Runs a Program node by node with the reference kernels."""

    def __init__(self, program: Program, note: str = "reference kernels"):
        self.program = program
        self.note = note
        last: dict[int, int] = {}
        for index, node in enumerate(program.nodes):
            for v in node.outputs:  # an unread output goes as soon as it is made
                last[v.id] = index
            for i in node.inputs:
                last[i] = index
        keep = set(program.outputs)
        self._release: list[list[int]] = [[] for _ in program.nodes]
        for vid, index in last.items():
            if vid not in keep:
                self._release[index].append(vid)
        producers = program.producers
        # A fetched constant (or a value fetched twice) must not hand out shared arrays.
        self._copy_out = [i > 0 and vid in program.outputs[:i] or
                          (vid in producers and producers[vid][0].op == "const")
                          for i, vid in enumerate(program.outputs)]

    def run(self, ctx, feed_values: Sequence[np.ndarray]) -> list:
        program = self.program
        values: dict[int, object] = {v.id: a for v, a in zip(program.inputs, feed_values)}
        for node, release in zip(program.nodes, self._release):
            outs = run_node(node, [values[i] for i in node.inputs], ctx)
            for v, out in zip(node.outputs, outs):
                values[v.id] = out
            for vid in release:
                values.pop(vid, None)
        return [np.array(values[vid], copy=True) if copy else values[vid]
                for vid, copy in zip(program.outputs, self._copy_out)]

    def describe(self) -> str:
        return f"lowering: {self.note} ({len(self.program.nodes)} nodes, one kernel each)"


__all__ = ["ReferenceExecutable", "run_node"]
