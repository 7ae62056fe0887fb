"""Control flow without control-flow ops: `cond` and `case` build every branch and select
each output with `where`.

TF1's `tf.cond` runs only the taken branch (Switch/Merge ops). graphjit's graphs have no
conditional execution, so `cond(pred, true_fn, false_fn)` calls both functions, and each
output is `where(pred, true_output, false_output)`: values are TF's, and gradients flow to
the taken branch only (the other branch's sources receive zeros). Because both branches
always run, a branch may not create an op with side effects (a variable write, a random
draw, a print): such a branch raises ValueError at build time. Reading variables is fine.
`case` is a chain of such selections. There is no `while_loop`.

May import: graph, registry (OpDef.stateful), ops.core, ops.math.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from .graph import Operation, Tensor, get_default_graph
from .ops import math as math_ops
from .ops.core import convert_to_tensor, group


def _check_no_side_effects(ops: Sequence[Operation], branch: str, what: str) -> None:
    for op in ops:
        if op.opdef.stateful and op.opdef.side_effects:
            raise ValueError(
                f"{what}: the {branch} creates the stateful op {op.name!r} ({op.type}, "
                f"created at {op.user_location()}). graphjit evaluates every branch of "
                f"{what} and selects the results with `where`, so it cannot run a branch "
                "with side effects (assign, random, print) conditionally. Move the stateful "
                f"op out of the branch, or compute both values and select with tf.where.")


def _call_branch(fn: Callable, branch: str, what: str):
    """Calls `fn` in the default graph and returns its result after checking the ops it
    created for side effects."""
    if not callable(fn):
        raise TypeError(f"{what}: {branch} must be callable, got {type(fn).__name__}")
    graph = get_default_graph()
    start = len(graph.get_operations())
    result = fn()
    _check_no_side_effects(graph.get_operations()[start:], branch, what)
    return result


def _flatten(structure) -> list:
    if isinstance(structure, Mapping):
        return [leaf for key in sorted(structure) for leaf in _flatten(structure[key])]
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in _flatten(item)]
    return [structure]


def _pack(structure, leaves: list):
    """`structure` with its leaves replaced, in `_flatten` order."""
    it = iter(leaves)

    def rebuild(s):
        if isinstance(s, Mapping):
            built = {key: rebuild(s[key]) for key in sorted(s)}
            return {key: built[key] for key in s}
        if isinstance(s, (list, tuple)):
            items = [rebuild(item) for item in s]
            if hasattr(s, "_fields"):  # namedtuple
                return type(s)(*items)
            return type(s)(items)
        return next(it)

    return rebuild(structure)


def _same_structure(a, b) -> bool:
    if isinstance(a, Mapping) or isinstance(b, Mapping):
        return isinstance(a, Mapping) and isinstance(b, Mapping) and \
            sorted(a) == sorted(b) and all(_same_structure(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and \
            len(a) == len(b) and all(_same_structure(x, y) for x, y in zip(a, b))
    return True


def _select(pred: Tensor, a, b, what: str, index: int, name: str):
    """One output of a conditional: `where(pred, a, b)`; two operations become one op
    that runs after both (neither has side effects)."""
    if isinstance(a, Operation) or isinstance(b, Operation):
        if not (isinstance(a, Operation) and isinstance(b, Operation)):
            raise TypeError(f"{what}: output {index} is an Operation in one branch and a "
                            "value in the other")
        return group(a, b, name=name)
    if a is None or b is None:
        raise ValueError(f"{what}: output {index} is None; branches must return tensors")
    a = convert_to_tensor(a)
    b = convert_to_tensor(b, dtype_hint=a.dtype)
    if a.dtype != b.dtype:
        raise TypeError(f"{what}: output {index} has dtype {a.dtype.name} in the true branch "
                        f"and {b.dtype.name} in the false branch")
    if not a.shape.is_compatible_with(b.shape):
        raise ValueError(f"{what}: output {index} has shape {a.shape} in one branch and "
                         f"{b.shape} in the other; graphjit selects between both values, "
                         "so their shapes must be compatible")
    return math_ops.where_v2(pred, a, b, name=name)


def _as_pred(pred, what: str) -> Tensor:
    if isinstance(pred, bool):
        raise TypeError(f"{what}: pred must not be a Python bool")
    pred = convert_to_tensor(pred)
    if not pred.dtype.is_bool:
        raise TypeError(f"{what}: pred must be a bool tensor, got {pred.dtype.name}")
    if pred.shape.rank not in (None, 0):
        raise ValueError(f"{what}: pred must be a scalar, got shape {pred.shape}")
    return pred


def _unpack_singleton(result, strict: bool):
    if not strict and isinstance(result, (list, tuple)) and len(result) == 1 and \
            not hasattr(result, "_fields"):
        return result[0]
    return result


def _merge(pred: Tensor, taken, other, what: str):
    """The outputs of `taken` where pred is true, else those of `other`."""
    if not _same_structure(taken, other):
        raise ValueError(f"{what}: true_fn and false_fn must return the same structure, "
                         f"got {taken!r} and {other!r}")
    leaves_a, leaves_b = _flatten(taken), _flatten(other)
    merged = [_select(pred, a, b, what, i, "Merge")
              for i, (a, b) in enumerate(zip(leaves_a, leaves_b))]
    return _pack(taken, merged)


def cond(pred, true_fn=None, false_fn=None, strict=False, name=None, fn1=None, fn2=None):
    """`tf.cond` for a scalar bool `pred`: true_fn() where pred is true, else false_fn().
    Both functions are called and must not create stateful ops (see the module doc)."""
    true_fn = true_fn if true_fn is not None else fn1
    false_fn = false_fn if false_fn is not None else fn2
    if true_fn is None or false_fn is None:
        raise TypeError("cond(): true_fn and false_fn arguments are required")
    graph = pred.graph if isinstance(pred, Tensor) else get_default_graph()
    with graph.as_default(), graph.name_scope(name or "cond"):
        pred = _as_pred(pred, "cond")
        taken = _unpack_singleton(_call_branch(true_fn, "true_fn", "cond"), strict)
        other = _unpack_singleton(_call_branch(false_fn, "false_fn", "cond"), strict)
        return _merge(pred, taken, other, "cond")


def case(pred_fn_pairs, default=None, exclusive=False, strict=False, name="case"):
    """`tf.case`: the result of the first fn whose pred is true, else of `default` (the
    last pair's fn when None). Every fn is called (see the module doc); `exclusive` is
    accepted but not checked at run time."""
    if isinstance(pred_fn_pairs, Mapping):
        pairs = list(pred_fn_pairs.items())
    else:
        pairs = list(pred_fn_pairs)
    if not pairs:
        raise ValueError("case: pred_fn_pairs must not be empty")
    for pair in pairs:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise TypeError(f"case: each item of pred_fn_pairs must be a (pred, fn) pair, got "
                            f"{pair!r}")
    if default is None:
        pairs, default = pairs[:-1], pairs[-1][1]
    graph = get_default_graph()
    for pred, _ in pairs:
        if isinstance(pred, Tensor):
            graph = pred.graph
            break
    with graph.as_default(), graph.name_scope(name or "case"):
        preds = [_as_pred(pred, "case") for pred, _ in pairs]
        results = [_unpack_singleton(_call_branch(fn, f"fn of pair {i}", "case"), strict)
                   for i, (_, fn) in enumerate(pairs)]
        result = _unpack_singleton(_call_branch(default, "default", "case"), strict)
        for pred, value in zip(reversed(preds), reversed(results)):
            result = _merge(pred, value, result, "case")
        return result


__all__ = ["cond", "case"]
