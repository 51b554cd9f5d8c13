"""Vectorisable transcendental functions for generated CPU programs (float32 and float64).

Why this exists: Numba lowers `np.exp`/`np.tanh` on scalars to calls into libm
(`expf`, `tanhf`), and a loop with an opaque call cannot be vectorised by LLVM. A fused
elementwise loop such as `tanh(x * 0.5 + y) * exp(-x * x) + 1` then runs one element at a
time, 2.5x slower than NumPy's SIMD kernels although it makes no temporaries (DESIGN.md,
Performance notes). Intel SVML is not available to our llvmlite. So, like XLA and Eigen,
we bring our own: range reduction plus a polynomial (Cephes / fdlibm / Eigen coefficients),
written without branches and without calls, so that after inlining the whole loop body is
straight-line arithmetic LLVM turns into `<8 x float>` / `<4 x double>` (or wider) code.

How each function stays branch-free:
- Special inputs (NaN, ±inf, ±0, out-of-range) are handled with comparisons whose
  results pick between two already-computed values (`a if c else b` becomes a `select`).
- Inputs are clamped before float->int conversion, so no conversion is undefined;
  NaN fails every comparison and is clamped too, and the final select returns it.
- Powers of two are built from bits (`_f64_from_bits`, an LLVM `bitcast` intrinsic),
  in two halves (2^n = 2^(n>>1) * 2^(n-(n>>1))) so that results that underflow into the
  subnormal range or overflow to inf round exactly once, as libm's do.

Compilation: `inline="always"` (Numba inlines the function's IR into the caller, so
the generated loop is one straight-line body: left to LLVM's inliner, `tanh_f64` with
its inlined `exp` is over the size threshold, stays a call, and the loop stays scalar)
and `error_model="numpy"` (a Python-model division inserts a ZeroDivisionError branch,
which also stops vectorisation). No fastmath flags: inlined code takes the caller's
flags anyway, and the generated programs keep none, because `nnan`/`ninf` would let
LLVM delete the NaN/inf selects below, `reassoc` may rewrite the Cody-Waite reduction
`(x - n*C1) - n*C2` as `x - n*(C1+C2)` (losing the extra bits), and `contract` would
turn the user's own `x * 0.5 + y` into an FMA that rounds differently from NumPy. Plain
elementwise loops vectorise without any of them; only reductions would need `reassoc`.
The vectorisation test in tests/test_codegen_vecmath.py checks the W2 loop's LLVM IR for
`<8 x float>` / `<4 x double>` (LLVM prefers 256-bit vectors on AVX-512 parts too).

Accuracy (tests/test_codegen_vecmath_accuracy.py, over the whole float range against the
correctly rounded value computed in long double; figures in docs/accuracy.md): float64
within 0.8 ulp (the leading terms summed exactly, so each result rounds about once);
float32 within 0.5 ulp and a hair (0.503), correctly rounded but for near-halfway cases,
because each float32 function is computed in float64 and rounded once. Against NumPy:
float64 within 1 ulp; float32 within NumPy's own error plus ours (NumPy's float32 SIMD exp
and log are up to 2.3 and 3.2 ulp off the exact value, so correctly rounded results still
differ from NumPy's on ~39% of exp's elements in (-8, 8)). NaN, ±inf, ±0, overflow to inf,
underflow to 0 and subnormal results as NumPy's.

Speed (one core, 10^6-10^7 elements, ns per element, docs/accuracy.md): float64 exp 0.8,
log 1.1, expm1 1.8, log1p 1.3, tanh 1.9 (the 1-ulp corrections cost 10-150% over the
earlier 2-3 ulp forms); float32 exp 0.45 and tanh 0.7 (own cheap float64 forms: a degree-7
polynomial suffices for 2^-32 before the final rounding), log, expm1 and log1p 1.2-1.8
through the float64 functions. The in-cache W2 figures below predate the 1-ulp rework:
float32 was 1.2 ns per element with the old 3-5 ulp float32 polynomials, and ~10 ns through
libm; float64 ~2.7 ns, against ~4.1 ns with Cephes' Pade exp and two-branch tanh (four
vector divisions per element, now one). In float64 the vectorised loop body is one long
dependency chain per iteration, so shortening chains (two-chain polynomial evaluation)
counts as much as removing work. Tried and not kept, for lack of a measurable gain:
Estrin's scheme (vs. two chains).

`FUNCTIONS` maps (ufunc name, dtype name) to a function name, the table the code
generator consults; `VERSION` is a hash of this file, written into every program that
calls it so that Numba's on-disk cache (keyed by the program's file) never serves
machine code compiled from an older version of these functions.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numba
import numpy as np
from llvmlite import ir as llvm_ir
from numba import types
from numba.extending import intrinsic

VERSION = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]

_jit = numba.njit(nogil=True, cache=True, error_model="numpy", inline="always")


# ---- bit casts (LLVM bitcast; Numba has no scalar view) ------------------------------

@intrinsic
def _f64_from_bits(typingctx, bits):
    """The float64 whose IEEE bits are the int64 `bits`."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], llvm_ir.DoubleType())
    return types.float64(types.int64), codegen


