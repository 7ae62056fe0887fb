"""Random well-typed graphs over the whole op registry (hypothesis), for differential and
gradient tests.

`graphs(mode="diff" | "grad", ops=None)` is a hypothesis strategy of `RandomGraph`s: a
`gj.Graph` built step by step from random calls of the public builders (the facade
`graphjit`, as a user writes them), with the placeholders' feed values, the tensors and
targets to fetch, the variables, and the program as Python text (`RandomGraph.text()`),
which is what a failing example prints after hypothesis has shrunk it.

`TABLE` is the per-op data: for every registered op name (and a few structural steps
whose names start with "@": control dependencies, gradients, variables) an `Entry` whose
`make(b)` draws valid arguments from the `Builder` `b` (existing tensors of the right
dtype and rank, or fresh leaves) and calls the op's builder through `b.call`. An op with
no entry fails `tests/test_random_graphs.py`, so a new op must be added here.

Entry fields: `grad` says how an entry may take part in gradient graphs ("smooth": any
float input; "kink": the op has kinks or jumps, so in gradient mode it only reads leaves,
whose random values are almost surely away from them; "no": it is left out of gradient
graphs because it is random, changes state between the finite-difference runs, or
(stop_gradient) differs from finite differences by design);
`rtol` is the op's float32 tolerance of compiled vs interpreted results (float64 uses
`rtol * 1e-7`, floored at 1e-12), scaled by the largest intermediate magnitude.

May import: numpy, hypothesis, graphjit (the public facade and its registry).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st

import graphjit as gj
import graphjit.debugging  # noqa: F401 - registers the debug ops
from graphjit.graphlib import registry

FLOATS = (gj.float32, gj.float64)
INTS = (gj.int32, gj.int64)
NUMERIC = FLOATS + INTS
ALL = NUMERIC + (gj.bool,)


@dataclass
class Item:
    """One tensor of the random graph, with the name it has in the printed program."""

    name: str
    tensor: gj.Tensor
    leaf: bool = False
    positive: bool = False    # a leaf whose values are > 0 (ints: >= 0)
    random: bool = False      # depends on a random op: compared by shape and dtype only

    @property
    def dtype(self):
        return self.tensor.dtype

    @property
    def shape(self) -> tuple:
        shape = self.tensor.shape
        return () if shape.rank is None else tuple(shape.as_list())

    @property
    def defined(self) -> bool:
        return self.tensor.shape.is_fully_defined()

    @property
    def rank(self) -> int:
        return len(self.shape)


@dataclass
class RandomGraph:
    """A generated program: its graph, feeds, what to fetch, and its text."""

    graph: gj.Graph
    lines: list = field(default_factory=list)
    feeds: dict = field(default_factory=dict)          # placeholder -> value
    items: list = field(default_factory=list)
    targets: list = field(default_factory=list)        # Operations to run (print, no_op)
    variables: list = field(default_factory=list)      # (name, Variable)
    entries: list = field(default_factory=list)        # the TABLE keys used, in order
    fetches: list = field(default_factory=list)        # Items, chosen after building
    float_dtype: object = gj.float32

    def __repr__(self) -> str:
        return "RandomGraph:\n" + self.text()

    def _repr_pretty_(self, printer, cycle) -> None:  # hypothesis prints examples with it
        printer.text(repr(self))

    def text(self) -> str:
        fetched = ", ".join(i.name for i in self.fetches)
        return "\n".join(self.lines + [f"fetch: [{fetched}]"])

    def op_types(self) -> set:
        return {op.type for op in self.graph.get_operations()}

    def rtol(self) -> float:
        tol = max([TABLE[e].rtol for e in self.entries] + [1e-5])
        return tol if self.float_dtype == gj.float32 else max(tol * 1e-7, 1e-12)


def _fmt(value, names: dict) -> str:
    if isinstance(value, Item):
        return value.name
    if isinstance(value, (gj.Tensor, gj.Operation)) and id(value) in names:
        return names[id(value)]
    if isinstance(value, gj.DType):
        return f"tf.{value.name}"
    if isinstance(value, np.ndarray):
        text = f"np.array({value.tolist()!r}, np.{value.dtype.name})"
        return text + (f".reshape({value.shape})" if value.size == 0 and value.ndim > 1
                       else "")
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_fmt(v, names) for v in value)
        if isinstance(value, list):
            return f"[{inner}]"
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)


def _unwrap(value):
    if isinstance(value, Item):
        return value.tensor
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_unwrap(v) for v in value)
    return value


class Builder:
    """Draws arguments and builds one random graph; entries call its methods."""

    def __init__(self, data, mode: str, float_dtype, zero_size: bool | str, specials: bool):
        self.data = data
        self.mode = mode
        self.fdt = float_dtype
        self.zero_size = zero_size
        self.specials = specials
        self.g = RandomGraph(gj.Graph(), float_dtype=float_dtype)
        self.names: dict[int, str] = {}
        self._kink = False
        self._counter = 0

    # -- drawing ----------------------------------------------------------------------
    def draw(self, strategy):
        return self.data.draw(strategy)

    def int(self, lo: int, hi: int) -> int:
        return self.draw(st.integers(lo, hi))

    def choice(self, seq: Sequence):
        return self.draw(st.sampled_from(list(seq)))

    def flag(self) -> bool:
        return self.draw(st.booleans())

    def dim(self, min_dim: int = 0) -> int:
        dims = [2, 1, 3] + ([0] if self.zero_size and min_dim == 0 else [])
        if self.zero_size == "first" and min_dim == 0:
            dims = [0, 2, 1, 3]
        return self.choice([d for d in dims if d >= min_dim])

    def shape(self, min_rank: int = 0, max_rank: int = 3, min_dim: int = 0) -> tuple:
        rank = self.int(min_rank, max_rank)
        return tuple(self.dim(min_dim) for _ in range(rank))

    def axis(self, rank: int, allow_none: bool = False):
        """An axis of a tensor of `rank`, negative or not."""
        if allow_none and self.flag():
            return None
        a = self.int(0, rank - 1)
        return a - rank if self.flag() else a

    def fdtype(self):
        return self.fdt

    # -- tensors ----------------------------------------------------------------------
    def _new_name(self, prefix: str = "t") -> str:
        self._counter += 1
        return f"{prefix}{self._counter}"

    def _values(self, dtype, shape, positive: bool) -> np.ndarray:
        # the leaf's number is part of the seed: leaves differ even when hypothesis
        # shrinks their drawn seeds to the same value (ties would fake kink failures)
        r = np.random.default_rng([self.int(0, 2**16), self._counter])
        if dtype.is_bool:
            return r.random(shape) < 0.5
        if dtype.is_integer:
            lo, hi = (0, 4) if positive else (-5, 6)
            return r.integers(lo, hi, size=shape).astype(dtype.np)
        if positive:
            values = r.uniform(0.5, 2.0, size=shape)
        else:
            values = r.uniform(-2.0, 2.0, size=shape)
        if self.specials and values.size and self.int(0, 3) == 0:
            flat = values.reshape(-1)
            flat[self.int(0, flat.size - 1)] = self.choice([np.nan, np.inf, -np.inf, 0.0, -0.0])
        return values.astype(dtype.np)

    def fresh(self, dtype, shape=None, positive=False, values=None, min_rank=0, max_rank=3,
              const: bool | None = None) -> Item:
        """A new leaf: a fed placeholder or a constant (drawn) of dtype and shape."""
        if shape is None:
            shape = self.shape(min_rank, max_rank)
        shape = tuple(shape)
        if values is None:
            values = self._values(dtype, shape, positive)
        values = np.asarray(values, dtype=dtype.np).reshape(shape)
        if const is None:
            const = self.int(0, 4) == 4
        name = self._new_name("c" if const else "x")
        with self.g.graph.as_default():
            if const:
                t = gj.constant(values, dtype=dtype)
                self.lines.append(f"{name} = tf.constant({_fmt(values, {})}, tf.{dtype.name})")
            else:
                t = gj.placeholder(dtype, shape=list(shape), name=name)
                self.g.feeds[t] = values
                self.lines.append(f"{name} = tf.placeholder(tf.{dtype.name}, {list(shape)})"
                                  f"  # fed {_fmt(values, {})}")
        item = Item(name, t, leaf=True, positive=positive)
        self._add(item)
        return item

    @property
    def lines(self) -> list:
        return self.g.lines

    def _add(self, item: Item) -> None:
        self.g.items.append(item)
        self.names[id(item.tensor)] = item.name

    def pick(self, dtypes=None, min_rank=0, max_rank=4, where: Callable | None = None,
             positive=False, leaf=False, shape=None, partial=False) -> Item:
        """An existing tensor that fits, or a fresh leaf. In gradient mode, a kink entry
        (and a `positive` request) reads leaves only. Tensors with unknown dimensions
        (placeholder_with_default, where_indices) fit only with `partial`."""
        dtypes = tuple(dtypes or (self.fdt,))
        leaf = leaf or (self.mode == "grad" and (self._kink or positive))

        def fits(i: Item) -> bool:
            return (i.dtype in dtypes and min_rank <= i.rank <= max_rank
                    and (partial or i.defined)
                    and (shape is None or i.shape == tuple(shape))
                    and (not leaf or i.leaf) and (not positive or i.positive)
                    and (where is None or where(i)))
        candidates = [i for i in self.g.items if fits(i)]
        k = self.int(0, len(candidates))
        if k < len(candidates):
            return candidates[k]
        dtype = self.choice(dtypes)
        if shape is None:
            for attempt in range(20):
                # after 10 misses, no zero dims (an entry may need a non-empty axis)
                shape = self.shape(min_rank, max(min_rank, min(max_rank, 3)),
                                   min_dim=int(attempt >= 10))
                if where is None or where(Item("", _Probe(dtype, shape), leaf=True)):
                    break
            else:
                raise AssertionError("no shape satisfies the entry's constraint")
        return self.fresh(dtype, shape, positive=positive, const=False if positive else None)

    def like(self, a: Item, dtypes=None, broadcast=True) -> Item:
        """Another tensor whose shape broadcasts with `a`'s (same dtype unless given)."""
        dtypes = tuple(dtypes or (a.dtype,))
        if broadcast and self.flag():
            shape = list(a.shape[self.int(0, a.rank):])
            for k in range(len(shape)):
                if self.int(0, 2) == 0:
                    shape[k] = 1
            if len(shape) == a.rank < 4 and self.int(0, 3) == 0:
                shape = [self.choice([1, 2])] + shape
            if self.flag():
                return self.pick(dtypes, shape=shape, leaf=self.mode == "grad" and self._kink)
            return self.fresh(self.choice(dtypes), shape)
        return self.pick(dtypes, shape=a.shape)

    def variable(self, dtypes=NUMERIC) -> tuple[str, gj.Variable]:
        if self.g.variables and self.flag():
            return self.choice(self.g.variables)
        dtype = self.choice(dtypes)
        shape = self.shape(0, 2)
        values = self._values(dtype, shape, positive=False)
        name = self._new_name("v")
        with self.g.graph.as_default():
            var = gj.Variable(values, dtype=dtype, name=name)
        self.lines.append(f"{name} = tf.Variable({_fmt(values, {})}, dtype=tf.{dtype.name})")
        self.g.variables.append((name, var))
        self.names[id(var)] = name
        return name, var

    def call(self, text: str, fn: Callable, *args, _random=False, **kwargs):
        """Calls a builder, records the line, and adds its tensor outputs to the pool."""
        parts = [_fmt(a, self.names) for a in args]
        parts += [f"{k}={_fmt(v, self.names)}" for k, v in kwargs.items()]
        call_text = f"{text}({', '.join(parts)})"
        random = _random or any(isinstance(a, Item) and a.random
                                for a in _flat(list(args) + list(kwargs.values())))
        with self.g.graph.as_default():
            result = fn(*_unwrap(list(args)), **{k: _unwrap(v) for k, v in kwargs.items()})
        outs = result if isinstance(result, (list, tuple)) else [result]
        names = []
        for r in outs:
            if isinstance(r, gj.Tensor):
                item = Item(self._new_name(), r, random=random)
                self._add(item)
                names.append(item.name)
            elif isinstance(r, gj.Operation):
                name = self._new_name("op")
                self.names[id(r)] = name
                self.g.targets.append(r)
                names.append(name)
            elif r is not None and hasattr(r, "_to_tensor"):
                names.append(self.names.get(id(r), "?"))
        lhs = ", ".join(names) + ("," if isinstance(result, (list, tuple)) and
                                  len(names) == 1 else "")
        self.lines.append(f"{lhs or '_'} = {call_text}")
        return result


