"""The compiler's program IR: an immutable, flat SSA list of nodes with concrete shapes.

A `Program` is what every pass consumes and returns and what lowering turns into an
`Executable`. It is built from a user `Graph` by `compiler.build` for one
(fetches, targets, feeds, feed shapes) signature and never refers back to mutable graph
state.

Data model (all frozen):

- `Value`: one SSA value: `id` (an int unique in the program), `dtype` (a graphlib
  `DType`) and a CONCRETE `shape` (a tuple of ints). Prints as `%3:f32[64,10]`.
- `Node`: one op application: `op` (the registry name: `registry.get(node.op)` is its
  OpDef), `inputs` (value ids), `attrs` (an immutable `Attrs` mapping, passed to the
  OpDef's `infer`/`reference` as keywords), `outputs` (Values, possibly none), `origins`
  (the user ops it came from, see `Origin`) and `after` (ids of nodes that must run before
  it: the graph's control dependencies as explicit ordering edges).
  `node.id` equals `node.outputs[0].id` when the node has outputs, else a fresh id; node
  ids are printed `^3`.
- `Program`: `nodes` in a topological order (every input and every `after` id is defined
  earlier), `inputs` (Values for the fed tensors, in feed order, which replace their
  producers), `outputs` (value ids of the fetches, in fetch order; may repeat and may name
  an input), `targets` (ids of nodes run for effect only), their graph names, and
  `next_id` (the first unused id, for passes that create values).

Effects: nodes whose OpDef is `stateful` or `uses_context` are impure (see `is_pure`);
of those, everything but variable handles and reads also has side effects (`has_effects`:
assignments, random ops) and is kept by dead-node elimination even when nothing reads its
value. Passes keep the relative order of all impure nodes, so the list order is also the
order of effects. Lowering may reorder pure nodes freely within data and `after` edges.

Passes build their output with `Rewriter`, one forward walk that keeps, replaces and adds
nodes and renames value uses; everything here is iterative and linear in program size.

May import: graphjit.graphlib.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from ..graphlib import registry
from ..graphlib.dtypes import DType
from ..graphlib.shapes import TensorShape

_INLINE_ELEMENTS = 8  # arrays up to this size print their values


class ProgramError(ValueError):
    """A program breaks an IR invariant, or a graph cannot become a program."""


@dataclass(frozen=True, slots=True)
class Value:
    """One SSA value: id, dtype and a concrete shape."""

    id: int
    dtype: DType
    shape: tuple[int, ...]

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def nbytes(self) -> int:
        return self.size * (self.dtype.np.itemsize if self.dtype.np is not None else 0)

    def spec(self, const=None, const_fn=None) -> registry.Spec:
        return registry.Spec(self.dtype, self.shape, const=const, const_fn=const_fn)

    def __str__(self) -> str:
        return f"%{self.id}:{self.dtype.short}[{','.join(map(str, self.shape))}]"


@dataclass(frozen=True, slots=True)
class Origin:
    """A user op a node came from: its graph name, op type and creation stack.

    Quacks like an `Operation` for `graphlib.errors.OpError` (name, type,
    traceback_text), so run-time errors inside compiled code name the user's op and line.
    """

    name: str
    type: str
    frames: tuple = ()

    @classmethod
    def from_op(cls, op) -> Origin:
        return cls(op.name, op.type, tuple(op.traceback))

    @property
    def location(self) -> str:
        if not self.frames:
            return "<unknown>"
        filename, lineno, _ = self.frames[-1]
        return f"{os.path.basename(filename)}:{lineno}"

    def traceback_text(self) -> str:
        import linecache
        lines = []
        for filename, lineno, func in self.frames:
            lines.append(f'  File "{filename}", line {lineno}, in {func}')
            source = linecache.getline(filename, lineno).strip()
            if source:
                lines.append(f"    {source}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return f"{self.name} @ {self.location}"


class Attrs(dict):
    """An op's attributes: a dict that refuses mutation, with a canonical hashable key."""

    __slots__ = ()

    def _readonly(self, *args, **kwargs):
        raise TypeError("node attributes are immutable; build a new Node instead")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _readonly
    __ior__ = _readonly

    def __reduce__(self):
        return (Attrs, (dict(self),))

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(self.key())

    def key(self) -> tuple:
        """A hashable value equal for attrs with equal meaning (arrays by dtype, shape and
        bytes, floats by bit pattern so 0.0 and -0.0 differ)."""
        return tuple((k, attr_key(v)) for k, v in sorted(self.items()))


