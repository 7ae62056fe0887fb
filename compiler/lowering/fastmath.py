"""Vectorizable float32/float64 implementations of the scalar-language functions.

Numba lowers `math.exp` and friends to scalar libm calls, which block LLVM's loop
vectorizer (NOTES: a fused W1 loop with `math.exp` ran slower than NumPy). The functions
here are plain arithmetic on one scalar: range reduction, a polynomial, and the 2^n scale
built by integer bit operations, with NaN, +-Inf, overflow and underflow handled by
explicit selects. Called from a generated kernel they are inlined by LLVM, and the loop
vectorizes (AVX2/AVX-512 `ymm`/`zmm` registers; see tests/test_fastmath.py).

Rules that keep them exact and vectorizable (NOTES.md):
- never `math.floor` (a libm call). Round to nearest by adding and subtracting
  1.5*2**23 (1.5*2**52 for float64), then convert the exact integer: cheaper than
  choosing `t + 0.5` or `t - 0.5` by sign before a truncating conversion (the W1 loop
  13.6 -> 12.7 ms side by side); reading the integer from the sum's bits was slower;
- these functions are compiled with only the `contract` fastmath flag (FMA allowed), so
  that rounding and their cancellation tricks (`(u - 1)` in log1p, Cody-Waite reduction)
  survive even when inlined into a kernel compiled with `reassoc` or `fastmath=True`
  (NOTES.md: reassoc folds `(t + C) - C` to `t` when it applies to those instructions):
  LLVM keeps per-instruction flags (tests/test_fastmath.py checks exp inside a
  `fastmath=True` loop).

`IMPLEMENTATIONS` maps (scalar-language name, dtype char) to the name of a function here;
names missing from it are lowered inline by the code generator (arithmetic, comparisons,
`where`, logical ops). sin, cos and pow call libm (exactly NumPy's glibc results; not
vectorized).

May import: numpy, numba, compiler.lowering.scalar_helpers.
"""

from __future__ import annotations

import hashlib
import math
import pathlib

import numba
import numpy as np

from . import scalar_helpers

_jit = numba.njit(cache=True, fastmath={"contract"}, error_model="numpy", nogil=True)

_F32 = np.float32
_F64 = np.float64
_I32 = np.int32
_I64 = np.int64

# -- float32 ------------------------------------------------------------------------------
_LOG2E = 1.44269504088896341
_EXP_HI_F32 = _F32(89.0)     # above: the result overflows to inf by the scale multiply
_EXP_LO_F32 = _F32(-110.0)   # below: the result underflows to 0 by the scale multiply
# Round to nearest: t + 1.5*2**23 rounds away t's fraction (|t| < 2**22); subtracting
# the constant gives round(t) exactly, as a float.
_ROUND_F32 = _F32(12582912.0)


@_jit
def _bits_f32(x):
    """The bits of a float32 (Numba's `.view` needs an explicit NumPy scalar)."""
    return _F32(x).view(_I32)


@_jit
def _pow2_f32(n):
    """2**n for -126 <= n <= 127, by placing the biased exponent in the bits."""
    return _I32((n + 127) << 23).view(_F32)


@_jit
def exp_f32(x):
    """Cephes expf: x = n ln2 + r, |r| <= ln2/2, degree-6 polynomial; scale by 2**n in
    two halves so that results in the subnormal range round once, correctly."""
    xc = min(max(x, _EXP_LO_F32), _EXP_HI_F32)
    fn = (xc * _F32(_LOG2E) + _ROUND_F32) - _ROUND_F32  # round(x log2 e), exact
    ni = _I32(fn)
    r = xc - fn * _F32(0.693359375)
    r = r - fn * _F32(-2.12194440e-4)
    z = r * r
    p = _F32(1.9875691500e-4)
    p = p * r + _F32(1.3981999507e-3)
    p = p * r + _F32(8.3334519073e-3)
    p = p * r + _F32(4.1665795894e-2)
    p = p * r + _F32(1.6666665459e-1)
    p = p * r + _F32(5.0000001201e-1)
    y = p * z + r + _F32(1.0)
    n1 = ni >> 1
    y = y * _pow2_f32(n1) * _pow2_f32(ni - n1)
    return x if x != x else y


