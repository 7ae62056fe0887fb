"""fuse_elementwise: groups chains of elementwise nodes, and the reductions they feed or
that feed them, into fused kernel nodes.

A fused node has op "fused" (a lowering construct, not a registry op) and these attrs:

- `kind`: "elementwise", "reduction" or "rows";
- `shape`: the iteration space (every full member's output shape; inputs broadcast to it);
- `body`: one `(op, args, dtype name, origin index, attrs items)` per member; `args` index
  the fused node's inputs (i < len(inputs)) or earlier members (len(inputs) + j);
- `outputs`: the member index of each of the node's outputs (values used outside the
  group, or fetched). The outputs keep their value ids, so consumers are unchanged;
- for "reduction": `combiner`, `axes`, `keepdims` of the reduction, which reduces the last
  member (or input 0 when the body is empty) and is the node's only output;
- for "rows": `axes` (the reduced axes, a trailing block of `shape` once size-1 dims are
  dropped) and `member_shapes`, each member's output shape: `shape` for full members,
  the reduced shape for row members (per-row values such as a mean, with keepdims, or
  a reduction read only outside the group).

Rows groups are what make softmax, layer norm and friends written by users from
reduce_max / reduce_mean / exp / rsqrt one kernel: the lowering loops over rows and
runs every reduction and elementwise member of a row while the row is in cache, so
the data is read from memory once and written once.

Rules: an elementwise member is pure, has a scalar expression (graphlib/scalar.py), one
output and no ordering edges. A node joins the open groups it reads from (merging them)
when its output is their full shape, or, in a rows group, the reduced shape with keepdims;
a reduction over trailing axes joins (or starts) a rows group; a group closes when a
node outside it reads one of its values, so the fused node can stand where its last
member stood. A reduction over other axes whose input is the last value of an open
elementwise group, read nowhere else, closes it as a fused reduction. Single-node groups
stay as they are (the lowering handles them alike). A group holds at most
MAX_FUSED_MEMBERS members; a node that would exceed it starts a new group. Provenance: the
fused node's origins are all of its members' origins.

May import: graphjit.graphlib, compiler.program, compiler.passes.
"""

from __future__ import annotations

import dataclasses
import functools

from ..program import Attrs, Node, Program
from . import PassLog

# The most member ops in one fused kernel. A longer chain becomes several kernels: Numba
# (LLVM) compile time grows faster than a function's size, and chunks of a repeating chain
# print the same source, which the kernel cache compiles once.
MAX_FUSED_MEMBERS = 64
# An op with more inputs than this (an add_n of hundreds of gradient terms) is not fused:
# a kernel with hundreds of array arguments took 30 s (300) to 6 min (2,000) to compile.
MAX_FUSED_INPUTS = 32


def _fusible(node: Node) -> bool:
    if node.op == "fused":  # already fused: fusing again changes nothing
        return False
    opdef = node.opdef
    return (opdef.kind == "elementwise" and (opdef.scalar is not None or node.op == "add_n")
            and node.pure and len(node.outputs) == 1 and not node.after
            and len(node.inputs) <= MAX_FUSED_INPUTS
            and node.outputs[0].dtype.np is not None)


def _reducible(node: Node) -> bool:
    if node.op == "fused":
        return False
    opdef = node.opdef
    return (opdef.kind == "reduction" and "combiner" in opdef.attrs and node.pure
            and len(node.inputs) == 1 and not node.after and "axes" in node.attrs)


def row_split(shape, axes) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """(outer dims, reduced dims) of `shape` ignoring size-1 dims, when the reduced dims
    come after every outer dim (a row reduction), else None."""
    rank = len(shape)
    axes = {a % rank for a in axes} if rank else set()
    kept = [d for d in range(rank) if shape[d] != 1]
    inner = tuple(d for d in kept if d in axes)
    outer = tuple(d for d in kept if d not in axes)
    if not inner or (outer and max(outer) > min(inner)):
        return None
    return outer, inner


@functools.lru_cache(maxsize=4096)
def row_spans(shape, full, split) -> tuple[bool, bool] | None:
    """Whether a value of `shape`, broadcast to `full`, varies along the outer and the
    reduced block of `split` (each block all-varying or all-broadcast), else None."""
    if len(shape) > len(full):
        return None
    padded = (1,) * (len(full) - len(shape)) + tuple(shape)
    spans = []
    for block in split:
        flags = {padded[d] == full[d] for d in block}
        if any(padded[d] not in (1, full[d]) for d in block) or len(flags) > 1:
            return None
        spans.append(flags.pop() if flags else False)
    return spans[0], spans[1]


