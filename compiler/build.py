"""Graph -> Program: prune, order, and specialize a graph to one run signature.

`build_program(fetches, targets, fed, feed_shapes)` takes the ops the fetches and targets
need (`graphlib.traversal.required_ops`: data and control inputs, stopping at fed
tensors), in creation order (a topological order), and turns each into a `Node`:

- fed tensors become program inputs with the fed value's concrete shape; an op whose
  outputs are all fed is not part of the program;
- every output shape is made concrete by re-running the op's `infer` on concrete input
  Specs. `Spec.const` is available for inputs whose value is computable now from
  constants and static shapes (e.g. `reshape(x, stack([shape(x)[0], -1]))`), through a
  small memoized evaluator limited to `_SHAPE_VALUE_LIMIT` elements (it only serves
  shape inference; folding is the `fold_constants` pass's job and has no size cap);
- a shape that stays partial raises `NotSpecializable` naming the op and its line; an
  `infer` that rejects the concrete shapes (a fed batch that does not fit a matmul)
  raises `errors.InvalidArgumentError` naming the op, as the interpreter would at run time;
  an unfed placeholder raises the interpreter's missing-feed error;
- an unfed `placeholder_with_default` becomes `identity` of its default (its value then
  is the default, whose shape is concrete; its own `infer` only knows the declared shape);
- control inputs become `after` edges; provenance is the op itself.

The user's Graph is only read. Everything is one forward walk (plus the iterative
required-ops search): no recursion, linear in the number of ops.

May import: graphjit.graphlib, compiler.program.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..graphlib import errors, registry
from ..graphlib.graph import Operation, Tensor
from ..graphlib.traversal import required_ops
from .program import Attrs, Node, Origin, Program, ProgramError, Value, evaluate, is_pure

_SHAPE_VALUE_LIMIT = 4096  # elements evaluated at build time for shape inference only


class NotSpecializable(ProgramError):
    """An op's output shape depends on run-time values, so no concrete program exists."""


def _dtype_name(t: Tensor) -> str:
    return {"float32": "float", "float64": "double"}.get(t.dtype.name, t.dtype.name)


def _shape_text(shape) -> str:
    if shape.rank is None:
        return "<unknown>"
    return "[" + ",".join("?" if d is None else str(d) for d in shape.as_list()) + "]"


class _BuildValues:
    """Values known while building: which node makes each value, and (lazily) the
    constant value of small values computable from constants and static shapes."""

    def __init__(self):
        self.producer: dict[int, tuple[Node, int]] = {}
        self.memo: dict[int, np.ndarray | None] = {}
        self.values: dict[int, Value] = {}

    def spec(self, vid: int) -> registry.Spec:
        return self.values[vid].spec(const_fn=lambda: self.known(vid))

    def known(self, vid: int):
        """The value of `vid` if computable at build time and small, else None."""
        memo = self.memo
        stack = [vid]
        while stack:
            v = stack[-1]
            if v in memo:
                stack.pop()
                continue
            entry = self.producer.get(v)
            if entry is None:
                memo[v] = None
                stack.pop()
                continue
            node, _ = entry
            if node.op == "const" and not node.after:
                memo[v] = node.attrs["value"]
                stack.pop()
                continue
            opdef = registry.get(node.op)
            if not is_pure(opdef) or node.after or opdef.kind == "leaf":
                self._unknown(node)
                stack.pop()
                continue
            static = opdef.attrs.get("static_value")
            if static is not None and len(node.outputs) == 1:
                value = static(*[self.spec(i) for i in node.inputs], **node.attrs)
                if value is not None:
                    memo[v] = np.asarray(value, dtype=node.outputs[0].dtype.np)
                    stack.pop()
                    continue
            missing = [i for i in node.inputs if i not in memo]
            if missing:
                stack.extend(missing)
                continue
            stack.pop()
            arrays = [memo[i] for i in node.inputs]
            if any(a is None for a in arrays) or \
                    sum(self.values[i].size for i in node.inputs) > _SHAPE_VALUE_LIMIT or \
                    sum(o.size for o in node.outputs) > _SHAPE_VALUE_LIMIT:
                self._unknown(node)
                continue
            try:
                outs = evaluate(node, arrays)
            except Exception:  # the run raises it, with the op's name, if it matters
                self._unknown(node)
                continue
            for o, value in zip(node.outputs, outs):
                memo[o.id] = value
        return memo[vid]

    def _unknown(self, node: Node) -> None:
        for o in node.outputs:
            self.memo[o.id] = None


