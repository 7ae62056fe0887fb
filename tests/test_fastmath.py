"""The fast scalar functions of compiler/lowering/fastmath.py: accuracy against NumPy and
an extended-precision reference, exact special values, and vectorization of W1."""

from __future__ import annotations

import re

import numba
import numpy as np
import pytest

from graphjit.compiler.lowering import fastmath as fm

_REFERENCES = {
    "exp": np.exp, "log": np.log, "log1p": np.log1p, "expm1": np.expm1, "tanh": np.tanh,
    "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
    "softplus": lambda v: np.logaddexp(np.zeros_like(v), v),
}
# Max error in ulp against the correctly rounded result (NumPy's own float32 exp/log are
# about 2.3-2.8 ulp, its float64 functions about 1 ulp).
_MAX_ULP = {"f": 3.0, "d": 4.0}

_SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 0.5, -0.5, 1e-30, -1e-30,
            1e-40, 1e-45, 88.7, 88.72, 88.73, 89.0, -87.3, -88.0, -103.9, -104.0, -110.0,
            709.7, 709.79, 709.8, -708.0, -745.0, -746.0, 1e30, -1e30, 3e38, -3e38,
            1e300, 1e-310, 20.0, -20.0, 0.625, -0.625, 0.6249, 9.0, 44.0, 1e-8]


def _kernel(fn):
    @numba.njit
    def apply(x, out):
        for i in range(x.shape[0]):
            out[i] = fn(x[i])
    return apply


def _inputs(dtype) -> np.ndarray:
    rng = np.random.default_rng(0)
    hi = 700.0 if dtype == np.float64 else 88.0
    parts = [rng.uniform(-100, 100, 50000), rng.uniform(-3, 3, 50000),
             rng.uniform(-1e-3, 1e-3, 5000), np.exp(rng.uniform(-hi, hi, 20000)),
             -np.exp(rng.uniform(-hi, hi, 2000)), _SPECIAL]
    with np.errstate(over="ignore"):
        return np.concatenate(parts).astype(dtype)


def _ulp_error(actual: np.ndarray, exact: np.ndarray, dtype) -> float:
    exact_rounded = exact.astype(dtype)
    both_nan = np.isnan(actual) & np.isnan(exact_rounded)
    same = (actual == exact_rounded) | both_nan
    spacing = np.spacing(np.abs(exact_rounded)).astype(np.float64)
    err = np.abs(actual.astype(np.float64) - exact.astype(np.float64)) / spacing
    err[same] = 0.0
    return float(np.max(err))


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("name", sorted(_REFERENCES))
def test_accuracy_and_special_values(name, dtype):
    x = _inputs(dtype)
    fn = getattr(fm, fm.implementation(name, dtype))
    out = np.empty_like(x)
    _kernel(fn)(x, out)
    ref = _REFERENCES[name]
    with np.errstate(all="ignore"):
        expected = ref(x)
        exact = ref(x.astype(np.longdouble))
    assert out.dtype == dtype
    # NaN, +-Inf and zeros exactly where NumPy has them (overflow and underflow included).
    np.testing.assert_array_equal(np.isnan(out), np.isnan(expected))
    np.testing.assert_array_equal(np.isposinf(out), np.isposinf(expected))
    np.testing.assert_array_equal(np.isneginf(out), np.isneginf(expected))
    with np.errstate(all="ignore"):
        normal = np.abs(exact.astype(dtype)) >= np.finfo(dtype).tiny
        normal |= ~np.isfinite(exact)
        assert _ulp_error(out[normal], exact[normal], dtype) <= _MAX_ULP[np.dtype(dtype).char]
    # Subnormal results: within two subnormal steps of NumPy's (sigmoid, like NumPy's
    # 1 / (1 + exp(-x)), flushes to 0 where exp(-x) overflows).
    sub = ~normal
    tiny_step = float(np.finfo(dtype).smallest_subnormal)
    assert np.all(np.abs(out[sub].astype(np.float64) - expected[sub].astype(np.float64))
                  <= 2 * tiny_step)


def test_signed_zero_and_exact_points():
    for suffix, dt in (("f32", np.float32), ("f64", np.float64)):
        assert getattr(fm, f"exp_{suffix}")(dt(0.0)) == 1.0
        assert getattr(fm, f"log_{suffix}")(dt(1.0)) == 0.0
        assert getattr(fm, f"expm1_{suffix}")(dt(-0.0)) == 0.0
        assert np.signbit(getattr(fm, f"tanh_{suffix}")(dt(-0.0)))
        assert getattr(fm, f"log1p_{suffix}")(dt(-1.0)) == -np.inf
        assert getattr(fm, f"expm1_{suffix}")(dt(-np.inf)) == -1.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64])
