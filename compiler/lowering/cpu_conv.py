"""Numba CPU kernels for the windowed ops: conv2d, its two gradients, and pooling.

`lower(node, program, out)` returns (run, label, kernel) for a node the CPU backend
should run on a generated kernel here, or None to keep its reference kernel. `out(value)`
gives the preallocated (or fresh) output array of a value (CpuExecutable._out).

Convolutions are im2col + one BLAS GEMM per chunk of images: a Numba kernel copies each
window's in-image values into a patch matrix, then `np.matmul` multiplies it by the
filter seen as (KH*KW*C, OC) straight into the output (conv2d), or its transpose by the
output gradient (conv2d_backprop_filter); conv2d_backprop_input multiplies the output
gradient by the filter's transpose and a col2im kernel adds the patches back into the
image. A 1x1 filter with unit strides and no padding needs no patch matrix at all. The
patch matrix is laid out one row per output pixel, except for single-channel input, where
one row per (tap, channel) turns the copies into contiguous runs along an image row (5x
faster for a first layer's 1-channel image). Patch buffers are allocated once per lowered
node (runs hold the executable's lock), zeroed once: a chunk always starts at an image, so
the padding positions are the same for every chunk and the kernels never write them.
Chunks bound the buffer to `PATCH_BYTES` (at least one image).

conv2d with unit strides into at most `DIRECT_MAX_OUT_CHANNELS` output channels skips the
GEMM, whose N (the output channels) is then too narrow for BLAS: images are copied into a
planar padded buffer (C + 1 planes, the last one zero), and a tap kernel adds each tap's
weight times the image shifted by the tap's offset into one image's (OC, HP * WP) sums,
computing the WP - OW columns past each row's end as well, so every pass is one long
contiguous run; the sums are then stored as NHWC. The threshold is measured (the CNN
section of docs/performance.md).

Pooling kernels loop over output pixels with the channels innermost (max_pool: over each
output row's input rows first, then its columns) and reproduce the reference kernels bit
for bit: max_pool propagates NaN; max_pool_grad and
max_pool_grad_grad use each window's first maximum in row-major order (NaN counting as the
maximum, a padded cell as -inf that can only win when it comes first), and accumulate in
the reference's order; avg_pool sums each window row-major and divides by the number of
in-image cells in the input's dtype; avg_pool_grad adds the shares tap by tap, as the
reference's scatter does. Convolutions match the reference within float rounding (other
summation orders for the chunked filter gradient and for col2im).

Kernels are shape-generic (sizes are arguments), live in two fixed modules loaded through
the kernel cache (so a second process compiles nothing), and are serial: conv plans
contain BLAS steps, which make the CPU backend run generated kernels serially (cpu.py's
_BLAS_OPS). Other dtypes than float32/float64, other data formats, and input sizes that
disagree with the program's shapes keep the reference kernel.

May import: numpy, numba, graphjit.graphlib, compiler.program, compiler.kernel_cache.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

import numpy as np

from ...graphlib.ops.nn import _geometry
from .. import kernel_cache
from ..program import Node, Program, Value

OPS: frozenset[str] = frozenset({
    "conv2d", "conv2d_backprop_input", "conv2d_backprop_filter", "max_pool",
    "max_pool_grad", "max_pool_grad_grad", "avg_pool", "avg_pool_grad"})

PATCH_BYTES = 4 << 20  # a chunk's patch matrix, see module docstring
DIRECT_MAX_OUT_CHANNELS = 8  # conv2d with unit strides and at most this many: tap kernel
_DTYPES = frozenset("fd")
_CONV_OPS = ("conv2d", "conv2d_backprop_input", "conv2d_backprop_filter")

CONV_SOURCE = '''"""graphjit im2col / col2im kernels for conv2d and its gradients
(compiler/lowering/cpu_conv.py). Loops index 1-D views from zero: LLVM then vectorizes the
contiguous runs (indexing with computed offsets ran 5-7x slower)."""
import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def im2col_rows(x, cols, n0, images, kh_n, kw_n, sh, sw, dh, dw, top, left, oh_n, ow_n):
    """cols[r] := the window of output pixel r of images n0.. (taps row-major, channels
    innermost); padding positions are not written."""
    _, h, w, c_n = x.shape
    run = kw_n * c_n
    xf = x.reshape(-1)
    r = 0
    for n in range(n0, n0 + images):
        for oh in range(oh_n):
            for ow in range(ow_n):
                row = cols[r]
                r += 1
                iw0 = ow * sw - left
                whole = dw == 1 and iw0 >= 0 and iw0 + kw_n <= w
                for i in range(kh_n):
                    ih = oh * sh - top + i * dh
                    if ih < 0 or ih >= h:
                        continue
                    base = (n * h + ih) * w
                    if whole:
                        s = (base + iw0) * c_n
                        src = xf[s:s + run]
                        dst = row[i * run:(i + 1) * run]
                        for k in range(run):
                            dst[k] = src[k]
                        continue
                    for j in range(kw_n):
                        iw = iw0 + j * dw
                        if iw < 0 or iw >= w:
                            continue
                        s = (base + iw) * c_n
                        d = (i * kw_n + j) * c_n
                        src = xf[s:s + c_n]
                        dst = row[d:d + c_n]
                        for c in range(c_n):
                            dst[c] = src[c]


@numba.njit(cache=True, nogil=True)
def col2im_rows(cols, dx, n0, images, kh_n, kw_n, sh, sw, dh, dw, top, left, oh_n, ow_n):
    """The adjoint of im2col_rows: adds each row of cols into the window it came from
    (dx[n0:n0 + images] must start at zero)."""
    _, h, w, c_n = dx.shape
    run = kw_n * c_n
    xf = dx.reshape(-1)
    r = 0
    for n in range(n0, n0 + images):
        for oh in range(oh_n):
            for ow in range(ow_n):
                row = cols[r]
                r += 1
                iw0 = ow * sw - left
                whole = dw == 1 and iw0 >= 0 and iw0 + kw_n <= w
                for i in range(kh_n):
                    ih = oh * sh - top + i * dh
                    if ih < 0 or ih >= h:
                        continue
                    base = (n * h + ih) * w
                    if whole:
                        s = (base + iw0) * c_n
                        dst = xf[s:s + run]
                        src = row[i * run:(i + 1) * run]
                        for k in range(run):
                            dst[k] += src[k]
                        continue
                    for j in range(kw_n):
                        iw = iw0 + j * dw
                        if iw < 0 or iw >= w:
                            continue
                        s = (base + iw) * c_n
                        d = (i * kw_n + j) * c_n
                        dst = xf[s:s + c_n]
                        src = row[d:d + c_n]
                        for c in range(c_n):
                            dst[c] += src[c]


@numba.njit(cache=True, nogil=True)
def im2col_columns(x, cols, n0, images, kh_n, kw_n, sh, sw, dh, dw, top, left, oh_n, ow_n):
    """cols[(i, j, c), m] := input value of tap (i, j), channel c for output pixel m of
    images n0..: one run along each output row; padding positions are not written."""
    _, h, w, c_n = x.shape
    m_n = cols.shape[1]
    xf = x.reshape(-1)
    cf = cols.reshape(-1)
    step = sw * c_n
    lo = np.empty(kw_n, np.int64)  # the output columns whose tap j is inside the image
    hi = np.empty(kw_n, np.int64)
    for j in range(kw_n):
        off = j * dw - left
        a = 0
        while a < ow_n and a * sw + off < 0:
            a += 1
        b = a
        while b < ow_n and b * sw + off < w:
            b += 1
        lo[j] = a
        hi[j] = b
    q = 0
    for n in range(n0, n0 + images):
        for oh in range(oh_n):
            for i in range(kh_n):
                ih = oh * sh - top + i * dh
                if ih < 0 or ih >= h:
                    continue
                for j in range(kw_n):
                    length = hi[j] - lo[j]
                    if length <= 0:
                        continue
                    first = (n * h + ih) * w + j * dw - left + lo[j] * sw
                    for c in range(c_n):
                        d = ((i * kw_n + j) * c_n + c) * m_n + q + lo[j]
                        dst = cf[d:d + length]
                        s = first * c_n + c
                        if step == 1:
                            src = xf[s:s + length]
                            for k in range(length):
                                dst[k] = src[k]
                        else:
                            for k in range(length):
                                dst[k] = xf[s + k * step]
            q += ow_n

@numba.njit(cache=True, nogil=True)
def pad_planar(x, xp, n0, images, top, left):
    """xp[n, c, top + ih, left + iw] := x[n0 + n, ih, iw, c]; the border is not written."""
    _, h, w, c_n = x.shape
    for n in range(images):
        for c in range(c_n):
            plane = xp[n, c]
            for ih in range(h):
                src = x[n0 + n, ih].reshape(-1)
                dst = plane[top + ih, left:left + w]
                if c_n == 1:
                    for iw in range(w):
                        dst[iw] = src[iw]
                else:
                    for iw in range(w):
                        dst[iw] = src[iw * c_n + c]


@numba.njit(cache=True, nogil=True, fastmath={"contract"})
def conv_taps(xp, offsets, weights, y, acc, n0, images, oh_n, ow_n):
    """y[n0 + n] := the unit-stride convolution of planar padded image xp[n] (C + 1, HP,
    WP; the last plane zero): output pixel (oh, ow) is position p = oh * WP + ow of
    acc[oc], the sum over taps t of weights[oc, t] * image[p + offsets[t]]. Taps come in
    groups of 4 (padded with zero weights reading the zero plane) so each pass over acc
    does 4 multiply-adds per load and store."""
    wp = xp.shape[3]
    oc_n, taps = weights.shape
    length = (oh_n - 1) * wp + ow_n
    for n in range(images):
        img = xp[n].reshape(-1)
        for oc in range(oc_n):
            a = acc[oc]
            w = weights[oc]
            for t in range(0, taps, 4):
                w0, w1, w2, w3 = w[t], w[t + 1], w[t + 2], w[t + 3]
                x0 = img[offsets[t]:offsets[t] + length]
                x1 = img[offsets[t + 1]:offsets[t + 1] + length]
                x2 = img[offsets[t + 2]:offsets[t + 2] + length]
                x3 = img[offsets[t + 3]:offsets[t + 3] + length]
                if t == 0:
                    for k in range(length):
                        a[k] = w0 * x0[k] + w1 * x1[k] + w2 * x2[k] + w3 * x3[k]
                else:
                    for k in range(length):
                        a[k] += w0 * x0[k] + w1 * x1[k] + w2 * x2[k] + w3 * x3[k]
        out = y[n0 + n]
        for oh in range(oh_n):
            for ow in range(ow_n):
                p = oh * wp + ow
                row = out[oh, ow]
                for oc in range(oc_n):
                    row[oc] = acc[oc, p]

'''

POOL_SOURCE = '''"""graphjit pooling kernels over NHWC (compiler/lowering/cpu_conv.py): bit for
bit the reference kernels of graphlib/ops/nn.py. Channels are innermost, as 1-D views."""
import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def max_pool(x, out, kh_n, kw_n, sh, sw, top, left):
    """Each output row: the max over the window's input rows, one contiguous run along
    (iw, c), then over the window's columns of that row (25-30% faster than window by
    window). The maximum does not depend on the order (NaN propagates, as np.max)."""
    _, h, w, c_n = x.shape
    n_n, oh_n, ow_n, _ = out.shape
    m = w * c_n
    rows = np.empty(m, x.dtype)
    for n in range(n_n):
        for oh in range(oh_n):
            for k in range(m):
                rows[k] = -np.inf
            for i in range(kh_n):
                ih = oh * sh - top + i
                if ih < 0 or ih >= h:
                    continue
                src = x[n, ih].reshape(-1)
                for k in range(m):
                    a = src[k]
                    b = rows[k]
                    rows[k] = a if a > b or a != a else b  # a select: no mispredictions
            o = out[n, oh].reshape(-1)
            for ow in range(ow_n):
                d = o[ow * c_n:(ow + 1) * c_n]
                for c in range(c_n):
                    d[c] = -np.inf
                for j in range(kw_n):
                    iw = ow * sw - left + j
                    if iw < 0 or iw >= w:
                        continue
                    v = rows[iw * c_n:(iw + 1) * c_n]
                    for c in range(c_n):
                        a = v[c]
                        b = d[c]
                        d[c] = a if a > b or a != a else b


@numba.njit(cache=True, nogil=True)
def _first_max(x, n, r0, c0, kh_n, kw_n, best, pos):
    """pos[c] := flat index into x of channel c's first maximum in the window at (r0, c0),
    as np.argmax over the -inf padded window: row-major, the first NaN wins; -1 when it is a
    padded cell (only the first cell can be one: later ones never beat it)."""
    _, h, w, c_n = x.shape
    xf = x.reshape(-1)
    if 0 <= r0 < h and 0 <= c0 < w:
        base = ((n * h + r0) * w + c0) * c_n
        for c in range(c_n):
            best[c] = xf[base + c]
            pos[c] = base + c
    else:
        for c in range(c_n):
            best[c] = -np.inf
            pos[c] = -1
    for i in range(kh_n):
        ih = r0 + i
        if ih < 0 or ih >= h:
            continue
        for j in range(kw_n):
            iw = c0 + j
            if iw < 0 or iw >= w:
                continue
            base = ((n * h + ih) * w + iw) * c_n
            v = xf[base:base + c_n]
            for c in range(c_n):
                a = v[c]
                b = best[c]
                wins = a > b or (a != a and b == b)
                best[c] = a if wins else b  # selects, not branches: random data mispredicts
                pos[c] = base + c if wins else pos[c]


@numba.njit(cache=True, nogil=True)
def max_pool_grad(x, g, dx, kh_n, kw_n, sh, sw, top, left):
    """dx := each window's gradient added at its first maximum, in (n, oh, ow, c) order."""
    n_n, oh_n, ow_n, c_n = g.shape
    dxf = dx.reshape(-1)
    for k in range(dxf.size):
        dxf[k] = 0
    best = np.empty(c_n, x.dtype)
    pos = np.empty(c_n, np.int64)
    for n in range(n_n):
        for oh in range(oh_n):
            for ow in range(ow_n):
                _first_max(x, n, oh * sh - top, ow * sw - left, kh_n, kw_n, best, pos)
                v = g[n, oh, ow]
                for c in range(c_n):
                    if pos[c] >= 0:
                        dxf[pos[c]] += v[c]


