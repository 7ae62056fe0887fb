"""The program verifier: checks the IR invariants that every pass must keep.

- ids: value ids and node ids are unique; `node.id` is its first output's id;
  every id is below `next_id`;
- order: each input and each `after` id is defined earlier (inputs of the program count
  as defined first); outputs and targets refer to defined values and nodes;
- types: every op is registered; shapes are tuples of non-negative ints; attrs are
  `Attrs`; re-running the op's `infer` on the inputs' types gives the recorded outputs
  (dtype equal, shape compatible: `infer` may know less when a shape comes from a
  non-constant tensor);
- order of effects: impure nodes appear in the same relative order as in `reference`
  (when given: the program before the pass), so no pass reorders state.

`verify(program)` raises `ProgramError` with the offending node's text.

May import: graphjit.graphlib, compiler.program, compiler.passes.
"""

from __future__ import annotations

from ...graphlib import registry
from ...graphlib.dtypes import DType
from ..program import Attrs, Program, ProgramError


def verify(program: Program, reference: Program | None = None) -> None:
    """Raises ProgramError if `program` breaks an invariant (see the module docstring)."""
    values: dict = {}
    consts: dict = {}  # const values, for infer rules that read an input's value
    for v in program.inputs:
        _check_value(v, values, program, "program input")
        values[v.id] = v
    node_ids: set[int] = set()
    for node in program.nodes:
        where = node.text()
        if node.op == "fused":  # a lowering construct: its members were checked before fusion
            opdef = None
        else:
            try:
                opdef = registry.get(node.op)
            except KeyError as e:
                raise ProgramError(f"{e.args[0]}: {where}") from None
        if not isinstance(node.attrs, Attrs):
            raise ProgramError(f"attrs must be Attrs: {where}")
        for i in node.inputs:
            if i not in values:
                raise ProgramError(f"input %{i} is not defined before its use: {where}")
        for a in node.after:
            if a not in node_ids:
                raise ProgramError(f"after edge ^{a} does not name an earlier node: {where}")
        if node.outputs and node.id != node.outputs[0].id:
            raise ProgramError(f"node id ^{node.id} is not its first output's id: {where}")
        if node.id in node_ids or (not node.outputs and node.id in values):
            raise ProgramError(f"node id ^{node.id} is used twice: {where}")
        if node.id >= program.next_id:
            raise ProgramError(f"node id ^{node.id} is not below next_id: {where}")
        for v in node.outputs:
            _check_value(v, values, program, where)
            values[v.id] = v
        node_ids.add(node.id)
        if opdef is not None:
            _check_types(node, opdef, values, consts, where)
        if node.op == "const" and not node.after:
            consts[node.id] = node.attrs["value"]
    for o in program.outputs:
        if o not in values:
            raise ProgramError(f"output %{o} is not defined")
    for t in program.targets:
        if t not in node_ids:
            raise ProgramError(f"target ^{t} is not a node")
    if reference is not None:
        _check_effect_order(program, reference)


def _check_value(v, values: dict, program: Program, where: str) -> None:
    if v.id in values:
        raise ProgramError(f"value %{v.id} is defined twice: {where}")
    if v.id >= program.next_id:
        raise ProgramError(f"value %{v.id} is not below next_id: {where}")
    if not isinstance(v.dtype, DType):
        raise ProgramError(f"value %{v.id} has no DType: {where}")
    if not isinstance(v.shape, tuple) or not all(isinstance(d, int) and d >= 0
                                                 for d in v.shape):
        raise ProgramError(f"value %{v.id} has a shape that is not concrete: {where}")


def _check_types(node, opdef, values: dict, consts: dict, where: str) -> None:
    specs = [values[i].spec(const=consts.get(i)) for i in node.inputs]
    try:
        inferred = registry.infer_outputs(opdef, specs, node.attrs)
    except (ValueError, TypeError) as e:
        raise ProgramError(f"infer rejects the node ({e}): {where}") from None
    if len(inferred) != len(node.outputs):
        raise ProgramError(f"infer gives {len(inferred)} outputs: {where}")
    for s, v in zip(inferred, node.outputs):
        if s.dtype != v.dtype or not s.shape.is_compatible_with(v.shape):
            raise ProgramError(f"infer gives {s.dtype.name}{s.shape} for %{v.id}: {where}")


def _check_effect_order(program: Program, reference: Program) -> None:
    before = [n.id for n in reference.nodes if not n.pure]
    position = {node_id: i for i, node_id in enumerate(before)}
    after = [position[n.id] for n in program.nodes if n.id in position]
    if after != sorted(after):
        raise ProgramError("a pass reordered stateful nodes")


__all__ = ["verify"]
