"""Python source for Numba CUDA kernels, one generator per kernel family.

The elementwise and reduction bodies come from the same `codegen.emit_steps` text the CPU
backend compiles (the ops' scalar expressions, typed as NumPy would), with `fm` bound to
compiler/lowering/cuda_math.py instead of fastmath.py. Every generated module defines one
`@cuda.jit` function named `kernel`; argument types are left to Numba (one compile per
signature), so one source serves every shape.

Families and their thread layouts:
- elementwise: a grid-stride loop over the flat output; the flat index is split into the
  coalesced dimensions (codegen.coalesce), and broadcast inputs read index 0 there;
- reduction: an (outer, reduced, inner) view. `block`: one block per output element, the
  threads stride over the reduced range and combine in shared memory (a tree); the output
  may be split into `chunk`-sized partial ranges (a second launch combines them).
  `column`: one thread per output, a serial loop (coalesced when `inner` is wide);
- arg_reduce: argmax/argmin as a block reduction of (value, index) pairs;
- softmax / log_softmax / softmax_xent / sparse_softmax_xent: one block per row, block
  reductions for the row max and the sum of exponentials, outputs written in place;
- matmul: shared-memory tiles of T x T, batched over grid z, transposes in the loads;
- conv2d and its two gradients, max/avg pooling and their gradients: one thread per
  output element, direct loops over the window (geometry passed as int64 arguments);
- gather / one_hot: one thread per output element, out-of-range indices set an error flag;
- take: out[i] = input_k[map[i] - offset_k], an index map made at lowering time by the
  op's own reference kernel (transpose, slices, concat, pad, tile, ...).

May import: numpy, graphjit.graphlib, compiler.lowering.codegen, compiler.lowering.cuda_math.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import codegen, cuda_math

_NUMBA_TYPE = {"f": "numba.float32", "d": "numba.float64", "i": "numba.int32",
               "l": "numba.int64", "q": "numba.int64", "?": "numba.uint8",
               "B": "numba.uint8"}


def numba_type(dtype) -> str:
    return _NUMBA_TYPE[np.dtype(dtype).char]


_NP_NAME = {"f": "np.float32", "d": "np.float64", "i": "np.int32", "l": "np.int64",
            "q": "np.int64", "?": "np.bool_", "B": "np.uint8"}


def _np(dtype) -> str:
    return _NP_NAME[np.dtype(dtype).char]


def _header(kind: str) -> list[str]:
    return [f"# graphjit generated CUDA {kind} kernel (cuda_math {cuda_math.SOURCE_HASH})",
            "import math", "", "import numba", "import numpy as np", "from numba import cuda",
            "", "from graphjit.compiler.lowering import cuda_math as fm", ""]


def _grid_loop(size: str) -> str:
    return f"for q in range(cuda.grid(1), {size}, cuda.gridsize(1)):"


def _split_index(names: Sequence[str], dims: Sequence[str], flat: str = "q") -> list[str]:
    """Lines splitting the flat row-major index into one index per dimension."""
    if len(names) == 1:
        return [f"{names[0]} = {flat}"]
    lines = [f"rest = {flat}"]
    for name, dim in zip(reversed(names[1:]), reversed(dims[1:])):
        lines += [f"{name} = rest % {dim}", f"rest = rest // {dim}"]
    lines.append(f"{names[0]} = rest")
    return lines


def _kernel(lines: list[str], signature: str) -> list[str]:
    return ["@cuda.jit", f"def kernel({signature}):"] + ["    " + line for line in lines]


# -- elementwise --------------------------------------------------------------------------


def elementwise_source(steps: Sequence[codegen.Step], input_dtypes: Sequence[np.dtype],
                       spans: Sequence[Sequence[bool]], outputs: Sequence[int],
                       literals: dict[int, object] | None = None) -> str:
    """`kernel(*inputs, *outputs)`: inputs of the coalesced rank (1 where broadcast),
    outputs of the coalesced shape; `literals` inputs are compiled in, not passed."""
    literals = literals or {}
    rank = len(spans[0]) if spans else 1
    index = [f"i{d}" for d in range(rank)]
    ins = [f"a{i}" for i in range(len(input_dtypes)) if i not in literals]
    outs = [f"o{k}" for k in range(len(outputs))]
    loads, body_inputs = [], []
    for i, dt in enumerate(input_dtypes):
        if i in literals:
            loads.append(f"x{i} = {codegen.literal(literals[i], dt)}")
        else:
            idx = ", ".join(index[d] if spans[i][d] else "0" for d in range(rank))
            loads.append(f"x{i} = a{i}[{idx}]")
        body_inputs.append((f"x{i}", dt))
    lines, names = codegen.emit_steps(steps, body_inputs)
    stores = [f"{outs[k]}[{', '.join(index)}] = {names[s]}" for k, s in enumerate(outputs)]
    dims = [f"{outs[0]}.shape[{d}]" for d in range(rank)]
    body = [_grid_loop(f"{outs[0]}.size")]
    body += ["    " + line for line in _split_index(index, dims) + loads + lines + stores]
    return "\n".join(_header("elementwise") + _kernel(body, ", ".join(ins + outs))) + "\n"


# -- reductions ---------------------------------------------------------------------------

# combiner -> (combine `v` into `acc`, initial value); NaN wins max and min, as in NumPy.
_COMBINE = {
    "sum": ("acc + v", "0"), "mean": ("acc + v", "0"), "prod": ("acc * v", "1"),
    "max": ("v if (v > acc or v != v) else acc", "lo"),
    "min": ("v if (v < acc or v != v) else acc", "hi"),
    "any": ("acc | v", "False"), "all": ("acc & v", "True"),
}


def accumulator_dtype(combiner: str, dtype) -> np.dtype:
    """Sums and products accumulate in float64 / int64 (as the CPU kernels do)."""
    dtype = np.dtype(dtype)
    if combiner in ("sum", "mean", "prod"):
        if dtype.kind == "f":
            return np.dtype(np.float64)
        if dtype.kind in "iu":
            return np.dtype(np.int64)
    return dtype


def _init_text(combiner: str, acc: np.dtype) -> str:
    init = _COMBINE[combiner][1]
    if init == "lo":
        init = "-np.inf" if acc.kind == "f" else str(np.iinfo(acc).min)
    elif init == "hi":
        init = "np.inf" if acc.kind == "f" else str(np.iinfo(acc).max)
    if acc.kind == "b":
        return init
    return f"{_np(acc)}({init})"


def _finish_text(finish: str, acc: np.dtype) -> str:
    if finish == "mean":
        return "acc / count" if acc.kind == "f" else \
            "(acc // count if acc >= 0 else -((-acc) // count))"
    if finish == "half":
        return "acc * 0.5"
    return "acc"


def _tree(tpb: int, combine: str, load_acc: str, store: str) -> list[str]:
    """A shared-memory tree reduction of `sh[0:tpb]` into `sh[0]` (every thread calls)."""
    return ["cuda.syncthreads()", f"step = {tpb // 2}", "while step > 0:",
            "    if t < step:", f"        acc = {load_acc.format('t')}",
            f"        v = {load_acc.format('t + step')}", f"        acc = {combine}",
            f"        sh[t] = {store}", "    cuda.syncthreads()", "    step //= 2"]


def reduction_source(steps: Sequence[codegen.Step], input_dtypes: Sequence[np.dtype],
                     spans: Sequence[Sequence[bool]], combiner: str, out_dtype,
                     finish: str, layout: str, tpb: int) -> str:
    """`kernel(n_red, *inputs, out, chunk, count)`: inputs are 3-D (outer, reduced,
    inner) views, `out` is (outer, S, inner): part s reduces [s*chunk, (s+1)*chunk).
    `finish` is "none" (partial results, in the accumulator dtype), "mean" (divide by
    `count`), "half" (l2_loss) or "plain"."""
    value_dtype = steps[-1].dtype if steps else input_dtypes[0]
    acc = accumulator_dtype(combiner, value_dtype)
    combine = _COMBINE[combiner][0]
    idx3 = ("i0", "r", "i2")
    loads, body_inputs = [], []
    for i, dt in enumerate(input_dtypes):
        idx = ", ".join(idx3[d] if spans[i][d] else "0" for d in range(3))
        loads.append(f"x{i} = a{i}[{idx}]")
        body_inputs.append((f"x{i}", dt))
    lines, names = codegen.emit_steps(steps, body_inputs)
    value = names[-1] if names else "x0"
    to_acc = f"v = ({value} != 0)" if acc.kind == "b" else f"v = {_np(acc)}({value})"
    result = _finish_text(finish, acc)
    out_t = np.dtype(out_dtype)
    store_out = f"({result})" if out_t.kind == "b" else f"{_np(out_t)}({result})"
    ins = [f"a{i}" for i in range(len(input_dtypes))]
    signature = ", ".join(["n_red", *ins, "out", "chunk", "count"])
    accumulate = [f"for r in range(lo{' + t' if layout == 'block' else ''}, hi"
                  f"{f', {tpb}' if layout == 'block' else ''}):"]
    accumulate += ["    " + line for line in loads + lines + [to_acc, f"acc = {combine}"]]
    if layout == "column":
        body = ["inner = out.shape[2]", _grid_loop("out.shape[0] * inner")]
        body += ["    " + line for line in [
            "i2 = q % inner", "i0 = q // inner", "lo = 0", "hi = n_red",
            f"acc = {_init_text(combiner, acc)}", *accumulate, f"out[i0, 0, i2] = {store_out}"]]
        return "\n".join(_header("reduction") + _kernel(body, signature)) + "\n"
    storage = "numba.uint8" if acc.kind == "b" else numba_type(acc)
    load_acc = "(sh[{}] != 0)" if acc.kind == "b" else "sh[{}]"
    store = "np.uint8(acc)" if acc.kind == "b" else "acc"
    body = [f"sh = cuda.shared.array({tpb}, {storage})", "t = cuda.threadIdx.x",
            "parts = out.shape[1]", "inner = out.shape[2]",
            "for q in range(cuda.blockIdx.x, out.shape[0] * parts * inner, cuda.gridDim.x):"]
    body += ["    " + line for line in [
        "i2 = q % inner", "rest = q // inner", "s = rest % parts", "i0 = rest // parts",
        "lo = s * chunk", "hi = min(lo + chunk, n_red)",
        f"acc = {_init_text(combiner, acc)}", *accumulate, f"sh[t] = {store}",
        *_tree(tpb, combine, load_acc, store),
        "if t == 0:", f"    acc = {load_acc.format('0')}",
        f"    out[i0, s, i2] = {store_out}", "cuda.syncthreads()"]]
    return "\n".join(_header("reduction") + _kernel(body, signature)) + "\n"


def arg_reduce_source(op: str, dtype, out_dtype, tpb: int) -> str:
    """`kernel(x, out)`: x is (outer, n, inner), out (outer, inner); TF's rule: NaN never
    wins (index 0 when all are NaN), ties go to the first index."""
    dtype = np.dtype(dtype)
    cmp = ">" if op == "argmax" else "<"
    storage = "numba.uint8" if dtype.kind == "b" else numba_type(dtype)
    zero = "np.uint8(0)" if dtype.kind == "b" else f"{_np(dtype)}(0)"
    load = "np.uint8(x[i0, r, i2])" if dtype.kind == "b" else "x[i0, r, i2]"
    nan = "v != v" if dtype.kind == "f" else "False"
    bnan = "bv != bv" if dtype.kind == "f" else "False"
    src = _header(op)
    src += ["@cuda.jit(device=True, inline=True)", "def better(v, j, bv, bj):",
            "    if j < 0:", "        return False", "    if bj < 0:", "        return True",
            f"    if {nan}:", f"        return ({bnan}) and j < bj", f"    if {bnan}:",
            "        return True", f"    return v {cmp} bv or (v == bv and j < bj)", ""]
    body = [f"sv = cuda.shared.array({tpb}, {storage})",
            f"si = cuda.shared.array({tpb}, numba.int64)", "t = cuda.threadIdx.x",
            "n = x.shape[1]", "inner = x.shape[2]",
            "for q in range(cuda.blockIdx.x, x.shape[0] * inner, cuda.gridDim.x):"]
    body += ["    " + line for line in [
        "i2 = q % inner", "i0 = q // inner", f"bv = {zero}", "bj = -1",
        f"for r in range(t, n, {tpb}):", f"    v = {load}",
        "    if better(v, r, bv, bj):", "        bv = v", "        bj = r",
        "sv[t] = bv", "si[t] = bj", "cuda.syncthreads()", f"step = {tpb // 2}",
        "while step > 0:", "    if t < step and better(sv[t + step], si[t + step], sv[t], si[t]):",
        "        sv[t] = sv[t + step]", "        si[t] = si[t + step]",
        "    cuda.syncthreads()", "    step //= 2",
        "if t == 0:", f"    out[i0, i2] = {_np(out_dtype)}(max(si[0], 0))", "cuda.syncthreads()"]]
    return "\n".join(src + _kernel(body, "x, out")) + "\n"


# -- row kernels: softmax, log_softmax, cross-entropy -------------------------------------


def _row_reduce(tpb: int, what: str) -> list[str]:
    """Lines reducing each thread's `part` (float64) over the block into `total`."""
    combine = "acc + v" if what == "sum" else "v if (v > acc or v != v) else acc"
    return ["sh[t] = part", *_tree(tpb, combine, "sh[{}]", "acc"), "total = sh[0]",
            "cuda.syncthreads()"]


