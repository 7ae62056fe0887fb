"""plan_memory: liveness-based buffer reuse for the values that kernels write.

Returns the same program as a `PlannedProgram` carrying a `MemoryPlan`: which values live
in which reusable buffer ("slot"), each slot's size, and the peak of planned bytes live
at once. The lowering allocates the slots once per executable and every run reuses them
(fresh large temporaries cost page faults on every run, NOTES.md).

A value is planned when its producer writes into a given output buffer (a "fused" node,
an elementwise op with a scalar expression, a reduction with a combiner, softmax /
log_softmax, matmul, sum_to_shape, broadcast_reduced, conv2d and its gradients, pooling
and its gradients), every reader is such a node too
or an assign_add/assign_sub update (they never keep their inputs, as a plain variable
assignment may), and it is not fetched (the caller keeps fetched arrays).
Walking the nodes in order, a slot is freed after its value's last reader; a new value
takes the smallest free slot that fits, else a new slot. An elementwise node may write
its output over an input that dies at that node and has the same dtype and shape (each
element is read before it is written). This pass does not change the node list.

May import: graphjit.graphlib, compiler.program, compiler.passes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from ..program import Node, Program
from . import PassLog

_WRITES_INTO_BUFFER = frozenset({"softmax", "log_softmax", "matmul", "sum_to_shape",
                                 "broadcast_reduced", "conv2d", "conv2d_backprop_input",
                                 "conv2d_backprop_filter", "max_pool", "max_pool_grad",
                                 "max_pool_grad_grad", "avg_pool", "avg_pool_grad"})
# Readers that never keep their input: an update computes a new array from it (a plain
# `assign_variable` may keep the assigned array itself, so its input is not planned).
_READS_ONLY = frozenset({"assign_add_variable", "assign_sub_variable"})


@dataclass(frozen=True)
class MemoryPlan:
    slots: dict[int, int]           # value id -> slot index
    slot_bytes: tuple[int, ...]     # capacity of each slot
    peak_bytes: int                 # most planned bytes live at one time
    in_place: tuple[int, ...] = ()  # value ids written over a dying input

    def text(self) -> str:
        return (f"memory: {len(self.slot_bytes)} buffers, {sum(self.slot_bytes)} bytes "
                f"allocated once, peak {self.peak_bytes} bytes live, "
                f"{len(self.slots)} values planned, {len(self.in_place)} in place")


@dataclass(frozen=True, eq=False)
class PlannedProgram(Program):
    memory: MemoryPlan | None = field(default=None)


def _kernel_node(node: Node) -> bool:
    if node.op == "fused":
        return True
    if not node.pure:
        return False
    if node.op in _WRITES_INTO_BUFFER:
        return True
    opdef = node.opdef
    if opdef.kind == "elementwise":
        return opdef.scalar is not None or node.op == "add_n"
    if opdef.kind == "reduction":
        return "combiner" in opdef.attrs
    return False


def _elementwise(node: Node) -> bool:
    return (node.op == "fused" and node.attrs["kind"] == "elementwise") or \
        (node.op != "fused" and node.opdef.kind == "elementwise")


def plan_memory(program: Program, log: PassLog | None = None) -> PlannedProgram:
    nodes = program.nodes
    kernel = {node.id: _kernel_node(node) for node in nodes}
    readers_ok: dict[int, bool] = {}
    last_use: dict[int, int] = {}
    for index, node in enumerate(nodes):
        for i in node.inputs:
            readers_ok[i] = readers_ok.get(i, True) and (kernel[node.id] or
                                                         node.op in _READS_ONLY)
            last_use[i] = index
    fetched = set(program.outputs)
    planned = {v.id: v for node in nodes if kernel[node.id] for v in node.outputs
               if v.id not in fetched and readers_ok.get(v.id, False)
               and v.dtype.np is not None and v.nbytes > 0}
    slots: dict[int, int] = {}
    capacity: list[int] = []
    free: set[int] = set()
    live = peak = 0
    in_place = []
    dying_at: dict[int, list[int]] = {}
    for vid, index in last_use.items():
        if vid in planned:
            dying_at.setdefault(index, []).append(vid)
    for index, node in enumerate(nodes):
        dying = dying_at.get(index, [])
        reusable = [i for i in dying if _elementwise(node)]
        for v in node.outputs:
            if v.id not in planned:
                continue
            donor = next((i for i in reusable if planned[i].dtype == v.dtype
                          and planned[i].shape == v.shape), None)
            if donor is not None:
                reusable.remove(donor)
                dying.remove(donor)
                slots[v.id] = slots[donor]
                in_place.append(v.id)
                live -= planned[donor].nbytes
            else:
                fits = [s for s in free if capacity[s] >= v.nbytes]
                if fits:
                    slot = min(fits, key=lambda s: capacity[s])
                    free.discard(slot)
                else:
                    slot = len(capacity)
                    capacity.append(v.nbytes)
                slots[v.id] = slot
            live += v.nbytes
            peak = max(peak, live)
        for vid in dying:
            free.add(slots[vid])
            live -= planned[vid].nbytes
        for v in node.outputs:  # a planned value nobody reads dies at once
            if v.id in planned and v.id not in last_use:
                free.add(slots[v.id])
                live -= v.nbytes
    plan = MemoryPlan(slots, tuple(capacity), peak, tuple(in_place))
    if log is not None:
        log.record("planned", plan.text(), len(slots))
    fields = {f.name: getattr(program, f.name) for f in dataclasses.fields(Program)}
    return PlannedProgram(**fields, memory=plan)