class _Group:
    def __init__(self, shape):
        self.shape = shape
        self.members: list[Node] = []
        self.values: set[int] = set()
        self.input_shapes: set[tuple[int, ...]] = set()  # of every member's inputs
        self.last: int | None = None         # node id where the fused node stands
        self.closed = False
        self.reduction: Node | None = None   # the closing reduction of a "reduction" group
        self.split = None                    # (outer, inner) dims of a rows group
        self.row_values: set[int] = set()    # members of the reduced shape

    def row_shape(self) -> tuple[int, ...]:
        inner = set(self.split[1])
        return tuple(1 if d in inner else n for d, n in enumerate(self.shape))

    def add(self, node: Node, values) -> None:
        self.members.append(node)
        self.values.add(node.outputs[0].id)
        self.input_shapes.update(tuple(values[i].shape) for i in node.inputs)

    def accepts(self, node: Node, split, values) -> bool:
        """Whether every input of `node` and of the members fits the 2-D row view."""
        full = tuple(self.shape)
        shapes = self.input_shapes | {tuple(values[i].shape) for i in node.inputs}
        return all(row_spans(s, full, split) is not None for s in shapes)


def _private(group: _Group, uses: dict[int, int]) -> bool:
    """Whether the group's values are read only inside it (and its last one only by the
    reduction about to join)."""
    inner: dict[int, int] = {}
    for m in group.members:
        for i in m.inputs:
            inner[i] = inner.get(i, 0) + 1
    last = group.members[-1].outputs[0].id
    return all(uses.get(v, 0) == inner.get(v, 0) + (v == last) for v in group.values)