class _Probe:
    """A stand-in tensor for checking a shape constraint before a leaf exists."""

    def __init__(self, dtype, shape):
        self.dtype = dtype
        self.shape = gj.TensorShape(list(shape))


def _flat(values) -> list:
    out = []
    for v in values:
        if isinstance(v, (list, tuple)):
            out.extend(_flat(v))
        else:
            out.append(v)
    return out


@dataclass(frozen=True)
class Entry:
    """How to generate one op: `make(b)` draws arguments and calls the builder."""

    make: Callable[[Builder], object]
    grad: str = "smooth"     # "smooth" | "kink" | "no" (see the module docstring)
    rtol: float = 1e-5


# -- entry factories ---------------------------------------------------------------------

def _unary(fn: Callable, text: str, dtypes=FLOATS, positive=False, grad="smooth", rtol=1e-5):
    def make(b: Builder):
        x = b.pick(_restrict(b, dtypes), positive=positive and b.mode == "grad",
                   partial=True)
        return b.call(text, fn, x)
    return Entry(make, grad, rtol)


def _restrict(b: Builder, dtypes) -> tuple:
    """Float dtypes are the graph's float dtype (mixing floats needs an explicit cast)."""
    out = tuple(d for d in dtypes if not d.is_floating or d == b.fdt)
    return out or (b.fdt,)


def _binary(fn: Callable, text: str, dtypes=NUMERIC, grad="smooth", rhs_positive=False,
            lhs_positive=False, rtol=1e-5, int_rhs_nonneg=False):
    def make(b: Builder):
        x = b.pick(_restrict(b, dtypes), positive=lhs_positive and b.mode == "grad")
        if (rhs_positive and b.mode == "grad") or (int_rhs_nonneg and x.dtype.is_integer):
            y = b.fresh(x.dtype, b.like(x).shape, positive=True, const=False)
        else:
            y = b.like(x)
            if b.mode == "grad" and grad == "kink" and y is x:
                y = b.fresh(x.dtype, x.shape, const=False)
        if b.flag():
            x, y = y, x
            if int_rhs_nonneg and y.dtype.is_integer and not y.positive:
                y = b.fresh(x.dtype, x.shape, positive=True)
        return b.call(text, fn, x, y)
    return Entry(make, grad, rtol)


def _reduce(fn: Callable, text: str, dtypes=NUMERIC, grad="smooth", rtol=1e-5):
    def make(b: Builder):
        x = b.pick(_restrict(b, dtypes), partial=True)
        kwargs = {"axis": _axes(b, x.rank)}
        if b.flag():
            kwargs["keepdims"] = b.flag()
        return b.call(text, fn, x, **kwargs)
    return Entry(make, grad, rtol)


def _axes(b: Builder, rank: int):
    form = b.int(0, 2)
    if form == 0 or rank == 0:
        return None if form == 0 else []
    if form == 1:
        return b.axis(rank)
    axes = sorted(set(b.draw(st.lists(st.integers(0, rank - 1), min_size=1, max_size=rank))))
    return [a - rank if b.flag() else a for a in axes]


def _via_gradient(forward: Callable, order: int = 1, grad="smooth"):
    """An op that exists to express a gradient: made by differentiating `forward(b)`,
    which returns (output item, input item)."""
    def make(b: Builder):
        y, x = forward(b)
        gy = b.fresh(y.dtype, y.shape)
        (g,) = b.call("tf.gradients", gj.gradients, y, [x], grad_ys=gy)
        if order == 2 and g is not None:
            first = b.g.items[-1]
            gg = b.fresh(x.dtype, x.shape)
            b.call("tf.gradients", gj.gradients, first, [gy], grad_ys=gg)
        return g
    return Entry(make, grad)


# -- entries: core and state ----------------------------------------------------------------

def _const(b: Builder):
    return b.fresh(b.choice(_restrict(b, ALL)), const=True)


def _placeholder(b: Builder):
    return b.fresh(b.choice(_restrict(b, ALL)), const=False)


def _placeholder_with_default(b: Builder):
    x = b.pick(_restrict(b, ALL))
    shape = [None if b.int(0, 2) == 0 else d for d in x.shape]
    return b.call("tf.placeholder_with_default", gj.placeholder_with_default, x, shape=shape)


def _add_n(b: Builder):
    x = b.pick(_restrict(b, NUMERIC))
    rest = [b.pick((x.dtype,), shape=x.shape) for _ in range(b.int(1, 3))]
    return b.call("tf.add_n", gj.add_n, [x] + rest)


def _sum_to_shape(b: Builder):
    x = b.pick((b.fdt,), min_rank=1)
    like = b.fresh(x.dtype, [1 if b.flag() else d for d in x.shape[b.int(0, x.rank):]])
    return b.call("tf.sum_to_shape", gj.sum_to_shape, x, like)


def _broadcast_like(b: Builder):
    like = b.pick((b.fdt,))
    x = b.fresh(like.dtype, [1 if b.flag() else d for d in like.shape[b.int(0, like.rank):]])
    return b.call("tf.broadcast_like", gj.broadcast_like, x, like)


def _like_op(fn, text):
    def make(b: Builder):
        x = b.pick(_restrict(b, ALL))
        kwargs = {"dtype": b.choice(_restrict(b, ALL))} if b.flag() else {}
        return b.call(text, fn, x, **kwargs)
    return Entry(make, "smooth")


def _no_op(b: Builder):
    x = b.pick(_restrict(b, ALL))
    return b.call("tf.group", gj.group, x)


def _read_variable(b: Builder):
    name, var = b.variable()
    return b.call(f"{name}.value", var.value)