def softmax_source(op: str, dtype, tpb: int, label_dtype=None) -> str:
    """One block per row of a (rows, n) view.

    softmax / log_softmax: `kernel(x, out)`.
    softmax_xent: `kernel(x, labels, loss, backprop)` with labels (rows, n).
    sparse_softmax_xent: `kernel(x, labels, loss, backprop, flags, slot)` with integer
    labels (rows,); an out-of-range label sets flags[slot]."""
    t = _np(dtype)
    exp = f"fm.{codegen.fastmath.implementation('exp', dtype)}"
    log = f"fm.{codegen.fastmath.implementation('log', dtype)}"
    signature = {"softmax": "x, out", "log_softmax": "x, out",
                 "softmax_xent": "x, labels, loss, backprop",
                 "sparse_softmax_xent": "x, labels, loss, backprop, flags, slot"}[op]
    row = ["part = -np.inf", f"for j in range(t, n, {tpb}):", "    v = np.float64(x[i, j])",
           "    part = v if (v > part or v != v) else part", *_row_reduce(tpb, "max"),
           f"m = {t}(total)", "part = 0.0", f"for j in range(t, n, {tpb}):",
           f"    e = {t}({exp}({t}(x[i, j] - m)))"]
    if op == "softmax":
        row += ["    out[i, j] = e", "    part += e", *_row_reduce(tpb, "sum"),
                "scale = 1.0 / total", f"for j in range(t, n, {tpb}):",
                f"    out[i, j] = {t}(out[i, j] * scale)"]
    else:
        row += ["    part += e", *_row_reduce(tpb, "sum"), f"lse = {t}({log}({t}(total)))"]
    if op == "log_softmax":
        row += [f"for j in range(t, n, {tpb}):", f"    out[i, j] = {t}(x[i, j] - m - lse)"]
    elif op == "softmax_xent":
        row += ["part = 0.0", f"for j in range(t, n, {tpb}):",
                f"    lp = {t}(x[i, j] - m - lse)",
                f"    backprop[i, j] = {t}({t}({exp}(lp)) - labels[i, j])",
                "    part -= np.float64(labels[i, j] * lp)", *_row_reduce(tpb, "sum"),
                "if t == 0:", f"    loss[i] = {t}(total)"]
    elif op == "sparse_softmax_xent":
        row += ["label = labels[i]", "bad = label < 0 or label >= n",
                f"for j in range(t, n, {tpb}):", f"    lp = {t}(x[i, j] - m - lse)",
                f"    p = {t}({exp}(lp))",
                f"    backprop[i, j] = {t}(p - {t}(1.0)) if j == label else p",
                "if t == 0:", "    if bad:", "        flags[slot] = 1",
                f"        loss[i] = {t}(0.0)", "    else:",
                f"        loss[i] = {t}(-(x[i, label] - m - lse))"]
    body = [f"sh = cuda.shared.array({tpb}, numba.float64)", "t = cuda.threadIdx.x",
            "n = x.shape[1]", "for i in range(cuda.blockIdx.x, x.shape[0], cuda.gridDim.x):"]
    body += ["    " + line for line in row + ["cuda.syncthreads()"]]
    return "\n".join(_header(op) + _kernel(body, signature)) + "\n"


