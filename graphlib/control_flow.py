"""Control flow without control-flow ops: `cond` and `case` build every branch and select
each output with `where`; `while_loop`, `map_fn`, `scan`, `foldl` and `foldr` are unrolled
at graph-build time.

TF1's `tf.cond` runs only the taken branch (Switch/Merge ops). graphjit's graphs have no
conditional execution, so `cond(pred, true_fn, false_fn)` calls both functions, and each
output is `where(pred, true_output, false_output)`: values are TF's, and gradients flow to
the taken branch only (the other branch's sources receive zeros). Because both branches
always run, a branch may not create an op with side effects (a variable write, a random
draw, a print): such a branch raises ValueError at build time. Reading variables is fine.
`case` is a chain of such selections.

`while_loop` calls `cond` and `body` once per iteration while building the graph, under
name scopes `while/iteration_k/`, as long as the condition's value is known at build time
(`constant_value`: constants, static shapes, arithmetic on them, such as a counter
compared with a length). A condition known only at run time needs `maximum_iterations`
(or a conjunct known at build time, as in `i < n and x > tol`): every iteration up to the
bound is built and the result is selected, with `where`, from the first iteration whose
condition is false. The plain graph that results needs no loop support from gradients or
the compiler. `map_fn`, `scan`, `foldl` and `foldr` unroll over the statically known first
dimension of their inputs. A loop body may read variables and draw random numbers (each
iteration draws anew, as in TF) but not write variables or print: nothing would order the
unrolled copies of such effects as TF's loop does, so it is a build-time ValueError.

May import: graph, registry (OpDef.stateful), shapes, tensor_array, ops.core, ops.math,
ops.array.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from . import dtypes
from .graph import Graph, Operation, Tensor, constant_value, get_default_graph
from .ops import math as math_ops
from .ops.core import convert_to_tensor, group, identity, stop_gradient
from .shapes import as_shape
from .tensor_array import TensorArray

MAX_UNROLLED_ITERATIONS = 10_000  # beyond this a loop is almost surely unbounded


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




# -- loops, unrolled at graph-build time ----------------------------------------------------


def _check_loop_ops(ops: Sequence[Operation], fn_label: str, what: str) -> None:
    for op in ops:
        opdef = op.opdef
        if opdef.stateful and opdef.side_effects and opdef.kind != "random":
            raise ValueError(
                f"{what}: {fn_label} creates the stateful op {op.name!r} ({op.type}, created "
                f"at {op.user_location()}). graphjit unrolls {what} at graph-build time into "
                "one copy of the loop body per iteration, and nothing would order the "
                "copies' side effects (variable writes, prints) as TF's loop does. Carry the "
                "values as loop variables and assign or print them once after the loop.")


def _call_in_loop(fn: Callable, args: tuple, fn_label: str, what: str):
    """`fn(*args)` in the default graph, after checking the ops it created for effects."""
    graph = get_default_graph()
    start = graph.num_operations
    result = fn(*args)
    _check_loop_ops(graph.operations_since(start), fn_label, what)
    return result


def _graph_of_nest(structure) -> Graph:
    for leaf in _flatten(structure):
        if isinstance(leaf, Tensor):
            return leaf.graph
        if isinstance(leaf, TensorArray):
            return leaf._graph_for_ops()
    return get_default_graph()


def _flatten_up_to(structure, value, what: str) -> list:
    """The items of `value` at the leaf positions of `structure`, in `_flatten` order."""
    if isinstance(structure, Mapping):
        if not isinstance(value, Mapping) or sorted(value) != sorted(structure):
            raise ValueError(f"{what} must have the structure of loop_vars")
        return [x for k in sorted(structure)
                for x in _flatten_up_to(structure[k], value[k], what)]
    if isinstance(structure, (list, tuple)):
        if not isinstance(value, (list, tuple)) or len(value) != len(structure):
            raise ValueError(f"{what} must have the structure of loop_vars")
        return [x for s, v in zip(structure, value) for x in _flatten_up_to(s, v, what)]
    return [value]


def _structure_text(s) -> str:
    if isinstance(s, Mapping):
        return "{" + ", ".join(f"{k!r}: {_structure_text(v)}" for k, v in s.items()) + "}"
    if isinstance(s, list):
        return "[" + ", ".join(_structure_text(v) for v in s) + "]"
    if isinstance(s, tuple):
        return type(s).__name__ + "(" + ", ".join(_structure_text(v) for v in s) + ")"
    return type(s).__name__


def _loop_value(value, like, what: str, index: int):
    """A loop value as a Tensor (or TensorArray), converted with `like`'s dtype as hint
    and checked against it."""
    if isinstance(value, TensorArray) or isinstance(like, TensorArray):
        if like is None:
            return value
        if not (isinstance(value, TensorArray) and isinstance(like, TensorArray)):
            raise TypeError(f"{what}: value {index} is a TensorArray in one iteration and "
                            "not in the next")
        if value.dtype != like.dtype:
            raise TypeError(f"{what}: TensorArray {index} changes dtype from "
                            f"{like.dtype.name} to {value.dtype.name}")
        return value
    if value is None:
        raise ValueError(f"{what}: value {index} is None; loop values must be tensors")
    if isinstance(value, Operation):
        raise TypeError(f"{what}: value {index} is the Operation {value.name}; loop values "
                        "must be tensors")
    tensor = convert_to_tensor(value, dtype_hint=None if like is None else like.dtype)
    if like is not None and tensor.dtype != like.dtype:
        raise TypeError(f"{what}: value {index} ({like.name}) has dtype {like.dtype.name} "
                        f"before an iteration and {tensor.dtype.name} after it; its dtype "
                        "must stay the same")
    return tensor


def _runtime_sources(t: Tensor, memo: dict) -> tuple[str, ...]:
    """The names of (up to 3) ops that make `t` a run-time value: placeholders, variable
    reads, random draws. Empty when `t` is computable at build time. `memo` is shared by
    the iterations of one loop, so each op is visited once (and no recursion limit hit)."""
    stack = [t]
    while stack:
        x = stack[-1]
        if x in memo:
            stack.pop()
            continue
        op = x.op
        opdef = op.opdef
        if op.type == "const":
            found = ()
        elif opdef.stateful or opdef.uses_context or opdef.kind in ("leaf", "state") or \
                op.type == "placeholder_with_default":
            found = (op.name,)
        elif "static_value" in opdef.attrs and constant_value(x) is not None:
            found = ()
        else:
            missing = [i for i in op.inputs if i not in memo]
            if missing:
                stack.extend(missing)
                continue
            found = tuple(dict.fromkeys(n for i in op.inputs for n in memo[i]))[:3]
        memo[x] = found
        stack.pop()
    return memo[t]


def _static_truth(pred: Tensor, memo: dict) -> bool | None:
    """The condition's value if known at build time (a conjunction with one conjunct
    known to be false is false), else None."""
    if not _runtime_sources(pred, memo):
        value = constant_value(pred)
        if value is not None:
            return bool(value)
    if pred.op.type == "logical_and" and \
            any(_static_truth(x, memo) is False for x in pred.op.inputs):
        return False
    return None


def _has_static_conjunct(pred: Tensor, memo: dict) -> bool:
    """Whether `pred` is `a & b & ...` with a part known at build time, which bounds the
    loop even though the whole condition is known only at run time."""
    return pred.op.type == "logical_and" and any(
        _static_truth(x, memo) is not None or _has_static_conjunct(x, memo)
        for x in pred.op.inputs)


def _loop_pred(value) -> Tensor:
    pred = convert_to_tensor(value)
    if not pred.dtype.is_bool:
        raise TypeError(f"while_loop: cond must return a bool tensor, got {pred.dtype.name}")
    if pred.shape.rank not in (None, 0):
        raise ValueError(f"while_loop: cond must return a scalar, got shape {pred.shape}")
    return pred


def _iteration_limit(maximum_iterations) -> int | None:
    if maximum_iterations is None:
        return None
    value = maximum_iterations
    if isinstance(value, Tensor):
        value = constant_value(value)
        if value is None:
            raise ValueError(
                f"while_loop: maximum_iterations ({maximum_iterations.name}) must be known "
                "at graph-build time, since graphjit unrolls the loop while building the "
                "graph")
    array = np.asarray(value)
    if array.ndim != 0:
        raise ValueError(f"'maximum_iterations' must be a scalar. Received shape: "
                         f"{array.shape}")
    if array.dtype.kind not in "iu":
        raise TypeError(f"while_loop: maximum_iterations must be an integer, got {value!r}")
    return max(int(array), 0)


def _shape_invariants(shape_invariants, structure, flat: list) -> list:
    given = [None] * len(flat) if shape_invariants is None else \
        _flatten_up_to(structure, shape_invariants, "while_loop: shape_invariants")
    shapes = []
    for leaf, invariant in zip(flat, given):
        if isinstance(leaf, TensorArray):
            shapes.append(None)
            continue
        shape = leaf.shape if invariant is None else as_shape(invariant)
        if not leaf.shape.is_compatible_with(shape):
            raise ValueError(f"while_loop: the shape invariant {shape} is not compatible "
                             f"with the initial shape {leaf.shape} of {leaf.name}")
        shapes.append(shape)
    return shapes


def _as_args(structure, packed) -> tuple:
    """cond and body take the loop variables as separate arguments (a dict, a tensor or a
    TensorArray as one argument)."""
    return tuple(packed) if isinstance(structure, (list, tuple)) else (packed,)


def _next_values(result, structure, flat: list, invariants: list) -> list:
    """The body's result as flat loop values, checked against the previous ones."""
    if isinstance(structure, (list, tuple)) and len(structure) == 1 and \
            not (isinstance(result, (list, tuple)) and len(result) == 1):
        result = [result]  # TF wraps a single-variable body's bare result
    if not _same_structure(result, structure):
        raise ValueError(f"while_loop: body must return the structure of loop_vars, "
                         f"{_structure_text(structure)}, but returned "
                         f"{_structure_text(result)}")
    values = []
    for i, (value, old, invariant) in enumerate(zip(_flatten(result), flat, invariants)):
        value = _loop_value(value, old, "while_loop", i)
        if invariant is not None and not value.shape.is_compatible_with(invariant):
            raise ValueError(
                f"while_loop: loop variable {i} enters the loop with shape {invariant}, but "
                f"has shape {value.shape} after one iteration. To allow the shape to vary "
                "across iterations, use the `shape_invariants` argument of tf.while_loop to "
                "specify a less-specific shape.")
        values.append(value)
    return values


