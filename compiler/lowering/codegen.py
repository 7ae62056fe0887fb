"""Python source for fused Numba kernels, generated from the ops' scalar expressions.

There is no per-op code here: an elementwise op contributes its `OpDef.scalar` expression
(graphlib/scalar.py's language), a reduction its `OpDef.attrs["combiner"]`, and this module
turns a fused body (a list of `Step`s) into the source of a module holding two shape-generic
`numba.njit(cache=True)` functions, `serial` and `parallel` (`prange` over the outer loop).
The caller picks one per run by size; Numba compiles each lazily, the first time it is
called, and the kernel cache (compiler/kernel_cache.py) keeps the compiled code on disk.

Typing follows NumPy (NEP 50): inputs have their dtypes, Python literals are weak (so
`x * 0.5` stays float32), int/int `/` is float64, and every value is cast explicitly, so
the kernel computes in the same precision as the reference kernels. Transcendentals call
compiler/lowering/fastmath.py, whose functions vectorize.

Kernel families:
- elementwise: one loop nest over the group's iteration space, coalesced to as few
  dimensions as the inputs' broadcast patterns allow (a bias add is 2-D, `x * y` of equal
  shapes is 1-D); an input either spans a dimension or is broadcast along it.
- reduction: an elementwise body feeding a combiner over the middle axis of an
  (outer, reduced, inner) view; float32 sums accumulate in float64.
- rows: reductions over trailing axes with their producers and consumers, one row at a
  time, one loop per reduction depth while the row stays in cache; float32 sums add
  float32 partial sums of 512-element blocks into float64 (twice the vector width of
  float64 accumulation, and as exact); a value a later loop needs waits in an output
  row written only by the last loop, or else in a scratch row. softmax / log_softmax
  are rows kernels of their decomposition: max, then exp-and-sum writing the output,
  then the output row, still in cache, is scaled.

May import: numpy, graphjit.graphlib, compiler.lowering.fastmath.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ...graphlib import registry
from . import fastmath

# -- the fused body ----------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One elementwise op of a fused body. `args` index the body's inputs (i < n_inputs)
    or earlier steps (n_inputs + j); `dtype` is the NumPy dtype of its result."""

    op: str
    args: tuple[int, ...]
    attrs: tuple
    dtype: np.dtype


_NP_NAME = {"f": "float32", "d": "float64", "i": "int32", "l": "int64", "?": "bool_",
            "q": "int64"}


def _np_name(dtype: np.dtype) -> str:
    return "np." + _NP_NAME[np.dtype(dtype).char]


def scalar_expression(op: str, n_args: int) -> str:
    """The op's scalar expression; `add_n` has one per arity."""
    if op == "add_n":
        return " + ".join(f"{{{i}}}" for i in range(n_args))
    expression = registry.get(op).scalar
    if expression is None:
        raise ValueError(f"op {op!r} has no scalar expression, so it cannot be lowered as "
                         "an elementwise kernel (check can_lower_elementwise first)")
    return expression


# Elementwise nodes with more inputs run their reference kernel (NumPy): a Numba kernel
# with hundreds of array arguments compiled for minutes.
MAX_KERNEL_INPUTS = 32


def can_lower_elementwise(op: str, n_inputs: int = 1) -> bool:
    opdef = registry.get(op)
    return opdef.kind == "elementwise" and (opdef.scalar is not None or op == "add_n") and \
        n_inputs <= MAX_KERNEL_INPUTS


# -- typed expression emission -----------------------------------------------------------

# A typed value: (source text, dtype or a weak Python literal type: int, float, bool).
_Typed = tuple


def _promote(*types) -> np.dtype:
    """NumPy's result type, with Python literal types weak (NEP 50)."""
    examples = [t(0) if isinstance(t, type) else t for t in types]
    return np.result_type(*examples)


def _is_weak(t) -> bool:
    return isinstance(t, type)


