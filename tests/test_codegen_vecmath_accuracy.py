"""autograph.codegen.cpu.vecmath: maximum ulp error over the whole float range, per
function and dtype, against NumPy and against the correctly rounded result (computed in
long double), with the figures docs/accuracy.md prints.

The sweep: a logarithmic sweep of both signs from the smallest subnormal to the largest
finite value, random bit patterns (every exponent), dense uniform ranges where the
functions change regime, and the edges: ±0, subnormals, the overflow and underflow
thresholds of exp and expm1, ±inf, NaN.

Bounds: within 1 ulp of the correctly rounded result (float32: 0.5 ulp and a hair, the
float64 evaluation rounded once), and within 1 ulp of NumPy's result wherever NumPy is
itself correctly rounded. NumPy's own float32 exp/log SIMD kernels (and its SVML expm1 and
log1p) are up to 2.3-3.2 ulp off the exact value, so against NumPy the float32 bound is
"NumPy's own error plus half an ulp", checked element by element.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

from autograph.codegen.cpu import vecmath

NAMES = ("exp", "log", "expm1", "log1p", "tanh")
DTYPES = (np.float32, np.float64)
# Against the correctly rounded result (measured: float32 0.501 for exp, 0.500 for the
# others; float64 exp 0.77, log 0.77, expm1 0.79, log1p 0.80, tanh 0.73).
MAX_ULP_EXACT = {np.float32: 0.51, np.float64: 1.0}
LONG_DOUBLE_IS_WIDER = np.finfo(np.longdouble).nmant >= 63


@numba.njit(error_model="numpy")
def _apply(f, x):
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = f(x[i])
    return out


def _sweep(dtype) -> np.ndarray:
    info = np.finfo(dtype)
    rng = np.random.default_rng(11)
    n = 150_000
    with np.errstate(over="ignore"):
        log_sweep = np.geomspace(float(info.smallest_subnormal), float(info.max), n)
    pos = np.concatenate([log_sweep.astype(dtype), np.geomspace(1e-12, 1e3, n).astype(dtype)])
    if dtype == np.float32:
        bits = rng.integers(0, 2 ** 32, n, dtype=np.uint64).astype(np.uint32).view(np.float32)
        exp_range = (-110, 95)
    else:
        bits = rng.integers(0, 2 ** 63, n, dtype=np.int64).view(np.float64)
        exp_range = (-750, 712)
    dense = [rng.uniform(lo, hi, n // 3) for lo, hi in
             ((-8, 8), (-1, 1), (-1e-3, 1e-3), exp_range, (-1, 0), (0, 3), (-25, 25),
              (36, 42))]
    return np.concatenate([pos, -pos, bits, np.concatenate(dense).astype(dtype),
                           _edges(dtype)])


def _edges(dtype) -> np.ndarray:
    info = np.finfo(dtype)
    tiny, sub, big = float(info.tiny), float(info.smallest_subnormal), float(info.max)
    values = [0.0, -0.0, np.inf, -np.inf, np.nan, sub, -sub, 2 * sub, tiny / 3, tiny,
              -tiny, big, -big, 1.0, -1.0, -1 + float(info.epsneg), float(info.eps),
              -float(info.eps)]
    # exp's overflow threshold, the last normal and the last subnormal result
    for edge in ((88.72284, -87.33655, -103.27893) if dtype == np.float32 else
                 (709.782712893384, -708.3964185322641, -745.1332191019412)):
        e = dtype(edge)
        values += list(e + np.arange(-16, 17) * np.spacing(e))   # 16 floats either side
    return np.array(values, dtype)


def _ulp_error(got, ref, dtype) -> np.ndarray:
    """|got - ref| in ulps of the binade |ref| lies in (ref may be long double, so that
    the error against the exact value is fractional); 0 where both agree exactly
    (NaN with NaN, ±inf with an overflowing ref)."""
    wide = np.longdouble
    with np.errstate(all="ignore"):
        ref = np.asarray(ref, wide)
        rounded = ref.astype(dtype)
        same = ((got.astype(wide) == ref) | (np.isnan(got) & np.isnan(ref))
                | (np.isinf(got) & (got == rounded)))
        toward_zero = np.abs(rounded)
        toward_zero = np.where(toward_zero.astype(wide) > np.abs(ref),
                               np.nextafter(toward_zero, dtype(0)), toward_zero)
        err = np.abs(got.astype(wide) - ref) / np.spacing(toward_zero).astype(wide)
    err = np.where(same, 0, err)
    return np.where(np.isnan(err), np.inf, err).astype(np.float64)


def _results(name, dtype):
    x = _sweep(dtype)
    with np.errstate(all="ignore"):
        want = getattr(np, name)(x)
        exact = getattr(np, name)(x.astype(np.longdouble))
    got = _apply(getattr(vecmath, vecmath.function_for(name, dtype)), x)
    return x, got, want, exact


def _describe(x, got, want, err, label):
    i = int(np.argmax(err))
    return f"{label}: f({x[i]!r}) = {got[i]!r}, reference {want[i]!r}: {err[i]:.3f} ulp"


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", NAMES)
def test_max_ulp_over_the_whole_range(name, dtype):
    x, got, want, exact = _results(name, dtype)
    assert got.dtype == np.dtype(dtype)
    # special results are NumPy's exactly: NaN, ±inf, signed zeros
    assert np.array_equal(np.isnan(got), np.isnan(want)), x[np.isnan(got) != np.isnan(want)]
    special = np.isinf(want) | (want == 0)
    assert np.array_equal(got[special], want[special]), x[special][got[special] != want[special]]
    assert np.array_equal(np.signbit(got[special]), np.signbit(want[special]))

    vs_numpy = _ulp_error(got, want, dtype)
    if not LONG_DOUBLE_IS_WIDER:    # no exact reference: NumPy's, within 1 ulp (float64)
        if dtype == np.float64:
            assert vs_numpy.max() <= 1, _describe(x, got, want, vs_numpy, "vs NumPy")
        return
    vs_exact = _ulp_error(got, exact, dtype)
    assert vs_exact.max() <= MAX_ULP_EXACT[dtype], _describe(x, got, exact, vs_exact, "vs exact")
    numpy_vs_exact = _ulp_error(want, exact, dtype)
    # within 1 ulp of NumPy where NumPy is correctly rounded; elsewhere the difference
    # is at most NumPy's own error plus ours
    excess = vs_numpy - np.where(numpy_vs_exact <= 0.5, 1.0, numpy_vs_exact + vs_exact)
    assert excess.max() <= 1e-6, _describe(x, got, want, excess, "vs NumPy beyond its error")
    if dtype == np.float64:
        assert vs_numpy.max() <= 1, _describe(x, got, want, vs_numpy, "vs NumPy")


def test_float32_exp_differs_from_numpy_only_where_numpy_is_further_off():
    """The issue's measurement: uniform(-8, 8) float32, where the old polynomial differed
    from NumPy on 41% of elements. The new one still differs on 39%: NumPy's SIMD exp is
    not correctly rounded there, and on every such element ours is the nearer of the two
    to the exact value (up to the 2 x 0.001 ulp by which either may miss a near-halfway
    case)."""
    if not LONG_DOUBLE_IS_WIDER:
        pytest.skip("needs a long double wider than float64")
    x = np.random.default_rng(0).uniform(-8, 8, 200_000).astype(np.float32)
    got, want = _apply(vecmath.exp_f32, x), np.exp(x)
    exact = np.exp(x.astype(np.longdouble))
    ours, numpys = _ulp_error(got, exact, np.float32), _ulp_error(want, exact, np.float32)
    differs = got != want
    assert np.all(ours[differs] <= numpys[differs] + 2.5e-3)
    assert ours.max() <= 0.501
