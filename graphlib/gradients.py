"""Symbolic reverse-mode differentiation: `gradients(ys, xs)` adds the gradient graph.

Walks the ops between `xs` and `ys` in reverse topological order (iteratively, so long
chains never meet the recursion limit), calls each op's registered gradient function,
sums gradients over fan-out with `add_n`, and returns None for unconnected sources.
Integer and boolean tensors carry no gradient.

`explain_no_gradient(ys, x)` says why a source gets no gradient: no path to the loss, or
where every path breaks (an op without a gradient such as argmax or stop_gradient, an
op whose output is integer or boolean such as a cast to int, a `stop_gradients` entry, or
a gradient function that returns None for that input). `gradients(...,
unconnected_gradients="raise")` raises a ValueError with that explanation instead of
returning None.

May import: graph, registry, dtypes, ops.core.
"""

from __future__ import annotations

from collections import defaultdict, deque

from . import dtypes
from .graph import Operation, Tensor
from .ops.core import add_n, convert_to_tensor, ones_like


def _trainable(t: Tensor) -> bool:
    return t.dtype.is_floating or t.dtype is dtypes.resource


def _as_source(x) -> Tensor:
    handle = getattr(x, "handle", None)
    if isinstance(handle, Tensor):
        return handle
    if isinstance(x, Tensor):
        return x
    raise TypeError(f"gradients: xs must be Tensors or Variables, got {type(x).__name__}")


def _reachable_backward(ys: list[Tensor], stop_ops: set) -> set:
    seen: set = set()
    stack = [y.op for y in ys]
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        if op in stop_ops:
            continue
        stack.extend(t.op for t in op.inputs)
    return seen


def _between(ys: list[Tensor], xs: list[Tensor], stop_ops: set) -> set:
    """Ops on some path from an x to a y (inclusive of the y ops and x ops)."""
    backward = _reachable_backward(ys, stop_ops)
    forward: set = set()
    stack = [x.op for x in xs]
    while stack:
        op = stack.pop()
        if op in forward or op not in backward:
            continue
        forward.add(op)
        for out in op.outputs:
            stack.extend(c for c in out._consumers if c in backward)
    return forward


def gradients(ys, xs, grad_ys=None, name="gradients", colocate_gradients_with_ops=False,
              gate_gradients=False, aggregation_method=None, stop_gradients=None,
              unconnected_gradients="none") -> list:
    """`tf.gradients`: d(sum of ys)/d(x) for each x, None where x does not reach ys.

    `unconnected_gradients`: "none" (TF's default), "zero" (zeros instead of None), or,
    graphjit's own, "raise": a ValueError that explains for each such x where its path
    to `ys` breaks (see `explain_no_gradient`)."""
    if unconnected_gradients not in ("none", "zero", "raise"):
        raise ValueError(f"Unknown value for unconnected_gradients: "
                         f"{unconnected_gradients!r}; use 'none', 'zero' or 'raise'")
    ys_list = list(ys) if isinstance(ys, (list, tuple)) else [ys]
    xs_list = list(xs) if isinstance(xs, (list, tuple)) else [xs]
    ys_list = [convert_to_tensor(y) for y in ys_list]
    sources = [_as_source(x) for x in xs_list]
    if grad_ys is None:
        grad_ys = [None] * len(ys_list)
    elif not isinstance(grad_ys, (list, tuple)):
        grad_ys = [grad_ys]
    if len(grad_ys) != len(ys_list):
        raise ValueError(f"Passed {len(grad_ys)} grad_ys for {len(ys_list)} ys")
    stop_tensors = [convert_to_tensor(s) for s in (stop_gradients or [])]
    stop_ops = {t.op for t in stop_tensors}
    graph = ys_list[0].graph if ys_list else sources[0].graph

    with graph.name_scope(name):
        between = _between(ys_list, sources, stop_ops)
        grads: dict[Tensor, list] = defaultdict(list)
        dropped: dict[Tensor, Operation] = {}
        for y, gy in zip(ys_list, grad_ys):
            if not _trainable(y):
                continue
            if gy is None:
                with graph.name_scope(f"grad_ys_{ys_list.index(y)}"):
                    gy = ones_like(y)
            else:
                gy = convert_to_tensor(gy, dtype=y.dtype)
            grads[y].append(gy)

        pending: dict[Operation, int] = defaultdict(int)
        for op in between:
            for t in op.inputs:
                if t.op in between:
                    pending[t.op] += 1
        ready = deque(op for op in between if pending[op] == 0)
        while ready:
            op = ready.popleft()
            out_grads = [_aggregate(grads.get(t)) for t in op.outputs]
            for t, g in zip(op.outputs, out_grads):
                if g is not None:
                    grads[t] = [g]
            if any(g is not None for g in out_grads) and op not in stop_ops:
                _backprop_op(op, out_grads, grads, between, dropped)
            for t in op.inputs:
                if t.op in between:
                    pending[t.op] -= 1
                    if pending[t.op] == 0:
                        ready.append(t.op)

        result = []
        for x in sources:
            g = _aggregate(grads.get(x))
            if g is None and unconnected_gradients == "zero":
                g = _zeros_for(x)
            result.append(g)
    if unconnected_gradients == "raise":
        missing = [(x, s) for x, s, g in zip(xs_list, sources, result) if g is None]
        if missing:
            text = "\n".join(_explain(ys_list, s, stop_ops, dropped, _display_name(x))
                             for x, s in missing)
            raise ValueError(f"No gradient for {len(missing)} of {len(sources)} sources:\n"
                             f"{text}")
    return result


