"""Symbolic reverse-mode differentiation: `gradients(ys, xs)` adds the gradient graph.

Walks the ops between `xs` and `ys` in reverse topological order (iteratively, so long
chains never meet the recursion limit), calls each op's registered gradient function,
sums gradients over fan-out with `add_n`, and returns None for unconnected sources.
Integer and boolean tensors carry no gradient.

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
    """`tf.gradients`: d(sum of ys)/d(x) for each x, None where x does not reach ys."""
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
                _backprop_op(op, out_grads, grads, between)
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


def _backprop_op(op: Operation, out_grads: list, grads: dict, between: set) -> None:
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
        if g is None or not _trainable(t) or t.op not in between:
            continue
        g = convert_to_tensor(g)
        if t.dtype is not dtypes.resource and g.dtype != t.dtype:
            raise TypeError(f"Gradient of {op.name} ({op.type}) for input {t.name} has dtype "
                            f"{g.dtype.name}, expected {t.dtype.name}")
        grads[t].append(g)


__all__ = ["gradients"]