@_jit
def log_f32(x):
    """Cephes logf: x = m 2**e with m in [sqrt(1/2), sqrt(2)), degree-9 polynomial."""
    tiny = x < _F32(1.17549435e-38)
    xs = x * _F32(8388608.0) if tiny else x  # subnormals: scale by 2**23 first
    bits = _bits_f32(xs)
    e = _F32(((bits >> 23) & 0xFF) - 126 - (23 if tiny else 0))
    m = _I32((bits & 0x007FFFFF) | 0x3F000000).view(_F32)  # m in [0.5, 1)
    small = m < _F32(0.707106781186547524)
    e = e - _F32(1.0) if small else e
    f = (m + m - _F32(1.0)) if small else (m - _F32(1.0))
    z = f * f
    p = _F32(7.0376836292e-2)
    p = p * f + _F32(-1.1514610310e-1)
    p = p * f + _F32(1.1676998740e-1)
    p = p * f + _F32(-1.2420140846e-1)
    p = p * f + _F32(1.4249322787e-1)
    p = p * f + _F32(-1.6668057665e-1)
    p = p * f + _F32(2.0000714765e-1)
    p = p * f + _F32(-2.4999993993e-1)
    p = p * f + _F32(3.3333331174e-1)
    y = p * f * z
    y = y + e * _F32(-2.12194440e-4)
    y = y - _F32(0.5) * z
    r = f + y
    r = r + e * _F32(0.693359375)
    r = _F32(np.inf) if x == _F32(np.inf) else r
    r = _F32(-np.inf) if x == _F32(0.0) else r
    r = _F32(np.nan) if x < _F32(0.0) else r
    return x if x != x else r


@_jit
def log1p_f32(x):
    """log(1+x) = log(u) * x / (u - 1) with u = 1 + x rounded (Goldberg): the rounding
    error of u cancels."""
    u = _F32(1.0) + x
    d = u - _F32(1.0)
    r = log_f32(u) * (x / d) if d != _F32(0.0) else x
    return x if x == _F32(np.inf) else r


@_jit
def expm1_f32(x):
    """exp(x) - 1 = (u - 1) * x / log(u) with u = exp(x) (Kahan): no cancellation."""
    u = exp_f32(x)
    um1 = u - _F32(1.0)
    r = um1 * (x / log_f32(u))
    r = x if u == _F32(1.0) else r
    r = _F32(-1.0) if um1 == _F32(-1.0) else r
    return u if u == _F32(np.inf) else r


@_jit
def tanh_f32(x):
    """Cephes tanhf: odd polynomial below 0.625, 1 - 2 / (exp(2|x|) + 1) above."""
    a = abs(x)
    z = x * x
    p = _F32(-5.70498872745e-3)
    p = p * z + _F32(2.06390887954e-2)
    p = p * z + _F32(-5.37397155531e-2)
    p = p * z + _F32(1.33314422036e-1)
    p = p * z + _F32(-3.33332819422e-1)
    small = x + x * z * p
    big = _F32(1.0) - _F32(2.0) / (exp_f32(a + a) + _F32(1.0))
    big = -big if x < _F32(0.0) else big
    r = small if a < _F32(0.625) else big
    return x if (x != x or x == _F32(0.0)) else r  # NaN and signed zeros pass through


@_jit
def sigmoid_f32(x):
    return _F32(1.0) / (_F32(1.0) + exp_f32(-x))


@_jit
def softplus_f32(x):
    """log(1 + exp(x)) as NumPy's logaddexp(0, x): max(x, 0) + log1p(exp(-|x|))."""
    r = max(x, _F32(0.0)) + log1p_f32(exp_f32(-abs(x)))
    return x if x != x else r


# -- float64 ------------------------------------------------------------------------------
_EXP_HI_F64 = 710.0
_ROUND_F64 = 6755399441055744.0  # 1.5 * 2**52
_EXP_LO_F64 = -746.0


@_jit
def _bits_f64(x):
    return _F64(x).view(_I64)


@_jit
def _pow2_f64(n):
    """2**n for -1022 <= n <= 1023."""
    return _I64((n + 1023) << 52).view(_F64)