def _select_iteration(pred: Tensor, later, earlier, index: int):
    """`later` where the iteration that made it ran (pred), else `earlier`."""
    if later is earlier:
        return later
    if isinstance(later, TensorArray):
        raise ValueError(
            "while_loop: a TensorArray loop variable needs a loop condition known at build "
            "time; with a condition known only at run time graphjit selects the result "
            "among the unrolled iterations, and cannot select between TensorArrays")
    if later.shape.rank is None or earlier.shape.rank is None or \
            not later.shape.is_compatible_with(earlier.shape):
        raise ValueError(
            f"while_loop: loop variable {index} has shape {earlier.shape} in one iteration "
            f"and {later.shape} in the next. With a condition known only at run time "
            "graphjit selects the result among the unrolled iterations with where, so each "
            "loop variable needs one shape of known rank.")
    return math_ops.where_v2(pred, later, earlier, name="Select")


def _cap_message() -> str:
    return (f"while_loop: the loop has not stopped after {MAX_UNROLLED_ITERATIONS} "
            "iterations. graphjit unrolls while_loop at graph-build time, one copy of the "
            "body per iteration, and caps that at graphlib.control_flow."
            "MAX_UNROLLED_ITERATIONS: check that the condition becomes false, pass a "
            "smaller maximum_iterations, or vectorize the loop.")


