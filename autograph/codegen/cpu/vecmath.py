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
- Powers of two are built from bits (`_f32_from_bits`, an LLVM `bitcast` intrinsic),
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

Accuracy (tests/test_codegen_vecmath.py, against NumPy over wide ranges, random bit
patterns, extremes, subnormals): float32 within 3 ulp of NumPy's result (log 4, tanh 5:
3.6e-7 relative), float64 within 3 ulp (about 7e-16 relative); NaN, ±inf, ±0, overflow
to inf, underflow to 0 and subnormal results as NumPy's.

Speed (in-cache W2 loop, one core): float32 1.2 ns per element, against 2.4 ns with
Cephes' exp-based tanhf and without FMAs, and ~10 ns through libm; float64 ~2.7 ns, against
~4.1 ns with Cephes' Pade exp and two-branch tanh (four vector divisions per element, now
one). In float64 the vectorised loop body is one long dependency chain per iteration, so
shortening chains (two-chain polynomial evaluation) counts as much as removing work.
Tried and not kept, for lack of a measurable gain: Estrin's scheme (vs. two chains), and
the float64 shifter/NaN-passing clamps applied to exp_f32.

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
def _f32_from_bits(typingctx, bits):
    """The float32 whose IEEE bits are the int32 `bits`."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], llvm_ir.FloatType())
    return types.float32(types.int32), codegen


@intrinsic
def _f32_bits(typingctx, x):
    """The IEEE bits of float32 `x`, as an int32."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], llvm_ir.IntType(32))
    return types.int32(types.float32), codegen


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
# literals, so float32 code never silently computes in float64.
_F = np.float32
_D = np.float64

# ---- float32 --------------------------------------------------------------------------

# exp: n = round(x / ln2), r = x - n*ln2 (Cody-Waite, ln2 = C1 + C2 with C1 exact in
# few bits), exp(r) by Cephes expf's degree-6 polynomial on |r| <= ln2/2.
_F_LOG2E = _F(1.44269504088896341)
_F_LN2_C1 = _F(0.693359375)
_F_LN2_C2 = _F(-2.12194440e-4)
_F_EXP_LO = _F(-104.0)  # exp(-104) < half the smallest subnormal: 0
_F_EXP_HI = _F(89.0)    # exp(89) > FLT_MAX: inf
_F_EXP_P = (_F(1.9875691500e-4), _F(1.3981999507e-3), _F(8.3334519073e-3),
            _F(4.1665795894e-2), _F(1.6666665459e-1), _F(5.0000001201e-1))
_F_HALF, _F_ONE, _F_TWO, _F_ZERO = _F(0.5), _F(1.0), _F(2.0), _F(0.0)


@_jit
def _exp_f32_finite(x):
    """exp(x) for non-NaN x (inf is clamped and overflows or underflows correctly)."""
    x = x if x > _F_EXP_LO else _F_EXP_LO
    x = x if x < _F_EXP_HI else _F_EXP_HI
    fn = np.floor(_fma(x, _F_LOG2E, _F_HALF))
    r = _fma(fn, -_F_LN2_C1, x)
    r = _fma(fn, -_F_LN2_C2, r)
    p0, p1, p2, p3, p4, p5 = _F_EXP_P
    p = _fma(_fma(_fma(_fma(_fma(p0, r, p1), r, p2), r, p3), r, p4), r, p5)
    y = _fma(p, r * r, r + _F_ONE)
    n = np.int32(fn)
    half = n >> 1
    s1 = _f32_from_bits(np.int32((half + 127) << 23))
    s2 = _f32_from_bits(np.int32((n - half + 127) << 23))
    return y * s1 * s2


@_jit
def exp_f32(x):
    """NumPy's exp for float32: NaN -> NaN, inf -> inf, -inf -> 0, subnormal results."""
    y = _exp_f32_finite(x)
    return y if x == x else x