class _Emitter(ast.NodeVisitor):
    """Compiles one scalar expression (Python syntax) to typed Numba source."""

    def __init__(self, args: Sequence[_Typed]):
        self.args = args

    def cast(self, value: _Typed, dtype: np.dtype) -> str:
        text, t = value
        dtype = np.dtype(dtype)
        if not _is_weak(t) and np.dtype(t) == dtype:
            return text
        if dtype.kind == "b":
            return f"({text} != 0)"
        if _is_weak(t):
            literal = repr(t(eval(text))) if t is not bool else text  # noqa: S307
            return f"{_np_name(dtype)}({literal})"
        return f"{_np_name(dtype)}({text})"

    def compile(self, expression: str) -> _Typed:
        tree = ast.parse(expression, mode="eval")
        return self.visit(tree.body)

    def visit_Name(self, node: ast.Name) -> _Typed:
        if node.id.startswith("_a"):
            return self.args[int(node.id[2:])]
        raise ValueError(f"unknown name {node.id!r} in a scalar expression")

    def visit_Constant(self, node: ast.Constant) -> _Typed:
        return (repr(node.value), type(node.value))

    def visit_UnaryOp(self, node: ast.UnaryOp) -> _Typed:
        text, t = operand = self.visit(node.operand)
        if isinstance(node.op, ast.USub):
            if _is_weak(t):
                return (f"(-{text})", t)
            return (self.cast((f"(-{text})", None), t) if np.dtype(t).kind in "iu"
                    else f"(-{text})", t)
        if isinstance(node.op, ast.Invert):
            if not _is_weak(t) and np.dtype(t).kind == "b":
                return (f"(not {text})", np.dtype(bool))
            return (self.cast((f"(~{text})", None), t), t)
        if isinstance(node.op, ast.Not):
            return (f"(not {self.cast(operand, np.dtype(bool))})", np.dtype(bool))
        if isinstance(node.op, ast.UAdd):
            return operand
        raise ValueError(f"unsupported unary operator {ast.dump(node.op)}")

    def visit_BinOp(self, node: ast.BinOp) -> _Typed:
        a, b = self.visit(node.left), self.visit(node.right)
        if _is_weak(a[1]) and _is_weak(b[1]):
            text = f"({a[0]} {_BINOPS[type(node.op)]} {b[0]})"
            return (repr(eval(text)), type(eval(text)))  # noqa: S307 - literals only
        t = _promote(a[1], b[1])
        op = type(node.op)
        if op is ast.Div:
            t = t if t.kind == "f" else np.dtype(np.float64)
        if op in (ast.FloorDiv, ast.Mod, ast.Pow):
            name = {ast.FloorDiv: "floordiv", ast.Mod: "floormod", ast.Pow: "pow"}[op]
            return self.call(name, [a, b])
        text = f"({self.cast(a, t)} {_BINOPS[op]} {self.cast(b, t)})"
        if t.kind in "iub":  # Numba widens small integers; NumPy wraps in the dtype
            return (self.cast((text, None), t), t)
        return (text, t)

    def visit_Compare(self, node: ast.Compare) -> _Typed:
        if len(node.ops) != 1:
            raise ValueError("chained comparisons are not part of the scalar language")
        a, b = self.visit(node.left), self.visit(node.comparators[0])
        t = _promote(a[1], b[1])
        return (f"({self.cast(a, t)} {_CMPOPS[type(node.ops[0])]} {self.cast(b, t)})",
                np.dtype(bool))

    def visit_Call(self, node: ast.Call) -> _Typed:
        if not isinstance(node.func, ast.Name) or node.keywords:
            raise ValueError("only plain calls of FUNCTIONS names are allowed")
        return self.call(node.func.id, [self.visit(a) for a in node.args])

    def call(self, name: str, args: list[_Typed]) -> _Typed:
        boolean = np.dtype(bool)
        if name == "where":
            cond, x, y = args
            t = _promote(x[1], y[1])
            return (f"({self.cast(x, t)} if {self.cast(cond, boolean)} else "
                    f"{self.cast(y, t)})", t)
        if name in ("logical_and", "logical_or"):
            op = "&" if name == "logical_and" else "|"
            return (f"({self.cast(args[0], boolean)} {op} {self.cast(args[1], boolean)})",
                    boolean)
        if name == "logical_not":
            return (f"(not {self.cast(args[0], boolean)})", boolean)
        t = _promote(*[a[1] for a in args])
        if name == "isnan":
            text = self.cast(args[0], t)
            return (f"({text} != {text})" if t.kind == "f" else "False", boolean)
        if name == "isfinite":
            text = self.cast(args[0], t)
            return (f"(({text} - {text}) == 0)" if t.kind == "f" else "True", boolean)
        if name == "abs":
            return (self.cast((f"abs({self.cast(args[0], t)})", None), t), t)
        if name in ("reciprocal", "rsqrt"):
            t = t if t.kind == "f" else np.dtype(np.float64)
            x = self.cast(args[0], t)
            denominator = x if name == "reciprocal" else \
                f"fm.{fastmath.implementation('sqrt', t)}({x})"
            return (f"({_np_name(t)}(1.0) / {denominator})", t)
        if t.kind in "b" and name in ("maximum", "minimum"):
            op = "|" if name == "maximum" else "&"
            return (f"({self.cast(args[0], t)} {op} {self.cast(args[1], t)})", t)
        if name not in ("maximum", "minimum", "sign", "floordiv", "floormod", "pow") and \
                t.kind != "f":
            t = np.dtype(np.float64)  # NumPy: a transcendental of integers is float64
        impl = fastmath.implementation(name, t)
        if impl is None:
            raise ValueError(f"no implementation of {name!r} for {t}")
        call = f"fm.{impl}({', '.join(self.cast(a, t) for a in args)})"
        return (self.cast((call, None), t), t)