def _assign(method: str):
    def make(b: Builder):
        dtypes = NUMERIC if method == "assign" else _restrict(b, NUMERIC)
        name, var = b.variable(dtypes)
        value = b.pick((var.dtype,), shape=tuple(var.shape.as_list()))
        return b.call(f"{name}.{method}", getattr(var, method), value)
    return Entry(make, "no")


def _control_dependencies(b: Builder):
    dep = b.pick(_restrict(b, ALL))
    x = b.pick(_restrict(b, ALL))
    graph = b.g.graph
    b.lines.append(f"with tf.control_dependencies([{dep.name}]):")
    with graph.control_dependencies([dep.tensor]):
        result = b.call("tf.identity", gj.identity, x)
    b.lines[-1] = "    " + b.lines[-1]
    return result


def _gradients(b: Builder):
    floats = [i for i in b.g.items if i.dtype == b.fdt and not i.random]
    if not floats:
        b.fresh(b.fdt)
        floats = [i for i in b.g.items if i.dtype == b.fdt]
    y = b.choice(floats)
    xs = [b.choice(floats) for _ in range(b.int(1, 2))]
    return b.call("tf.gradients", gj.gradients, y, xs)


# -- entries: math ----------------------------------------------------------------------

def _pow(b: Builder):
    x = b.pick(_restrict(b, NUMERIC), positive=b.mode == "grad")
    if x.dtype.is_integer:
        y = b.fresh(x.dtype, b.like(x).shape, positive=True)
    elif b.mode == "grad":
        y = b.like(x)
    else:
        y = b.like(x)
    return b.call("tf.pow", gj.pow, x, y)


def _cast(b: Builder):
    target = b.choice(ALL)
    source = _restrict(b, ALL)
    if target.is_integer or target.is_bool:
        # Casting NaN, Inf or out-of-range floats to integers is undefined (C's rule), so
        # floats cast to integers are leaves (finite, small).
        x = b.pick(source, where=lambda i: not i.dtype.is_floating or i.leaf)
    else:
        x = b.pick(source)
    return b.call("tf.cast", gj.cast, x, target)


def _clip(b: Builder):
    x = b.pick(_restrict(b, NUMERIC))
    lo = float(b.int(-3, 1)) if x.dtype.is_floating else b.int(-3, 1)
    hi = lo + (1.5 if x.dtype.is_floating else 2)
    if b.flag():
        lo = b.fresh(x.dtype, (), values=lo)
    return b.call("tf.clip_by_value", gj.clip_by_value, x, lo, hi)


def _where(b: Builder):
    x = b.pick(_restrict(b, ALL))
    y = b.pick((x.dtype,), shape=x.shape)
    form = b.int(0, 2)
    if form == 1 and x.rank >= 1:
        cond = b.pick((gj.bool,), shape=x.shape[:1])
    elif form == 2:
        cond = b.pick((gj.bool,), shape=())
    else:
        cond = b.pick((gj.bool,), shape=x.shape)
    return b.call("tf.where", gj.where, cond, x, y)


def _where_indices(b: Builder):
    cond = b.pick((gj.bool,), min_rank=1, max_rank=3)
    return b.call("tf.where", gj.where, cond)


# -- entries: reductions ----------------------------------------------------------------

def _broadcast_reduced(b: Builder):
    like = b.pick((b.fdt,))
    axis = _axes(b, like.rank)
    keepdims = b.flag()
    axes = list(range(like.rank)) if axis is None else \
        [a % like.rank for a in ([axis] if isinstance(axis, int) else axis)]
    shape = [1 if k in axes else d for k, d in enumerate(like.shape)] if keepdims else \
        [d for k, d in enumerate(like.shape) if k not in axes]
    x = b.pick((b.fdt,), shape=shape)
    return b.call("tf.broadcast_reduced", gj.broadcast_reduced, x, like, axis=axis,
                  keepdims=keepdims)


def _arg(fn, text):
    def make(b: Builder):
        x = b.pick(_restrict(b, NUMERIC), min_rank=1)
        kwargs = {"axis": b.axis(x.rank)}
        if b.flag():
            kwargs["output_type"] = b.choice(INTS)
        return b.call(text, fn, x, **kwargs)
    return Entry(make, "kink")


def _scan(fn, text, grad="smooth"):
    def make(b: Builder):
        x = b.pick(_restrict(b, NUMERIC), min_rank=1)
        return b.call(text, fn, x, axis=b.axis(x.rank), exclusive=b.flag(),
                      reverse=b.flag())
    return Entry(make, grad)


# -- entries: linalg --------------------------------------------------------------------

def _matmul(b: Builder):
    ta, tb = b.flag(), b.flag()
    a = b.pick(_restrict(b, (gj.float32, gj.float64, gj.int32, gj.int64)), min_rank=2,
               max_rank=4)
    n, k = (a.shape[-1], a.shape[-2]) if ta else (a.shape[-2], a.shape[-1])
    batch = list(a.shape[:-2])
    if batch and b.flag():
        batch = [1 if b.flag() else d for d in batch[b.int(0, len(batch)):]]
    m = b.dim()
    b_shape = batch + ([m, k] if tb else [k, m])
    other = b.pick((a.dtype,), shape=b_shape)
    del n
    return b.call("tf.matmul", gj.matmul, a, other, transpose_a=ta, transpose_b=tb)


# -- entries: array ---------------------------------------------------------------------

def _reshape(b: Builder):
    x = b.pick(_restrict(b, ALL))
    dims = list(x.shape)
    form = b.int(0, 3)
    if form == 0:
        target = [int(np.prod(dims))]
    elif form == 1:
        target = list(reversed(dims)) + [1]
    elif form == 2:
        target = [1] + dims
    else:
        target = [d for d in dims if d != 1]
    if target and x.tensor.shape.num_elements() and b.flag():
        target[b.int(0, len(target) - 1)] = -1
    return b.call("tf.reshape", gj.reshape, x, target)


def _transpose(b: Builder):
    x = b.pick(_restrict(b, ALL), max_rank=4)
    perm = None if b.int(0, 3) == 0 else list(b.draw(st.permutations(range(x.rank))))
    return b.call("tf.transpose", gj.transpose, x, perm)


def _invert_permutation(b: Builder):
    n = b.int(0, 5)
    perm = np.array(b.draw(st.permutations(range(n))), dtype=np.int32)
    p = b.fresh(b.choice(INTS), (n,), values=perm)
    return b.call("tf.invert_permutation", gj.invert_permutation, p)


def _expand_dims(b: Builder):
    x = b.pick(_restrict(b, ALL), max_rank=3)
    axis = b.int(-x.rank - 1, x.rank)
    return b.call("tf.expand_dims", gj.expand_dims, x, axis)


def _squeeze(b: Builder):
    x = b.pick(_restrict(b, ALL), where=lambda i: 1 in i.shape or b.mode == "diff")
    ones = [k for k, d in enumerate(x.shape) if d == 1]
    axis = None if not ones or b.flag() else [k - x.rank if b.flag() else k for k in ones
                                              if b.flag()] or None
    return b.call("tf.squeeze", gj.squeeze, x, axis=axis)


def _concat(b: Builder):
    x = b.pick(_restrict(b, ALL), min_rank=1)
    axis = b.axis(x.rank)
    parts = [x]
    for _ in range(b.int(1, 2)):
        shape = list(x.shape)
        shape[axis % x.rank] = b.dim()
        parts.append(b.pick((x.dtype,), shape=shape))
    return b.call("tf.concat", gj.concat, parts, axis)


def _stack(b: Builder):
    x = b.pick(_restrict(b, ALL), max_rank=3)
    parts = [x] + [b.pick((x.dtype,), shape=x.shape) for _ in range(b.int(0, 2))]
    return b.call("tf.stack", gj.stack, parts, axis=b.int(-x.rank - 1, x.rank))


def _unstack(b: Builder):
    x = b.pick(_restrict(b, ALL), min_rank=1)
    return b.call("tf.unstack", gj.unstack, x, axis=b.axis(x.rank))


def _split(b: Builder):
    x = b.pick(_restrict(b, ALL), min_rank=1, where=lambda i: any(d > 0 for d in i.shape))
    axes = [k for k, d in enumerate(x.shape) if d > 0]
    axis = b.choice(axes)
    n = x.shape[axis]
    num = b.choice([d for d in (1, 2, 3) if n % d == 0])
    return b.call("tf.split", gj.split, x, num, axis=axis - x.rank if b.flag() else axis)


def _split_v(b: Builder):
    x = b.pick(_restrict(b, ALL), min_rank=1)
    axis = b.axis(x.rank)
    n = x.shape[axis]
    cut = b.int(0, n)
    sizes = [cut, n - cut]
    if b.flag():
        sizes[b.int(0, 1)] = -1
    return b.call("tf.split", gj.split, x, sizes, axis=axis)


def _tile(b: Builder):
    x = b.pick(_restrict(b, ALL), max_rank=3)
    multiples = [b.int(0 if b.zero_size else 1, 3) for _ in range(x.rank)]
    return b.call("tf.tile", gj.tile, x, multiples)


