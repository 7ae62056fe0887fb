"""Algebraic simplification: a table of small pattern rules, applied in one forward walk.

Each rule in `RULES` matches one op, looks at the node's inputs (and at the nodes that
produce them) and returns either a value that already computes the node's result (the
node goes away and its uses read that value) or a `Rewrite` of the node into a cheaper op
with the same outputs. A replacement must have exactly the node's dtype and shape (the
driver checks, so a broadcasting `x * 1` is left alone). Rules are exact in IEEE
arithmetic: they never change a NaN, an infinity, the sign of a zero or a rounding, unless
the rule is marked `fast_math` and the pass runs with `fast_math=True`.

Why each rule is exact, or not:

- `identity(x)`, `stop_gradient(x)` (gradients are already built), `add_n(x)`: x.
- `multiply(x, 1)`, `multiply(1, x)`, `divide(x, 1)`, `truediv(x, 1)`: x; x*1 and x/1
  are x for every IEEE value (NaN stays NaN, -0.0 stays -0.0).
- `add(x, -0.0)`, `add(-0.0, x)`, `subtract(x, +0.0)`: x. Exact: -0.0 + -0.0 is -0.0 and
  +0.0 + -0.0 is +0.0. NOT `x + 0.0` (-0.0 + 0.0 is +0.0) nor `x - (-0.0)`; those are
  `fast_math` rules. For integers any `x + 0`, `0 + x`, `x - 0` is x.
- `negative(negative(x))`, `logical_not(logical_not(x))`: x (negation is exact).
- `cast(x)` to x's own dtype: x. `cast(cast(x, A), B)` -> `cast(x, B)` when every value
  of x's dtype is exactly representable in A (bool -> any, int32 -> int64/float64,
  float32 -> float64): the inner cast then loses nothing, and the outer rounds the same
  exact value once.
- `transpose(transpose(x, p), q)` -> `transpose(x, p[q])` (a new constant perm; the
  perms must be constants, as they are after folding); a transpose by the identity
  permutation is x (a pure data movement).
- `reshape(reshape(x, s1), s2)` -> `reshape(x, s2)` (row-major order is kept).
- shape-only ops whose output has their input's shape are x: `reshape`, `expand_dims`
  (never: it adds a dim), `squeeze` of no dim, `broadcast_like`, `sum_to_shape` (gradient
  broadcasts that turned out not to broadcast once shapes are concrete), `tile` by ones,
  `pad` by zeros, `broadcast_to`.

A node with `after` edges is never replaced (consumers would lose its ordering), and
patterns only look through producers without `after` edges.

May import: graphjit.graphlib, compiler.program, compiler.passes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ...graphlib.dtypes import as_dtype
from ..program import Attrs, Node, Program, ProgramError, Rewriter, Value
from . import PassLog


@dataclass(frozen=True)
class Rewrite:
    """Replace a node by `op(inputs, attrs)` with the same outputs."""

    op: str
    inputs: tuple[int, ...]
    attrs: dict
    absorbed: tuple[Node, ...] = ()  # nodes bypassed, whose provenance the node keeps


@dataclass(frozen=True)
class Rule:
    name: str
    ops: tuple[str, ...]
    fn: Callable[[Node, Matcher], int | Rewrite | None]
    fast_math: bool = False


class Matcher:
    """What rules may ask about the program built so far."""

    def __init__(self, rw: Rewriter, fast_math: bool):
        self.rw = rw
        self.fast_math = fast_math

    def value(self, vid: int) -> Value:
        return self.rw.value(vid)

    def producer(self, vid: int, *ops: str) -> Node | None:
        """The node making `vid` if it is one of `ops` and has no ordering edges."""
        node = self.rw.producer(vid)
        if node is None or node.after or (ops and node.op not in ops):
            return None
        return node

    def const(self, vid: int) -> np.ndarray | None:
        node = self.producer(vid, "const")
        return None if node is None else node.attrs["value"]

    def constant(self, array: np.ndarray, origins) -> int:
        """Emits a new `const` node holding `array` and returns its value id."""
        array = np.array(array, copy=True)
        array.setflags(write=False)
        dtype = as_dtype(array.dtype)
        node = self.rw.add("const", (), {"value": array, "dtype": dtype},
                           [(dtype, array.shape)], origins)
        return node.outputs[0].id

    def splat(self, vid: int, target: float, sign: int = 0) -> bool:
        """`vid` is a constant with every element equal to `target` (for a zero, `sign`
        -1/+1 also asks for that sign bit; 0 accepts either)."""
        value = self.const(vid)
        if value is None or value.size == 0 or value.dtype.kind not in "fiu":
            return False
        if not np.all(value == target):
            return False
        if target == 0 and sign and value.dtype.kind == "f":
            return bool(np.all(np.signbit(value) == (sign < 0)))
        return True


# -- rules -------------------------------------------------------------------------------

def _first(node: Node, m: Matcher) -> int:
    return node.inputs[0]


def _times_one(node: Node, m: Matcher):
    x, y = node.inputs
    if m.splat(y, 1):
        return x
    if m.splat(x, 1):
        return y
    return None


def _over_one(node: Node, m: Matcher):
    return node.inputs[0] if m.splat(node.inputs[1], 1) else None


def _is_float(m: Matcher, vid: int) -> bool:
    return m.value(vid).dtype.is_floating


def _plus_zero(node: Node, m: Matcher):
    x, y = node.inputs
    for keep, zero in ((x, y), (y, x)):
        sign = -1 if _is_float(m, keep) else 0
        if m.splat(zero, 0, sign):
            return keep
    return None


def _plus_any_zero(node: Node, m: Matcher):
    x, y = node.inputs
    return x if m.splat(y, 0) else y if m.splat(x, 0) else None


def _minus_zero(node: Node, m: Matcher):
    x, y = node.inputs
    return x if m.splat(y, 0, 1 if _is_float(m, x) else 0) else None


def _minus_any_zero(node: Node, m: Matcher):
    x, y = node.inputs
    return x if m.splat(y, 0) else None


def _involution(node: Node, m: Matcher):
    inner = m.producer(node.inputs[0], node.op)
    return inner.inputs[0] if inner is not None else None


def _cast_same(node: Node, m: Matcher):
    x = node.inputs[0]
    return x if m.value(x).dtype == node.outputs[0].dtype else None


_EXACT_WIDENING = {
    "bool": {"int32", "int64", "float32", "float64"},
    "int32": {"int64", "float64"},
    "float32": {"float64"},
}


def _cast_chain(node: Node, m: Matcher):
    inner = m.producer(node.inputs[0], "cast")
    if inner is None:
        return None
    source = m.value(inner.inputs[0]).dtype.name
    middle = inner.outputs[0].dtype.name
    if middle not in _EXACT_WIDENING.get(source, ()):
        return None
    return Rewrite("cast", (inner.inputs[0],), dict(node.attrs), (inner,))


def _perm(node: Node, m: Matcher) -> list[int] | None:
    value = m.const(node.inputs[1])
    return None if value is None else [int(p) for p in value.reshape(-1)]


def _transpose_identity(node: Node, m: Matcher):
    perm = _perm(node, m)
    return node.inputs[0] if perm is not None and perm == list(range(len(perm))) else None


def _transpose_transpose(node: Node, m: Matcher):
    inner = m.producer(node.inputs[0], "transpose")
    if inner is None:
        return None
    p, q = _perm(inner, m), _perm(node, m)
    if p is None or q is None:
        return None
    perm_dtype = m.value(node.inputs[1]).dtype.np
    combined = m.constant(np.array([p[i] for i in q], perm_dtype), node.origins)
    return Rewrite("transpose", (inner.inputs[0], combined), dict(node.attrs), (inner,))


def _reshape_reshape(node: Node, m: Matcher):
    inner = m.producer(node.inputs[0], "reshape")
    if inner is None:
        return None
    return Rewrite("reshape", (inner.inputs[0], *node.inputs[1:]), dict(node.attrs), (inner,))


def _same_shape(node: Node, m: Matcher):
    x = node.inputs[0]
    return x if m.value(x).shape == node.outputs[0].shape else None


RULES: tuple[Rule, ...] = (
    Rule("identity", ("identity", "stop_gradient"), _first),
    Rule("add_n of one", ("add_n",), lambda node, m: node.inputs[0]
         if len(node.inputs) == 1 else None),
    Rule("x*1", ("multiply",), _times_one),
    Rule("x/1", ("divide", "truediv", "realdiv"), _over_one),
    Rule("x+(-0)", ("add",), _plus_zero),
    Rule("x+0", ("add",), _plus_any_zero, fast_math=True),
    Rule("x-(+0)", ("subtract",), _minus_zero),
    Rule("x-0", ("subtract",), _minus_any_zero, fast_math=True),
    Rule("--x", ("negative", "logical_not"), _involution),
    Rule("cast to same dtype", ("cast",), _cast_same),
    Rule("exact cast chain", ("cast",), _cast_chain),
    Rule("identity transpose", ("transpose",), _transpose_identity),
    Rule("transpose of transpose", ("transpose",), _transpose_transpose),
    Rule("reshape of reshape", ("reshape",), _reshape_reshape),
    Rule("shape op to same shape", ("reshape", "squeeze", "broadcast_like", "sum_to_shape",
                                    "tile", "pad", "broadcast_to"), _same_shape),
)

_MAX_REWRITES_PER_NODE = 32  # rules shrink the node each time; more means a rule loops


def _rules_by_op(fast_math: bool) -> dict[str, list[Rule]]:
    table: dict[str, list[Rule]] = {}
    for rule in RULES:
        if rule.fast_math and not fast_math:
            continue
        for op in rule.ops:
            table.setdefault(op, []).append(rule)
    return table


def simplify_algebra(program: Program, log: PassLog | None = None, fast_math: bool = False
                     ) -> Program:
    """Applies `RULES` to every node, in program order; see the module docstring."""
    log = log if log is not None else PassLog()
    rules = _rules_by_op(fast_math)
    rw = Rewriter(program)
    m = Matcher(rw, fast_math)
    for node in program.nodes:
        node = rw.renamed(node)
        original, replaced = node, False
        for _ in range(_MAX_REWRITES_PER_NODE):
            result, rule = _apply(node, rules.get(node.op, ()), m)
            if result is None:
                break
            if isinstance(result, Rewrite):
                origins = list(node.origins)
                for inner in result.absorbed:
                    origins.extend(o for o in inner.origins if o not in origins)
                node = Node(node.id, result.op, tuple(result.inputs), Attrs(result.attrs),
                            node.outputs, tuple(origins), node.after)
                log.record("rewritten", f"{rule.name}: {original.text()}  =>  {node.text()}")
                continue
            rw.replace(node, [result])
            replaced = True
            log.record("removed", f"{rule.name}: {original.text()}  =>  %{rw.resolve(result)}")
            break
        else:
            raise ProgramError(f"simplify_algebra: rules keep rewriting {original.text()}")
        if not replaced:
            rw.keep(node)
    return rw.finish()


def _apply(node: Node, rules, m: Matcher):
    for rule in rules:
        result = rule.fn(node, m)
        if result is None:
            continue
        if isinstance(result, Rewrite):
            return result, rule
        if node.after or len(node.outputs) != 1:
            continue
        replacement = m.value(result)
        out = node.outputs[0]
        if replacement.dtype == out.dtype and replacement.shape == out.shape:
            return result, rule
    return None, None


__all__ = ["simplify_algebra", "RULES", "Rule", "Rewrite"]