_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
           ast.Mod: "%", ast.Pow: "**", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^"}
_CMPOPS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">",
           ast.GtE: ">="}


def emit_steps(steps: Sequence[Step], inputs: Sequence[tuple[str, np.dtype]],
               prefix: str = "v") -> tuple[list[str], list[str]]:
    """Source lines computing each step into a local (`v0`, `v1`, ...) from the named,
    typed scalar inputs; returns (lines, local name per step)."""
    values: list[_Typed] = [(name, np.dtype(dt)) for name, dt in inputs]
    lines, names = [], []
    for j, step in enumerate(steps):
        name = f"{prefix}{j}"
        lines.append(_emit_one(step, [values[i] for i in step.args], name))
        values.append((name, np.dtype(step.dtype)))
        names.append(name)
    return lines, names


def _emit_one(step: Step, args: Sequence[_Typed], name: str) -> str:
    """`name = <the step's scalar expression of the typed args, cast to its dtype>`."""
    placeholders = [f"_a{i}" for i in range(len(args))]
    expression = scalar_expression(step.op, len(args)).format(*placeholders)
    emitter = _Emitter(args)
    result = emitter.compile(expression)
    return f"{name} = {emitter.cast(result, step.dtype)}"


# -- iteration spaces ---------------------------------------------------------------------


def coalesce(shape: Sequence[int], input_shapes: Sequence[Sequence[int]]
             ) -> tuple[tuple[int, ...], tuple[tuple[bool, ...], ...]]:
    """Collapses `shape` and the inputs broadcast to it into the fewest dimensions.

    Returns (dims, spans): `spans[i][d]` says input i runs along dimension d (else it is
    broadcast there). Size-1 dimensions vanish; neighbours merge when every input spans
    both or neither. The result has at least one dimension."""
    rank = len(shape)
    flags = []
    for s in input_shapes:
        padded = (1,) * (rank - len(s)) + tuple(s)
        flags.append(tuple(p == d for p, d in zip(padded, shape)))
    dims: list[int] = []
    spans: list[list[bool]] = [[] for _ in input_shapes]
    previous = None
    for d, size in enumerate(shape):
        if size == 1:
            continue
        column = tuple(f[d] for f in flags)
        if column == previous:
            dims[-1] *= size
        else:
            dims.append(size)
            for i, v in enumerate(column):
                spans[i].append(v)
            previous = column
    if not dims:
        return (1,), tuple((True,) for _ in input_shapes)
    return tuple(dims), tuple(tuple(s) for s in spans)


def _header(kind: str) -> list[str]:
    return [f"# graphjit generated {kind} kernel (fastmath {fastmath.SOURCE_HASH})",
            "import numba", "import numpy as np",
            "from graphjit.compiler.lowering import fastmath as fm", ""]


def _jit_line(parallel: bool, reassoc: bool = False) -> str:
    flags = '{"contract", "reassoc"}' if reassoc else '{"contract"}'
    return (f"@numba.njit(cache=True, parallel={parallel}, fastmath={flags}, "
            'error_model="numpy", nogil=True)')