def _pad(b: Builder):
    # min_rank=1: padding a scalar fails when interpreted (test_bad_input.py, xfail)
    x = b.pick(_restrict(b, ALL), min_rank=1, max_rank=3)
    paddings = np.array([[b.int(0, 2), b.int(0, 2)] for _ in range(x.rank)],
                        np.int32).reshape(x.rank, 2)
    kwargs = {}
    if x.dtype.is_bool:  # the default 0 is not a bool (see test_bad_input.py)
        kwargs["constant_values"] = b.flag()
    elif b.flag():
        kwargs["constant_values"] = 1.5 if x.dtype.is_floating else 2
    return b.call("tf.pad", gj.pad, x, paddings, **kwargs)


def _mirror_pad_args(b: Builder):
    x = b.pick(_restrict(b, NUMERIC), max_rank=3, where=lambda i: all(d >= 1 for d in i.shape))
    mode = b.choice(["REFLECT", "SYMMETRIC"])
    limit = (lambda d: d - 1) if mode == "REFLECT" else (lambda d: d)
    paddings = np.array([[b.int(0, min(2, limit(d))), b.int(0, min(2, limit(d)))]
                         for d in x.shape], np.int32).reshape(x.rank, 2)
    return x, paddings, mode


def _mirror_pad(b: Builder):
    x, paddings, mode = _mirror_pad_args(b)
    return b.call("tf.pad", gj.pad, x, paddings, mode=mode)


def _mirror_pad_grad_forward(b: Builder):
    x, paddings, mode = _mirror_pad_args(b)
    if not x.dtype.is_floating:
        x = b.pick((b.fdt,), shape=x.shape)
    b.call("tf.pad", gj.pad, x, paddings, mode=mode)
    return b.g.items[-1], x


def _index_values(b: Builder, n: int, shape) -> np.ndarray:
    if n == 0:
        return np.zeros(shape, np.int64)
    seed = b.int(0, 2**16)
    return np.random.default_rng(seed).integers(0, n, size=shape)


def _gather(b: Builder):
    params = b.pick(_restrict(b, ALL), min_rank=1)
    axis = b.axis(params.rank)
    n = params.shape[axis]
    shape = b.shape(0, 2) if n > 0 else (0,)
    indices = b.fresh(b.choice(INTS), shape, values=_index_values(b, n, shape))
    return b.call("tf.gather", gj.gather, params, indices, axis=axis)


def _unsorted_segment_sum(b: Builder):
    data = b.pick(_restrict(b, NUMERIC), min_rank=1)
    k = b.int(1, data.rank)
    num = b.int(1, 4)
    ids = b.fresh(b.choice(INTS), data.shape[:k], values=_index_values(b, num, data.shape[:k]))
    return b.call("tf.unsorted_segment_sum", gj.unsorted_segment_sum, data, ids, num)


def _one_hot(b: Builder):
    depth = b.int(1, 4)
    shape = b.shape(0, 2)
    seed = b.int(0, 2**16)
    values = np.random.default_rng(seed).integers(-1, depth + 1, size=shape)
    indices = b.fresh(b.choice(INTS), shape, values=values)
    kwargs = {}
    if b.flag():
        kwargs["on_value"], kwargs["off_value"] = 2.0, -1.0
        kwargs["dtype"] = b.fdt
    if b.flag():
        kwargs["axis"] = b.int(-1, len(shape))
    return b.call("tf.one_hot", gj.one_hot, indices, depth, **kwargs)


def _shape_op(fn, text):
    def make(b: Builder):
        x = b.pick(_restrict(b, ALL), partial=True)
        return b.call(text, fn, x)
    return Entry(make, "smooth")


def _fill(b: Builder):
    dims = list(b.shape(0, 3))
    value = b.choice([0.5, -2.0]) if b.flag() else b.int(-3, 3)
    if isinstance(value, float) and b.fdt == gj.float64:
        v = b.fresh(gj.float64, (), values=value)
        return b.call("tf.fill", gj.fill, dims, v)
    return b.call("tf.fill", gj.fill, dims, value)


def _range(b: Builder):
    if b.flag():
        start, delta = b.int(-3, 3), b.choice([1, 2, -1])
        limit = start + delta * b.int(0, 4)
        return b.call("tf.range", gj.range, start, limit, delta)
    return b.call("tf.range", gj.range, 0.5, 3.0, 0.75)


def _broadcast_to(b: Builder):
    x = b.pick(_restrict(b, ALL), max_rank=3)
    shape = [d if d != 1 or b.flag() else b.dim() for d in x.shape]
    if b.flag():
        shape = [b.dim(1)] + shape
    return b.call("tf.broadcast_to", gj.broadcast_to, x, shape)


def _reverse(b: Builder):
    x = b.pick(_restrict(b, ALL), min_rank=1)
    axes = sorted({b.axis(x.rank) % x.rank for _ in range(b.int(1, x.rank))})
    return b.call("tf.reverse", gj.reverse, x, axes)


def _slice(b: Builder):
    x = b.pick(_restrict(b, ALL), min_rank=1)
    begin = [b.int(0, d) for d in x.shape]
    size = [b.int(0, d - s) if b.int(0, 3) else -1 for d, s in zip(x.shape, begin)]
    return b.call("tf.slice", gj.slice, x, begin, size)


def _index_spec(b: Builder, shape: tuple) -> tuple:
    spec = []
    dims = list(shape)
    while dims:
        d = dims.pop(0)
        form = b.int(0, 4)
        if form == 0 and d > 0:
            spec.append(b.int(-d, d - 1))
        elif form == 1:
            spec.append(slice(None))
        elif form == 2 and not spec:
            spec.append(Ellipsis)
            dims = dims[b.int(0, len(dims)):]
        elif form == 3:
            spec.append(None)
            dims.insert(0, d)
        else:
            step = b.choice([1, 2, -1, -2])
            start = b.choice([None, 0, 1, -1])
            stop = b.choice([None, 2, -1, 5])
            spec.append(slice(start, stop, step))
    return tuple(spec)


def _strided_slice(b: Builder):
    x = b.pick(_restrict(b, ALL), min_rank=1)
    spec = _index_spec(b, x.shape)
    return b.call(f"{x.name}.__getitem__", lambda t, s: t[s], x, spec)


def _strided_slice_forward(b: Builder):
    x = b.pick((b.fdt,), min_rank=1)
    b.call(f"{x.name}.__getitem__", lambda t, s: t[s], x, _index_spec(b, x.shape))
    return b.g.items[-1], x


# -- entries: nn ------------------------------------------------------------------------

def _act_grad(fn, text, uses_output=False):
    def make(b: Builder):
        f = b.pick((b.fdt,))
        g = b.pick((b.fdt,), shape=f.shape)
        return b.call(text, fn, g, f)
    return Entry(make, "kink")


def _softmax(fn, text):
    def make(b: Builder):
        x = b.pick((b.fdt,), min_rank=1)
        kwargs = {"axis": b.axis(x.rank)} if b.flag() else {}
        return b.call(text, fn, x, **kwargs)
    return Entry(make, "smooth", rtol=1e-5)


def _softmax_xent(b: Builder):
    logits = b.pick((b.fdt,), min_rank=1)
    labels = b.pick((b.fdt,), shape=logits.shape)
    if b.mode == "grad":
        # TF's gradient (softmax - labels) assumes label rows that sum to 1
        b.call("tf.nn.softmax", gj.nn.softmax, labels)
        labels = b.g.items[-1]
    return b.call("tf.nn.softmax_cross_entropy_with_logits_v2",
                  gj.nn.softmax_cross_entropy_with_logits_v2, labels=labels, logits=logits)


def _sparse_xent(b: Builder):
    logits = b.pick((b.fdt,), min_rank=1, max_rank=3, where=lambda i: i.shape[-1] > 0)
    classes = logits.shape[-1]
    shape = logits.shape[:-1]
    labels = b.fresh(b.choice(INTS), shape, values=_index_values(b, classes, shape))
    return b.call("tf.nn.sparse_softmax_cross_entropy_with_logits",
                  gj.nn.sparse_softmax_cross_entropy_with_logits, labels=labels, logits=logits)


def _bias_add(b: Builder):
    x = b.pick(_restrict(b, NUMERIC), min_rank=2)
    bias = b.pick((x.dtype,), shape=x.shape[-1:])
    return b.call("tf.nn.bias_add", gj.nn.bias_add, x, bias)


def _nhwc(b: Builder, channels=None) -> Item:
    def ok(i: Item) -> bool:
        return i.rank == 4 and i.shape[1] >= 1 and i.shape[2] >= 1 and \
            (channels is None or i.shape[3] == channels)
    shape = (b.dim(), b.int(1, 4), b.int(1, 4), channels or b.dim(1))
    if b.flag():
        return b.pick((b.fdt,), min_rank=4, where=ok)
    return b.pick((b.fdt,), shape=shape)


def _conv_args(b: Builder):
    x = _nhwc(b)
    kh, kw = b.int(1, 3), b.int(1, 3)
    padding = b.choice(["SAME", "VALID"])
    if padding == "VALID":
        kh, kw = min(kh, x.shape[1]), min(kw, x.shape[2])
    f = b.pick((b.fdt,), shape=(kh, kw, x.shape[3], b.dim(1)))
    s = b.int(1, 2)
    return x, f, [1, s, s, 1], padding