@_jit
def exp_f64(x):
    """Cephes exp: x = n ln2 + r, then the Pade form 1 + 2 r P(r^2) / (Q(r^2) - r P(r^2))."""
    xc = min(max(x, _EXP_LO_F64), _EXP_HI_F64)
    fn = (xc * _LOG2E + _ROUND_F64) - _ROUND_F64
    ni = _I64(fn)
    r = xc - fn * 6.93145751953125e-1
    r = r - fn * 1.42860682030941723212e-6
    z = r * r
    p = 1.26177193074810590878e-4
    p = p * z + 3.02994407707441961300e-2
    p = p * z + 9.99999999999999999910e-1
    p = p * r
    q = 3.00198505138664455042e-6
    q = q * z + 2.52448340349684104192e-3
    q = q * z + 2.27265548208155028766e-1
    q = q * z + 2.00000000000000000009e0
    y = 1.0 + 2.0 * (p / (q - p))
    n1 = ni >> 1
    y = y * _pow2_f64(n1) * _pow2_f64(ni - n1)
    return x if x != x else y


@_jit
def log_f64(x):
    """fdlibm log: x = m 2**k with m in [sqrt(1/2), sqrt(2)), f = m - 1, s = f / (2 + f),
    log(1+f) = f - (f^2/2 - s (f^2/2 + R(s^2)))."""
    tiny = x < 2.2250738585072014e-308
    xs = x * 18014398509481984.0 if tiny else x  # subnormals: scale by 2**54 first
    bits = _bits_f64(xs)
    k = _F64(((bits >> 52) & 0x7FF) - 1022 - (54 if tiny else 0))
    m = _I64((bits & 0x000FFFFFFFFFFFFF) | 0x3FE0000000000000).view(_F64)  # m in [0.5, 1)
    small = m < 0.70710678118654752440
    k = k - 1.0 if small else k
    f = (m + m - 1.0) if small else (m - 1.0)
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    t1 = w * (3.999999999940941908e-01 + w * (2.222219843214978396e-01
                                              + w * 1.531383769920937332e-01))
    t2 = z * (6.666666666666735130e-01 + w * (2.857142874366239149e-01
                                              + w * (1.818357216161805012e-01
                                                     + w * 1.479819860511658591e-01)))
    rr = t2 + t1
    hfsq = 0.5 * f * f
    r = k * 6.93147180369123816490e-01 - ((hfsq - (s * (hfsq + rr)
                                                   + k * 1.90821492927058770002e-10)) - f)
    r = np.inf if x == np.inf else r
    r = -np.inf if x == 0.0 else r
    r = np.nan if x < 0.0 else r
    return x if x != x else r


@_jit
def log1p_f64(x):
    u = 1.0 + x
    d = u - 1.0
    r = log_f64(u) * (x / d) if d != 0.0 else x
    return x if x == np.inf else r


@_jit
def expm1_f64(x):
    u = exp_f64(x)
    um1 = u - 1.0
    r = um1 * (x / log_f64(u))
    r = x if u == 1.0 else r
    r = -1.0 if um1 == -1.0 else r
    return u if u == np.inf else r


@_jit
def tanh_f64(x):
    """tanh|x| = -t / (t + 2) with t = expm1(-2|x|) in (-1, 0]: no cancellation."""
    a = abs(x)
    t = expm1_f64(-2.0 * a)
    r = -t / (t + 2.0)
    r = 1.0 if a > 22.0 else r
    r = -r if x < 0.0 else r
    return x if (x != x or x == 0.0) else r


@_jit
def sigmoid_f64(x):
    return 1.0 / (1.0 + exp_f64(-x))


@_jit
def softplus_f64(x):
    r = max(x, 0.0) + log1p_f64(exp_f64(-abs(x)))
    return x if x != x else r


# -- both widths: exact operations and libm calls -----------------------------------------


@_jit
def sqrt_any(x):
    return np.sqrt(x)




@_jit
def floor_any(x):
    return np.floor(x)


@_jit
def ceil_any(x):
    return np.ceil(x)


@_jit
def rint_any(x):
    return np.rint(x)












@_jit
def floordiv_float(a, b):
    """TF's FloorDiv for floats: floor(a / b) (not NumPy's divmod-based quotient)."""
    return np.floor(a / b)


