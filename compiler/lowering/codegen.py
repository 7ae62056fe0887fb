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
- softmax / log_softmax: row kernels over the last axis; the row is read twice (max, then
  exp-and-sum writing the output) and the output row, still in cache, is scaled.

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
        raise NotImplementedError(f"op {op!r} has no scalar expression")
    return expression


def can_lower_elementwise(op: str) -> bool:
    opdef = registry.get(op)
    return opdef.kind == "elementwise" and (opdef.scalar is not None or op == "add_n")


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
        args = [values[i] for i in step.args]
        placeholders = [f"_a{i}" for i in range(len(args))]
        expression = scalar_expression(step.op, len(args)).format(*placeholders)
        emitter = _Emitter(args)
        result = emitter.compile(expression)
        name = f"{prefix}{j}"
        lines.append(f"{name} = {emitter.cast(result, step.dtype)}")
        values.append((name, np.dtype(step.dtype)))
        names.append(name)
    return lines, names


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
                       literals: dict[int, object] | None = None) -> str:
    """A module with `serial(*inputs, *outputs)` and `parallel(...)`: inputs are
    contiguous arrays of the coalesced rank (size 1 where broadcast), outputs of the
    coalesced shape; `outputs` lists the steps written out. Inputs in `literals`
    (index -> scalar value) are compiled in as constants and not passed."""
    literals = literals or {}
    rank = len(spans[0]) if spans else 1
    n_in = len(input_dtypes)
    index = [f"i{d}" for d in range(rank)]
    ins = [f"a{i}" for i in range(n_in) if i not in literals]
    outs = [f"o{k}" for k in range(len(outputs))]
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
        src.append(f"def {variant}({', '.join(ins + outs)}):")
        src.append(f"    shape = {outs[0]}.shape")
        indent = "    "
        for d in range(rank):
            loop = "numba.prange" if (parallel and d == 0) else "range"
            src.append(f"{indent}for i{d} in {loop}(shape[{d}]):")
            indent += "    "
        src.extend(indent + line for line in loads + lines + stores)
        src.append("")
    return "\n".join(src) + "\n"


_COMBINE = {
    "sum": ("acc + v", "0"), "mean": ("acc + v", "0"), "prod": ("acc * v", "1"),
    "max": ("v if (v > acc or v != v) else acc", "lo"),
    "min": ("v if (v < acc or v != v) else acc", "hi"),
    "any": ("acc | v", "False"), "all": ("acc & v", "True"),
}


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
                     out_dtype: np.dtype) -> str:
    """A module with `serial(*inputs, out)` / `parallel(...)` reducing the last step of
    the body over the middle axis of the 3-D (outer, reduced, inner) iteration space;
    `out` is 2-D (outer, inner)."""
    n_in = len(input_dtypes)
    value_dtype = steps[-1].dtype if steps else input_dtypes[0]
    acc_dtype = _accumulator_dtype(combiner, value_dtype)
    combine, init = _COMBINE[combiner]
    if init == "lo":
        init = "-np.inf" if acc_dtype.kind == "f" else str(np.iinfo(acc_dtype).min)
    elif init == "hi":
        init = "np.inf" if acc_dtype.kind == "f" else str(np.iinfo(acc_dtype).max)
    init_text = f"{_np_name(acc_dtype)}({init})"
    index = ("i0", "r", "i2")
    loads, body_inputs = [], []
    for i, dt in enumerate(input_dtypes):
        idx = ", ".join(index[d] if spans[i][d] else "0" for d in range(3))
        loads.append(f"x{i} = a{i}[{idx}]")
        body_inputs.append((f"x{i}", dt))
    lines, names = emit_steps(steps, body_inputs)
    value = names[-1] if names else "x0"
    to_acc = f"v = {_np_name(acc_dtype)}({value})"
    if combiner == "mean":
        finish = "acc / shape[1]" if acc_dtype.kind == "f" else \
            "(acc // shape[1] if acc >= 0 else -((-acc) // shape[1]))"
    else:
        finish = "acc"
    ins = [f"a{i}" for i in range(n_in)]
    src = _header("reduction")
    for variant, parallel in (("serial", False), ("parallel", True)):
        src.append(_jit_line(parallel, reassoc=combiner in ("sum", "mean", "prod")))
        src.append(f"def {variant}(shape, {', '.join(ins)}, out):")
        loop = "numba.prange" if parallel else "range"
        src.append(f"    for i0 in {loop}(shape[0]):")
        src.append("        for i2 in range(shape[2]):")
        src.append(f"            acc = {init_text}")
        src.append("            for r in range(shape[1]):")
        src.extend("                " + line for line in loads + lines + [to_acc])
        src.append(f"                acc = {combine}")
        src.append(f"            out[i0, i2] = {_np_name(out_dtype)}({finish})")
        src.append("")
    return "\n".join(src) + "\n"


def softmax_source(op: str, dtype: np.dtype) -> str:
    """Row kernels over the last axis of a 2-D (rows, n) view: `softmax` or `log_softmax`."""
    t = _np_name(dtype)
    exp = f"fm.{fastmath.implementation('exp', dtype)}"
    log = f"fm.{fastmath.implementation('log', dtype)}"
    if op == "softmax":
        finish = ["        scale = 1.0 / total",
                  "        for j in range(n):",
                  f"            out[i, j] = {t}(out[i, j] * scale)"]
        store = "            out[i, j] = e"
    else:
        finish = [f"        lse = {t}({log}({t}(total)))",
                  "        for j in range(n):",
                  "            out[i, j] = x[i, j] - m - lse"]
        store = ""
    src = _header(op)
    for variant, parallel in (("serial", False), ("parallel", True)):
        src.append(_jit_line(parallel))
        src.append(f"def {variant}(x, out):")
        src.append("    rows, n = x.shape")
        src.append(f"    for i in {'numba.prange' if parallel else 'range'}(rows):")
        src.append("        m = x[i, 0]")
        src.append("        for j in range(1, n):")
        src.append("            v = x[i, j]")
        src.append("            m = v if (v > m or v != v) else m")
        src.append("        total = 0.0")
        src.append("        for j in range(n):")
        src.append(f"            e = {exp}(x[i, j] - m)")
        if store:
            src.append(store)
        src.append("            total += e")
        src.extend(finish)
        src.append("")
    return "\n".join(src) + "\n"