@numba.njit(cache=True, nogil=True)
def max_pool_grad_grad(x, g, out, kh_n, kw_n, sh, sw, top, left):
    """out := g (input-shaped) at each window's first maximum; 0 where that is padding."""
    n_n, oh_n, ow_n, c_n = out.shape
    gf = g.reshape(-1)
    best = np.empty(c_n, x.dtype)
    pos = np.empty(c_n, np.int64)
    for n in range(n_n):
        for oh in range(oh_n):
            for ow in range(ow_n):
                _first_max(x, n, oh * sh - top, ow * sw - left, kh_n, kw_n, best, pos)
                o = out[n, oh, ow]
                for c in range(c_n):
                    o[c] = gf[pos[c]] if pos[c] >= 0 else 0


@numba.njit(cache=True, nogil=True)
def _count(o, s, k, pad, size):
    """How many of the k window cells starting at o * s - pad lie inside [0, size)."""
    first = o * s - pad
    return min(first + k, size) - max(first, 0)


@numba.njit(cache=True, nogil=True)
def avg_pool(x, out, kh_n, kw_n, sh, sw, top, left):
    """Sums row-major from the window's first cell (padding adds +0.0, as the reference's
    zero padding), divided by the in-image count in the input's dtype."""
    _, h, w, c_n = x.shape
    n_n, oh_n, ow_n, _ = out.shape
    count = np.empty(1, out.dtype)
    for n in range(n_n):
        for oh in range(oh_n):
            rows = _count(oh, sh, kh_n, top, h)
            for ow in range(ow_n):
                count[0] = rows * _count(ow, sw, kw_n, left, w)
                o = out[n, oh, ow]
                for i in range(kh_n):
                    ih = oh * sh - top + i
                    for j in range(kw_n):
                        iw = ow * sw - left + j
                        inside = 0 <= ih < h and 0 <= iw < w
                        if i == 0 and j == 0:
                            if inside:
                                v = x[n, ih, iw]
                                for c in range(c_n):
                                    o[c] = v[c]
                            else:
                                for c in range(c_n):
                                    o[c] = 0
                        elif inside:
                            v = x[n, ih, iw]
                            for c in range(c_n):
                                o[c] += v[c]
                        else:
                            for c in range(c_n):
                                o[c] += 0
                for c in range(c_n):
                    o[c] = o[c] / count[0]