# -- matmul -------------------------------------------------------------------------------


def matmul_source(dtype, transpose_a: bool, transpose_b: bool, tile: int) -> str:
    """`kernel(a, b, out)` on 3-D views (batch, rows, cols); a batch of 1 broadcasts.
    Launched with (tile, tile) threads and grid (ceil(N/T), ceil(M/T), batches)."""
    st = numba_type(dtype)
    t = _np(dtype)
    a_load = "a[ba, ka, row]" if transpose_a else "a[ba, row, ka]"
    b_load = "b[bb, col, kb]" if transpose_b else "b[bb, kb, col]"
    body = [f"sa = cuda.shared.array(({tile}, {tile}), {st})",
            f"sb = cuda.shared.array(({tile}, {tile}), {st})",
            "tx = cuda.threadIdx.x", "ty = cuda.threadIdx.y",
            "m = out.shape[1]", "n = out.shape[2]",
            f"k_total = a.shape[{1 if transpose_a else 2}]",
            f"row = cuda.blockIdx.y * {tile} + ty", f"col = cuda.blockIdx.x * {tile} + tx",
            "for batch in range(cuda.blockIdx.z, out.shape[0], cuda.gridDim.z):",
            "    ba = batch if a.shape[0] > 1 else 0", "    bb = batch if b.shape[0] > 1 else 0",
            f"    acc = {t}(0)", f"    for k0 in range(0, k_total, {tile}):",
            "        ka = k0 + tx", "        kb = k0 + ty",
            f"        sa[ty, tx] = {a_load} if (row < m and ka < k_total) else {t}(0)",
            f"        sb[ty, tx] = {b_load} if (col < n and kb < k_total) else {t}(0)",
            "        cuda.syncthreads()", f"        for k in range({tile}):",
            f"            acc = {t}(acc + sa[ty, k] * sb[k, tx])",
            "        cuda.syncthreads()",
            "    if row < m and col < n:", "        out[batch, row, col] = acc"]
    return "\n".join(_header("matmul") + _kernel(body, "a, b, out")) + "\n"


