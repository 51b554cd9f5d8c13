"""autograph.codegen.cpu.vecmath: accuracy against NumPy, special values, and that a loop
calling the functions vectorises (the reason they exist)."""

from __future__ import annotations

import re
import warnings

import numba
import numpy as np
import pytest

from autograph.codegen.cpu import vecmath

NAMES = ("exp", "tanh", "log", "expm1", "log1p")
DTYPES = (np.float32, np.float64)
# Largest error against NumPy, in units in the last place of NumPy's result.
MAX_ULP = {"exp": 3, "tanh": 5, "log": 4, "expm1": 4, "log1p": 4}


@numba.njit(error_model="numpy")
def _apply(f, x):
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = f(x[i])
    return out


def _function(name, dtype):
    return getattr(vecmath, vecmath.function_for(name, dtype))


def _ulp_error(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    """|got - want| in ulps of `want`; 0 where both agree exactly (incl. NaN, ±inf)."""
    wide = np.longdouble
    with np.errstate(all="ignore"):
        same = (got == want) | (np.isnan(got) & np.isnan(want))
        spacing = np.spacing(np.abs(want)).astype(wide)
        err = np.abs(got.astype(wide) - want.astype(wide)) / spacing
    err = np.where(same, 0, err)
    return np.where(np.isnan(err), np.inf, err)


def _samples(dtype, rng) -> np.ndarray:
    """Uniform samples over ranges that matter to each function, and random bit patterns
    (every exponent, subnormals, huge values, NaNs, infinities)."""
    parts = [rng.uniform(lo, hi, 20_000) for lo, hi in
             ((-1e-3, 1e-3), (-1, 1), (-3, 3), (-20, 20), (-110, 90), (0, 1e6), (-1, 0))]
    if dtype == np.float64:
        parts.append(rng.uniform(-750, 712, 20_000))
        bits = rng.integers(0, 2 ** 64, 100_000, dtype=np.uint64).view(np.float64)
    else:
        bits = rng.integers(0, 2 ** 32, 100_000, dtype=np.uint64).astype(np.uint32).view(np.float32)
    return np.concatenate([np.concatenate(parts).astype(dtype), bits])


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", NAMES)
def test_accuracy_against_numpy(name, dtype):
    x = _samples(dtype, np.random.default_rng(7))
    with np.errstate(all="ignore"):
        want = getattr(np, name)(x)
    got = _apply(_function(name, dtype), x)
    assert got.dtype == np.dtype(dtype)
    err = _ulp_error(got, want)
    worst = int(np.argmax(err))
    assert err[worst] <= MAX_ULP[name], (f"{name}({x[worst]!r}) = {got[worst]!r}, NumPy "
                                         f"{want[worst]!r}: {err[worst]} ulp")


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", NAMES)
def test_relative_tolerance_of_the_brief(name, dtype):
    """float32 within rtol 1e-6 of NumPy, float64 within 1e-14, on typical inputs."""
    rng = np.random.default_rng(3)
    x = rng.uniform(-8, 8, 50_000).astype(dtype)
    if name in ("log", "log1p"):
        x = np.abs(x)
    want = getattr(np, name)(x)
    rtol = 1e-6 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(_apply(_function(name, dtype), x), want, rtol=rtol, atol=0)


def _specials(dtype) -> np.ndarray:
    info = np.finfo(dtype)
    values = [0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 1.0, -1.0, 0.5, -0.5, 2.0,
              float(info.tiny), -float(info.tiny), float(info.smallest_subnormal),
              -float(info.smallest_subnormal), float(info.tiny) / 3, float(info.max),
              -float(info.max), float(info.eps), -float(info.eps) / 2, 1e-30, -1e-30,
              0.625, -0.625, 0.6249999, 20.0, 40.0, -40.0, 1e4, -1e4, 1e30, -1e30]
    # exp's overflow and underflow edges, and where results turn subnormal
    values += ([88.72, 88.7228, 88.7229, 88.73, 89.0, -87.3, -87.4, -103.2, -103.3,
                -103.98, -104.0, -105.0, 44.35, 44.37]
               if dtype == np.float32 else
               [709.78, 709.7827, 709.79, 710.0, -708.3, -708.4, -744.4, -745.1,
                -745.2, -746.0, 354.8, 354.9])
    return np.array(values, dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", NAMES)
def test_special_values(name, dtype):
    """NaN stays NaN, infinities and signed zeros come out as NumPy's, overflow is inf,
    underflow is 0 or subnormal, tanh saturates at exactly ±1."""
    x = _specials(dtype)
    with np.errstate(all="ignore"):
        want = getattr(np, name)(x)
    got = _apply(_function(name, dtype), x)
    assert np.array_equal(np.isnan(got), np.isnan(want)), x[np.isnan(got) != np.isnan(want)]
    assert np.array_equal(np.isinf(got), np.isinf(want)), x[np.isinf(got) != np.isinf(want)]
    finite = np.isfinite(want)
    assert np.array_equal(got[~finite & ~np.isnan(want)], want[~finite & ~np.isnan(want)])
    zeros = want == 0
    assert np.array_equal(got[zeros], want[zeros])
    assert np.array_equal(np.signbit(got[zeros]), np.signbit(want[zeros])), x[zeros]
    assert _ulp_error(got, want).max() <= MAX_ULP[name]
    if name == "tanh":
        big = np.abs(x) >= 20
        assert np.array_equal(got[big & ~np.isnan(x)], np.sign(x[big & ~np.isnan(x)]))


def test_exp_float32_results_in_the_subnormal_range_round_once():
    x = np.linspace(-103.9, -87.4, 4001, dtype=np.float32)
    got = _apply(vecmath.exp_f32, x)
    # The scaling by 2^n is split so that it rounds once: the error is one subnormal
    # spacing plus the polynomial's own (3 ulp of a normal float, relative).
    want = np.exp(x)
    bound = np.spacing(np.float32(0)) + 3 * np.finfo(np.float32).eps * want
    assert np.all(np.abs(got - want) <= bound)
    assert np.count_nonzero(got) == np.count_nonzero(want)  # no flush to zero


def test_table_names_every_function_for_both_dtypes():
    for name in NAMES:
        for dtype in DTYPES:
            assert callable(_function(name, dtype))
    assert vecmath.function_for("exp", np.complex128) is None
    assert vecmath.function_for("sin", np.float32) is None
    assert re.fullmatch(r"[0-9a-f]{12}", vecmath.VERSION)


def _vector_types(llvm: str) -> set[str]:
    return set(re.findall(r"<(\d+) x (float|double)>", llvm))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_the_w2_loop_vectorises(dtype):
    """The W2 expression in a loop: LLVM's loop vectoriser turns it into vector code
    (<8 x float> / <4 x double> or wider) and no libm call remains."""
    half, one = np.dtype(dtype).type(0.5), np.dtype(dtype).type(1.0)
    tanh, exp = _function("tanh", dtype), _function("exp", dtype)

    @numba.njit(error_model="numpy")
    def w2(x, y):
        out = np.empty_like(x)
        for i in range(x.shape[0]):
            out[i] = tanh(x[i] * half + y[i]) * exp(-x[i] * x[i]) + one
        return out

    x = np.linspace(-5, 5, 1001).astype(dtype)
    y = x[::-1].copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = np.tanh(x * half + y) * np.exp(-x * x) + one
    np.testing.assert_allclose(w2(x, y), want, rtol=1e-5 if dtype == np.float32 else 1e-13)
    llvm = w2.inspect_llvm(w2.signatures[0])
    element = "float" if dtype == np.float32 else "double"
    widths = {int(n) for n, t in _vector_types(llvm) if t == element}
    assert any(w >= (8 if dtype == np.float32 else 4) for w in widths), widths
    assert not re.search(r"call .*@(tanhf?|expf?)\b", llvm)


# ---- float64 exp / expm1 / tanh: one shared reduction, polynomial only -----------------

def _dense_f64(rng) -> np.ndarray:
    """Where the float64 paths change regime: every reduction interval n*ln2 ± ln2/2 near
    its edges, tanh's whole non-saturated range, expm1's switch to exp's scaling (n = 57,
    x ~ 39.5) and its clamp at -40, exp's subnormal and overflow edges."""
    ln2 = np.log(2.0)
    edges = (np.arange(-1075, 1025) * ln2 + ln2 / 2)[:, None] + np.array([-1e-12, 0.0, 1e-12])
    return np.concatenate([
        edges.ravel(), rng.uniform(-25, 25, 200_000), rng.uniform(-1e-6, 1e-6, 20_000),
        rng.uniform(36, 42, 20_000), rng.uniform(-45, -35, 20_000),
        rng.uniform(-745.2, -708, 20_000), rng.uniform(708, 709.8, 20_000),
        np.geomspace(1e-310, 30, 20_000), -np.geomspace(1e-310, 30, 20_000)])


@pytest.mark.parametrize("name", ("exp", "expm1", "tanh"))
def test_float64_dense_regimes_against_numpy(name):
    x = _dense_f64(np.random.default_rng(5))
    with np.errstate(all="ignore"):
        want = getattr(np, name)(x)
    got = _apply(_function(name, np.float64), x)
    err = _ulp_error(got, want)
    worst = int(np.argmax(err))
    # measured: 1 ulp of NumPy's result each (was exp 1, expm1 2, tanh 3)
    assert err[worst] <= 1, (
        f"{name}({x[worst]!r}) = {got[worst]!r}, NumPy {want[worst]!r}: {err[worst]} ulp")


def test_float64_tanh_is_odd_and_expm1_keeps_signed_zero():
    x = np.random.default_rng(9).uniform(0, 25, 50_000)
    assert np.array_equal(_apply(vecmath.tanh_f64, -x), -_apply(vecmath.tanh_f64, x))
    z = _apply(vecmath.expm1_f64, np.array([-0.0, 0.0, -5e-324, 5e-324]))
    assert np.array_equal(np.signbit(z), [True, False, True, False])
    assert np.array_equal(z, [0.0, 0.0, -5e-324, 5e-324])


def test_float64_w2_loop_divides_once_per_element():
    """exp_f64 is a pure polynomial and tanh_f64 divides once: the vector body of the W2
    loop has one vector division (the old Cephes forms had four, and the divider was
    the loop's bottleneck)."""
    tanh, exp = vecmath.tanh_f64, vecmath.exp_f64

    @numba.njit(error_model="numpy")
    def w2(x, y):
        out = np.empty_like(x)
        for i in range(x.shape[0]):
            out[i] = tanh(x[i] * 0.5 + y[i]) * exp(-x[i] * x[i]) + 1.0
        return out

    x = np.linspace(-5, 5, 64)
    w2(x, x)
    llvm = w2.inspect_llvm(w2.signatures[0])
    vector_divs = re.findall(r"fdiv (?:\w+ )*<\d+ x double>", llvm)
    assert len(vector_divs) == 1, vector_divs