def _runtime_condition_message(pred: Tensor, memo: dict) -> str:
    sources = _runtime_sources(pred, memo)
    because = (f"depends on values known only at run time ({', '.join(sources)})"
               if sources else "cannot be computed at build time")
    return (f"while_loop: the loop condition {pred.name} {because}. graphjit unrolls "
            "while_loop at graph-build time, so it must know when the loop stops: compute "
            "the condition from constants and static shapes (e.g. a counter compared with "
            "x.shape[0]), or pass maximum_iterations=N, with which graphjit builds N "
            "iterations and selects the result of the first one whose condition is false.")


def _unroll_while(graph: Graph, cond: Callable, body: Callable, structure, flat: list,
                  invariants: list, limit: int | None) -> list:
    memo: dict = {}
    pending = []  # (pred, values before the body) of iterations with a run-time condition
    k = 0
    while limit is None or k < limit:
        with graph.name_scope(f"iteration_{k}"):
            args = _as_args(structure, _pack(structure, flat))
            pred = _loop_pred(_call_in_loop(cond, args, "cond", "while_loop"))
            truth = _static_truth(pred, memo)
            if truth is False:
                break
            if k == MAX_UNROLLED_ITERATIONS:
                raise ValueError(_cap_message())
            if truth is None:
                if limit is None and not _has_static_conjunct(pred, memo):
                    raise ValueError(_runtime_condition_message(pred, memo))
                pending.append((pred, flat))
            flat = _next_values(_call_in_loop(body, args, "body", "while_loop"), structure,
                                flat, invariants)
        k += 1
    for pred, earlier in reversed(pending):
        flat = [_select_iteration(pred, later, before, i)
                for i, (later, before) in enumerate(zip(flat, earlier))]
    return flat


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10,
               back_prop=True, swap_memory=False, name=None, maximum_iterations=None,
               return_same_structure=False):
    """`tf.while_loop`, unrolled at graph-build time (see the module doc): the loop
    variables after the loop; one variable is returned bare unless
    `return_same_structure`. `parallel_iterations` and `swap_memory` have no effect."""
    if not callable(cond):
        raise TypeError("'cond' must be callable.")
    if not callable(body):
        raise TypeError("'body' must be callable.")
    if parallel_iterations < 1:
        raise TypeError("'parallel_iterations' must be a positive integer.")
    if isinstance(loop_vars, (list, tuple, Mapping)) and not _flatten(loop_vars):
        raise ValueError("'loop_vars' must be provided.")
    graph = _graph_of_nest(loop_vars)
    with graph.as_default(), graph.name_scope(name or "while"):
        flat = [_loop_value(v, None, "while_loop", i)
                for i, v in enumerate(_flatten(loop_vars))]
        invariants = _shape_invariants(shape_invariants, loop_vars, flat)
        limit = _iteration_limit(maximum_iterations)
        flat = _unroll_while(graph, cond, body, loop_vars, flat, invariants, limit)
        outputs = []
        for i, value in enumerate(flat):
            if isinstance(value, Tensor):
                # TF's outputs are `while/Identity_2:0`... (0 and 1 are its loop counters).
                value = identity(value, name=f"Identity_{i + 2}")
                if not back_prop:
                    value = stop_gradient(value)
            outputs.append(value)
    if return_same_structure or len(outputs) != 1:
        return _pack(loop_vars, outputs)
    return outputs[0]