# -- convolution and pooling (NHWC) -------------------------------------------------------

_GEOMETRY = "sh, sw, dh, dw, pt, pl"


def conv_source(op: str, dtype) -> str:
    """conv2d `kernel(x, f, out, geometry)`, conv2d_backprop_input `kernel(f, dy, out,
    geometry)`, conv2d_backprop_filter `kernel(x, dy, out, geometry)`; geometry is
    (stride h, stride w, dilation h, dilation w, pad top, pad left) as int64."""
    t = _np(dtype)
    if op == "conv2d":
        signature = f"x, f, out, {_GEOMETRY}"
        body = ["hh = x.shape[1]", "ww = x.shape[2]", "cc = x.shape[3]",
                "kh = f.shape[0]", "kw = f.shape[1]",
                "oh_n = out.shape[1]", "ow_n = out.shape[2]", "oc_n = out.shape[3]",
                _grid_loop("out.size")]
        body += ["    " + line for line in [
            *_split_index(["n", "oh", "ow", "oc"], ["", "oh_n", "ow_n", "oc_n"]),
            f"acc = {t}(0)", "for i in range(kh):", "    h = oh * sh + i * dh - pt",
            "    if h >= 0 and h < hh:", "        for j in range(kw):",
            "            w = ow * sw + j * dw - pl", "            if w >= 0 and w < ww:",
            "                for c in range(cc):",
            f"                    acc = {t}(acc + x[n, h, w, c] * f[i, j, c, oc])",
            "out[n, oh, ow, oc] = acc"]]
    elif op == "conv2d_backprop_input":
        signature = f"f, dy, out, {_GEOMETRY}"
        body = ["hh = out.shape[1]", "ww = out.shape[2]", "cc = out.shape[3]",
                "kh = f.shape[0]", "kw = f.shape[1]", "oh_n = dy.shape[1]",
                "ow_n = dy.shape[2]", "oc_n = dy.shape[3]", _grid_loop("out.size")]
        body += ["    " + line for line in [
            *_split_index(["n", "h", "w", "c"], ["", "hh", "ww", "cc"]),
            f"acc = {t}(0)", "for i in range(kh):", "    hn = h + pt - i * dh",
            "    if hn >= 0 and hn % sh == 0 and hn // sh < oh_n:", "        oh = hn // sh",
            "        for j in range(kw):", "            wn = w + pl - j * dw",
            "            if wn >= 0 and wn % sw == 0 and wn // sw < ow_n:",
            "                ow = wn // sw", "                for oc in range(oc_n):",
            f"                    acc = {t}(acc + dy[n, oh, ow, oc] * f[i, j, c, oc])",
            "out[n, h, w, c] = acc"]]
    else:
        signature = f"x, dy, out, {_GEOMETRY}"
        body = ["nn = x.shape[0]", "hh = x.shape[1]", "ww = x.shape[2]",
                "kw = out.shape[1]", "cc = out.shape[2]", "oc_n = out.shape[3]",
                "oh_n = dy.shape[1]", "ow_n = dy.shape[2]", _grid_loop("out.size")]
        body += ["    " + line for line in [
            *_split_index(["i", "j", "c", "oc"], ["", "kw", "cc", "oc_n"]),
            f"acc = {t}(0)", "for n in range(nn):", "    for oh in range(oh_n):",
            "        h = oh * sh + i * dh - pt", "        if h >= 0 and h < hh:",
            "            for ow in range(ow_n):", "                w = ow * sw + j * dw - pl",
            "                if w >= 0 and w < ww:",
            f"                    acc = {t}(acc + x[n, h, w, c] * dy[n, oh, ow, oc])",
            "out[i, j, c, oc] = acc"]]
    return "\n".join(_header(op) + _kernel(body, signature)) + "\n"


