"""Dead-node elimination: keep only what the fetches, the targets and side effects need.

Roots are the producers of the outputs, the target nodes and every node with side effects
(`program.has_effects`: assignments and random ops, which were needed when the program was
built and must still run even if a rewrite stopped reading their value). One backward
walk marks the nodes the roots reach through inputs and `after` edges; the others go.
Variable handles and reads have no side effects and go when unused. Program inputs are
kept (their positions are the feed order) even when unused.

Before that, `no_op` nodes are dissolved: a no_op only joins ordering edges (TF's
`group`, an optimizer's update op, `global_variables_initializer`), so an edge to it
becomes edges to the nodes it waits for, and a no_op target becomes those nodes as
targets. The order of effects is unchanged: every node still waits for the same nodes.

May import: graphjit.graphlib, compiler.program, compiler.passes.
"""

from __future__ import annotations

import dataclasses

from ..program import Program, has_effects
from . import PassLog


def _dissolve_no_ops(program: Program, log: PassLog) -> Program:
    joins: dict[int, tuple[int, ...]] = {}  # no_op id -> the non-no_op nodes it waits for

    def expand(after) -> tuple[int, ...]:
        out: dict[int, None] = {}
        for a in after:
            for b in joins.get(a, (a,)):
                out[b] = None
        return tuple(out)

    nodes = []
    for node in program.nodes:
        after = expand(node.after) if any(a in joins for a in node.after) else node.after
        if node.op == "no_op" and not node.inputs and not node.outputs:
            joins[node.id] = after
            log.record("removed", f"no_op join: {node.text()}")
            continue
        nodes.append(node if after == node.after else dataclasses.replace(node, after=after))
    if not joins:
        return program
    targets, names = [], []
    for t, name in zip(program.targets, program.target_names or ("",) * len(program.targets)):
        for node_id in joins.get(t, (t,)):
            if node_id not in targets:
                targets.append(node_id)
                names.append(name)
    return Program(tuple(nodes), program.inputs, program.outputs, tuple(targets),
                   program.input_names, program.output_names, tuple(names), program.next_id)


def eliminate_dead_nodes(program: Program, log: PassLog | None = None) -> Program:
    """Removes unneeded nodes; see the module docstring."""
    log = log if log is not None else PassLog()
    program = _dissolve_no_ops(program, log)
    producers = program.producers
    by_id = program.node_by_id
    live: set[int] = set()
    stack = [producers[v][0].id for v in program.outputs if v in producers]
    stack.extend(program.targets)
    stack.extend(node.id for node in program.nodes if has_effects(node.opdef))
    while stack:
        node_id = stack.pop()
        if node_id in live:
            continue
        live.add(node_id)
        node = by_id[node_id]
        stack.extend(producers[i][0].id for i in node.inputs if i in producers)
        stack.extend(node.after)
    kept = []
    for node in program.nodes:
        if node.id in live:
            kept.append(node)
        else:
            log.record("removed", node.text())
    if len(kept) == len(program.nodes):
        return program
    return Program(tuple(kept), program.inputs, program.outputs, program.targets,
                   program.input_names, program.output_names, program.target_names,
                   program.next_id)


__all__ = ["eliminate_dead_nodes"]
