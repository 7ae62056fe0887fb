"""Constant folding: evaluate, once at compile time, every pure node whose value is known.

A node is folded when it is pure (not stateful, no run context: never variable reads,
assignments or random ops), has no `after` edge (its ordering must survive), has outputs,
and its value is known from:

- constant inputs (`const` nodes without ordering edges, or folded values), evaluated
  with the op's reference kernel (`program.evaluate`, the interpreter's path), or
- the op's `static_value` rule (an OpDef attr, e.g. `shape(x)`, `size(x)`, `rank(x)` of a
  concrete shape) on concrete input Specs, or
- shapes alone: an elementwise op whose scalar expression reads none of its inputs
  (`zeros_like`, `ones_like`) depends only on its (concrete) input shapes; likewise the
  inputs an OpDef lists in `attrs["shape_only_inputs"]` (indices of inputs whose values
  it never reads, e.g. the `like` input of `broadcast_like`) need not be constant.

A folded value becomes a `const` node, keeping the value id and the node's provenance,
right before its first use by a node that is not folded (or at the end, for a fetch);
values used only by other folded nodes never materialize. There is no size cap: every
fold is listed in the log with its size. A kernel that raises while folding (say, an
integer division by zero) leaves the node in place, so the run raises as the
interpreter does; the log says so.

May import: graphjit.graphlib, compiler.program, compiler.passes.
"""

from __future__ import annotations

import numpy as np

from ...graphlib import registry
from ..program import Node, Program, Rewriter, Value, evaluate, is_pure
from . import PassLog


def _reads_no_input_values(opdef: registry.OpDef) -> bool:
    return opdef.kind == "elementwise" and opdef.scalar is not None and "{" not in opdef.scalar


def _try_fold(node: Node, values: dict[int, Value], known: dict[int, np.ndarray]):
    """The node's output arrays if it folds, None if not, or the kernel's exception."""
    opdef = registry.get(node.op)
    if node.after or not node.outputs or not is_pure(opdef) or opdef.kind == "leaf":
        return None
    static = opdef.attrs.get("static_value")
    if static is not None and len(node.outputs) == 1:
        specs = [values[i].spec(const=known.get(i)) for i in node.inputs]
        value = static(*specs, **node.attrs)
        if value is not None:
            return (np.asarray(value, dtype=node.outputs[0].dtype.np),)
    shape_only = set(range(len(node.inputs))) if _reads_no_input_values(opdef) else \
        set(opdef.attrs.get("shape_only_inputs", ()))
    arrays = []
    for k, i in enumerate(node.inputs):
        if i in known:
            arrays.append(known[i])
        elif k in shape_only and values[i].dtype.np is not None:
            arrays.append(np.zeros(values[i].shape, values[i].dtype.np))
        else:
            return None
    try:
        return evaluate(node, arrays)
    except Exception as e:  # noqa: BLE001 - any kernel failure: the run reports it
        return e


def fold_constants(program: Program, log: PassLog | None = None) -> Program:
    """Folds every foldable node; see the module docstring."""
    log = log if log is not None else PassLog()
    rw = Rewriter(program)
    values = program.values
    known: dict[int, np.ndarray] = {}
    folded_by: dict[int, Node] = {}  # folded value id -> the node it came from
    materialized: set[int] = set()
    last_use: dict[int, int] = {}
    for index, node in enumerate(program.nodes):
        for i in node.inputs:
            last_use[i] = index
    fetched = set(program.outputs)

    def materialize(vid: int) -> None:
        if vid in folded_by and vid not in materialized:
            materialized.add(vid)
            array = np.array(known[vid], copy=True)
            array.setflags(write=False)
            value = values[vid]
            source = folded_by[vid]
            rw.emit(Node(vid, "const", (), _const_attrs(array, value), (value,),
                         source.origins))
            log.count("bytes", array.nbytes)
            log.record("constant", f"{value} from {source.op} ({_names(source)})")

    for index, node in enumerate(program.nodes):
        if node.op == "const" and not node.after:
            known[node.outputs[0].id] = node.attrs["value"]
            rw.keep(node)
        else:
            result = _try_fold(node, values, known)
            if isinstance(result, tuple):
                for v, array in zip(node.outputs, result):
                    known[v.id] = array
                    folded_by[v.id] = node
                rw.drop(node)
                log.record("folded", node.text())
            else:
                if isinstance(result, Exception):
                    log.record("not folded", f"{node.text()}: the kernel raised "
                               f"{type(result).__name__}: {result}")
                for i in node.inputs:
                    materialize(i)
                rw.keep(node)
        for i in node.inputs:  # a value's last reader has run: free it
            if last_use[i] == index and i not in fetched:
                known.pop(i, None)
    for vid in program.outputs:
        materialize(vid)
    return rw.finish()


def _const_attrs(array: np.ndarray, value: Value) -> dict:
    return {"value": array, "dtype": value.dtype}


def _names(node: Node) -> str:
    return ", ".join(str(o) for o in node.origins)


__all__ = ["fold_constants"]