def attr_key(value: Any):
    """A hashable canonical form of one attribute value."""
    if isinstance(value, np.ndarray):
        array = np.ascontiguousarray(value)
        return ("ndarray", array.dtype.str, array.shape, array.tobytes())
    if isinstance(value, bool | np.bool_):
        return ("bool", bool(value))
    if isinstance(value, float | np.floating):
        return ("float", float(value).hex())
    if isinstance(value, int | np.integer):
        return ("int", int(value))
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(attr_key(v) for v in value))
    if isinstance(value, DType):
        return ("dtype", value.name)
    if isinstance(value, TensorShape):
        return ("shape", value.as_tuple())
    if isinstance(value, Mapping):
        return ("map", tuple((k, attr_key(v)) for k, v in sorted(value.items())))
    return (type(value).__name__, value)


def is_pure(opdef: registry.OpDef) -> bool:
    """Pure ops compute their outputs from their inputs and attrs alone."""
    return not (opdef.stateful or opdef.uses_context)


def has_effects(opdef: registry.OpDef) -> bool:
    """Ops that change state (assignments, random generators): never dropped or merged."""
    return opdef.stateful and opdef.side_effects


@dataclass(frozen=True, slots=True, eq=False)
class Node:
    """One op application; see the module docstring."""

    id: int
    op: str
    inputs: tuple[int, ...]
    attrs: Attrs
    outputs: tuple[Value, ...]
    origins: tuple[Origin, ...] = ()
    after: tuple[int, ...] = ()

    def __post_init__(self):
        if not isinstance(self.attrs, Attrs):
            object.__setattr__(self, "attrs", Attrs(self.attrs))

    @property
    def opdef(self) -> registry.OpDef:
        return registry.get(self.op)

    @property
    def pure(self) -> bool:
        return self.op == "fused" or is_pure(self.opdef)

    @property
    def effects(self) -> bool:
        return has_effects(self.opdef)

    @property
    def origin(self) -> Origin | None:
        return self.origins[0] if self.origins else None

    def text(self) -> str:
        """`%3:f32[64,10] = matmul %1 %2 transpose_a=False   # dense/MatMul @ train.py:12`"""
        lhs = ", ".join(str(v) for v in self.outputs) if self.outputs else f"^{self.id}"
        parts = [f"{lhs} = {self.op}"]
        parts.extend(f"%{i}" for i in self.inputs)
        for name, value in sorted(self.attrs.items()):
            if self.op == "const" and name == "dtype":
                continue  # the output type already says it
            shown = format_attr(value)
            parts.append(shown if self.op == "const" and name == "value" else
                         f"{name}={shown}")
        if self.after:
            parts.append("after(" + ",".join(f"^{a}" for a in self.after) + ")")
        line = " ".join(parts)
        if self.origins:
            merged = f" +{len(self.origins) - 1}" if len(self.origins) > 1 else ""
            line = f"{line}   # {self.origins[0]}{merged}"
        return line

    def __repr__(self) -> str:
        return f"<Node {self.text()}>"


def format_attr(value: Any) -> str:
    """How an attribute prints in program text (small arrays inline, large as a type)."""
    if isinstance(value, np.ndarray):
        from ..graphlib.dtypes import as_dtype
        try:
            short = as_dtype(value.dtype).short
        except TypeError:
            short = value.dtype.name
        if value.size <= _INLINE_ELEMENTS:
            body = np.array2string(value, separator=",", threshold=_INLINE_ELEMENTS)
            return body.replace("\n", "").replace(" ", "")
        return f"<{short}[{','.join(map(str, value.shape))}]>"
    if isinstance(value, DType):
        return value.name
    if isinstance(value, TensorShape):
        return "?" if value.rank is None else \
            "[" + ",".join("?" if d is None else str(d) for d in value.as_list()) + "]"
    if isinstance(value, list | tuple):
        return "[" + ",".join(format_attr(v) for v in value) + "]"
    if isinstance(value, float):
        return repr(value)
    return str(value)