def test_integer_and_rounding_helpers_match_numpy(dtype):
    rng = np.random.default_rng(3)
    if np.dtype(dtype).kind == "f":
        a = np.concatenate([rng.uniform(-10, 10, 400), [0.0, -0.0, np.inf, -np.inf, np.nan,
                                                         2.5, -2.5, 3.0]]).astype(dtype)
        b = np.concatenate([rng.uniform(-4, 4, 400), [1.0, 0.0, 2.0, -np.inf, 1.0, -1.0,
                                                       0.0, np.nan]]).astype(dtype)
    else:
        a = rng.integers(-50, 50, 408).astype(dtype)
        b = rng.integers(-6, 6, 408).astype(dtype)
    floordiv = np.floor_divide if np.dtype(dtype).kind in "iu" else \
        (lambda x, y: np.floor(x / y))  # TF's float FloorDiv
    table = {"maximum": np.maximum, "minimum": np.minimum, "floordiv": floordiv,
             "floormod": np.mod}
    for name, ref in table.items():
        fn = getattr(fm, fm.implementation(name, dtype))

        @numba.njit
        def apply2(x, y, out, fn=fn):
            for i in range(x.shape[0]):
                out[i] = fn(x[i], y[i])
        out = np.empty_like(a)
        apply2(a, b, out)
        with np.errstate(all="ignore"):
            expected = ref(a, b)
        if np.dtype(dtype).kind in "iu" and name.startswith("floor"):
            expected = np.where(b == 0, 0, expected)
        np.testing.assert_array_equal(out, expected, err_msg=name)
    fn = getattr(fm, fm.implementation("sign", dtype))
    out = np.empty_like(a)
    _kernel(fn)(a, out)
    np.testing.assert_array_equal(out, np.sign(a))


def test_w1_kernel_vectorizes():
    @numba.njit(fastmath={"contract"}, error_model="numpy")
    def w1(x, a, b, out):
        for i in range(x.shape[0]):
            v = x[i]
            out[i] = fm.tanh_f32(v * a + b) * fm.sigmoid_f32(v) - fm.exp_f32(-v * v)

    x = np.linspace(-5, 5, 1001, dtype=np.float32)
    out = np.empty_like(x)
    w1(x, np.float32(0.5), np.float32(0.1), out)
    asm = next(iter(w1.inspect_asm().values()))
    # Packed single-precision arithmetic on 256/512-bit registers, and no libm calls.
    assert re.search(r"v(fmadd|mul|add)\w*ps\s+%[yz]mm", asm), "the W1 loop is not vectorized"
    assert not re.search(r"call\w*\s+\S*(exp|tanh)", asm)
    expected = np.tanh(x * 0.5 + 0.1) * (1 / (1 + np.exp(-x))) - np.exp(-x * x)
    np.testing.assert_allclose(out, expected, atol=3e-7)


def test_softmax_rows_kernel_vectorizes_every_loop(tmp_path, monkeypatch):
    """The generated softmax rows kernel, compiled afresh (cached code cannot be
    inspected): the max, exp-and-sum and scale loops are packed AVX2/AVX-512 code."""
    monkeypatch.setenv("GRAPHJIT_CACHE_DIR", str(tmp_path))
    from graphjit.compiler import kernel_cache
    from graphjit.compiler.lowering import codegen

    source = codegen.row_op_kernel("softmax", np.dtype(np.float32)).source + "\n# fresh\n"
    module = kernel_cache.load("rows", source)
    x = np.random.default_rng(0).normal(size=(3, 1100)).astype(np.float32)
    out = np.empty_like(x)
    module.serial(x.shape[1], x, out)
    asm = next(iter(module.serial.inspect_asm().values()))
    assert re.search(r"vpmax\w*\s+%[yz]mm", asm), "the row max is not vectorized"
    assert re.search(r"vfmadd\w*ps\s+%[yz]mm", asm), "exp is not vectorized"
    assert re.search(r"vdivps\s+%[yz]mm", asm), "the scale loop is not vectorized"
    assert not re.search(r"call\w*\s+\S*(exp|expf)\b", asm)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    np.testing.assert_allclose(out, e / e.sum(axis=1, keepdims=True), rtol=2e-6, atol=1e-8)


def test_exp_rounding_survives_inlining_into_reassociating_kernels():
    """exp rounds by adding and subtracting 1.5*2**23 (1.5*2**52); reassoc would fold
    that to nothing, but the functions carry their own flags into any caller."""
    @numba.njit(fastmath=True)
    def loop32(x, out):
        for i in range(x.shape[0]):
            out[i] = fm.exp_f32(x[i])

    @numba.njit(fastmath=True)
    def loop64(x, out):
        for i in range(x.shape[0]):
            out[i] = fm.exp_f64(x[i])

    x32 = np.linspace(-87, 88, 20001, dtype=np.float32)
    out32 = np.empty_like(x32)
    loop32(x32, out32)
    np.testing.assert_allclose(out32, np.exp(x32.astype(np.float64)), rtol=2.5e-7)
    x64 = np.linspace(-700, 700, 20001)
    out64 = np.empty_like(x64)
    loop64(x64, out64)
    np.testing.assert_allclose(out64, np.exp(x64), rtol=1e-15)
