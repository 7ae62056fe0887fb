"""Common-subexpression elimination: equal pure nodes are computed once.

Hash-consing in one forward walk: a node's key is its op, its (already renamed) inputs,
its attrs (`Attrs.key()`: NumPy arrays by dtype, shape and bytes; floats by bit pattern,
so `0.0` and `-0.0` constants stay apart) and its output types. A node whose key was seen
before is dropped and its uses read the first node's outputs, which also inherits its
provenance. Because inputs are renamed before keying, chains of duplicates collapse in
the same walk.

Never merged: impure nodes (variable reads, assignments, random ops: two reads of one
variable may see different values; two random draws differ) and nodes with `after`
edges (ordered by control dependencies). Nodes without outputs are left alone.

May import: graphjit.graphlib, compiler.program, compiler.passes.
"""

from __future__ import annotations

from ..program import Node, Program, Rewriter, is_pure
from . import PassLog


def _key(node: Node) -> tuple:
    return (node.op, node.inputs, node.attrs.key(),
            tuple((v.dtype.name, v.shape) for v in node.outputs))


def eliminate_common_subexpressions(program: Program, log: PassLog | None = None
                                    ) -> Program:
    """Merges duplicate pure nodes; see the module docstring."""
    log = log if log is not None else PassLog()
    rw = Rewriter(program)
    seen: dict[tuple, Node] = {}
    for node in program.nodes:
        node = rw.renamed(node)
        if node.after or not node.outputs or not is_pure(node.opdef):
            rw.keep(node)
            continue
        key = _key(node)
        first = seen.get(key)
        if first is None:
            seen[key] = rw.keep(node)
            continue
        rw.replace(node, [v.id for v in first.outputs])
        rw.merge_origins(first.id, node.origins)
        log.record("merged", f"{node.text()}  =>  {', '.join(f'%{v.id}' for v in first.outputs)}")
    return rw.finish()


__all__ = ["eliminate_common_subexpressions"]