@dataclass(frozen=True, eq=False)
class Program:
    """A flat SSA program for one run signature; see the module docstring."""

    nodes: tuple[Node, ...]
    inputs: tuple[Value, ...]
    outputs: tuple[int, ...]
    targets: tuple[int, ...] = ()
    input_names: tuple[str, ...] = ()
    output_names: tuple[str, ...] = ()
    target_names: tuple[str, ...] = ()
    next_id: int = 0

    @cached_property
    def values(self) -> dict[int, Value]:
        """Every value (inputs and node outputs) by id."""
        table = {v.id: v for v in self.inputs}
        for node in self.nodes:
            for v in node.outputs:
                table[v.id] = v
        return table

    @cached_property
    def producers(self) -> dict[int, tuple[Node, int]]:
        """value id -> (producing node, output index); inputs have no producer."""
        return {v.id: (node, i) for node in self.nodes for i, v in enumerate(node.outputs)}

    @cached_property
    def node_by_id(self) -> dict[int, Node]:
        return {node.id: node for node in self.nodes}

    @cached_property
    def use_counts(self) -> dict[int, int]:
        """How often each value is read: by node inputs and by the program's outputs."""
        counts: dict[int, int] = {}
        for node in self.nodes:
            for i in node.inputs:
                counts[i] = counts.get(i, 0) + 1
        for i in self.outputs:
            counts[i] = counts.get(i, 0) + 1
        return counts

    def __len__(self) -> int:
        return len(self.nodes)

    def op_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for node in self.nodes:
            counts[node.op] = counts.get(node.op, 0) + 1
        return dict(sorted(counts.items()))

    def text(self) -> str:
        """The program as text: inputs, one line per node, outputs and targets."""
        lines = []
        names = self.input_names or ("",) * len(self.inputs)
        for v, name in zip(self.inputs, names):
            lines.append(f"in {v}" + (f" <- {name}" if name else ""))
        lines.extend("  " + node.text() for node in self.nodes)
        out_names = self.output_names or ("",) * len(self.outputs)
        if self.outputs:
            lines.append("out " + ", ".join(
                f"%{i}" + (f" -> {n}" if n else "") for i, n in zip(self.outputs, out_names)))
        if self.targets:
            tnames = self.target_names or ("",) * len(self.targets)
            lines.append("run " + ", ".join(
                f"^{i}" + (f" ({n})" if n else "") for i, n in zip(self.targets, tnames)))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()


def evaluate(node: Node, arrays: Sequence, context=None) -> tuple:
    """Runs `node`'s reference kernel (the interpreter's path) and returns its outputs in
    the node's output dtypes; a failure is an OpError naming the node's user op."""
    return registry.run_checked(node.opdef, arrays, node.attrs, context,
                                [v.dtype for v in node.outputs], node.origin)