def _conv2d(b: Builder):
    x, f, strides, padding = _conv_args(b)
    return b.call("tf.nn.conv2d", gj.nn.conv2d, x, f, strides, padding)


def _conv_forward(which: int):
    def forward(b: Builder):
        x, f, strides, padding = _conv_args(b)
        b.call("tf.nn.conv2d", gj.nn.conv2d, x, f, strides, padding)
        return b.g.items[-1], (x, f)[which]
    return forward


def _pool_args(b: Builder):
    x = _nhwc(b)
    k = b.int(1, 3)
    padding = b.choice(["SAME", "VALID"])
    kh, kw = (min(k, x.shape[1]), min(k, x.shape[2])) if padding == "VALID" else (k, k)
    s = b.int(1, 2)
    return x, [1, kh, kw, 1], [1, s, s, 1], padding


def _pool(fn, text, grad="smooth"):
    def make(b: Builder):
        x, ksize, strides, padding = _pool_args(b)
        return b.call(text, fn, x, ksize, strides, padding)
    return Entry(make, grad)


def _pool_forward(fn, text):
    def forward(b: Builder):
        x, ksize, strides, padding = _pool_args(b)
        b.call(text, fn, x, ksize, strides, padding)
        return b.g.items[-1], x
    return forward


# -- entries: extra ops ----------------------------------------------------------------

def _einsum(b: Builder):
    form = b.int(0, 2)
    if form == 0:
        x = b.pick((b.fdt,), min_rank=2, max_rank=2)
        y = b.pick((b.fdt,), shape=(x.shape[1], b.dim()))
        return b.call("tf.einsum", gj.einsum, "ij,jk->ik", x, y)
    x = b.pick((b.fdt,), min_rank=2, max_rank=2)
    return b.call("tf.einsum", gj.einsum, "ij->ji" if form == 1 else "ij->", x)


def _nd_indices(b: Builder, dims: tuple, n: int) -> np.ndarray:
    seed = b.int(0, 2**16)
    r = np.random.default_rng(seed)
    return np.stack([r.integers(0, d, size=n) for d in dims], axis=-1).reshape(n, len(dims))


def _gather_nd(b: Builder):
    params = b.pick(_restrict(b, ALL), min_rank=1, where=lambda i: all(d > 0 for d in i.shape))
    k = b.int(1, params.rank)
    n = b.int(1, 3)
    values = _nd_indices(b, params.shape[:k], n)
    indices = b.fresh(b.choice(INTS), values.shape, values=values)
    return b.call("tf.gather_nd", gj.gather_nd, params, indices)


def _scatter_nd(b: Builder):
    shape = b.shape(1, 3, min_dim=1)
    k = b.int(1, len(shape))
    n = b.int(1, 3)
    values = _nd_indices(b, shape[:k], n)
    indices = b.fresh(b.choice(INTS), values.shape, values=values)
    updates = b.pick(_restrict(b, NUMERIC), shape=(n,) + tuple(shape[k:]))
    return b.call("tf.scatter_nd", gj.scatter_nd, indices, updates, list(shape))


def _identity_n(b: Builder):
    items = [b.pick(_restrict(b, ALL)) for _ in range(b.int(1, 3))]
    return b.call("tf.identity_n", gj.identity_n, items)


def _top_k(b: Builder):
    x = b.pick(_restrict(b, NUMERIC), min_rank=1, where=lambda i: i.shape[-1] > 0)
    k = b.int(0 if b.zero_size else 1, x.shape[-1])
    return b.call("tf.nn.top_k", gj.nn.top_k, x, k)


def _in_top_k(b: Builder):
    predictions = b.pick((gj.float32,), min_rank=2, max_rank=2,
                         where=lambda i: i.shape[1] > 0)
    batch, classes = predictions.shape
    targets = b.fresh(b.choice(INTS), (batch,), values=_index_values(b, classes, (batch,)))
    return b.call("tf.nn.in_top_k", gj.nn.in_top_k, predictions, targets, b.int(0, classes))


# -- entries: random and debug ------------------------------------------------------------

def _random(fn, text, **fixed):
    def make(b: Builder):
        shape = list(b.shape(0, 3))
        kwargs = dict(fixed)
        if "dtype" not in kwargs:
            kwargs["dtype"] = b.fdt
        if b.flag():
            kwargs["seed"] = b.int(0, 100)
        return b.call(text, fn, shape, _random=True, **kwargs)
    return Entry(make, "no")


def _random_shuffle(b: Builder):
    x = b.pick(_restrict(b, ALL), min_rank=1)
    return b.call("tf.random_shuffle", gj.random_shuffle, x, _random=True,
                  seed=b.int(0, 100))


def _check_numerics(b: Builder):
    x = b.pick((b.fdt,))
    return b.call("tf.debugging.check_numerics", gj.debugging.check_numerics, x, "fuzz")


def _print(b: Builder):
    x = b.pick(_restrict(b, ALL))
    return b.call("tf.print", gj.debugging.print, "value:", x,
                  output_stream="file:///dev/null")


def _print_v1(b: Builder):
    x = b.pick(_restrict(b, ALL))
    data = [b.pick(_restrict(b, ALL))]
    return b.call("tf.Print", gj.debugging.Print, x, data, "fuzz", first_n=0)


_KINK_BINARY = dict(grad="kink")