class _Fuser:
    def __init__(self, program: Program):
        self.program = program
        self.values = program.values
        self.group_of: dict[int, _Group] = {}   # value id -> its group
        self.position: dict[int, _Group] = {}   # node id of a group's last member -> group
        self.groups: dict[_Group, None] = {}  # in creation order
        self.order = {node.id: k for k, node in enumerate(program.nodes)}

    def place(self, group: _Group, last: Node) -> None:
        """Record that `group`'s fused node stands where `last` stands."""
        if group.last is not None and self.position.get(group.last) is group:
            del self.position[group.last]
        group.last = last.id
        self.position[last.id] = group

    def open_groups(self, node: Node) -> list[_Group]:
        found = []
        for i in node.inputs:
            g = self.group_of.get(i)
            if g is not None and not g.closed and g not in found:
                found.append(g)
        return found

    def merge(self, found: list[_Group]) -> _Group:
        """One group from several open groups that the same node reads: still valid, since
        no node outside them has read their values yet."""
        target = found[0]
        for g in found[1:]:
            target.members.extend(g.members)
            target.values |= g.values
            target.input_shapes |= g.input_shapes
            target.row_values |= g.row_values
            target.split = target.split or g.split
            for v in g.values:
                self.group_of[v] = target
            if g.last is not None and self.position.get(g.last) is g:
                del self.position[g.last]
            del self.groups[g]
        if len(found) > 1:
            target.members.sort(key=lambda n: self.order[n.id])
        self.place(target, target.members[-1])
        return target

    def join_elementwise(self, node: Node) -> _Group | None:
        shape = node.outputs[0].shape
        found = self.open_groups(node)
        if not found or sum(len(g.members) for g in found) >= MAX_FUSED_MEMBERS:
            return None
        splits = {g.split for g in found if g.split is not None}
        if any(g.shape != found[0].shape for g in found) or len(splits) > 1:
            return None
        split = splits.pop() if splits else None
        full = found[0].shape
        if shape != full:
            if split is None:
                return None
            probe = _Group(full)
            probe.split = split
            if shape != probe.row_shape():
                return None
        if split is not None and not all(g.accepts(node, split, self.values) for g in found):
            return None
        if split is not None:
            probe = found[0] if found[0].split is not None else _Group(full)
            probe.split = split
            allowed = (full, probe.row_shape())
            # A reduction's non-keepdims value does not broadcast per row: it stays out.
            if any(self.values[i].shape not in allowed for i in node.inputs
                   if i in self.group_of and self.group_of[i] in found):
                return None
        group = self.merge(found)
        if shape != full:
            group.row_values.add(node.outputs[0].id)
        return group

    def join_row_reduction(self, node: Node) -> _Group | None:
        x = self.values[node.inputs[0]]
        split = row_split(x.shape, node.attrs["axes"])
        if split is None or x.size == 0:
            return None
        g = self.group_of.get(node.inputs[0])
        if g is not None and not g.closed and g.shape == x.shape and \
                len(g.members) < MAX_FUSED_MEMBERS and node.inputs[0] not in g.row_values and \
                g.split in (None, split) and \
                g.accepts(node, split, self.values):
            group = g
        else:
            group = _Group(x.shape)
            self.groups[group] = None
        group.split = split
        if node.attrs["keepdims"] or len(node.outputs[0].shape) == len(x.shape):
            group.row_values.add(node.outputs[0].id)
        return group

    def run(self, log: PassLog | None) -> Program:
        program = self.program
        ordered = {a for node in program.nodes for a in node.after}
        uses = program.use_counts
        for node in program.nodes:
            joined = None
            candidate = _fusible(node) and node.id not in ordered
            row_reduction = False
            if candidate:
                joined = self.join_elementwise(node)
            elif _reducible(node) and node.id not in ordered:
                joined = self.join_row_reduction(node)
                row_reduction = joined is not None
                if joined is None:
                    g = self.group_of.get(node.inputs[0])
                    if g is not None and not g.closed and g.split is None and \
                            g.members[-1].outputs[0].id == node.inputs[0] and \
                            _private(g, uses):
                        joined = g
            # Reading a value of another group closes that group; so does reading a
            # reduction's non-keepdims output inside its own group.
            for i in node.inputs:
                g = self.group_of.get(i)
                if g is not None and (g is not joined or (
                        g.split is not None and i in g.values and
                        self.values[i].shape not in (g.shape, g.row_shape()))):
                    g.closed = True
            if joined is not None and joined.closed and not row_reduction:
                joined = None
            if joined is None and candidate:
                joined = _Group(node.outputs[0].shape)
                self.groups[joined] = None
            if joined is None:
                continue
            if candidate or row_reduction:
                joined.add(node, self.values)
                self.group_of[node.outputs[0].id] = joined
            else:
                joined.reduction = node
                joined.closed = True
            self.place(joined, joined.reduction or joined.members[-1])
        worth = [g for g in self.groups if len(g.members) > 1 or g.reduction]
        fused_ids = {n.id for g in worth for n in g.members + ([g.reduction] if g.reduction
                                                               else [])}
        nodes = []
        for node in program.nodes:
            g = self.position.get(node.id)
            if g is not None and g in worth:
                nodes.append(self.fused_node(g, log))
            elif node.id not in fused_ids:
                nodes.append(node)
        return dataclasses.replace(program, nodes=tuple(nodes))

    def fused_node(self, group: _Group, log: PassLog | None) -> Node:
        program = self.program
        members = group.members
        member_index = {n.outputs[0].id: j for j, n in enumerate(members)}
        input_index: dict[int, int] = {}
        for n in members + ([group.reduction] if group.reduction else []):
            for i in n.inputs:
                if i not in member_index and i not in input_index:
                    input_index[i] = len(input_index)
        inputs = list(input_index)
        origins: list = []
        seen: set = set()
        body = []
        for n in members:
            args = tuple(len(inputs) + member_index[i] if i in member_index
                         else input_index[i] for i in n.inputs)
            origin = len(origins)
            for o in n.origins:
                if o not in seen:
                    seen.add(o)
                    origins.append(o)
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
            inner_uses: dict[int, int] = {}
            for m in members:
                for i in m.inputs:
                    inner_uses[i] = inner_uses.get(i, 0) + 1
            escaping = [n for n in members
                        if program.use_counts.get(n.outputs[0].id, 0) >
                        inner_uses.get(n.outputs[0].id, 0) or n is members[-1]]
            attrs.update(kind="rows" if group.split is not None else "elementwise",
                         outputs=tuple(member_index[n.outputs[0].id] for n in escaping))
            if group.split is not None:
                attrs.update(axes=tuple(group.split[1]), member_shapes=tuple(
                    tuple(n.outputs[0].shape) for n in members))
            outputs = tuple(n.outputs[0] for n in escaping)
            node_id = outputs[0].id
        if log is not None:
            names = ", ".join(n.op for n in members) + \
                (f" -> {group.reduction.op}" if group.reduction else "")
            log.record("fused", f"%{node_id} <- {len(members) + bool(group.reduction)} ops "
                       f"({names})", len(members) + bool(group.reduction))
        return Node(node_id, "fused", tuple(inputs), Attrs(attrs), tuple(outputs),
                    tuple(origins), ())


def fuse_elementwise(program: Program, log: PassLog | None = None) -> Program:
    return _Fuser(program).run(log)