_POOL = "kh, kw, sh, sw, pt, pl"


def pool_source(op: str, dtype) -> str:
    """max_pool / avg_pool `kernel(x, out, window)`, avg_pool_grad `kernel(g, out,
    window)`, max_pool_grad `kernel(x, dy, out, window)`; window is (ksize h, ksize w,
    stride h, stride w, pad top, pad left) as int64. Padding never wins a max and is not
    counted in an average (TF)."""
    dtype = np.dtype(dtype)
    t = _np(dtype)
    lowest = "-np.inf" if dtype.kind == "f" else str(np.iinfo(dtype).min)
    window_rows = ["for i in range(kh):", "    h = oh * sh + i - pt",
                   "    if h >= 0 and h < hh:", "        for j in range(kw):",
                   "            w = ow * sw + j - pl", "            if w >= 0 and w < ww:"]
    if op in ("max_pool", "avg_pool"):
        signature = f"x, out, {_POOL}"
        head = ["hh = x.shape[1]", "ww = x.shape[2]"]
        index = _split_index(["n", "oh", "ow", "c"], ["", "out.shape[1]", "out.shape[2]",
                                                      "out.shape[3]"])
        if op == "max_pool":
            inner = [f"acc = {t}({lowest})", *window_rows,
                     "                v = x[n, h, w, c]",
                     "                acc = v if (v > acc or v != v) else acc",
                     "out[n, oh, ow, c] = acc"]
        else:
            inner = ["acc = 0.0", "count = 0", *window_rows,
                     "                acc += x[n, h, w, c]", "                count += 1",
                     f"out[n, oh, ow, c] = {t}({t}(acc) / {t}(count))"]
        body = head + [_grid_loop("out.size")] + ["    " + line for line in index + inner]
    elif op == "avg_pool_grad":
        signature = f"g, out, {_POOL}"
        body = ["hh = out.shape[1]", "ww = out.shape[2]", "oh_n = g.shape[1]",
                "ow_n = g.shape[2]", _grid_loop("out.size")]
        body += ["    " + line for line in [
            *_split_index(["n", "h", "w", "c"], ["", "hh", "ww", "out.shape[3]"]),
            "acc = 0.0", "for i in range(kh):", "    hn = h + pt - i",
            "    if hn >= 0 and hn % sh == 0 and hn // sh < oh_n:", "        oh = hn // sh",
            "        top = max(oh * sh - pt, 0)", "        rows = min(oh * sh - pt + kh, hh) - top",
            "        for j in range(kw):", "            wn = w + pl - j",
            "            if wn >= 0 and wn % sw == 0 and wn // sw < ow_n:",
            "                ow = wn // sw", "                left = max(ow * sw - pl, 0)",
            "                cols = min(ow * sw - pl + kw, ww) - left",
            f"                acc += g[n, oh, ow, c] / {t}(rows * cols)",
            f"out[n, h, w, c] = {t}(acc)"]]
    else:  # max_pool_grad: each window's grad goes to its first maximum (row-major)
        signature = f"x, dy, out, {_POOL}"
        body = ["hh = out.shape[1]", "ww = out.shape[2]", "oh_n = dy.shape[1]",
                "ow_n = dy.shape[2]", _grid_loop("out.size")]
        body += ["    " + line for line in [
            *_split_index(["n", "h", "w", "c"], ["", "hh", "ww", "out.shape[3]"]),
            f"acc = {t}(0)", "for i in range(kh):", "    hn = h + pt - i",
            "    if hn >= 0 and hn % sh == 0 and hn // sh < oh_n:", "        oh = hn // sh",
            "        for j in range(kw):", "            wn = w + pl - j",
            "            if wn >= 0 and wn % sw == 0 and wn // sw < ow_n:",
            "                ow = wn // sw", f"                best = {t}({lowest})",
            "                bi = -1", "                bj = -1",
            "                for u in range(kh):", "                    for z in range(kw):",
            "                        hu = oh * sh + u - pt",
            "                        wz = ow * sw + z - pl",
            f"                        v = x[n, hu, wz, c] if (hu >= 0 and hu < hh and wz >= 0 "
            f"and wz < ww) else {t}({lowest})",
            "                        if bi < 0 or v > best or (v != v and best == best):",
            "                            best = v", "                            bi = u",
            "                            bj = z",
            "                if bi == i and bj == j:",
            f"                    acc = {t}(acc + dy[n, oh, ow, c])",
            "out[n, h, w, c] = acc"]]
    return "\n".join(_header(op) + _kernel(body, signature)) + "\n"