TABLE: dict[str, Entry] = {
    # core and state
    "const": Entry(_const),
    "placeholder": Entry(_placeholder),
    "placeholder_with_default": Entry(_placeholder_with_default),
    "identity": _unary(gj.identity, "tf.identity", ALL),
    "stop_gradient": _unary(gj.stop_gradient, "tf.stop_gradient", ALL, grad="no"),
    "no_op": Entry(_no_op),
    "add_n": Entry(_add_n),
    "sum_to_shape": Entry(_sum_to_shape),
    "broadcast_like": Entry(_broadcast_like),
    "zeros_like": _like_op(gj.zeros_like, "tf.zeros_like"),
    "ones_like": _like_op(gj.ones_like, "tf.ones_like"),
    "var_handle": Entry(_read_variable),
    "read_variable": Entry(_read_variable),
    "assign_variable": _assign("assign"),
    "assign_add_variable": _assign("assign_add"),
    "assign_sub_variable": _assign("assign_sub"),
    # math
    "add": _binary(gj.add, "tf.add"),
    "subtract": _binary(gj.subtract, "tf.subtract"),
    "multiply": _binary(gj.multiply, "tf.multiply"),
    "truediv": _binary(gj.truediv, "tf.truediv", rhs_positive=True),
    "floordiv": _binary(gj.floordiv, "tf.floordiv", rhs_positive=True, **_KINK_BINARY),
    "mod": _binary(gj.mod, "tf.mod", rhs_positive=True, **_KINK_BINARY),
    "pow": Entry(_pow, rtol=1e-4),
    "squared_difference": _binary(gj.squared_difference, "tf.squared_difference"),
    "maximum": _binary(gj.maximum, "tf.maximum", **_KINK_BINARY),
    "minimum": _binary(gj.minimum, "tf.minimum", **_KINK_BINARY),
    "negative": _unary(gj.negative, "tf.negative", NUMERIC),
    "abs": _unary(gj.abs, "tf.abs", NUMERIC, grad="kink"),
    "sign": _unary(gj.sign, "tf.sign", NUMERIC, grad="kink"),
    "square": _unary(gj.square, "tf.square", NUMERIC),
    "reciprocal": _unary(gj.reciprocal, "tf.reciprocal", positive=True),
    "sqrt": _unary(gj.sqrt, "tf.sqrt", positive=True),
    "rsqrt": _unary(gj.rsqrt, "tf.rsqrt", positive=True),
    "exp": _unary(gj.exp, "tf.exp"),
    "log": _unary(gj.log, "tf.log", positive=True),
    "log1p": _unary(gj.log1p, "tf.log1p", positive=True),
    "expm1": _unary(gj.expm1, "tf.expm1"),
    "sin": _unary(gj.sin, "tf.sin"),
    "cos": _unary(gj.cos, "tf.cos"),
    "tanh": _unary(gj.tanh, "tf.tanh"),
    "sigmoid": _unary(gj.sigmoid, "tf.sigmoid"),
    "floor": _unary(gj.floor, "tf.floor", grad="kink"),
    "ceil": _unary(gj.ceil, "tf.ceil", grad="kink"),
    "round": _unary(gj.round, "tf.round", grad="kink"),
    "cast": Entry(_cast, "kink"),
    "clip_by_value": Entry(_clip, "kink"),
    "equal": _binary(gj.equal, "tf.equal", ALL, **_KINK_BINARY),
    "not_equal": _binary(gj.not_equal, "tf.not_equal", ALL, **_KINK_BINARY),
    "less": _binary(gj.less, "tf.less", **_KINK_BINARY),
    "less_equal": _binary(gj.less_equal, "tf.less_equal", **_KINK_BINARY),
    "greater": _binary(gj.greater, "tf.greater", **_KINK_BINARY),
    "greater_equal": _binary(gj.greater_equal, "tf.greater_equal", **_KINK_BINARY),
    "is_nan": _unary(gj.is_nan, "tf.is_nan", grad="kink"),
    "is_finite": _unary(gj.is_finite, "tf.is_finite", grad="kink"),
    "logical_and": _binary(gj.logical_and, "tf.logical_and", (gj.bool,)),
    "logical_or": _binary(gj.logical_or, "tf.logical_or", (gj.bool,)),
    "logical_xor": _binary(gj.logical_xor, "tf.logical_xor", (gj.bool,)),
    "logical_not": _unary(gj.logical_not, "tf.logical_not", (gj.bool,)),
    "bitwise_and": _binary(gj.bitwise_and, "tf.bitwise.bitwise_and", INTS),
    "bitwise_or": _binary(gj.bitwise_or, "tf.bitwise.bitwise_or", INTS),
    "bitwise_xor": _binary(gj.bitwise_xor, "tf.bitwise.bitwise_xor", INTS),
    "invert": _unary(gj.invert, "tf.bitwise.invert", INTS),
    "where": Entry(_where, "kink"),
    "where_indices": Entry(_where_indices, "kink"),
    # reductions and scans
    "reduce_sum": _reduce(gj.reduce_sum, "tf.reduce_sum"),
    "reduce_mean": _reduce(gj.reduce_mean, "tf.reduce_mean"),
    "reduce_max": _reduce(gj.reduce_max, "tf.reduce_max", grad="kink"),
    "reduce_min": _reduce(gj.reduce_min, "tf.reduce_min", grad="kink"),
    "reduce_prod": _reduce(gj.reduce_prod, "tf.reduce_prod", rtol=1e-4),
    "reduce_any": _reduce(gj.reduce_any, "tf.reduce_any", (gj.bool,)),
    "reduce_all": _reduce(gj.reduce_all, "tf.reduce_all", (gj.bool,)),
    "broadcast_reduced": Entry(_broadcast_reduced),
    "argmax": _arg(gj.argmax, "tf.argmax"),
    "argmin": _arg(gj.argmin, "tf.argmin"),
    "cumsum": _scan(gj.cumsum, "tf.cumsum"),
    "cumprod": _scan(gj.cumprod, "tf.cumprod", grad="kink"),
    # linalg
    "matmul": Entry(_matmul, rtol=1e-4),
    # array
    "reshape": Entry(_reshape),
    "transpose": Entry(_transpose),
    "invert_permutation": Entry(_invert_permutation),
    "expand_dims": Entry(_expand_dims),
    "squeeze": Entry(_squeeze),
    "concat": Entry(_concat),
    "stack": Entry(_stack),
    "unstack": Entry(_unstack),
    "split": Entry(_split),
    "split_v": Entry(_split_v),
    "tile": Entry(_tile),
    "pad": Entry(_pad),
    "mirror_pad": Entry(_mirror_pad),
    "mirror_pad_grad": _via_gradient(_mirror_pad_grad_forward),
    "gather": Entry(_gather),
    "unsorted_segment_sum": Entry(_unsorted_segment_sum),
    "one_hot": Entry(_one_hot),
    "shape": _shape_op(gj.shape, "tf.shape"),
    "size": _shape_op(gj.size, "tf.size"),
    "rank": _shape_op(gj.rank, "tf.rank"),
    "fill": Entry(_fill),
    "range": Entry(_range),
    "broadcast_to": Entry(_broadcast_to),
    "reverse": Entry(_reverse),
    "slice": Entry(_slice),
    "strided_slice": Entry(_strided_slice),
    "strided_slice_grad": _via_gradient(_strided_slice_forward),
    # nn
    "relu": _unary(gj.nn.relu, "tf.nn.relu", NUMERIC, grad="kink"),
    "relu_grad": _act_grad(gj.nn.relu_grad, "tf.nn.relu_grad"),
    "relu6": _unary(gj.nn.relu6, "tf.nn.relu6", NUMERIC, grad="kink"),
    "relu6_grad": _act_grad(gj.nn.relu6_grad, "tf.nn.relu6_grad"),
    "elu": _unary(gj.nn.elu, "tf.nn.elu", grad="kink"),
    "elu_grad": _act_grad(gj.nn.elu_grad, "tf.nn.elu_grad"),
    "leaky_relu": _unary(gj.nn.leaky_relu, "tf.nn.leaky_relu", grad="kink"),
    "leaky_relu_grad": _act_grad(gj.nn.leaky_relu_grad, "tf.nn.leaky_relu_grad"),
    "softplus": _unary(gj.nn.softplus, "tf.nn.softplus"),
    "softmax": _softmax(gj.nn.softmax, "tf.nn.softmax"),
    "log_softmax": _softmax(gj.nn.log_softmax, "tf.nn.log_softmax"),
    "softmax_cross_entropy_with_logits": Entry(_softmax_xent),
    "sparse_softmax_cross_entropy_with_logits": Entry(_sparse_xent),
    "bias_add": Entry(_bias_add),
    "l2_loss": _unary(gj.nn.l2_loss, "tf.nn.l2_loss"),
    "conv2d": Entry(_conv2d, rtol=1e-4),
    "conv2d_backprop_input": _via_gradient(_conv_forward(0)),
    "conv2d_backprop_filter": _via_gradient(_conv_forward(1)),
    "max_pool": _pool(gj.nn.max_pool, "tf.nn.max_pool", grad="kink"),
    "max_pool_grad": Entry(_via_gradient(_pool_forward(gj.nn.max_pool, "tf.nn.max_pool")).make,
                           "kink"),
    "max_pool_grad_grad": Entry(_via_gradient(_pool_forward(gj.nn.max_pool, "tf.nn.max_pool"),
                                              order=2).make, "kink"),
    "avg_pool": _pool(gj.nn.avg_pool, "tf.nn.avg_pool"),
    "avg_pool_grad": _via_gradient(_pool_forward(gj.nn.avg_pool, "tf.nn.avg_pool")),
    # extra
    "div_no_nan": _binary(gj.div_no_nan, "tf.div_no_nan", FLOATS, rhs_positive=True),
    "einsum": Entry(_einsum, rtol=1e-4),
    "gather_nd": Entry(_gather_nd),
    "scatter_nd": Entry(_scatter_nd, rtol=1e-4),
    "identity_n": Entry(_identity_n),
    "top_k": Entry(_top_k, "kink"),
    "in_top_k": Entry(_in_top_k, "kink"),
    # random
    "random_standard_normal": _random(gj.random_normal, "tf.random_normal"),
    "random_uniform": _random(gj.random_uniform, "tf.random_uniform"),
    "truncated_normal": _random(gj.truncated_normal, "tf.truncated_normal"),
    "random_uniform_int": _random(gj.random_uniform, "tf.random_uniform", maxval=5,
                                  dtype=gj.int32),
    "random_shuffle": Entry(_random_shuffle, "no"),
    # debug
    "check_numerics": Entry(_check_numerics),
    "print": Entry(_print),
    "print_v1": Entry(_print_v1),
    # structural steps
    "@control_dependencies": Entry(_control_dependencies),
    "@gradients": Entry(_gradients, "smooth", rtol=1e-4),
}


def missing_entries() -> list[str]:
    """Registered ops that the table does not know how to generate."""
    return sorted(set(registry.all_ops()) - set(TABLE))


def _choose_fetches(b: Builder) -> list[Item]:
    consumed = set()
    for op in b.g.graph.get_operations():
        consumed.update(id(t) for t in op.inputs)
    fetches = []
    for item in b.g.items:
        sink = id(item.tensor) not in consumed and not item.leaf
        if sink or (not item.leaf and b.int(0, 4) == 0):
            fetches.append(item)
    if not fetches:
        fetches = [b.g.items[-1]]
    return fetches


def _grad_entries() -> list[str]:
    return [k for k, e in TABLE.items() if e.grad != "no"]


def build_random_graph(data, mode: str = "diff", ops: Sequence[str] | None = None,
                       max_steps: int = 8, zero_size: str | None = None) -> RandomGraph:
    """Draws one random graph (see `graphs`); `data` is hypothesis's `st.data()` object.
    `zero_size="first"` makes zero the preferred dimension (zero-size tensors everywhere)."""
    if mode not in ("diff", "grad"):
        raise ValueError(f"mode must be 'diff' or 'grad', got {mode!r}")
    names = list(ops) if ops is not None else \
        (_grad_entries() if mode == "grad" else sorted(TABLE))
    if mode == "grad":
        fdt, zero_size, specials = gj.float64, False, False
    else:
        fdt = data.draw(st.sampled_from([gj.float32, gj.float64]))
        zero_size = zero_size or data.draw(st.integers(0, 7)) == 7
        specials = data.draw(st.integers(0, 3)) == 3
    b = Builder(data, mode, fdt, zero_size, specials)
    for _ in range(data.draw(st.integers(1, 3))):
        b.fresh(fdt if mode == "grad" else data.draw(st.sampled_from(_restrict(b, ALL))),
                const=False)
    for _ in range(data.draw(st.integers(1, max_steps))):
        name = data.draw(st.sampled_from(names))
        b.g.entries.append(name)
        entry = TABLE[name]
        b._kink = mode == "grad" and entry.grad == "kink"
        b.lines.append(f"# {name}")
        entry.make(b)
        b._kink = False
    b.g.fetches = _choose_fetches(b)
    return b.g