def _zeros_for(x: Tensor):
    from .ops.core import zeros_like
    return zeros_like(x)


def _aggregate(items):
    if not items:
        return None
    if len(items) == 1:
        return items[0]
    return add_n(items)


def _backprop_op(op: Operation, out_grads: list, grads: dict, between: set,
                 dropped: dict) -> None:
    opdef = op.opdef
    if opdef.gradient is None:
        return
    if not any(t.op in between and _trainable(t) for t in op.inputs):
        return
    filled = []
    for t, g in zip(op.outputs, out_grads):
        if g is None and _trainable(t):
            from .ops.core import zeros_like
            g = zeros_like(t)
        filled.append(g)
    graph = op.graph
    with graph.name_scope(op.name + "_grad"):
        in_grads = opdef.gradient(op, *filled)
    in_grads = list(in_grads)
    if len(in_grads) != len(op.inputs):
        raise ValueError(f"Gradient function of {op.type} returned {len(in_grads)} values "
                         f"for {len(op.inputs)} inputs (op {op.name})")
    for t, g in zip(op.inputs, in_grads):
        if not _trainable(t) or t.op not in between:
            continue
        if g is None:
            dropped.setdefault(t, op)
            continue
        g = convert_to_tensor(g)
        if t.dtype is not dtypes.resource and g.dtype != t.dtype:
            raise TypeError(f"Gradient of {op.name} ({op.type}) for input {t.name} has dtype "
                            f"{g.dtype.name}, expected {t.dtype.name}")
        grads[t].append(g)


# -- why a source gets no gradient ---------------------------------------------------------

_MAX_BREAKS = 8


def _display_name(x) -> str:
    name = getattr(x, "name", None)
    return str(name) if name is not None else repr(x)


def _where(op: Operation) -> str:
    return f"{op.type} op '{op.name}' (created at {op.user_location()})"


def _leads_to(t: Tensor, ys: set, on_path: set) -> bool:
    return t in ys or any(c in on_path for c in t._consumers)


def _explain(ys: list[Tensor], x: Tensor, stop_ops: set, dropped: dict, label: str) -> str:
    on_path = _between(ys, [x], set())
    if x.op not in on_path:
        return (f"{label}: no path: {', '.join(y.name for y in ys)} does not depend on it "
                "at all (is it used by another loss, or was the loss built from a copy?)")
    if not _trainable(x):
        return (f"{label} is {x.dtype.name}: integer and boolean tensors carry no gradient")
    y_set = set(ys)
    breaks: dict[Operation, str] = {}
    seen: set[Tensor] = set()
    stack = [x]
    while stack:
        t = stack.pop()
        if t in seen:
            continue
        seen.add(t)
        for c in t._consumers:
            if c not in on_path or c in breaks:
                continue
            if c in stop_ops:
                breaks[c] = f"{_where(c)} is listed in stop_gradients"
            elif c.opdef.gradient is None:
                breaks[c] = f"{_where(c)} has no gradient: {c.opdef.no_gradient}"
            elif dropped.get(t) is c:
                breaks[c] = (f"{_where(c)}: its gradient function gives no gradient for "
                             f"input {c.inputs.index(t)} ({t.name})")
            else:
                for out in c.outputs:
                    if not _leads_to(out, y_set, on_path):
                        continue
                    if _trainable(out):
                        stack.append(out)
                    else:
                        breaks[c] = (f"{_where(c)} outputs {out.dtype.name} {out.name}: "
                                     "integer and boolean tensors carry no gradient")
    if not breaks:
        return f"{label}: every path to the loss passes through ops that give no gradient"
    shown = sorted(breaks, key=lambda op: op._id)
    lines = [f"{label}: every path to the loss breaks at:"]
    lines.extend(f"    {breaks[op]}" for op in shown[:_MAX_BREAKS])
    if len(shown) > _MAX_BREAKS:
        lines.append(f"    ... and {len(shown) - _MAX_BREAKS} more")
    return "\n".join(lines)


def explain_no_gradient(ys, x, stop_gradients=None) -> str:
    """Why `gradients(ys, x)` is None: no path from `x` to `ys`, or the ops where every
    path breaks, each with the user line that created it. `x` is a Tensor or Variable."""
    ys_list = list(ys) if isinstance(ys, (list, tuple)) else [ys]
    ys_list = [convert_to_tensor(y) for y in ys_list]
    stop_ops = {convert_to_tensor(s).op for s in (stop_gradients or [])}
    return _explain(ys_list, _as_source(x), stop_ops, {}, _display_name(x))


__all__ = ["gradients", "explain_no_gradient"]