# tanh: the rational approximation of Eigen and XLA (`generic_fast_tanh_float`):
# x P(x^2) / Q(x^2) with P of degree 13 (odd) and Q of degree 6 (even), on x clamped to
# ±7.9988 where it rounds to exactly ±1; |x| < 0.0004 returns x (keeps -0, subnormals).
# One division and eleven FMAs, no exp: twice as fast as Cephes' exp-based tanhf, for
# 5 ulp instead of 2 (3.6e-7 relative, inside the 1e-6 the tests ask of float32).
_F_TANH_ALPHA = (_F(-2.76076847742355e-16), _F(2.00018790482477e-13),
                 _F(-8.60467152213735e-11), _F(5.12229709037114e-08),
                 _F(1.48572235717979e-05), _F(6.37261928875436e-04),
                 _F(4.89352455891786e-03))
_F_TANH_BETA = (_F(1.19825839466702e-06), _F(1.18534705686654e-04),
                _F(2.26843463243900e-03), _F(4.89352518554385e-03))
_F_TANH_CLAMP = _F(7.99881172180175781)
_F_TANH_TINY = _F(0.0004)


@_jit
def tanh_f32(x):
    """NumPy's tanh for float32: ±0 kept, ±inf -> ±1, NaN -> NaN."""
    c = x if x < _F_TANH_CLAMP else _F_TANH_CLAMP
    c = c if c > -_F_TANH_CLAMP else -_F_TANH_CLAMP
    w = c * c
    a13, a11, a9, a7, a5, a3, a1 = _F_TANH_ALPHA
    b6, b4, b2, b0 = _F_TANH_BETA
    p = c * _fma(_fma(_fma(_fma(_fma(_fma(a13, w, a11), w, a9), w, a7), w, a5), w, a3), w, a1)
    q = _fma(_fma(_fma(b6, w, b4), w, b2), w, b0)
    y = p / q
    y = y if abs(x) >= _F_TANH_TINY else x
    return y if x == x else x


# log: fdlibm / musl logf. x = 2^k * m with m in [sqrt(2)/2, sqrt(2)) by integer
# arithmetic on the bits; f = m - 1, s = f / (2 + f), log(1 + f) = f - f^2/2 + s(f^2/2 + R).
_F_LN2_HI = _F(6.9313812256e-01)
_F_LN2_LO = _F(9.0580006145e-06)
_F_LG = (_F(0.66666662693), _F(0.40000972152), _F(0.28498786688), _F(0.24279078841))
_F_MIN_NORMAL = _F(1.17549435e-38)
_F_TWO24 = _F(16777216.0)
_F_INF = _F(np.inf)
_F_NAN = _F(np.nan)
_F_TWENTY = _F(20.0)


@_jit
def log_f32(x):
    """NumPy's log for float32: x < 0 -> NaN, ±0 -> -inf, inf -> inf, subnormals exact."""
    sub = x < _F_MIN_NORMAL
    xs = x * _F_TWO24 if sub else x
    k = np.int32(-24) if sub else np.int32(0)
    ix = _f32_bits(xs) + np.int32(0x3F800000 - 0x3F3504F3)
    k = k + (ix >> 23) - np.int32(0x7F)
    m = _f32_from_bits((ix & np.int32(0x007FFFFF)) + np.int32(0x3F3504F3))
    f = m - _F_ONE
    s = f / (_F_TWO + f)
    z = s * s
    w = z * z
    lg1, lg2, lg3, lg4 = _F_LG
    r = _fma(z, _fma(w, lg3, lg1), w * _fma(w, lg4, lg2))
    hfsq = _F_HALF * f * f
    dk = _F(k)
    y = _fma(s, hfsq + r, dk * _F_LN2_LO) - hfsq + f + dk * _F_LN2_HI
    y = y if x > _F_ZERO else (-_F_INF if x == _F_ZERO else _F_NAN)
    return y if x < _F_INF else x  # inf -> inf, NaN -> NaN (fails `<`)