# -- map_fn, scan, foldl, foldr --------------------------------------------------------------


def _elements(elems, what: str) -> tuple[int, list]:
    """The number of elements along axis 0 (known at build time) and each element as a
    nest like `elems`."""
    from .ops.array import unstack

    leaves = [convert_to_tensor(e) for e in _flatten(elems)]
    if not leaves:
        raise ValueError(f"{what}: elems must contain at least one tensor")
    n = None
    for t in leaves:
        if t.shape.rank == 0:
            raise ValueError(f"{what}: elements must have rank >= 1, got the scalar {t.name}")
        first = None if t.shape.rank is None else t.shape[0]
        if first is None:
            raise ValueError(
                f"{what}: the first dimension of {t.name} (shape {t.shape}) is not known at "
                f"build time. graphjit unrolls {what} at graph-build time, one call of fn "
                "per element, so the number of elements must be static: feed a placeholder "
                "with a fixed first dimension, or use vectorized ops.")
        if n is not None and first != n:
            raise ValueError(f"{what}: all elems must have the same first dimension, got "
                             f"{n} and {first}")
        n = first
    columns = [unstack(t, num=n, name="TensorArrayUnstack") if n else [] for t in leaves]
    return n, [_pack(elems, [c[k] for c in columns]) for k in range(n)]