@_jit
def floormod_float(a, b):
    """NumPy's npy_divmod remainder: fmod with the sign of the divisor."""
    if b == 0.0:
        return np.fmod(a, b)
    mod = np.fmod(a, b)
    if mod != 0.0:
        if (b < 0.0) != (mod < 0.0):
            mod += b
        return mod
    return math.copysign(0.0, b)


# The helpers both backends share (compiler/lowering/scalar_helpers.py), compiled here.
globals().update({f.__name__: _jit(f) for f in scalar_helpers.FUNCTIONS})


# -- reduction helpers ---------------------------------------------------------------------
# Kernels are compiled without `reassoc` (it would fold the rounding tricks above); an
# accumulation through these helpers carries the flag on its own instruction, which is
# all LLVM needs to vectorize a sum or product reduction.
_jit_reassoc = numba.njit(cache=True, fastmath={"contract", "reassoc"}, error_model="numpy",
                          nogil=True)


@_jit_reassoc
def sum_acc(a, b):
    return a + b


@_jit_reassoc
def prod_acc(a, b):
    return a * b


# A float max/min reduction by compare-and-select does not vectorize; the same reduction on
# integer keys that sort like the floats does (AVX2 integer max). NaN is tracked apart.
_SIGN_OFF_32 = _I32(0x7FFFFFFF)
_EXP_ALL_32 = _I32(0x7F800000)
_SIGN_OFF_64 = _I64(0x7FFFFFFFFFFFFFFF)
_EXP_ALL_64 = _I64(0x7FF0000000000000)


@_jit
def order_key_f32(x):
    """An int32 ordered as the float32 values are (-0.0 just below +0.0)."""
    b = _bits_f32(x)
    return b ^ ((b >> _I32(31)) & _SIGN_OFF_32)


@_jit
def from_order_key_f32(k):
    return _I32(k ^ ((k >> _I32(31)) & _SIGN_OFF_32)).view(_F32)


@_jit
def nan_flag_f32(x):
    return (_bits_f32(x) & _SIGN_OFF_32) > _EXP_ALL_32


@_jit
def order_key_f64(x):
    b = _bits_f64(x)
    return b ^ ((b >> _I64(63)) & _SIGN_OFF_64)


@_jit
def from_order_key_f64(k):
    return _I64(k ^ ((k >> _I64(63)) & _SIGN_OFF_64)).view(_F64)


@_jit
def nan_flag_f64(x):
    return (_bits_f64(x) & _SIGN_OFF_64) > _EXP_ALL_64


# -- the table the code generator reads ---------------------------------------------------

_FLOAT_ONLY = ("exp", "log", "log1p", "expm1", "tanh", "sigmoid", "softplus")
IMPLEMENTATIONS: dict[tuple[str, str], str] = {}
for _name in _FLOAT_ONLY:
    IMPLEMENTATIONS[(_name, "f")] = f"{_name}_f32"
    IMPLEMENTATIONS[(_name, "d")] = f"{_name}_f64"
for _name in ("sqrt", "sin", "cos", "floor", "ceil", "rint"):
    IMPLEMENTATIONS[(_name, "f")] = IMPLEMENTATIONS[(_name, "d")] = f"{_name}_any"
for _name in ("pow", "sign", "maximum", "minimum", "floordiv", "floormod"):
    IMPLEMENTATIONS[(_name, "f")] = IMPLEMENTATIONS[(_name, "d")] = f"{_name}_float"
    for _char in ("i", "l"):  # int32, int64
        IMPLEMENTATIONS[(_name, _char)] = f"{_name}_int"

SOURCE_HASH = hashlib.sha256(pathlib.Path(__file__).read_bytes() + pathlib.Path(
    scalar_helpers.__file__).read_bytes()).hexdigest()[:16]
"""Generated kernels embed this, so editing this file or scalar_helpers.py invalidates
cached kernels (Numba's cache index only tracks the kernel's own file, not the functions
it calls)."""


def implementation(name: str, dtype) -> str | None:
    """The function here that computes `name` for `dtype` values, or None (inline)."""
    return IMPLEMENTATIONS.get((name, np.dtype(dtype).char))