@_jit
def expm1_f32(x):
    """NumPy's expm1 for float32, by Kahan's trick: u = exp(x); (u - 1) * x / log(u),
    which cancels the rounding error of u; tiny x (u == 1) gives x itself."""
    u = _exp_f32_finite(x)
    um1 = u - _F_ONE
    y = um1 * x / log_f32(u)
    y = y if u != _F_ONE else x
    y = y if um1 != -_F_ONE else um1      # exp underflowed: -1
    y = y if x < _F_TWENTY else um1       # u - 1 is exact enough, and (u - 1) * x may overflow
    return y if x == x else x


@_jit
def log1p_f32(x):
    """NumPy's log1p for float32, by Kahan's trick: u = 1 + x; log(u) * x / (u - 1),
    which corrects for the rounding of u; tiny x (u == 1) gives x itself."""
    u = x + _F_ONE
    d = u - _F_ONE
    y = log_f32(u) * (x / d)
    y = y if d != _F_ZERO else x
    return y if u < _F_INF else log_f32(u)  # inf, NaN, and large x: log(u) is exact enough


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
def _expm1_reduced_f64(r):
    """expm1(r) for |r| <= ln2/2 (to the fit's quarter ulp); +0 for r = -0."""
    c9, c8, c7, c6, c5, c4, c3, c2, c1, c0 = _D_EXPM1_P
    r2 = r * r
    even = _fma(_fma(_fma(_fma(c8, r2, c6), r2, c4), r2, c2), r2, c0)
    odd = _fma(_fma(_fma(_fma(c9, r2, c7), r2, c5), r2, c3), r2, c1)
    return _fma(r2, _fma(odd, r, even), r)


@_jit
def _reduce_f64(x):
    """(t, fn, r): x = fn*ln2 + r, |r| <= ln2/2; the bits of t, shifted left by 52, are
    n << 52 (the shifter's own bits end in 52 zeros); for |x| < 2^51 * ln2."""
    t = _fma(x, _D_LOG2E, _D_SHIFTER)
    fn = t - _D_SHIFTER
    r = _fma(fn, -_D_LN2_C1, x)
    return t, fn, _fma(fn, -_D_LN2_C2, r)


@_jit
def exp_f64(x):
    """NumPy's exp for float64: NaN -> NaN, inf -> inf, -inf -> 0, subnormal results.
    2^n is applied in two halves, 2^(n>>1) * 2^(n-(n>>1)), so that results that
    underflow into the subnormal range or overflow to inf round once, as libm's do."""
    c = _D_EXP_LO if x < _D_EXP_LO else x   # clamps written so that NaN passes through
    c = _D_EXP_HI if c > _D_EXP_HI else c   # (x86 max/min); it then propagates to y
    t, fn, r = _reduce_f64(c)
    em = _expm1_reduced_f64(r)
    k = _f64_bits(t)
    h52 = (k >> 1) << 52                     # (n >> 1) << 52: the shifter's bits are even
    s1 = _f64_from_bits(h52 + _D_BIAS)
    s2 = _f64_from_bits((k << 52) - h52 + _D_BIAS)
    return _fma(em, s1, s1) * s2


# expm1: 2^n (1 + em) - 1 = fma(2^n, em, 2^n - 1), one rounding, exact 2^n - 1 while
# n <= 53; past n = 56 the -1 is below half an ulp and the result is exp's.
_D_EXPM1_LO = _D(-40.0)   # expm1(-40) rounds to -1
_D_EXPM1_BIG = _D(56.5)