class _Data:
    """`build_random_graph` draws through `.draw`, as hypothesis's `st.data()` object."""

    def __init__(self, draw):
        self.draw = draw


@st.composite
def graphs(draw, mode: str = "diff", ops: Sequence[str] | None = None, max_steps: int = 8,
           zero_size: str | None = None):
    """Random well-typed graphs over the registry (or over the TABLE keys in `ops`)."""
    return build_random_graph(_Data(draw), mode, ops, max_steps, zero_size)


__all__ = ["TABLE", "Entry", "Item", "RandomGraph", "Builder", "graphs",
           "build_random_graph", "missing_entries"]


# -- TF1 breadth, round 3: segment max, matrix band/diagonals, reverse_sequence, sparse
# variable updates, is_variable_initialized, special functions ----------------------------


def _unsorted_segment_max(b: Builder):
    data = b.pick(_restrict(b, NUMERIC), min_rank=1)
    k = b.int(1, data.rank)
    num = b.int(1, 4)
    ids = b.fresh(b.choice(INTS), data.shape[:k], values=_index_values(b, num, data.shape[:k]))
    return b.call("tf.math.unsorted_segment_max", gj.unsorted_segment_max, data, ids, num)


def _band_part(b: Builder):
    x = b.pick(_restrict(b, ALL), min_rank=2)
    return b.call("tf.linalg.band_part", gj.matrix_band_part, x, b.int(-1, 2), b.int(-1, 2))


def _diag_part(b: Builder):
    x = b.pick(_restrict(b, NUMERIC), min_rank=2)
    return b.call("tf.linalg.diag_part", gj.matrix_diag_part, x)


def _matrix_diag(b: Builder):
    d = b.pick(_restrict(b, NUMERIC), min_rank=1, max_rank=3)
    return b.call("tf.linalg.diag", gj.matrix_diag, d)


def _reverse_sequence(b: Builder):
    x = b.pick(_restrict(b, ALL), min_rank=2)
    batch = b.int(0, x.rank - 1)
    seq = b.choice([a for a in range(x.rank) if a != batch])
    lengths = np.random.default_rng(b.int(0, 2**16)).integers(
        0, x.shape[seq] + 1, size=x.shape[batch])
    ids = b.fresh(b.choice(INTS), (x.shape[batch],), values=lengths)
    return b.call("tf.reverse_sequence", gj.reverse_sequence, x, ids, seq_axis=seq,
                  batch_axis=batch)


def _row_variable(b: Builder) -> tuple[str, gj.Variable]:
    """A variable with at least one row (scatters index its first axis)."""
    dtype = b.choice(_restrict(b, NUMERIC))
    shape = (b.int(1, 3),) + b.shape(0, 1)
    values = b._values(dtype, shape, positive=False)
    name = b._new_name("v")
    with b.g.graph.as_default():
        var = gj.Variable(values, dtype=dtype, name=name)
    b.lines.append(f"{name} = tf.Variable({_fmt(values, {})}, dtype=tf.{dtype.name})")
    b.g.variables.append((name, var))
    b.names[id(var)] = name
    return name, var


def _scatter_variable(kind: str):
    """A sparse update of a variable (a composite over the tensor_scatter ops)."""
    def make(b: Builder):
        name, var = _row_variable(b)
        rows = var.shape.as_list()[0]
        shape = b.shape(0, 2)
        ids = b.fresh(b.choice(INTS), shape, values=_index_values(b, rows, shape))
        if kind.startswith("scatter_nd"):
            ids = b.call("tf.expand_dims", gj.expand_dims, ids, -1)
            ids = b.g.items[-1]
        updates = b.pick((var.dtype,), shape=tuple(shape) + tuple(var.shape.as_list()[1:]))
        return b.call(f"tf.{kind}", getattr(gj, kind), var, ids, updates)
    return Entry(make, "no")


def _tensor_scatter(kind: str):
    def make(b: Builder):
        if b.mode != "grad" and b.flag():  # the variable form: state, not in gradients
            return _scatter_variable(kind.replace("tensor_", "")).make(b)
        x = b.pick(_restrict(b, NUMERIC), min_rank=1, where=lambda i: 0 not in i.shape)
        depth = b.int(1, x.rank)
        n = b.int(1, 3)
        gen = np.random.default_rng(b.int(0, 2**16))
        # distinct rows: the value of a repeated update (and its gradient) is unspecified
        flat = gen.permutation(int(np.prod(x.shape[:depth])))[:n]
        rows = np.stack(np.unravel_index(flat, x.shape[:depth]), -1)
        ids = b.fresh(b.choice(INTS), rows.shape, values=rows)
        updates = b.pick((x.dtype,), shape=(len(flat),) + tuple(x.shape[depth:]))
        return b.call(f"tf.{kind}", getattr(gj, kind), x, ids, updates)
    return Entry(make)


def _is_variable_initialized(b: Builder):
    _, var = b.variable()
    return b.call("tf.is_variable_initialized", gj.is_variable_initialized, var)


def _polygamma(b: Builder):
    x = b.fresh(b.fdt, b.shape(0, 2), positive=True, const=False)
    order = b.fresh(b.fdt, (), values=np.array(b.int(0, 2)), const=True)  # no gradient in a
    return b.call("tf.math.polygamma", gj.polygamma, order, x)


TABLE.update({
    "unsorted_segment_max": Entry(_unsorted_segment_max, "kink"),
    "matrix_band_part": Entry(_band_part),
    "matrix_diag_part": Entry(_diag_part),
    "matrix_diag": Entry(_matrix_diag),
    "reverse_sequence": Entry(_reverse_sequence),
    "tensor_scatter_nd_update": _tensor_scatter("tensor_scatter_nd_update"),
    "tensor_scatter_nd_add": _tensor_scatter("tensor_scatter_nd_add"),
    "tensor_scatter_nd_sub": _tensor_scatter("tensor_scatter_nd_sub"),
    "is_variable_initialized": Entry(_is_variable_initialized, "no"),
    "erf": _unary(gj.erf, "tf.math.erf"),
    "lgamma": _unary(gj.lgamma, "tf.math.lgamma", positive=True, grad="kink"),
    "digamma": _unary(gj.digamma, "tf.math.digamma", positive=True, grad="kink"),
    "polygamma": Entry(_polygamma, "kink", rtol=1e-4),
})


# -- TF1 breadth, round 4: inverse trigonometry, unique/setdiff1d, dynamic partition and
# stitch, Assert, depthwise convolution ---------------------------------------------------


def _atan2(b: Builder):
    y = b.pick((b.fdt,))
    x = b.like(y)
    return b.call("tf.math.atan2", gj.atan2, y, x)


def _vector(b: Builder, dtypes) -> Item:
    return b.pick(_restrict(b, dtypes), min_rank=1, max_rank=1)


def _unique(b: Builder):
    x = _vector(b, ALL)
    if b.flag():
        return b.call("tf.unique_with_counts", gj.unique_with_counts, x,
                      out_idx=b.choice(INTS))
    return b.call("tf.unique", gj.unique, x, out_idx=b.choice(INTS))


def _setdiff1d(b: Builder):
    x = _vector(b, NUMERIC)
    y = b.pick((x.dtype,), min_rank=1, max_rank=1)
    return b.call("tf.setdiff1d", gj.setdiff1d, x, y, index_dtype=b.choice(INTS))


def _dynamic_partition(b: Builder):
    data = b.pick(_restrict(b, ALL), min_rank=1)
    k = b.int(1, data.rank)
    num = b.int(1, 3)
    ids = b.fresh(gj.int32, data.shape[:k], values=_index_values(b, num, data.shape[:k]))
    return b.call("tf.dynamic_partition", gj.dynamic_partition, data, ids, num)


def _dynamic_stitch(b: Builder):
    suffix = b.shape(0, 2)
    first = b.int(1, 5)
    gen = np.random.default_rng(b.int(0, 2**16))
    # distinct positions: with a repeated one the overwritten value's gradient is TF's
    # (a gather), which finite differences do not see
    order = gen.permutation(first)
    cut = b.int(0, first)
    pieces = [order[:cut], order[cut:]] if b.flag() else [order]
    dtype = b.choice(_restrict(b, NUMERIC))
    indices, data = [], []
    for piece in pieces:
        ids = b.fresh(gj.int32, piece.shape, values=piece, const=b.flag())
        indices.append(ids)
        data.append(b.pick((dtype,), shape=tuple(piece.shape) + tuple(suffix)))
    return b.call("tf.dynamic_stitch", gj.dynamic_stitch, indices, data)


def _assert(b: Builder):
    x = b.pick(_restrict(b, NUMERIC))
    bound = b.fresh(x.dtype, (), values=np.array(b.int(-3, 3)), const=True)
    b.call("tf.greater", gj.greater, x, bound)
    b.call("tf.reduce_all", gj.reduce_all, b.g.items[-1])
    condition = b.g.items[-1]
    data = ["x must exceed the bound:", x] if b.flag() else [x]
    op = b.call("tf.Assert", gj.Assert, condition, data, summarize=b.int(1, 4))
    if b.flag():
        return op
    dep = b.pick(_restrict(b, ALL))
    b.lines.append(f"with tf.control_dependencies([{b.names[id(op)]}]):")
    with b.g.graph.control_dependencies([op]):
        result = b.call("tf.identity", gj.identity, dep)
    b.lines[-1] = "    " + b.lines[-1]
    return result