@intrinsic
def _f64_bits(typingctx, x):
    """The IEEE bits of float64 `x`, as an int64."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], llvm_ir.IntType(64))
    return types.int64(types.float64), codegen


@intrinsic
def _fma(typingctx, a, b, c):
    """a * b + c rounded once (LLVM's `llvm.fma`, one vfmadd instruction per vector on
    x86-64 since Haswell and on AArch64): polynomials in half the instructions, and more
    accurate. Spelled out because the generated programs carry no `contract` flag."""
    if not (isinstance(a, types.Float) and a == b == c):
        return None

    def codegen(context, builder, signature, args):
        ty = args[0].type
        fn = builder.module.declare_intrinsic("llvm.fma", [ty],
                                              llvm_ir.FunctionType(ty, [ty, ty, ty]))
        return builder.call(fn, args)
    return a(a, a, a), codegen


@intrinsic
def _copysign(typingctx, magnitude, sign):
    """|magnitude| with the sign bit of `sign` (LLVM's `llvm.copysign`: two bit
    operations per vector, and right for -0 and NaN where a comparison is not)."""
    if not (isinstance(magnitude, types.Float) and magnitude == sign):
        return None

    def codegen(context, builder, signature, args):
        ty = args[0].type
        fn = builder.module.declare_intrinsic("llvm.copysign", [ty],
                                              llvm_ir.FunctionType(ty, [ty, ty]))
        return builder.call(fn, args)
    return magnitude(magnitude, magnitude), codegen


# Constants are module globals of the right NumPy type: Numba freezes them as typed
# literals (float32 code computes in float64 on purpose, converting once each way).
_D = np.float64

# ---- float64 --------------------------------------------------------------------------

# exp, expm1 and tanh share one reduction: n = round(x / ln2) by the 1.5 * 2^52 shifter
# (the low bits of `x * log2e + 1.5 * 2^52` hold n as an integer, so neither `floor` nor
# a float->int conversion is needed), r = x - n*ln2 (Cody-Waite, ln2 = C1 + C2), and
# expm1(r) = r + r^2 P(r) with P of degree 9, a least-squares fit on Chebyshev nodes of
# |r| <= ln2/2 (relative error 2.8e-17, a quarter of an ulp). A pure polynomial, no Pade
# division: the division unit is the slowest in the loop, and the old `exp` spent one.
# P is evaluated as two Horner chains in r^2 (even and odd coefficients) joined by one
# FMA: the same FMA count as Horner, half its dependency chain. In a vectorised loop each
# iteration's chain is ~80 cycles long; the out-of-order scheduler only holds a few
# iterations, so the chain's length, not the FMA count, set the speed (measured: exp
# 1.8 -> 1.3 ns per element in cache).
#
# Within 1 ulp: the leading terms are added exactly (Fast2Sum, ~3 extra additions) and
# only the small r^2 P term carries rounding error, so each result is rounded about once
# (exp 0.51 ulp of the exact value, expm1 0.52, where rounding expm1(r) first and then
# scaling it by 2^n gave up to 2.1 ulp). See docs/accuracy.md.
_D_LOG2E = _D(1.4426950408889634073599)
_D_LN2_C1 = _D(6.93145751953125e-1)
_D_LN2_C2 = _D(1.42860682030941723212e-6)
_D_SHIFTER = _D(6755399441055744.0)      # 1.5 * 2^52
_D_EXP_LO = _D(-746.0)  # exp(-746) < half the smallest subnormal: 0
_D_EXP_HI = _D(710.0)   # exp(710) > DBL_MAX: inf
_D_EXPM1_P = tuple(_D(c) for c in (
    2.502081036771898e-08, 2.762250619022211e-07, 2.755750308727525e-06,
    2.4801515619601945e-05, 0.00019841269623996707, 0.0013888888921111992,
    0.008333333333426448, 0.041666666666618425, 0.16666666666666546, 0.5))
_D_BIAS = np.int64(1023 << 52)           # exponent bias, in place
_D_HALF, _D_ONE, _D_TWO, _D_ZERO = _D(0.5), _D(1.0), _D(2.0), _D(0.0)


@_jit
def _expm1_poly_f64(r):
    """(r2, r2_lo, q): expm1(r) = r + (r2 + r2_lo) / 2 + r2 q for |r| <= ln2/2 (to the
    fit's quarter ulp), where r2 + r2_lo = r * r exactly (the FMA gives the product's
    rounding error) and q = P(r) - 1/2 is small (|q| < 0.06), so its rounding is not."""
    c9, c8, c7, c6, c5, c4, c3, c2, c1, c0 = _D_EXPM1_P   # c0 = 1/2, exactly
    r2 = r * r
    r2_lo = _fma(r, r, -r2)
    even = _fma(_fma(_fma(c8, r2, c6), r2, c4), r2, c2) * r2
    odd = _fma(_fma(_fma(_fma(c9, r2, c7), r2, c5), r2, c3), r2, c1)
    return r2, r2_lo, _fma(odd, r, even)


@_jit
def _reduce_f64(x):
    """(t, fn, r, r_lo): x = fn*ln2 + r + r_lo, |r| <= ln2/2, r_lo the rounding error of
    r (which expm1's cancellation would magnify to most of an ulp); the bits of t,
    shifted left by 52, are n << 52 (the shifter's own bits end in 52 zeros); for
    |x| < 2^51 * ln2."""
    t = _fma(x, _D_LOG2E, _D_SHIFTER)
    fn = t - _D_SHIFTER
    r1 = _fma(fn, -_D_LN2_C1, x)     # exact: fn*C1 has few bits
    r = _fma(fn, -_D_LN2_C2, r1)
    return t, fn, r, _fma(fn, -_D_LN2_C2, r1 - r)


@_jit
def _expm1_scaled_f64(s, r, r_lo):
    """(hi, lo): s * exp(r + r_lo) - 1 = hi + lo, |lo| < ulp(hi) (not normalised), for
    s = 2^n, -58 <= n <= 58, |r| <= ln2/2: s exp(r) - 1 = (s - 1 + s r) + s r^2/2 + s r^2 q.
    The first two terms are summed exactly (Fast2Sum: s*r and s r^2 / 2 are exact
    scalings, s - 1 is exact for n <= 53 and its error is added back beyond, and each
    partial sum is at least as large as the next term, or 0 for n = 0), so only the
    small s r^2 q and the final hi + lo round: about half an ulp in all. r_lo enters to
    first order, as s (1 + r) r_lo."""
    r2, r2_lo, q = _expm1_poly_f64(r)
    t = s - _D_ONE
    sr = s * r
    a = t + sr
    a_lo = sr - (a - t)
    hs = s * _D_HALF
    h = hs * r2
    hi = a + h
    t_lo = (s - t) - _D_ONE                  # s - 1 - t: 0 but for n = 54..58
    lo = (h - (hi - a)) + _fma(hs, r2_lo, a_lo + t_lo) + _fma(sr, r_lo, s * r_lo)
    return hi, _fma(s * r2, q, lo)


@_jit
def _exp_reduced_f64(r):
    """exp(r) = (1 + r) + r^2 / 2 + r^2 q for |r| <= ln2/2, 1 + r summed exactly
    (Fast2Sum); the rest is under 0.21 of the result, so its roundings (and that of r,
    which exp does not magnify) add a few tenths of an ulp to the final one."""
    r2, r2_lo, q = _expm1_poly_f64(r)
    hi = _D_ONE + r
    lo = r - (hi - _D_ONE)
    return hi + _fma(r2, q, _fma(_D_HALF, r2, lo))


@_jit
def exp_f64(x):
    """NumPy's exp for float64: NaN -> NaN, inf -> inf, -inf -> 0, subnormal results.
    2^n is applied in two halves, 2^(n>>1) * 2^(n-(n>>1)), so that results that
    overflow to inf do so at the right place and subnormal results round once more."""
    c = _D_EXP_LO if x < _D_EXP_LO else x   # clamps written so that NaN passes through
    c = _D_EXP_HI if c > _D_EXP_HI else c   # (x86 max/min); it then propagates to y
    t, fn, r, r_lo = _reduce_f64(c)
    y = _exp_reduced_f64(r)
    k = _f64_bits(t)
    h52 = (k >> 1) << 52                     # (n >> 1) << 52: the shifter's bits are even
    s1 = _f64_from_bits(h52 + _D_BIAS)
    s2 = _f64_from_bits((k << 52) - h52 + _D_BIAS)
    return y * s1 * s2


# expm1: 2^n (1 + em) - 1 = (2^n - 1 + 2^n r) + 2^n r^2 p, exact in its leading part while
# n <= 53; past n = 56 the -1 is below half an ulp and the result is exp's.
_D_EXPM1_LO = _D(-40.0)   # expm1(-40) rounds to -1
_D_EXPM1_BIG = _D(56.5)


@_jit
def expm1_f64(x):
    """NumPy's expm1 for float64: ±0 kept, -inf -> -1, inf -> inf, NaN -> NaN."""
    c = _D_EXPM1_LO if x < _D_EXPM1_LO else x
    c = _D_EXP_HI if c > _D_EXP_HI else c
    t, fn, r, r_lo = _reduce_f64(c)
    k = _f64_bits(t)
    s = _f64_from_bits((k << 52) + _D_BIAS)  # garbage past n = 1023, and then unused
    hi, lo = _expm1_scaled_f64(s, r, r_lo)
    small = hi + lo
    h52 = (k >> 1) << 52
    s1 = _f64_from_bits(h52 + _D_BIAS)
    s2 = _f64_from_bits((k << 52) - h52 + _D_BIAS)
    big = _exp_reduced_f64(r) * s1 * s2
    y = big if fn > _D_EXPM1_BIG else small
    return y if x != _D_ZERO else x          # keeps -0 (hi + lo is +0 for -0)


# tanh: tanh|x| = e / (e + 2) with e = expm1(2|x|): one expm1 and one division, no
# cancellation for small |x|, the sign put back by copysign (which also keeps -0). |x| is
# clamped to 20, where e + 2 rounds to e and the quotient is exactly 1, as NumPy's tanh(x)
# is for |x| > 19.1. For 1 ulp, e is kept as a double-double e_hi + e_lo, e + 2 too
# (TwoSum), and the quotient q0 = e_hi / d_hi is corrected once by its exact residual
# (e - q0 d) / d, where 1/d = (1 - q0) / 2 needs no second division (d = e + 2 and
# q0 = e / d): 0.52 ulp, where the plain quotient of rounded values reached 2.4.
_D_TANH_CLAMP = _D(20.0)
_D_SIXTH = _D(1.0 / 6.0)


@_jit
def tanh_f64(x):
    """NumPy's tanh for float64: ±0 kept, ±inf -> ±1, NaN -> NaN."""
    z = abs(x)
    z = _D_TANH_CLAMP if z > _D_TANH_CLAMP else z   # NaN passes through
    t, fn, r, r_lo = _reduce_f64(z + z)
    s = _f64_from_bits((_f64_bits(t) << 52) + _D_BIAS)   # 2^n, 0 <= n <= 58
    hi, lo = _expm1_scaled_f64(s, r, r_lo)
    e = hi + lo
    e_lo = lo - (e - hi)                      # Fast2Sum: |hi| >= |lo|
    d = e + _D_TWO                            # TwoSum (e may be below or above 2)
    b = d - e
    d_lo = ((e - (d - b)) + (_D_TWO - b)) + e_lo
    q0 = e / d
    res = _fma(-q0, d, e) + (e_lo - q0 * d_lo)
    # 1/d to ~1%, enough for a correction of a few ulps: (1 - q0) / 2 while q0 < 1/2;
    # beyond, where 1 - q0 loses its digits, v - v^2 + v^3 for v = exp(-2|x|) <= 1/3
    # (2^-n times a cubic for exp(-r)).
    v = _f64_from_bits(_D_BIAS - (_f64_bits(t) << 52)) * _fma(
        _fma(_fma(r, _D_SIXTH, -_D_HALF), r, _D_ONE), -r, _D_ONE)
    inv = (_D_ONE - q0) * _D_HALF if q0 < _D_HALF else v * _fma(v, v - _D_ONE, _D_ONE)
    return _copysign(_fma(res, inv, q0), x)


# log: fdlibm __ieee754_log. x = 2^k * m, m in [sqrt(2)/2, sqrt(2)) from the bits,
# f = m - 1 (exact), s = f / (2 + f), log(1 + f) = f - f^2/2 + s (f^2/2 + R(s^2)).
_D_LN2_HI = _D(6.93147180369123816490e-01)
_D_LN2_LO = _D(1.90821492927058770002e-10)
_D_LG = (_D(6.666666666666735130e-01), _D(3.999999999940941908e-01),
         _D(2.857142874366239149e-01), _D(2.222219843214978396e-01),
         _D(1.818357216161805012e-01), _D(1.531383769920937332e-01),
         _D(1.479819860511658591e-01))
_D_MIN_NORMAL = _D(2.2250738585072014e-308)
_D_TWO54 = _D(18014398509481984.0)
_D_INF = _D(np.inf)
_D_NAN = _D(np.nan)
_D_MANTISSA = np.int64(0x000FFFFFFFFFFFFF)
_D_SQRT_HALF_BITS = np.int64(0x3FE6A09E << 32)
_D_SHIFT_BITS = np.int64((0x3FF00000 - 0x3FE6A09E) << 32)


@_jit
def _log_f64(x, c):
    """log(x + c * x) for x > 0 normal or subnormal and |c| tiny (a relative correction
    to x, added where fdlibm's log1p adds its own): the special cases are the callers'."""
    sub = x < _D_MIN_NORMAL
    xs = x * _D_TWO54 if sub else x
    k = np.int64(-54) if sub else np.int64(0)
    ix = _f64_bits(xs) + _D_SHIFT_BITS
    k = k + (ix >> 52) - np.int64(0x3FF)
    m = _f64_from_bits((ix & _D_MANTISSA) + _D_SQRT_HALF_BITS)
    f = m - _D_ONE
    s = f / (_D_TWO + f)
    z = s * s
    w = z * z
    lg1, lg2, lg3, lg4, lg5, lg6, lg7 = _D_LG
    t1 = w * _fma(w, _fma(w, lg6, lg4), lg2)
    t2 = z * _fma(w, _fma(w, _fma(w, lg7, lg5), lg3), lg1)
    hfsq = _D_HALF * f * f
    dk = _D(k)
    return _fma(s, hfsq + t1 + t2, _fma(dk, _D_LN2_LO, c)) - hfsq + f + dk * _D_LN2_HI


@_jit
def log_f64(x):
    """NumPy's log for float64: x < 0 -> NaN, ±0 -> -inf, inf -> inf, subnormals exact."""
    y = _log_f64(x, _D_ZERO)
    y = y if x > _D_ZERO else (-_D_INF if x == _D_ZERO else _D_NAN)
    return y if x < _D_INF else x  # inf -> inf, NaN -> NaN (fails `<`)


@_jit
def log1p_f64(x):
    """NumPy's log1p for float64, as fdlibm's: log(u) for u = 1 + x rounded, plus the
    rounding error of u relative to u, c = (1 + x - u) / u (computed exactly: by
    Sterbenz, x - (u - 1) for x < 1 and 1 - (u - x) beyond). Tiny x (u == 1) gives x."""
    u = x + _D_ONE
    d = u - _D_ONE
    c = (x - d if x < _D_ONE else _D_ONE - (u - x)) / u
    y = _log_f64(u, c)
    y = y if u > _D_ZERO else (-_D_INF if u == _D_ZERO else _D_NAN)
    y = y if d != _D_ZERO else x
    return y if u < _D_INF else u  # inf -> inf, NaN -> NaN


# ---- float32: the float64 functions, rounded once ---------------------------------------

# Each float32 function widens its argument to float64 (exact), calls the float64 version
# above (within about 0.5 ulp of float64, i.e. 2^-29 of a float32 ulp) and rounds once:
# within 0.5 + 2^-29 ulp of the exact value, so correctly rounded except on a few
# near-halfway cases (docs/accuracy.md). The widening, the narrowing and the float64
# arithmetic vectorise as well as the float32 forms did (<8 x float> loads and stores,
# <8 x double> or 2 x <4 x double> arithmetic), at the speed of float64 code (the old
# float32 polynomials were up to 5 ulp off: 41% of exp's results differed from NumPy's).
# The range limits of float32 are met by the rounding itself: exp(89) is finite in
# float64 and rounds to inf in float32, exp(-104) to 0, subnormal results round once.


# exp has its own, cheaper float64 form: float32 needs only about 2^-34 before the final
# rounding (0.5 + 2^-10 ulp), so one reduction FMA with a double ln2, a degree-7
# polynomial (least-squares fit on Chebyshev nodes, relative error 5.2e-11) and a single
# scaling: 2^n is a normal double over float32's whole range (n from -150 to 128), and
# the float32 conversion rounds subnormal results, and overflows to inf, exactly once.
_D_LN2 = _D(0.6931471805599453)
_D_F32_EXP_LO = _D(-104.0)
_D_F32_EXP_HI = _D(89.0)
_D_F32_EXP_P = tuple(_D(c) for c in (
    0.00019790371931612043, 0.0013944651146283414, 0.008333496986168509,
    0.04166629505155661, 0.16666665869421912, 0.5000000067657591))


@_jit
def exp_f32(x):
    """NumPy's exp for float32: NaN -> NaN, inf -> inf, -inf -> 0, subnormal results."""
    c = np.float64(x)
    c = _D_F32_EXP_LO if c < _D_F32_EXP_LO else c   # NaN passes through
    c = _D_F32_EXP_HI if c > _D_F32_EXP_HI else c
    t = _fma(c, _D_LOG2E, _D_SHIFTER)
    r = _fma(t - _D_SHIFTER, -_D_LN2, c)
    p7, p6, p5, p4, p3, p2 = _D_F32_EXP_P
    p = _fma(_fma(_fma(_fma(_fma(_fma(_fma(p7, r, p6), r, p5), r, p4), r, p3), r, p2), r,
                  _D_ONE), r, _D_ONE)
    return np.float32(p * _f64_from_bits((_f64_bits(t) << 52) + _D_BIAS))


# tanh likewise: tanh|x| = e / (e + 2), e = expm1(2|x|) = 2^n (1 + em) - 1 with em a
# degree-7 fit of expm1 on |r| <= ln2/2 (relative error 2.4e-10), one float64 division;
# |x| clamped to 10, past 9.01 where tanh rounds to 1 in float32 (n <= 29: 2^n - 1 exact).
_D_F32_EXPM1_P = tuple(_D(c) for c in (
    0.00019845889436534067, 0.0013940618177756164, 0.00833338932780813,
    0.04166636101630897, 0.16666666370694744, 0.5000000044143981))
_D_F32_TANH_CLAMP = _D(10.0)


@_jit
def tanh_f32(x):
    """NumPy's tanh for float32: ±0 kept, ±inf -> ±1, NaN -> NaN."""
    z = abs(np.float64(x))
    z = _D_F32_TANH_CLAMP if z > _D_F32_TANH_CLAMP else z   # NaN passes through
    y = z + z
    t = _fma(y, _D_LOG2E, _D_SHIFTER)
    r = _fma(t - _D_SHIFTER, -_D_LN2, y)
    p7, p6, p5, p4, p3, p2 = _D_F32_EXPM1_P
    r2 = r * r
    em = _fma(r2, _fma(_fma(_fma(_fma(_fma(p7, r, p6), r, p5), r, p4), r, p3), r, p2), r)
    s = _f64_from_bits((_f64_bits(t) << 52) + _D_BIAS)
    e = _fma(s, em, s - _D_ONE)
    return np.float32(_copysign(e / (e + _D_TWO), np.float64(x)))


@_jit
def log_f32(x):
    """NumPy's log for float32: x < 0 -> NaN, ±0 -> -inf, inf -> inf, subnormals exact."""
    return np.float32(log_f64(np.float64(x)))


@_jit
def expm1_f32(x):
    """NumPy's expm1 for float32: ±0 kept, -inf -> -1, inf -> inf, NaN -> NaN."""
    return np.float32(expm1_f64(np.float64(x)))


@_jit
def log1p_f32(x):
    """NumPy's log1p for float32: -1 -> -inf, x < -1 -> NaN, ±0 kept."""
    return np.float32(log1p_f64(np.float64(x)))


# ---- the table the code generator reads -------------------------------------------------

FUNCTIONS: dict[tuple[str, str], str] = {
    (name, dtype): f"{name}_{dtype[0]}{dtype[-2:]}"
    for name in ("exp", "tanh", "log", "expm1", "log1p")
    for dtype in ("float32", "float64")
}


def function_for(name: str, dtype) -> str | None:
    """The name of this module's replacement for NumPy's `name` on `dtype`, or None."""
    return FUNCTIONS.get((name, np.dtype(dtype).name))