@_jit
def expm1_f64(x):
    """NumPy's expm1 for float64: ±0 kept, -inf -> -1, inf -> inf, NaN -> NaN."""
    c = _D_EXPM1_LO if x < _D_EXPM1_LO else x
    c = _D_EXP_HI if c > _D_EXP_HI else c
    t, fn, r = _reduce_f64(c)
    em = _expm1_reduced_f64(r)
    k = _f64_bits(t)
    s = _f64_from_bits((k << 52) + _D_BIAS)  # garbage past n = 1023, and then unused
    small = _fma(s, em, s - _D_ONE)
    h52 = (k >> 1) << 52
    s1 = _f64_from_bits(h52 + _D_BIAS)
    s2 = _f64_from_bits((k << 52) - h52 + _D_BIAS)
    big = _fma(em, s1, s1) * s2
    y = big if fn > _D_EXPM1_BIG else small
    return y if x != _D_ZERO else x          # keeps -0 (em(-0) is +0)


# tanh: tanh|x| = e / (e + 2) with e = expm1(2|x|): one expm1 and one division, no
# cancellation for small |x| (e is accurate there, and the quotient's sensitivity to e
# is below 1), the sign put back by copysign (which also keeps -0). |x| is clamped to
# 20, where e + 2 rounds to e and the quotient is exactly 1, as NumPy's tanh(x) is for
# |x| > 19.1. Replaces Cephes' two-branch form (a rational on |x| < 0.625 and
# 1 - 2 / (exp(2|x|) + 1) beyond), which computed both branches: three divisions.
_D_TANH_CLAMP = _D(20.0)


@_jit
def tanh_f64(x):
    """NumPy's tanh for float64: ±0 kept, ±inf -> ±1, NaN -> NaN."""
    z = abs(x)
    z = _D_TANH_CLAMP if z > _D_TANH_CLAMP else z   # NaN passes through
    t, fn, r = _reduce_f64(z + z)
    em = _expm1_reduced_f64(r)
    s = _f64_from_bits((_f64_bits(t) << 52) + _D_BIAS)   # 2^n, 0 <= n <= 58
    e = _fma(s, em, s - _D_ONE)
    return _copysign(e / (e + _D_TWO), x)


# log: fdlibm __ieee754_log. x = 2^k * m, m in [sqrt(2)/2, sqrt(2)) from the bits,
# f = m - 1, s = f / (2 + f), log(1 + f) = f - f^2/2 + s (f^2/2 + R(s^2)).
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
_D_FORTY = _D(40.0)
_D_MANTISSA = np.int64(0x000FFFFFFFFFFFFF)
_D_SQRT_HALF_BITS = np.int64(0x3FE6A09E << 32)
_D_SHIFT_BITS = np.int64((0x3FF00000 - 0x3FE6A09E) << 32)


@_jit
def log_f64(x):
    """NumPy's log for float64: x < 0 -> NaN, ±0 -> -inf, inf -> inf, subnormals exact."""
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
    y = _fma(s, hfsq + t1 + t2, dk * _D_LN2_LO) - hfsq + f + dk * _D_LN2_HI
    y = y if x > _D_ZERO else (-_D_INF if x == _D_ZERO else _D_NAN)
    return y if x < _D_INF else x  # inf -> inf, NaN -> NaN (fails `<`)


@_jit
def log1p_f64(x):
    """NumPy's log1p for float64, by Kahan's trick (see log1p_f32)."""
    u = x + _D_ONE
    d = u - _D_ONE
    y = log_f64(u) * (x / d)
    y = y if d != _D_ZERO else x
    return y if u < _D_INF else log_f64(u)


# ---- the table the code generator reads -------------------------------------------------

FUNCTIONS: dict[tuple[str, str], str] = {
    (name, dtype): f"{name}_{dtype[0]}{dtype[-2:]}"
    for name in ("exp", "tanh", "log", "expm1", "log1p")
    for dtype in ("float32", "float64")
}


def function_for(name: str, dtype) -> str | None:
    """The name of this module's replacement for NumPy's `name` on `dtype`, or None."""
    return FUNCTIONS.get((name, np.dtype(dtype).name))