def _carried(result, like, what: str):
    """fn's result as a nest of tensors with `like`'s structure and dtypes."""
    if not _same_structure(result, like):
        raise ValueError(f"{what}: fn must return the structure {_structure_text(like)}, "
                         f"got {_structure_text(result)}")
    values = [_loop_value(v, old, what, i)
              for i, (v, old) in enumerate(zip(_flatten(result), _flatten(like)))]
    return _pack(like, values)


def _stacked(results: list, back_prop: bool):
    """The leaves of `results` (nests of one structure) stacked along a new axis 0, named
    as TF's TensorArray stacks."""
    from .ops.array import stack

    graph = get_default_graph()
    columns = zip(*[_flatten(r) for r in results])
    outputs = []
    for column in columns:
        with graph.name_scope("TensorArrayV2Stack"):
            value = stack(list(column), name="TensorListStack")
        outputs.append(value if back_prop else stop_gradient(value))
    return _pack(results[0], outputs)


def _empty_stack(like):
    """Zero-length stacks for outputs shaped like the leaves of `like`."""
    from .ops.core import constant

    leaves = []
    for t in _flatten(like):
        if not t.shape.is_fully_defined():
            raise ValueError(f"the output {t.name} has shape {t.shape}; stacking zero "
                             "elements needs a fully known shape")
        leaves.append(constant(np.zeros([0, *t.shape.as_list()], t.dtype.np)))
    return _pack(like, leaves)


def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True,
           swap_memory=False, infer_shape=True, name=None, fn_output_signature=None):
    """`tf.map_fn`: fn applied to each element of `elems` (a tensor or nest, unstacked
    along axis 0, whose length is known at build time), the results stacked. `dtype`
    (or `fn_output_signature`) is the nest of output dtypes when it differs from elems'."""
    if not callable(fn):
        raise TypeError("fn must be callable.")
    signature = fn_output_signature if fn_output_signature is not None else dtype
    graph = _graph_of_nest(elems)
    with graph.as_default(), graph.name_scope(name or "map"):
        n, items = _elements(elems, "map_fn")
        if n == 0:
            from .ops.core import constant

            probe = _pack(elems, [constant(np.zeros(t.shape.as_list()[1:], t.dtype.np))
                                  for t in map(convert_to_tensor, _flatten(elems))])
            return _empty_stack(_map_result(fn(probe), signature, None))
        results = []
        for k, item in enumerate(items):
            with graph.name_scope(f"iteration_{k}"):
                result = _call_in_loop(fn, (item,), "fn", "map_fn")
                results.append(_map_result(result, signature, results[0] if results
                                           else None))
        return _stacked(results, back_prop)