# -- indexing -----------------------------------------------------------------------------


def gather_source() -> str:
    """`kernel(params, indices, out, flags, slot)`: params (outer, P, inner), indices
    flat, out (outer, len(indices), inner); an index outside [0, P) sets flags[slot]."""
    body = ["p = params.shape[1]", "k_n = out.shape[1]", "inner = out.shape[2]",
            _grid_loop("out.size")]
    body += ["    " + line for line in [
        *_split_index(["o", "j", "k"], ["", "k_n", "inner"]), "g = indices[j]",
        "if g < 0 or g >= p:", "    flags[slot] = 1", "    out[o, j, k] = params[o, 0, k] * 0",
        "else:", "    out[o, j, k] = params[o, g, k]"]]
    return "\n".join(_header("gather") + _kernel(body, "params, indices, out, flags, slot")) \
        + "\n"


def one_hot_source() -> str:
    """`kernel(indices, on, off, out)`: indices (outer, inner), on/off of shape (1,),
    out (outer, depth, inner)."""
    body = ["depth = out.shape[1]", "inner = out.shape[2]", _grid_loop("out.size")]
    body += ["    " + line for line in [
        *_split_index(["o", "d", "k"], ["", "depth", "inner"]),
        "out[o, d, k] = on[0] if indices[o, k] == d else off[0]"]]
    return "\n".join(_header("one_hot") + _kernel(body, "indices, on, off, out")) + "\n"


def take_source(n_inputs: int) -> str:
    """`kernel(index_map, ends, fill, *inputs, out)`, all flat: map value g > 0 reads
    element g - 1 of the inputs laid end to end (`ends` are the cumulative sizes), 0
    writes fill[0]."""
    ins = [f"a{k}" for k in range(n_inputs)]
    chain = ["if g == 0:", "    out[q] = fill[0]"]
    for k in range(n_inputs):
        start = "0" if k == 0 else f"ends[{k - 1}]"
        chain += [f"elif g <= ends[{k}]:", f"    out[q] = a{k}[g - 1 - {start}]"]
    body = [_grid_loop("out.size"), "    g = index_map[q]"] + ["    " + line for line in chain]
    return "\n".join(_header("take") + _kernel(body, ", ".join(
        ["index_map", "ends", "fill", *ins, "out"]))) + "\n"


__all__ = ["elementwise_source", "reduction_source", "arg_reduce_source", "softmax_source",
           "matmul_source", "conv_source", "pool_source", "gather_source", "one_hot_source",
           "take_source", "accumulator_dtype", "numba_type"]