@numba.njit(cache=True, nogil=True)
def avg_pool_grad(g, dx, kh_n, kw_n, sh, sw, top, left):
    """dx := each window's share g / count added to its in-image cells, tap by tap."""
    n_n, oh_n, ow_n, c_n = g.shape
    _, h, w, _ = dx.shape
    share = np.empty_like(g)
    count = np.empty(1, g.dtype)
    for n in range(n_n):
        for oh in range(oh_n):
            rows = _count(oh, sh, kh_n, top, h)
            for ow in range(ow_n):
                count[0] = rows * _count(ow, sw, kw_n, left, w)
                v = g[n, oh, ow]
                s = share[n, oh, ow]
                for c in range(c_n):
                    s[c] = v[c] / count[0]
    dxf = dx.reshape(-1)
    for k in range(dxf.size):
        dxf[k] = 0
    for i in range(kh_n):
        for j in range(kw_n):
            for n in range(n_n):
                for oh in range(oh_n):
                    ih = oh * sh - top + i
                    if ih < 0 or ih >= h:
                        continue
                    for ow in range(ow_n):
                        iw = ow * sw - left + j
                        if iw < 0 or iw >= w:
                            continue
                        d = dx[n, ih, iw]
                        s = share[n, oh, ow]
                        for c in range(c_n):
                            d[c] += s[c]