def _depthwise_args(b: Builder):
    x = _nhwc(b)
    kh, kw = b.int(1, 3), b.int(1, 3)
    padding = b.choice(["SAME", "VALID"])
    if padding == "VALID":
        kh, kw = min(kh, x.shape[1]), min(kw, x.shape[2])
    f = b.pick((b.fdt,), shape=(kh, kw, x.shape[3], b.int(1, 2)))
    s = b.int(1, 2)
    return x, f, [1, s, s, 1], padding


def _depthwise(b: Builder):
    x, f, strides, padding = _depthwise_args(b)
    return b.call("tf.nn.depthwise_conv2d_native", gj.nn.depthwise_conv2d_native, x, f,
                  strides, padding)


def _depthwise_forward(which: int):
    def forward(b: Builder):
        x, f, strides, padding = _depthwise_args(b)
        b.call("tf.nn.depthwise_conv2d_native", gj.nn.depthwise_conv2d_native, x, f,
               strides, padding)
        return b.g.items[-1], (x, f)[which]
    return forward


TABLE.update({
    "asin": _unary(gj.asin, "tf.math.asin", grad="kink"),
    "acos": _unary(gj.acos, "tf.math.acos", grad="kink"),
    "atan": _unary(gj.atan, "tf.math.atan"),
    "asinh": _unary(gj.asinh, "tf.math.asinh"),
    "acosh": _unary(gj.acosh, "tf.math.acosh", grad="kink"),
    "atanh": _unary(gj.atanh, "tf.math.atanh", grad="kink"),
    "atan2": Entry(_atan2),
    "unique": Entry(_unique, "no"),
    "setdiff1d": Entry(_setdiff1d, "no"),
    "dynamic_partition": Entry(_dynamic_partition),
    "dynamic_stitch": Entry(_dynamic_stitch),
    "assert": Entry(_assert, "no"),
    "depthwise_conv2d_native": Entry(_depthwise, rtol=1e-4),
    "depthwise_conv2d_native_backprop_input": _via_gradient(_depthwise_forward(0)),
    "depthwise_conv2d_native_backprop_filter": _via_gradient(_depthwise_forward(1)),
})


# -- linear algebra: decompositions and solvers --------------------------------------------


def _matrix_leaf(b: Builder, rows: int, cols: int) -> Item:
    """A fed leaf [batch..., rows, cols] with a separated diagonal (1, 2, ...) plus small
    noise: invertible, positive definite once symmetrized, with distinct eigenvalues and
    singular values, so gradients and their finite differences are stable."""
    gen = np.random.default_rng(b.int(0, 2**16))
    shape = list(b.shape(0, 1, min_dim=1)) + [rows, cols]
    values = gen.uniform(-0.1, 0.1, size=shape) + np.eye(rows, cols) * np.arange(1, cols + 1)
    return b.fresh(b.fdt, shape, values=values, const=False)


def _matrix_arg(b: Builder, square: bool = True) -> Item:
    """Any float matrix batch in diff mode (singular ones included); a well-conditioned
    leaf in gradient mode."""
    if b.mode != "grad" and b.flag():
        def ok(i: Item) -> bool:
            return i.rank >= 2 and (not square or i.shape[-1] == i.shape[-2])
        return b.pick((b.fdt,), min_rank=2, max_rank=4, where=ok)
    n = b.int(1, 3)
    return _matrix_leaf(b, n if square else b.int(1, 4), n)


def _rhs(b: Builder, a: Item, broadcast: bool) -> Item:
    batch = list(a.shape[:-2])
    if broadcast and batch and b.flag():
        batch = [1 if b.flag() else d for d in batch[b.int(0, len(batch)):]]
    return b.pick((a.dtype,), shape=tuple(batch) + (a.shape[-1], b.int(0, 2)))


def _matrix_inverse(b: Builder):
    return b.call("tf.matrix_inverse", gj.matrix_inverse, _matrix_arg(b), adjoint=b.flag())


def _matrix_determinant(b: Builder):
    return b.call("tf.matrix_determinant", gj.matrix_determinant, _matrix_arg(b))


def _slogdet(b: Builder):
    return b.call("tf.linalg.slogdet", gj.linalg.slogdet, _matrix_arg(b))


def _matrix_solve(b: Builder):
    a = _matrix_arg(b)
    return b.call("tf.matrix_solve", gj.matrix_solve, a, _rhs(b, a, False), adjoint=b.flag())


def _triangular_solve(b: Builder):
    a = _matrix_arg(b)
    return b.call("tf.matrix_triangular_solve", gj.matrix_triangular_solve, a,
                  _rhs(b, a, True), lower=b.flag(), adjoint=b.flag())


def _cholesky(b: Builder):
    a = _matrix_arg(b)
    if b.mode == "grad":  # the gradient is TF's symmetric one: differentiate a symmetric input
        b.call("tf.matrix_transpose", gj.matrix_transpose, a)
        b.call("tf.add", gj.add, a, b.g.items[-1])
        a = b.g.items[-1]
    return b.call("tf.cholesky", gj.cholesky, a)


def _qr(b: Builder):
    a = _matrix_arg(b, square=False)
    full = b.flag() and a.shape[-2] <= a.shape[-1]  # TF has no gradient for deep + full
    return b.call("tf.qr", gj.qr, a, full_matrices=full)


def _svd(b: Builder):
    a = _matrix_arg(b, square=False)
    full = b.flag() and abs(a.shape[-2] - a.shape[-1]) <= 1  # where TF has a gradient
    return b.call("tf.svd", gj.svd, a, full_matrices=full, compute_uv=b.flag())


def _self_adjoint_eig(b: Builder):
    a = _matrix_arg(b)
    if b.flag():
        return b.call("tf.self_adjoint_eigvals", gj.self_adjoint_eigvals, a)
    return b.call("tf.self_adjoint_eig", gj.self_adjoint_eig, a)


TABLE.update({
    "matrix_inverse": Entry(_matrix_inverse, rtol=1e-4),
    "matrix_determinant": Entry(_matrix_determinant, rtol=1e-4),
    "log_matrix_determinant": Entry(_slogdet, rtol=1e-4),
    "matrix_solve": Entry(_matrix_solve, rtol=1e-4),
    "matrix_triangular_solve": Entry(_triangular_solve, rtol=1e-4),
    "cholesky": Entry(_cholesky, rtol=1e-4),
    "qr": Entry(_qr, rtol=1e-4),
    "svd": Entry(_svd, rtol=1e-4),
    "self_adjoint_eig": Entry(_self_adjoint_eig, rtol=1e-4),
})


# -- py_func ---------------------------------------------------------------------------------


def _py_affine(*values):
    """A py_func body that keeps each input's dtype (printed by name in failing examples)."""
    return [v * 2 - 1 for v in values]


def _py_func(b: Builder):
    args = [b.pick(_restrict(b, NUMERIC), partial=True) for _ in range(b.int(1, 2))]
    return b.call("tf.py_func", gj.py_func, _py_affine, args, [a.dtype for a in args],
                  stateful=b.flag())


TABLE.update({
    "py_func": Entry(_py_func, "no"),
})


# -- image resizing ------------------------------------------------------------------------


def _resize_args(b: Builder, dtypes=None):
    def ok(i: Item) -> bool:
        return i.rank == 4 and i.shape[1] >= 1 and i.shape[2] >= 1
    x = b.pick(_restrict(b, dtypes or NUMERIC), min_rank=4, where=ok)
    size = [b.int(1, 5), b.int(1, 5)]
    if b.flag():
        size = b.fresh(gj.int32, (2,), values=np.array(size), const=b.flag())
    rule = b.int(0, 2)
    return x, size, {"align_corners": rule == 1, "half_pixel_centers": rule == 2}


def _resize(fn, text):
    def make(b: Builder):
        x, size, flags = _resize_args(b)
        return b.call(text, fn, x, size, **flags)
    return Entry(make, rtol=1e-4)


def _resize_forward(fn, text):
    def forward(b: Builder):
        x, size, flags = _resize_args(b, (b.fdt,))
        if isinstance(size, Item):  # a constant size: the output shape must be static
            size = [int(v) for v in size.tensor.op.attrs.get("value", [1, 1])] \
                if size.tensor.op.type == "const" else [2, 3]
        b.call(text, fn, x, size, **flags)
        return b.g.items[-1], x
    return forward


TABLE.update({
    "resize_bilinear": _resize(gj.image.resize_bilinear, "tf.image.resize_bilinear"),
    "resize_nearest_neighbor": _resize(gj.image.resize_nearest_neighbor,
                                       "tf.image.resize_nearest_neighbor"),
    "resize_bilinear_grad": _via_gradient(_resize_forward(gj.image.resize_bilinear,
                                                          "tf.image.resize_bilinear")),
    "resize_nearest_neighbor_grad": _via_gradient(_resize_forward(
        gj.image.resize_nearest_neighbor, "tf.image.resize_nearest_neighbor")),
})