def literal(value, dtype: np.dtype) -> str:
    """A scalar constant as typed source text (exact: floats print round-trip)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return repr(bool(value))
    if dtype.kind == "f":
        v = float(value)
        text = "np.nan" if v != v else ("np.inf" if v == np.inf else
                                        "-np.inf" if v == -np.inf else repr(v))
        return f"{_np_name(dtype)}({text})"
    return f"{_np_name(dtype)}({int(value)})"


def elementwise_source(steps: Sequence[Step], input_dtypes: Sequence[np.dtype],
                       spans: Sequence[Sequence[bool]], outputs: Sequence[int],
                       literals: dict[int, object] | None = None,
                       in_place: dict[int, int] | None = None) -> str:
    """A module with `serial(*inputs, *outputs)` and `parallel(...)`: inputs are
    contiguous arrays of the coalesced rank (size 1 where broadcast), outputs of the
    coalesced shape; `outputs` lists the steps written out. Inputs in `literals`
    (index -> scalar value) are compiled in as constants and not passed. Outputs in
    `in_place` (output -> input) overwrite that full-shape input instead of being
    passed: one array read and written, which vectorizes where two arguments that
    alias do not (the compiler's overlap check fails and it falls back to scalar code)."""
    literals = literals or {}
    in_place = in_place or {}
    rank = len(spans[0]) if spans else 1
    n_in = len(input_dtypes)
    index = [f"i{d}" for d in range(rank)]
    ins = [f"a{i}" for i in range(n_in) if i not in literals]
    outs = [f"a{in_place[k]}" if k in in_place else f"o{k}" for k in range(len(outputs))]
    body_inputs = []
    loads = []
    for i, dt in enumerate(input_dtypes):
        if i in literals:
            loads.append(f"x{i} = {literal(literals[i], dt)}")
        else:
            idx = ", ".join(index[d] if spans[i][d] else "0" for d in range(rank))
            loads.append(f"x{i} = a{i}[{idx}]")
        body_inputs.append((f"x{i}", dt))
    lines, names = emit_steps(steps, body_inputs)
    stores = [f"{outs[k]}[{', '.join(index)}] = {names[s]}" for k, s in enumerate(outputs)]
    src = _header("elementwise")
    for variant, parallel in (("serial", False), ("parallel", True)):
        src.append(_jit_line(parallel))
        passed = ins + [name for name in outs if name not in ins]
        src.append(f"def {variant}({', '.join(passed)}):")
        src.append(f"    shape = {outs[0]}.shape")
        indent = "    "
        for d in range(rank):
            loop = "numba.prange" if (parallel and d == 0) else "range"
            src.append(f"{indent}for i{d} in {loop}(shape[{d}]):")
            indent += "    "
        src.extend(indent + line for line in loads + lines + stores)
        src.append("")
    return "\n".join(src) + "\n"


class _Accumulator:
    """Source lines of one reduction over a loop: `init` before it, `update(value)` inside,
    `result` after (the reduced value in the accumulator's type, before the final cast).

    Sums and products accumulate through fastmath's reassociating helpers (float32 in
    float64), so they vectorize; float max/min reduce integer order keys (plus a NaN flag),
    which vectorize where a float compare-and-select does not."""

    def __init__(self, combiner: str, dtype: np.dtype, name: str, count: str,
                 acc_dtype: np.dtype | None = None):
        self.combiner, self.name, self.count = combiner, name, count
        dtype = np.dtype(dtype)
        self.dtype = dtype
        self.acc = np.dtype(acc_dtype) if acc_dtype is not None else \
            _accumulator_dtype(combiner, dtype)
        self.keyed = combiner in ("max", "min") and dtype.kind == "f"

    def blockable(self) -> bool:
        """A float32 sum accumulating in float64: blocks of float32 partial sums serve."""
        return self.combiner in ("sum", "mean") and self.dtype == np.float32 and \
            self.acc == np.float64

    def init(self) -> list[str]:
        acc, name, c = self.acc, self.name, self.combiner
        if self.keyed:
            bits = "32" if self.dtype.itemsize == 4 else "64"
            key_t = f"np.int{bits}"
            value = "-np.inf" if c == "max" else "np.inf"
            return [f"{name} = fm.order_key_f{bits}({_np_name(self.dtype)}({value}))",
                    f"{name}_nan = False", f"{name}_key = {key_t}(0)"]
        init = {"sum": "0", "mean": "0", "prod": "1", "any": "False", "all": "True"}.get(c)
        if init is None:
            lo = c == "max"
            init = (("-np.inf" if lo else "np.inf") if acc.kind == "f" else
                    str(np.iinfo(acc).min if lo else np.iinfo(acc).max))
        return [f"{name} = {_np_name(acc)}({init})" if acc.kind != "b" else f"{name} = {init}"]

    def update(self, value: str) -> list[str]:
        acc, name, c = self.acc, self.name, self.combiner
        if self.keyed:
            bits = "32" if self.dtype.itemsize == 4 else "64"
            op = "max" if c == "max" else "min"
            return [f"{name} = {op}({name}, fm.order_key_f{bits}({value}))",
                    f"{name}_nan |= fm.nan_flag_f{bits}({value})"]
        cast = f"{_np_name(acc)}({value})"
        if c in ("sum", "mean"):
            return [f"{name} = fm.sum_acc({name}, {cast})" if acc.kind == "f" else
                    f"{name} = {name} + {cast}"]
        if c == "prod":
            return [f"{name} = fm.prod_acc({name}, {cast})" if acc.kind == "f" else
                    f"{name} = {name} * {cast}"]
        if c in ("any", "all"):
            return [f"{name} = {name} {'|' if c == 'any' else '&'} {cast}"]
        op = "max" if c == "max" else "min"
        return [f"{name} = {op}({name}, {cast})"]

    def result(self) -> str:
        name, c = self.name, self.combiner
        if self.keyed:
            bits = "32" if self.dtype.itemsize == 4 else "64"
            return (f"({_np_name(self.dtype)}(np.nan) if {name}_nan else "
                    f"fm.from_order_key_f{bits}({name}))")
        if c == "mean":
            n = self.count
            if self.acc.kind == "f":
                return f"({name} / {n})"
            return f"({name} // {n} if {name} >= 0 else -((-{name}) // {n}))"
        return name


def _accumulator_dtype(combiner: str, dtype: np.dtype) -> np.dtype:
    dtype = np.dtype(dtype)
    if combiner in ("sum", "mean", "prod"):
        if dtype.kind == "f":
            return np.dtype(np.float64)
        if dtype.kind in "iu":
            return np.dtype(np.int64)
    return dtype


def reduction_source(steps: Sequence[Step], input_dtypes: Sequence[np.dtype],
                     spans: Sequence[Sequence[bool]], combiner: str,
                     out_dtype: np.dtype, columns: bool = False) -> str:
    """A module with `serial(shape, *inputs, out)` / `parallel(...)` reducing the last step
    of the body over the middle axis of the 3-D (outer, reduced, inner) iteration space;
    `out` is 2-D (outer, inner). With `columns` (inner > 1) the reduced axis is the outer
    loop and a row of accumulators runs along the contiguous inner axis."""
    n_in = len(input_dtypes)
    value_dtype = steps[-1].dtype if steps else input_dtypes[0]
    index = ("i0", "r", "i2")
    loads, body_inputs = [], []
    for i, dt in enumerate(input_dtypes):
        idx = ", ".join(index[d] if spans[i][d] else "0" for d in range(3))
        loads.append(f"x{i} = a{i}[{idx}]")
        body_inputs.append((f"x{i}", dt))
    lines, names = emit_steps(steps, body_inputs)
    value = names[-1] if names else "x0"
    ins = [f"a{i}" for i in range(n_in)]
    src = _header("reduction")
    out_t = _np_name(out_dtype)
    for variant, parallel in (("serial", False), ("parallel", True)):
        src.append(_jit_line(parallel))
        src.append(f"def {variant}(shape, {', '.join(ins)}, out):")
        loop = "numba.prange" if parallel else "range"
        src.append(f"    for i0 in {loop}(shape[0]):")
        if not columns:
            acc = _Accumulator(combiner, value_dtype, "acc", "shape[1]")
            src.append("        for i2 in range(shape[2]):")
            src.extend("            " + line for line in acc.init())
            src.append("            for r in range(shape[1]):")
            src.extend("                " + line for line in loads + lines + acc.update(value))
            src.append(f"            out[i0, i2] = {out_t}({acc.result()})")
        else:
            # A row of scalar accumulators (NaN flags apart) along the inner axis.
            acc = _Accumulator(combiner, value_dtype, "a", "shape[1]")
            init = acc.init()
            kinds = [(line.split(" = ", 1)) for line in init]
            for name, expr in kinds:
                src.append(f"        {name}_row = np.empty(shape[2], "
                           f"{_row_dtype(name, acc)})")
                src.append("        for i2 in range(shape[2]):")
                src.append(f"            {name}_row[i2] = {expr}")
            src.append("        for r in range(shape[1]):")
            src.append("            for i2 in range(shape[2]):")
            src.extend("                " + f"{name} = {name}_row[i2]" for name, _ in kinds)
            src.extend("                " + line for line in loads + lines + acc.update(value))
            src.extend("                " + f"{name}_row[i2] = {name}" for name, _ in kinds)
            src.append("        for i2 in range(shape[2]):")
            src.extend("            " + f"{name} = {name}_row[i2]" for name, _ in kinds)
            src.append(f"            out[i0, i2] = {out_t}({acc.result()})")
        src.append("")
    return "\n".join(src) + "\n"


def _row_dtype(name: str, acc: _Accumulator) -> str:
    if name.endswith("_nan"):
        return "np.bool_"
    if acc.keyed:
        return "np.int32" if acc.dtype.itemsize == 4 else "np.int64"
    return _np_name(acc.acc)


# -- rows: reductions over trailing axes fused with their producers and consumers ---------

# Elements per float32 partial sum in rows kernels: 16 vector lanes times a few unrolled
# accumulators each add at most 512 / 64 = 8 terms in float32 before float64 takes over.
_SUM_BLOCK = 512


@dataclass(frozen=True)
class RowMember:
    """One member of a rows kernel: an elementwise `step` (its `args` index inputs, then
    members) whose value is `full` (one per element) or per row; or, with `combiner`, a
    reduction of its one argument over the row (a per-row value)."""

    step: Step
    full: bool
    combiner: str | None = None


def rows_source(members: Sequence[RowMember], input_dtypes: Sequence[np.dtype],
                input_spans: Sequence[tuple[bool, bool]], outputs: Sequence[int],
                literals: dict[int, object] | None = None,
                short_rows: bool = False) -> str:
    """A module with `serial(n, *inputs, *outputs)` / `parallel(...)` over a (rows, n)
    view. Inputs are 2-D, size 1 where broadcast; outputs are (rows, n) for full members
    and (rows, 1) for per-row ones. Each row is processed alone: one loop over it per
    reduction depth (the row is in cache after the first), then one loop writing the full
    outputs. A full value that a later loop needs is kept in a row-sized scratch array
    (or its output row) rather than recomputed. `short_rows` (n at most one float32 sum
    block, as a classifier's logits) drops the whole-block loops, which never run then:
    the same results, and the kernel compiles in about half the time."""
    literals = literals or {}
    n_in = len(input_dtypes)
    full = [k not in literals and input_spans[k][1] for k in range(n_in)]
    full += [m.full and m.combiner is None for m in members]
    reducer = [False] * n_in + [m.combiner is not None for m in members]
    args_of = [()] * n_in + [m.step.args for m in members]
    phase = [0] * n_in
    for m in members:
        deepest = max((phase[a] for a in m.step.args), default=0)
        phase.append(deepest + 1 if m.combiner is not None else deepest)
    names = [f"x{k}" for k in range(n_in)] + [f"v{j}" for j in range(len(members))]
    typed = [np.dtype(dt) for dt in input_dtypes] + [np.dtype(m.step.dtype) for m in members]
    full_out = [n_in + j for j in outputs if full[n_in + j]]
    row_out = [n_in + j for j in outputs if not full[n_in + j]]

    def closure(demand, stops):
        """Full members computed to get `demand`, in order, stopping at `stops`."""
        need, stack = set(), list(demand)
        while stack:
            v = stack.pop()
            if v in need or v < n_in or not full[v] or v in stops:
                continue
            need.add(v)
            stack.extend(args_of[v])
        return sorted(need)

    # Loops: one per reduction depth, then one writing the full outputs.
    loops = []
    for p in sorted({phase[v] for v in range(n_in, len(full)) if reducer[v]}):
        targets = [v for v in range(n_in, len(full)) if reducer[v] and phase[v] == p]
        loops.append((targets, [args_of[t][0] for t in targets]))
    if full_out:
        loops.append(([], list(full_out)))
    stored: dict[int, str] = {}   # full value -> the array holding its row
    plans = []
    for index, (targets, demand) in enumerate(loops):
        stops = dict(stored)
        need = closure(demand, stops)
        keep = []
        for _, later in loops[index + 1:]:
            later_need = closure(later, set(stops) | set(need))
            wanted = set(later) | {a for v in later_need for a in args_of[v]}
            keep += [v for v in need if v in wanted and v not in keep]
        for v in keep:
            if v in full_out:
                stored[v] = f"o{outputs.index(v - n_in)}"
                continue
            # A full output written only by the last loop holds the row meanwhile (its
            # row is read before it is written there): no scratch array.
            free = [u for u in full_out if u not in stored and typed[u] == typed[v] and
                    f"o{outputs.index(u - n_in)}" not in stored.values()]
            stored[v] = f"o{outputs.index(free[0] - n_in)}" if free else f"t{v}"
        plans.append((targets, demand, need, keep, stops))
    src = _header("rows")
    for variant, parallel in (("serial", False), ("parallel", True)):
        scratch = [f"t{v} = np.empty(n, {_np_name(typed[v])})" for v in stored
                   if stored[v].startswith("t")]
        body: list[str] = [] if not parallel else list(scratch)
        for k in range(n_in):
            if k in literals:
                body.append(f"x{k} = {literal(literals[k], input_dtypes[k])}")
            elif not full[k]:
                body.append(f"x{k} = a{k}[{'i' if input_spans[k][0] else '0'}, 0]")
        known = {k for k in range(n_in) if not full[k]}

        def emit_rows(body=body, known=known):
            for v in range(n_in, len(full)):
                if not full[v] and not reducer[v] and v not in known and \
                        all(a in known for a in args_of[v]):
                    m = members[v - n_in]
                    body.append(_emit_one(m.step, [(names[a], typed[a]) for a in m.step.args],
                                          names[v]))
                    known.add(v)
        emit_rows()
        for targets, demand, need, keep, stops in plans:
            accs = {t: _Accumulator(members[t - n_in].combiner, typed[args_of[t][0]],
                                    f"r{t}", "n") for t in targets}
            for acc in accs.values():
                body.extend(acc.init())
            # float32 sums: float32 partial sums over blocks (twice the vector width of
            # float64 ones) added into the float64 accumulator.
            blocked = {t: _Accumulator(acc.combiner, acc.dtype, f"{acc.name}_b", "n",
                                       acc_dtype=acc.dtype)
                       for t, acc in accs.items() if acc.blockable()}
            referenced = set(demand) | {a for v in need for a in args_of[v]}
            loop = []
            for v in sorted(referenced):
                if v in stops:
                    array = stops[v]
                    loop.append(f"{names[v]} = {array}[{'i, j' if array[0] == 'o' else 'j'}]")
                elif v < n_in and full[v]:
                    loop.append(f"{names[v]} = a{v}[{'i' if input_spans[v][0] else '0'}, j]")
            for v in need:
                m = members[v - n_in]
                loop.append(_emit_one(m.step, [(names[a], typed[a]) for a in m.step.args],
                                      names[v]))
            for v in keep:
                array = stored[v]
                loop.append(f"{array}[{'i, j' if array[0] == 'o' else 'j'}] = {names[v]}")
            for t, acc in accs.items():
                loop.extend((blocked.get(t) or acc).update(names[args_of[t][0]]))
            if not targets:  # the output loop
                for v in demand:
                    slot = f"o{outputs.index(v - n_in)}"
                    if stops.get(v) != slot:
                        loop.append(f"{slot}[i, j] = {names[v]}")
            if blocked and short_rows:
                flush = [f"{accs[t].name} = {accs[t].name} + np.float64({b.name})"
                         for t, b in blocked.items()]
                body.extend(line for acc in blocked.values() for line in acc.init())
                body.append("for j in range(n):")
                body.extend("    " + line for line in loop)
                body.extend(flush)
            elif blocked:
                # Whole blocks with a constant trip count, then the tail: a loop bounded
                # by min(j0 + B, n) did not vectorize.
                flush = [f"{accs[t].name} = {accs[t].name} + np.float64({b.name})"
                         for t, b in blocked.items()]
                inits = [line for acc in blocked.values() for line in acc.init()]
                body.append(f"nb = n - n % {_SUM_BLOCK}")
                body.append(f"for j0 in range(0, nb, {_SUM_BLOCK}):")
                body.extend("    " + line for line in inits)
                body.append(f"    for jj in range({_SUM_BLOCK}):")
                body.append("        j = j0 + jj")
                body.extend("        " + line for line in loop)
                body.extend("    " + line for line in flush)
                body.extend(inits)
                body.append("for j in range(nb, n):")
                body.extend("    " + line for line in loop)
                body.extend(flush)
            else:
                body.append("for j in range(n):")
                body.extend("    " + line for line in loop)
            for t, acc in accs.items():
                body.append(f"{names[t]} = {_np_name(typed[t])}({acc.result()})")
                known.add(t)
            emit_rows()
        for v in row_out:
            body.append(f"o{outputs.index(v - n_in)}[i, 0] = {names[v]}")
        ins = [f"a{k}" for k in range(n_in) if k not in literals]
        outs = [f"o{k}" for k in range(len(outputs))]
        src.append(_jit_line(parallel))
        src.append(f"def {variant}(n, {', '.join(ins + outs)}):")
        if not parallel:
            src.extend("    " + line for line in scratch)
        src.append(f"    for i in {'numba.prange' if parallel else 'range'}({outs[0]}.shape[0]):")
        src.extend("        " + line for line in body)
        src.append("")
    return "\n".join(src) + "\n"


# Softmax-family ops over the last axis, written as rows members of primitive ops (their
# scalar expressions and combiners come from the registry like any fused body's).
# Each entry: (kernel inputs, members as (op, args, full, combiner[, dtype]), outputs).
# Kernel inputs are the op's inputs in order, then what the backend supplies: "columns",
# the column index j of each element (an iota broadcast over the rows), or a literal.
# A member's dtype is the op's float dtype unless given ("bool", or "labels": the labels').
_SPARSE_LABELS = "labels"
_ROW_OPS = {
    "softmax": (("values",), [
        ("reduce_max", (0,), False, "max"), ("subtract", (0, 1), True, None),
        ("exp", (2,), True, None), ("reduce_sum", (3,), False, "sum"),
        ("truediv", (3, 4), True, None)], (4,)),
    "log_softmax": (("values",), [
        ("reduce_max", (0,), False, "max"), ("subtract", (0, 1), True, None),
        ("exp", (2,), True, None), ("reduce_sum", (3,), False, "sum"),
        ("log", (4,), False, None), ("subtract", (2, 5), True, None)], (5,)),
    # (logits, labels) -> (loss, backprop): -sum(labels * log_softmax), softmax - labels
    "softmax_cross_entropy_with_logits": (("values", "values"), [
        ("reduce_max", (0,), False, "max"), ("subtract", (0, 2), True, None),
        ("exp", (3,), True, None), ("reduce_sum", (4,), False, "sum"),
        ("log", (5,), False, None), ("subtract", (3, 6), True, None),
        ("multiply", (1, 7), True, None), ("reduce_sum", (8,), False, "sum"),
        ("negative", (9,), False, None), ("truediv", (4, 5), True, None),
        ("subtract", (11, 1), True, None)], (8, 10)),
    # (logits, labels: one class index per row) -> (loss, backprop): loss = log(sum) -
    # (logit at the label - max), the logit picked by `where` in the same pass as the sum
    # (two passes, not three: the kernel compiles in about half the time), which rounds
    # exactly as the reference's -(shifted - log(sum)); softmax minus the one-hot row.
    # Labels are range-checked by the backend beforehand.
    "sparse_softmax_cross_entropy_with_logits": (("values", _SPARSE_LABELS, "columns", 0.0), [
        ("reduce_max", (0,), False, "max"), ("subtract", (0, 4), True, None),
        ("exp", (5,), True, None), ("reduce_sum", (6,), False, "sum"),
        ("equal", (2, 1), True, None, "bool"), ("where", (8, 5, 3), True, None),
        ("reduce_sum", (9,), False, "sum"), ("log", (7,), False, None),
        ("subtract", (11, 10), False, None), ("truediv", (6, 7), True, None),
        ("cast", (8,), True, None), ("subtract", (13, 14), True, None)], (8, 11)),
}


@dataclass(frozen=True)
class RowOpKernel:
    """A softmax-family op's rows kernel: its source, and per kernel input whether it
    varies along the rows and along a row (`spans`), the op input it is (`sources`: an
    index, "columns" or None for a literal) and the literals compiled in."""

    source: str
    spans: tuple[tuple[bool, bool], ...]
    sources: tuple[int | str | None, ...]
    literals: dict[int, object]


def row_op_kernel(op: str, dtype: np.dtype, labels_dtype: np.dtype | None = None,
                  row_length: int | None = None) -> RowOpKernel | None:
    """The rows kernel of a softmax-family op over the last axis of (rows, n) views of
    its inputs, or None when the op has no row form. A known `row_length` at most one
    sum block gives the short-rows kernel (see rows_source)."""
    entry = _ROW_OPS.get(op)
    if entry is None:
        return None
    kernel_inputs, spec, outputs = entry
    labels_dtype = np.dtype(labels_dtype or np.int64)
    member_dtype = {None: np.dtype(dtype), "bool": np.dtype(np.bool_),
                    _SPARSE_LABELS: labels_dtype}
    members = [RowMember(Step(name, args, (), member_dtype[rest[0] if rest else None]),
                         is_full, combiner)
               for name, args, is_full, combiner, *rest in spec]
    spans, sources, dtypes, literals = [], [], [], {}
    for k, role in enumerate(kernel_inputs):
        if role == "values":
            spans.append((True, True))
            dtypes.append(np.dtype(dtype))
        elif role == _SPARSE_LABELS:
            spans.append((True, False))
            dtypes.append(labels_dtype)
        elif role == "columns":
            spans.append((False, True))
            dtypes.append(labels_dtype)
        else:
            spans.append((False, False))
            dtypes.append(np.dtype(dtype))
            literals[k] = role
        sources.append(k if role in ("values", _SPARSE_LABELS) else
                       role if role == "columns" else None)
    source = rows_source(members, dtypes, spans, outputs, literals,
                         short_rows=is_short_row(row_length))
    return RowOpKernel(source, tuple(spans), tuple(sources), literals)


def is_short_row(row_length: int | None) -> bool:
    return row_length is not None and row_length <= _SUM_BLOCK


def reduction_layout(shape, axes, input_shapes):
    """(dims, spans) of an (outer, reduced, inner) view of `shape`, or None when the
    reduced axes are not one block after dropping size-1 dims or an input's broadcast
    varies inside a block. One rule for the CPU and CUDA backends."""
    rank = len(shape)
    axes = {a % rank for a in axes} if rank else set()
    kept = [d for d in range(rank) if shape[d] != 1]
    red = [d for d in kept if d in axes]
    if red and red != [d for d in kept if red[0] <= d <= red[-1]]:
        return None
    blocks = ([d for d in kept if not red or d < red[0]], red,
              [d for d in kept if red and d > red[-1]])
    if not red:
        blocks = (kept, [], [])
    dims = tuple(int(np.prod([shape[d] for d in b], dtype=np.int64)) for b in blocks)
    spans = []
    for s in input_shapes:
        padded = (1,) * (rank - len(s)) + tuple(s)
        span = []
        for block in blocks:
            flags = {padded[d] == shape[d] for d in block}
            if len(flags) > 1:
                return None
            span.append(flags.pop() if flags else True)
        spans.append(tuple(span))
    return dims, tuple(spans)