'''


@dataclass(frozen=True)
class _Module:
    """A loaded kernel module, shaped like cpu._Kernel for `describe()`."""

    name: str
    source: str
    module: ModuleType
    variant: str = "serial"


_MODULES: dict[str, _Module] = {}


def _module(name: str, source: str) -> _Module:
    found = _MODULES.get(name)
    if found is None:
        found = _MODULES[name] = _Module(name, source, kernel_cache.load(name, source))
    return found


def lower(node: Node, program: Program, out: Callable[[Value], np.ndarray]):
    """(run, label, kernel) for a conv/pool node, or None to keep its reference kernel."""
    values = program.values
    result = node.outputs[0]
    if result.dtype.np is None or result.dtype.np.char not in _DTYPES or \
            node.attrs.get("data_format", "NHWC") != "NHWC" or \
            any(values[i].dtype != result.dtype for i in _data_inputs(node)):
        return None
    if node.op in _CONV_OPS:
        return _conv(node, [values[i] for i in node.inputs], result, out)
    return _pool(node, [values[i] for i in node.inputs], result, out)


def _data_inputs(node: Node) -> list[int]:
    """The input ids holding tensor data (not shape vectors)."""
    shapes = _SHAPE_INPUT.get(node.op)
    return [i for k, i in enumerate(node.inputs) if k != shapes]


_SHAPE_INPUT = {"conv2d_backprop_input": 0, "conv2d_backprop_filter": 1, "avg_pool_grad": 0}


# -- convolutions --------------------------------------------------------------------------


@dataclass(frozen=True)
class _ConvGeometry:
    x_shape: tuple[int, int, int, int]
    f_shape: tuple[int, int, int, int]
    out_hw: tuple[int, int]
    args: tuple[int, ...]  # kh, kw, sh, sw, dh, dw, top, left, oh, ow (kernel arguments)

    @property
    def k(self) -> int:
        return self.f_shape[0] * self.f_shape[1] * self.f_shape[2]

    @property
    def pixels(self) -> int:
        """Output pixels per image."""
        return self.out_hw[0] * self.out_hw[1]

    @property
    def pointwise(self) -> bool:
        """A 1x1 filter, unit strides, no padding: the patch matrix is the input itself."""
        kh, kw, sh, sw, _, _, top, left, oh, ow = self.args
        return (kh, kw, sh, sw, top, left) == (1, 1, 1, 1, 0, 0) and \
            (oh, ow) == self.x_shape[1:3]

    @property
    def direct(self) -> bool:
        """Unit strides into few output channels: the tap kernel beats a GEMM whose N is
        the output channels (docs/performance.md, CNN section, measured up to 8)."""
        sh, sw = self.args[2:4]
        return (sh, sw) == (1, 1) and self.f_shape[3] <= DIRECT_MAX_OUT_CHANNELS and \
            not self.pointwise

    @property
    def by_columns(self) -> bool:
        """Single-channel input: patches as (K, pixels), one contiguous run per tap row."""
        return self.x_shape[3] == 1


def _conv_geometry(node: Node, x_shape, f_shape) -> _ConvGeometry:
    attrs = node.attrs
    (oh, ow), ((top, _), (left, _)) = _geometry(
        x_shape[1:3], f_shape[:2], attrs["strides"], attrs["dilations"], attrs["padding"],
        attrs["explicit_paddings"])
    s, d = attrs["strides"], attrs["dilations"]
    args = (f_shape[0], f_shape[1], s[1], s[2], d[1], d[2], top, left, oh, ow)
    return _ConvGeometry(tuple(x_shape), tuple(f_shape), (oh, ow),
                         tuple(int(a) for a in args))


class _Patches:
    """The patch matrix of one conv node: chunks of whole images, a buffer allocated (and
    zeroed, see the module docstring) on first use and reused by every run."""

    def __init__(self, geometry: _ConvGeometry, dtype: np.dtype, by_columns: bool,
                 zeroed: bool):
        self.geometry = geometry
        self.dtype = dtype
        self.by_columns = by_columns
        self.zeroed = zeroed
        per_image = geometry.pixels * geometry.k * dtype.itemsize
        self.images = max(1, min(geometry.x_shape[0], PATCH_BYTES // max(per_image, 1)))
        self._buffer: np.ndarray | None = None

    def chunks(self):
        """(first image, images, first output row, output rows) of each chunk."""
        n, step, pixels = self.geometry.x_shape[0], self.images, self.geometry.pixels
        for n0 in range(0, n, step):
            images = min(step, n - n0)
            yield n0, images, n0 * pixels, images * pixels

    def buffer(self) -> np.ndarray:
        """(rows, K) patches, or (K, rows) by columns."""
        if self._buffer is None:
            rows, k = self.images * self.geometry.pixels, self.geometry.k
            shape = (k, rows) if self.by_columns else (rows, k)
            self._buffer = (np.zeros if self.zeroed else np.empty)(shape, self.dtype)
        return self._buffer

    def fill(self, im2col: ModuleType, x: np.ndarray, n0: int, images: int) -> np.ndarray:
        """The (rows, K) patch matrix of images n0.. (possibly a transposed view)."""
        buffer, rows = self.buffer(), images * self.geometry.pixels
        if self.by_columns:
            im2col.im2col_columns(x, buffer, n0, images, *self.geometry.args)
            return buffer[:, :rows].T
        im2col.im2col_rows(x, buffer, n0, images, *self.geometry.args)
        return buffer[:rows]


class _Planar:
    """conv2d's tap-kernel operands for one node: chunks of whole images copied into a
    planar padded buffer (images, C + 1, HP, WP) whose border and last plane stay zero
    (allocated and zeroed on first use, like _Patches), the tap offsets into one image,
    the filter as (OC, taps) padded to groups of 4, and one image's (OC, HP * WP) sums."""

    def __init__(self, geometry: _ConvGeometry, dtype: np.dtype):
        kh, kw, _, _, dh, dw, _, _, oh, ow = geometry.args
        c, oc = geometry.x_shape[3], geometry.f_shape[3]
        self.geometry, self.dtype = geometry, dtype
        self.hp, self.wp = oh + (kh - 1) * dh, ow + (kw - 1) * dw
        self.taps = geometry.k
        padded = -(-self.taps // 4) * 4
        i, j, ch = np.meshgrid(np.arange(kh), np.arange(kw), np.arange(c), indexing="ij")
        self.offsets = np.full(padded, c * self.hp * self.wp, np.int64)
        self.offsets[:self.taps] = ((ch * self.hp + i * dh) * self.wp + j * dw).reshape(-1)
        self.weights = np.zeros((oc, padded), dtype)
        self.acc = np.empty((oc, self.hp * self.wp), dtype)
        per_image = (c + 1) * self.hp * self.wp * dtype.itemsize
        self.images = max(1, min(geometry.x_shape[0], PATCH_BYTES // per_image))
        self._buffer: np.ndarray | None = None

    def run(self, kernels: ModuleType, x: np.ndarray, f: np.ndarray, y: np.ndarray) -> None:
        if self._buffer is None:
            self._buffer = np.zeros((self.images, self.geometry.x_shape[3] + 1, self.hp,
                                     self.wp), self.dtype)
        top, left, oh, ow = self.geometry.args[6:]
        self.weights[:, :self.taps] = f.reshape(self.taps, -1).T
        n = x.shape[0]
        for n0 in range(0, n, self.images):
            images = min(self.images, n - n0)
            kernels.pad_planar(x, self._buffer, n0, images, top, left)
            kernels.conv_taps(self._buffer, self.offsets, self.weights, y, self.acc, n0,
                              images, oh, ow)


def _conv(node: Node, inputs: list[Value], result: Value, out):
    op, dtype = node.op, result.dtype.np
    if op == "conv2d":
        x_shape, f_shape = inputs[0].shape, inputs[1].shape
    elif op == "conv2d_backprop_input":
        x_shape, f_shape = result.shape, inputs[1].shape
    else:
        x_shape, f_shape = inputs[0].shape, result.shape
    geometry = _conv_geometry(node, x_shape, f_shape)
    module = _module("conv", CONV_SOURCE)
    kernels = module.module
    k, oc = geometry.k, f_shape[3]
    # conv2d_backprop_input's GEMM writes every position of its (rows, K) patches
    patches = _Patches(geometry, dtype, by_columns=geometry.by_columns and
                       op != "conv2d_backprop_input", zeroed=op != "conv2d_backprop_input")
    empty = geometry.pixels * x_shape[0] == 0 or k == 0
    layout = "1x1: no im2col" if geometry.pointwise else \
        "by columns" if patches.by_columns else "by rows"

    if op == "conv2d" and geometry.direct and not empty:
        planar = _Planar(geometry, dtype)

        def run(args, ctx):
            y = out(result)
            planar.run(kernels, _c(args[0]), _c(args[1]), y)
            return (y,)
        return run, "conv2d[direct: taps over a planar padded image]", module

    if op == "conv2d":
        def run(args, ctx):
            x, f = _c(args[0]), _c(args[1])
            y = out(result)
            y2 = y.reshape(-1, oc)
            if empty:
                y.fill(0)
            elif geometry.pointwise:
                np.matmul(x.reshape(-1, k), f.reshape(k, oc), out=y2)
            else:
                f2 = f.reshape(k, oc)
                for n0, images, m0, rows in patches.chunks():
                    np.matmul(patches.fill(kernels, x, n0, images), f2, out=y2[m0:m0 + rows])
            return (y,)
        label = f"conv2d[im2col {layout} + BLAS GEMM]"

    elif op == "conv2d_backprop_filter":
        def run(args, ctx):
            x, dy = _c(args[0]), _c(args[2])
            df = out(result)
            df2 = df.reshape(k, oc)
            if empty:
                df.fill(0)
            elif geometry.pointwise:
                np.matmul(x.reshape(-1, k).T, dy.reshape(-1, oc), out=df2)
            else:
                dy2 = dy.reshape(-1, oc)
                partial = None
                for n0, images, m0, rows in patches.chunks():
                    cols = patches.fill(kernels, x, n0, images)
                    if n0 == 0:
                        np.matmul(cols.T, dy2[m0:m0 + rows], out=df2)
                    else:
                        partial = np.matmul(cols.T, dy2[m0:m0 + rows], out=partial)
                        df2 += partial
            return (df,)
        label = f"conv2d_backprop_filter[im2col {layout} + BLAS GEMM]"

    else:
        def run(args, ctx):
            f, dy = _c(args[1]), _c(args[2])
            dx = out(result)
            if empty:
                dx.fill(0)
            elif geometry.pointwise:
                np.matmul(dy.reshape(-1, oc), f.reshape(k, oc).T, out=dx.reshape(-1, k))
            else:
                dx.fill(0)
                f2t = f.reshape(k, oc).T
                dy2 = dy.reshape(-1, oc)
                buffer = patches.buffer()
                for n0, images, m0, rows in patches.chunks():
                    cols = buffer[:rows]
                    np.matmul(dy2[m0:m0 + rows], f2t, out=cols)
                    kernels.col2im_rows(cols, dx, n0, images, *geometry.args)
            return (dx,)
        label = "conv2d_backprop_input[BLAS GEMM + col2im]" if not geometry.pointwise else \
            "conv2d_backprop_input[1x1: BLAS GEMM]"
    return run, label, (None if geometry.pointwise or empty else module)


def _c(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a)


# -- pooling -------------------------------------------------------------------------------


# the inputs each pooling kernel reads (orig_output is not needed: maxima are recomputed)
_POOL_DATA = {"max_pool": (0,), "avg_pool": (0,), "max_pool_grad": (0, 2),
              "max_pool_grad_grad": (0, 2), "avg_pool_grad": (1,)}


def _pool(node: Node, inputs: list[Value], result: Value, out):
    op, attrs = node.op, node.attrs
    x_shape = result.shape if op in ("max_pool_grad", "avg_pool_grad") else inputs[0].shape
    ksize, strides = attrs["ksize"], attrs["strides"]
    _, ((top, _), (left, _)) = _geometry(x_shape[1:3], ksize[1:3], strides, (1, 1, 1, 1),
                                         attrs["padding"], ())
    args = tuple(int(a) for a in (ksize[1], ksize[2], strides[1], strides[2], top, left))
    module = _module("pool", POOL_SOURCE)
    kernel = getattr(module.module, op)
    data = _POOL_DATA[op]

    def run(in_arrays, ctx):
        y = out(result)
        if y.size:
            kernel(*[_c(in_arrays[k]) for k in data], y, *args)
        return (y,)
    label = "rows, then columns" if op == "max_pool" else "loop over windows, channels innermost"
    return run, f"{op}[{label}]", module


__all__ = ["DIRECT_MAX_OUT_CHANNELS", "OPS", "PATCH_BYTES", "lower"]