class Rewriter:
    """Builds a new program from `source` in one forward walk.

    A pass walks `source.nodes` in order and, for each node, either `keep`s it (its inputs
    and `after` edges are renamed through the substitutions made so far), `replace`s its
    outputs by other values (uses are renamed from then on), or `emit`s new nodes. Ids are
    never reused, so a kept node keeps its id and a new node takes fresh ones.
    """

    def __init__(self, source: Program):
        self.source = source
        self.nodes: list[Node] = []
        self.next_id = source.next_id
        self._subst: dict[int, int] = {}
        self._node_subst: dict[int, int | None] = {}
        self._producer: dict[int, Node] = {}  # value id -> producing node in the new program
        self._extra_origins: dict[int, list[Origin]] = {}

    # -- lookups in the program being built ------------------------------------------------
    def resolve(self, value_id: int) -> int:
        """The value that now stands for `value_id`."""
        return self._subst.get(value_id, value_id)

    def producer(self, value_id: int) -> Node | None:
        """The node (already emitted) producing `value_id`, or None for inputs."""
        return self._producer.get(self.resolve(value_id))

    def value(self, value_id: int) -> Value:
        value_id = self.resolve(value_id)
        node = self._producer.get(value_id)
        if node is None:
            return self.source.values[value_id]
        for v in node.outputs:
            if v.id == value_id:
                return v
        raise KeyError(value_id)

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    # -- building ----------------------------------------------------------------------
    def renamed(self, node: Node) -> Node:
        """`node` with its inputs and `after` edges renamed to the program being built."""
        return self._rename(node)

    def _rename(self, node: Node) -> Node:
        inputs = tuple(self._subst.get(i, i) for i in node.inputs)
        after = self._rename_after(node.after)
        if inputs == node.inputs and after == node.after:
            return node
        return dataclasses.replace(node, inputs=inputs, after=after)

    def _rename_after(self, after: Iterable[int]) -> tuple[int, ...]:
        out: list[int] = []
        for a in after:
            while a in self._node_subst:
                a = self._node_subst[a]
                if a is None:
                    break
            if a is not None and a not in out:
                out.append(a)
        return tuple(out)

    def emit(self, node: Node) -> Node:
        """Appends `node` (renaming its uses) and returns the appended node."""
        node = self._rename(node)
        self.nodes.append(node)
        for v in node.outputs:
            self._producer[v.id] = node
        return node

    keep = emit

    def add(self, op: str, inputs: Sequence[int], attrs: Mapping, outputs: Sequence[
            tuple[DType, tuple[int, ...]]], origins: Sequence[Origin] = (),
            after: Sequence[int] = ()) -> Node:
        """Emits a new node with fresh value ids; `outputs` is (dtype, shape) per output."""
        values = tuple(Value(self.new_id(), dtype, tuple(shape)) for dtype, shape in outputs)
        node_id = values[0].id if values else self.new_id()
        return self.emit(Node(node_id, op, tuple(inputs), Attrs(attrs), values,
                              tuple(origins), tuple(after)))

    def replace(self, node: Node, new_ids: Sequence[int]) -> None:
        """Drops `node`: uses of its outputs read `new_ids` instead, and ordering edges to
        it move to the producer of the first new value (or vanish for an input)."""
        for v, new in zip(node.outputs, new_ids):
            self._subst[v.id] = self.resolve(new)
        successor = self.producer(new_ids[0]) if new_ids else None
        self._node_subst[node.id] = successor.id if successor is not None else None

    def drop(self, node: Node) -> None:
        """Drops `node` whose outputs nobody reads; ordering edges to it vanish."""
        self._node_subst[node.id] = None

    def merge_origins(self, node_id: int, origins: Iterable[Origin]) -> None:
        """Records that the emitted node `node_id` also stands for `origins`."""
        self._extra_origins.setdefault(node_id, []).extend(origins)

    def finish(self) -> Program:
        nodes = self.nodes
        if self._extra_origins:
            nodes = [dataclasses.replace(n, origins=_unique(n.origins, self._extra_origins[
                n.id])) if n.id in self._extra_origins else n for n in nodes]
        src = self.source
        targets, target_names = [], []
        for t, name in zip(src.targets, src.target_names or ("",) * len(src.targets)):
            (renamed,) = self._rename_after([t]) or (None,)
            if renamed is not None and renamed not in targets:
                targets.append(renamed)
                target_names.append(name)
        return Program(tuple(nodes), src.inputs, tuple(self.resolve(o) for o in src.outputs),
                       tuple(targets), src.input_names, src.output_names,
                       tuple(target_names) if src.target_names else (), self.next_id)


def _unique(first: Sequence[Origin], more: Iterable[Origin]) -> tuple[Origin, ...]:
    seen = set(first)
    out = list(first)
    for o in more:
        if o not in seen:
            seen.add(o)
            out.append(o)
    return tuple(out)


__all__ = ["Value", "Origin", "Attrs", "Node", "Program", "Rewriter", "ProgramError",
           "attr_key", "evaluate", "format_attr", "has_effects", "is_pure"]