def _map_result(result, signature, first):
    """One result of map_fn's fn, checked against `signature` (a nest of dtypes) and
    against the first iteration's result."""
    if signature is not None:
        if not _same_structure(result, signature):
            raise ValueError(f"map_fn: fn returned {_structure_text(result)}, which does "
                             f"not match the structure of dtype, {signature!r}")
        values = []
        for i, (value, want) in enumerate(zip(_flatten(result), _flatten(signature))):
            want = dtypes.as_dtype(want)
            tensor = convert_to_tensor(value, dtype_hint=want)
            if tensor.dtype != want:
                raise TypeError(f"map_fn: output {i} of fn has dtype {tensor.dtype.name}, "
                                f"but dtype says {want.name}")
            values.append(tensor)
        result = _pack(result, values)
    if first is None:
        return _pack(result, [_loop_value(v, None, "map_fn", i)
                              for i, v in enumerate(_flatten(result))])
    return _carried(result, first, "map_fn")


def scan(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
         swap_memory=False, infer_shape=True, reverse=False, name=None):
    """`tf.scan`: the stacked running values of `acc = fn(acc, element)` over the
    elements of `elems` along axis 0 (from the last with `reverse`, results still in
    element order); `initializer` None starts from the first element, which is also the
    first output."""
    if not callable(fn):
        raise TypeError("fn must be callable.")
    graph = _graph_of_nest(elems)
    with graph.as_default(), graph.name_scope(name or "scan"):
        n, items = _elements(elems, "scan")
        order = list(range(n))[::-1] if reverse else list(range(n))
        outputs: list = [None] * n
        acc = _initial_accumulator(initializer, items, order, "scan")
        if initializer is None:
            outputs[order[0]] = acc
            order = order[1:]
        for k in order:
            with graph.name_scope(f"iteration_{k}"):
                acc = _carried(_call_in_loop(fn, (acc, items[k]), "fn", "scan"), acc, "scan")
            outputs[k] = acc
        if n == 0:
            return _empty_stack(acc)
        return _stacked(outputs, back_prop)


def _initial_accumulator(initializer, items: list, order: list, what: str):
    if initializer is not None:
        return _pack(initializer, [_loop_value(v, None, what, i)
                                   for i, v in enumerate(_flatten(initializer))])
    if not items:
        raise ValueError(f"{what}: elems must have at least one element when initializer "
                         "is None")
    return items[order[0]]


def _fold(fn, elems, initializer, back_prop: bool, name, what: str, reverse: bool):
    if not callable(fn):
        raise TypeError("fn must be callable.")
    graph = _graph_of_nest(elems)
    with graph.as_default(), graph.name_scope(name or what):
        n, items = _elements(elems, what)
        order = list(range(n))[::-1] if reverse else list(range(n))
        acc = _initial_accumulator(initializer, items, order, what)
        if initializer is None:
            order = order[1:]
        for k in order:
            with graph.name_scope(f"iteration_{k}"):
                acc = _carried(_call_in_loop(fn, (acc, items[k]), "fn", what), acc, what)
        outputs = []
        with graph.name_scope("while"):
            for i, value in enumerate(_flatten(acc)):
                # TF's results are `foldl/while/Identity_3:0`... (after three counters).
                value = identity(value, name=f"Identity_{i + 3}")
                outputs.append(value if back_prop else stop_gradient(value))
        return _pack(acc, outputs)


def foldl(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
          swap_memory=False, name=None):
    """`tf.foldl`: `acc = fn(acc, element)` over the elements of `elems` along axis 0,
    first to last; `initializer` None starts from the first element."""
    return _fold(fn, elems, initializer, back_prop, name, "foldl", reverse=False)


def foldr(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
          swap_memory=False, name=None):
    """`tf.foldr`: `acc = fn(acc, element)` over the elements of `elems` along axis 0,
    last to first; `initializer` None starts from the last element."""
    return _fold(fn, elems, initializer, back_prop, name, "foldr", reverse=True)


__all__ = ["cond", "case", "while_loop", "map_fn", "scan", "foldl", "foldr", "TensorArray",
           "MAX_UNROLLED_ITERATIONS"]