def build_program(fetches: Sequence[Tensor], targets: Sequence[Operation] = (),
                  fed: Sequence[Tensor] = (), feed_shapes: Sequence[Sequence[int]] = ()
                  ) -> Program:
    """The program computing `fetches` and running `targets`, given concrete shapes for
    the `fed` tensors (dtypes are the tensors' own: the Session converts feeds)."""
    fetches, targets, fed = list(fetches), list(targets), list(fed)
    if len(fed) != len(feed_shapes):
        raise ValueError(f"{len(fed)} fed tensors but {len(feed_shapes)} feed shapes")
    next_id = 0
    table = _BuildValues()
    tensor_value: dict[Tensor, int] = {}
    inputs = []
    for t, shape in zip(fed, feed_shapes):
        shape = tuple(int(d) for d in shape)
        if not t.shape.is_compatible_with(shape):
            raise ValueError(f"Cannot feed value of shape {shape!r} for Tensor {t.name!r}, "
                             f"which has shape {t.shape!s}")
        value = Value(next_id, t.dtype, shape)
        next_id += 1
        inputs.append(value)
        table.values[value.id] = value
        tensor_value[t] = value.id
    fed_set = set(fed)
    node_of: dict[Operation, int] = {}
    nodes: list[Node] = []
    for op in required_ops(fetches, targets, fed):
        outs = op._outputs
        if outs and all(t in fed_set for t in outs):
            continue
        origin = Origin.from_op(op)
        if op.type == "placeholder":
            t = outs[0]
            raise errors.InvalidArgumentError(
                None, op, f"You must feed a value for placeholder tensor '{op.name}' with "
                f"dtype {_dtype_name(t)} and shape {_shape_text(t.shape)}")
        op_type, attrs = op.type, op.attrs
        if op_type == "placeholder_with_default":
            op_type, attrs = "identity", {}
        opdef = registry.get(op_type)
        in_ids = tuple(tensor_value[t] for t in op._inputs)
        after: list[int] = []
        for c in op._control_inputs:
            cid = node_of.get(c)
            if cid is not None and cid not in after:
                after.append(cid)
        try:
            specs = registry.infer_outputs(opdef, [table.spec(i) for i in in_ids], attrs)
        except (ValueError, TypeError) as e:
            raise errors.InvalidArgumentError(None, op, f"{op.type} failed: {e}") from None
        if len(specs) != len(outs):
            raise ProgramError(f"{op.type} op {op.name!r} ({origin.location}) inferred "
                               f"{len(specs)} outputs for {len(outs)} graph outputs")
        values = []
        for t, s in zip(outs, specs):
            if not s.shape.is_fully_defined():
                raise NotSpecializable(
                    f"The shape of {t.name} ({op.type} op {op.name!r} created at "
                    f"{origin.location}) is {_shape_text(s.shape)} even with the fed shapes; "
                    "it depends on run-time values, so it cannot be compiled for one shape.")
            if not t.shape.is_compatible_with(s.shape):
                raise errors.InvalidArgumentError(
                    None, op, f"{op.type} produced shape {_shape_text(s.shape)} for "
                    f"{t.name}, which has static shape {_shape_text(t.shape)}")
            values.append(Value(next_id, s.dtype, tuple(s.shape.as_list())))
            next_id += 1
        node_id = values[0].id if values else next_id
        if not values:
            next_id += 1
        node = Node(node_id, op_type, in_ids, Attrs(attrs), tuple(values), (origin,),
                    tuple(after))
        nodes.append(node)
        node_of[op] = node_id
        for i, (t, v) in enumerate(zip(outs, values)):
            table.values[v.id] = v
            table.producer[v.id] = (node, i)
            if t not in fed_set:
                tensor_value[t] = v.id
    target_ids, target_names = [], []
    for op in targets:
        if op in node_of and node_of[op] not in target_ids:
            target_ids.append(node_of[op])
            target_names.append(op.name)
    return Program(tuple(nodes), tuple(inputs), tuple(tensor_value[t] for t in fetches),
                   tuple(target_ids), tuple(t.name for t in fed), tuple(t.name for t in fetches),
                   tuple(target_names), next_id)


__all__ = ["build_program", "NotSpecializable"]
