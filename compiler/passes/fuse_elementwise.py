"""fuse_elementwise: groups chains of elementwise nodes (and the reduction they feed) into
fused kernel nodes.

A fused node has op "fused" (a lowering construct, not a registry op) and these attrs:

- `kind`: "elementwise" or "reduction";
- `shape`: the iteration space (every member's output shape; inputs may broadcast to it);
- `body`: one `(op, args, dtype name, origin index, attrs items)` per member; `args` index
  the fused node's inputs (i < len(inputs)) or earlier members (len(inputs) + j);
- `outputs`: the member index of each of the node's outputs (values used outside the
  group, or fetched). The outputs keep their value ids, so consumers are unchanged;
- for "reduction": `combiner`, `axes`, `keepdims` of the reduction, which reduces the last
  member (or input 0 when the body is empty) and is the node's only output.

Rules: a member is pure, elementwise with a scalar expression (graphlib/scalar.py), has
one output of the group's shape and no ordering edges. A node joins the groups of its
producers (merging them) while they are open; a group closes when a node outside it reads one
of its values, so the fused node can stand where its last member stood. A reduction whose
input is the last value of an open group, read nowhere else, closes it as a fused
reduction. Single-node groups stay as they are (the lowering handles them alike).
Provenance: the fused node's origins are all of its members' origins.

May import: graphjit.graphlib, compiler.program, compiler.passes.
"""

from __future__ import annotations

import dataclasses

from ..program import Attrs, Node, Program
from . import PassLog


def _fusible(node: Node) -> bool:
    opdef = node.opdef
    return (opdef.kind == "elementwise" and (opdef.scalar is not None or node.op == "add_n")
            and node.pure and len(node.outputs) == 1 and not node.after
            and node.outputs[0].dtype.np is not None)


def _reducible(node: Node) -> bool:
    opdef = node.opdef
    return (opdef.kind == "reduction" and "combiner" in opdef.attrs and node.pure
            and len(node.inputs) == 1 and not node.after and "axes" in node.attrs)


def _private(group: _Group, uses: dict[int, int]) -> bool:
    """Whether the group's values are read only inside it (and its last one only by the
    reduction about to join)."""
    inner: dict[int, int] = {}
    for m in group.members:
        for i in m.inputs:
            inner[i] = inner.get(i, 0) + 1
    last = group.members[-1].outputs[0].id
    return all(uses.get(v, 0) == inner.get(v, 0) + (v == last) for v in group.values)


class _Group:
    def __init__(self, shape):
        self.shape = shape
        self.members: list[Node] = []
        self.values: set[int] = set()
        self.closed = False
        self.reduction: Node | None = None


def _merge(found: list[_Group], group_of: dict, position: dict, groups: list,
           order: dict) -> _Group:
    """One group from several open groups that the same node reads: still valid, since
    no node outside them has read their values yet."""
    target = found[0]
    for g in found[1:]:
        target.members.extend(g.members)
        target.values |= g.values
        for v in g.values:
            group_of[v] = target
        for key in [k for k, v in position.items() if v is g]:
            del position[key]
        groups.remove(g)
    target.members.sort(key=lambda n: order[n.id])
    return target


def fuse_elementwise(program: Program, log: PassLog | None = None) -> Program:
    ordered = {a for node in program.nodes for a in node.after}
    group_of: dict[int, _Group] = {}  # value id -> its open-or-closed group
    position: dict[int, _Group] = {}  # node id of a group's last member -> group
    groups: list[_Group] = []
    uses = program.use_counts
    order = {node.id: k for k, node in enumerate(program.nodes)}
    for node in program.nodes:
        candidate = _fusible(node) and node.id not in ordered
        joined = None
        if candidate:
            shape = node.outputs[0].shape
            open_groups = []
            for i in node.inputs:
                g = group_of.get(i)
                if g is not None and not g.closed and g.shape == shape and \
                        g not in open_groups:
                    open_groups.append(g)
            if open_groups:
                joined = _merge(open_groups, group_of, position, groups, order)
        elif _reducible(node) and node.id not in ordered:
            g = group_of.get(node.inputs[0])
            if g is not None and not g.closed and g.members[-1].outputs[0].id == \
                    node.inputs[0] and _private(g, uses):
                joined = g
        # Reading a value of another group closes that group.
        for i in node.inputs:
            g = group_of.get(i)
            if g is not None and g is not joined:
                g.closed = True
        if joined is None and candidate:
            joined = _Group(node.outputs[0].shape)
            groups.append(joined)
        if joined is None:
            continue
        if candidate:
            joined.members.append(node)
            joined.values.add(node.outputs[0].id)
            group_of[node.outputs[0].id] = joined
        else:
            joined.reduction = node
            joined.closed = True
        last = joined.reduction or joined.members[-1]
        for key in [k for k, v in position.items() if v is joined]:
            del position[key]
        position[last.id] = joined
    fused_ids = {n.id for g in groups if len(g.members) > 1 or g.reduction
                 for n in g.members + ([g.reduction] if g.reduction else [])}
    nodes = []
    for node in program.nodes:
        g = position.get(node.id)
        if g is not None and (len(g.members) > 1 or g.reduction):
            nodes.append(_fused_node(program, g, log))
        elif node.id not in fused_ids:
            nodes.append(node)
    return dataclasses.replace(program, nodes=tuple(nodes))


def _fused_node(program: Program, group: _Group, log: PassLog | None) -> Node:
    members = group.members
    member_index = {n.outputs[0].id: j for j, n in enumerate(members)}
    inputs: list[int] = []
    for n in members + ([group.reduction] if group.reduction else []):
        for i in n.inputs:
            if i not in member_index and i not in inputs:
                inputs.append(i)
    origins = []
    body = []
    for n in members:
        args = tuple(len(inputs) + member_index[i] if i in member_index else inputs.index(i)
                     for i in n.inputs)
        origin = len(origins)
        origins.extend(o for o in n.origins if o not in origins)
        body.append((n.op, args, n.outputs[0].dtype.name, origin,
                     tuple(sorted(n.attrs.items()))))
    attrs = {"shape": tuple(group.shape), "body": tuple(body)}
    if group.reduction is not None:
        red = group.reduction
        origins.extend(o for o in red.origins if o not in origins)
        attrs.update(kind="reduction", combiner=red.opdef.attrs["combiner"],
                     axes=tuple(red.attrs["axes"]), keepdims=bool(red.attrs["keepdims"]),
                     shape=program.values[red.inputs[0]].shape, outputs=())
        outputs = red.outputs
        node_id = red.id
    else:
        escaping = [n for n in members
                    if program.use_counts.get(n.outputs[0].id, 0) > (
                        sum(1 for m in members for i in m.inputs if i == n.outputs[0].id))
                    or n is members[-1]]
        attrs.update(kind="elementwise",
                     outputs=tuple(member_index[n.outputs[0].id] for n in escaping))
        outputs = tuple(n.outputs[0] for n in escaping)
        node_id = outputs[0].id
    if log is not None:
        names = ", ".join(n.op for n in members) + \
            (f" -> {group.reduction.op}" if group.reduction else "")
        log.record("fused", f"%{node_id} <- {len(members) + bool(group.reduction)} ops "
                   f"({names})", len(members) + bool(group.reduction))
    return Node(node_id, "fused", tuple(inputs), Attrs(attrs), tuple(outputs),
                tuple(origins), ())
