"""NumPy's elementwise and reducing functions that have no op of their own, composed.

Why a module of its own: `numpy_api.py` holds the functions that map onto one op each
(np.sum is SUM); these are *composites*, built from existing ops the way `jax.numpy` is
built over `lax` — `np.logaddexp(x, y)` is `max(x, y) + log1p(exp(-|x - y|))` — so they
need no row in any table, run on every backend that runs their ops, and differentiate
through their parts. Each follows NumPy's own implementation (its dtype resolution, its
special cases), noted where the composite can differ from NumPy in the last bits.

Ufuncs (np.exp2, np.fmax, ...) register here too: `dispatch.py` looks a ufunc with no op
up in `numpy_api.FUNCTIONS` before giving up. The scans `np.cumsum`/`np.cumprod` are
primitives (CUMSUM/CUMPROD); their NumPy signatures live here.
"""

from __future__ import annotations

import builtins
import math

import numpy as np

from autograph.ir.ops import Op
from autograph.staging import numpy_api as api
from autograph.staging.numpy_api import _NO, implements, method, normalize_axes, normalize_axis
from autograph.staging.tensor import Tensor, apply, cast, lift

_PYTHON = {"b": bool, "i": int, "u": int, "f": float, "c": complex}


def python_result(fn):
    """Marks `fn` as returning a Python scalar (np.allclose is a `bool`), so dispatch does
    not make its weak result a NumPy scalar."""
    fn.python_result = True
    return fn


def _operand_dtype(t: Tensor):
    return _PYTHON[t.dtype.kind] if t.weak else t.dtype


def loop(ufunc: np.ufunc, *args) -> tuple[list[Tensor], np.dtype]:
    """The operands cast to the dtypes of `ufunc`'s NumPy loop, and its result dtype."""
    ts = [lift(a) for a in args]
    try:
        operands = tuple(_operand_dtype(t) for t in ts)
        dtypes = ufunc.resolve_dtypes(operands + (None,) * ufunc.nout)
    except TypeError as error:
        raise TypeError(f"ufunc '{ufunc.__name__}' not supported for the input types "
                        f"({', '.join(str(t.dtype) for t in ts)})") from error
    cast_ts = [t if (t.dtype == dt and not t.weak) else cast(t, dt) for t, dt in zip(ts, dtypes)]
    return cast_ts, np.dtype(dtypes[-1])


def _c(value, dtype) -> Tensor:
    return lift(np.dtype(dtype).type(value))


def _no_kwargs(name, kwargs):
    for key, value in kwargs.items():
        if value is not None and not (key == "casting" and value == "same_kind"):
            raise api.unsupported(f"np.{name}(..., {key}=...)")


# ---- ufuncs without an op ---------------------------------------------------------------


@implements(np.exp2)
def exp2(x, **kwargs):
    """2 ** x, by the POW op (libm's pow and exp2 may differ in the last bit)."""
    _no_kwargs("exp2", kwargs)
    (x,), dt = loop(np.exp2, x)
    return apply(Op.POW, _c(2, dt), x)


def _scaled(ufunc, factor):
    def scaled(x, **kwargs):
        _no_kwargs(ufunc.__name__, kwargs)
        (x,), dt = loop(ufunc, x)
        return apply(Op.MUL, x, _c(factor, dt))  # NumPy's loops: x * (pi/180)
    return scaled


implements(np.deg2rad, np.radians)(_scaled(np.deg2rad, math.pi / 180.0))
implements(np.rad2deg, np.degrees)(_scaled(np.rad2deg, 180.0 / math.pi))


@implements(np.logaddexp)
def logaddexp(x1, x2, **kwargs):
    """NumPy's npy_logaddexp: equal operands give x + log(2) (so inf + inf is inf), else
    max + log1p(exp(-|x1 - x2|))."""
    _no_kwargs("logaddexp", kwargs)
    (x, y), dt = loop(np.logaddexp, x1, x2)
    big = apply(Op.MAXIMUM, x, y)
    gap = apply(Op.NEG, apply(Op.ABS, apply(Op.SUB, x, y)))
    spread = apply(Op.ADD, big, apply(Op.LOG1P, apply(Op.EXP, gap)))
    return apply(Op.WHERE, apply(Op.EQ, x, y), apply(Op.ADD, x, _c(math.log(2), dt)), spread)


@implements(np.logaddexp2)
def logaddexp2(x1, x2, **kwargs):
    _no_kwargs("logaddexp2", kwargs)
    (x, y), dt = loop(np.logaddexp2, x1, x2)
    big = apply(Op.MAXIMUM, x, y)
    gap = apply(Op.NEG, apply(Op.ABS, apply(Op.SUB, x, y)))
    log2_1p = apply(Op.MUL, apply(Op.LOG1P, apply(Op.POW, _c(2, dt), gap)), _c(1 / math.log(2), dt))
    return apply(Op.WHERE, apply(Op.EQ, x, y), apply(Op.ADD, x, _c(1, dt)),
                 apply(Op.ADD, big, log2_1p))


def _nan_ignoring(ufunc, op: Op):
    def extreme(x1, x2, **kwargs):
        _no_kwargs(ufunc.__name__, kwargs)
        (x, y), dt = loop(ufunc, x1, x2)
        plain = apply(op, x, y)
        if dt.kind not in "fc":
            return plain
        return apply(Op.WHERE, apply(Op.ISNAN, y), x,
                     apply(Op.WHERE, apply(Op.ISNAN, x), y, plain))
    return extreme


implements(np.fmax)(_nan_ignoring(np.fmax, Op.MAXIMUM))
implements(np.fmin)(_nan_ignoring(np.fmin, Op.MINIMUM))


def _negative_sign(x: Tensor, dt) -> Tensor:
    """signbit without reading bits: arctan2(x, -1) is -pi for -0.0 and +pi for +0.0.
    The sign of a NaN is not seen (np.signbit(-nan) is True; this says False)."""
    return apply(Op.LT, apply(Op.ARCTAN2, x, _c(-1, dt)), _c(0, dt))


@implements(np.signbit)
def signbit(x, **kwargs):
    _no_kwargs("signbit", kwargs)
    (x,), _ = loop(np.signbit, x)
    return _negative_sign(x, x.dtype)


@implements(np.copysign)
def copysign(x1, x2, **kwargs):
    """|x1| with x2's sign (NaN's sign is not seen, as in `signbit`)."""
    _no_kwargs("copysign", kwargs)
    (x, y), dt = loop(np.copysign, x1, x2)
    magnitude = apply(Op.ABS, x)
    return apply(Op.WHERE, _negative_sign(y, dt), apply(Op.NEG, magnitude), magnitude)


@implements(np.heaviside)
def heaviside(x1, x2, **kwargs):
    """0 below zero, x2 at zero, 1 above, NaN for NaN (NumPy's npy_heaviside)."""
    _no_kwargs("heaviside", kwargs)
    (x, h), dt = loop(np.heaviside, x1, x2)
    above = apply(Op.WHERE, apply(Op.GT, x, _c(0, dt)), _c(1, dt), x)  # NaN stays NaN
    below = apply(Op.WHERE, apply(Op.LT, x, _c(0, dt)), _c(0, dt), above)
    return apply(Op.WHERE, apply(Op.EQ, x, _c(0, dt)), h, below)


@implements(np.fabs)
def fabs(x, **kwargs):
    _no_kwargs("fabs", kwargs)
    (x,), _ = loop(np.fabs, x)
    return apply(Op.ABS, x)


@implements(np.float_power)
def float_power(x1, x2, **kwargs):
    """x1 ** x2 in float64 (complex128 for complex operands), NumPy's only loops."""
    _no_kwargs("float_power", kwargs)
    (x, y), _ = loop(np.float_power, x1, x2)
    return apply(Op.POW, x, y)


@implements(np.fmod)
def fmod(x1, x2, **kwargs):
    """C's fmod (the sign of the dividend) from NumPy's remainder (the divisor's sign),
    which NumPy computes from fmod: undoing its sign fix-up is exact."""
    _no_kwargs("fmod", kwargs)
    (x, y), dt = loop(np.fmod, x1, x2)
    r = apply(Op.MOD, x, y)
    if dt.kind == "b":
        return r
    zero = _c(0, dt)
    wrong = apply(Op.LOGICAL_AND, apply(Op.NE, r, zero),
                  apply(Op.NE, apply(Op.LT, r, zero), apply(Op.LT, x, zero)))
    fixed = apply(Op.WHERE, wrong, apply(Op.SUB, r, y), r)
    if dt.kind == "f":  # fmod(x, inf) is x; fmod(-0.0, y) keeps the sign of x
        fixed = apply(Op.WHERE, apply(Op.LOGICAL_AND, apply(Op.ISINF, y), apply(Op.ISFINITE, x)),
                      x, fixed)
        fixed = apply(Op.WHERE, apply(Op.EQ, fixed, zero), apply(Op.MUL, zero, x), fixed)
    return fixed


@implements(np.divmod)
def divmod_(x1, x2, **kwargs):
    _no_kwargs("divmod", kwargs)
    (x, y), _ = loop(np.divmod, x1, x2)
    return apply(Op.FLOORDIV, x, y), apply(Op.MOD, x, y)


@implements(np.modf)
def modf(x, **kwargs):
    """(fractional part, integral part), both with x's sign; modf(inf) is (0, inf)."""
    _no_kwargs("modf", kwargs)
    (x,), dt = loop(np.modf, x)
    whole = apply(Op.TRUNC, x)
    frac = apply(Op.WHERE, apply(Op.ISINF, x), _c(0, dt), apply(Op.SUB, x, whole))
    return copysign(frac, x), whole


@implements(np.arcsinh)
def arcsinh(x, **kwargs):
    """sign(x) * log1p(|x| + x^2 / (1 + sqrt(1 + x^2))) (glibc's formula for moderate |x|;
    ln(2|x|) beyond 2^28 where x^2 would overflow). Not libm's: last-bit differences."""
    _no_kwargs("arcsinh", kwargs)
    (x,), dt = loop(np.arcsinh, x)
    a = apply(Op.ABS, x)
    sq = apply(Op.MUL, a, a)
    small = apply(Op.LOG1P, apply(Op.ADD, a, apply(Op.TRUEDIV, sq, apply(
        Op.ADD, _c(1, dt), apply(Op.SQRT, apply(Op.ADD, _c(1, dt), sq))))))
    big = apply(Op.ADD, apply(Op.LOG, a), _c(math.log(2), dt))
    y = apply(Op.WHERE, apply(Op.GT, a, _c(2.0 ** 28, dt)), big, small)
    return copysign(y, x)


@implements(np.arccosh)
def arccosh(x, **kwargs):
    """log(x + sqrt(x^2 - 1)), as log1p(t + sqrt(2t + t^2)) with t = x - 1 near 1; NaN
    below 1; ln(2x) beyond 2^28."""
    _no_kwargs("arccosh", kwargs)
    (x,), dt = loop(np.arccosh, x)
    t = apply(Op.SUB, x, _c(1, dt))
    near = apply(Op.LOG1P, apply(Op.ADD, t, apply(Op.SQRT, apply(
        Op.ADD, apply(Op.MUL, _c(2, dt), t), apply(Op.MUL, t, t)))))
    big = apply(Op.ADD, apply(Op.LOG, x), _c(math.log(2), dt))
    y = apply(Op.WHERE, apply(Op.GT, x, _c(2.0 ** 28, dt)), big, near)
    return apply(Op.WHERE, apply(Op.LT, x, _c(1, dt)), _c(np.nan, dt), y)


@implements(np.arctanh)
def arctanh(x, **kwargs):
    """0.5 * log1p(2x / (1 - x)): +-inf at +-1, NaN beyond."""
    _no_kwargs("arctanh", kwargs)
    (x,), dt = loop(np.arctanh, x)
    a = apply(Op.ABS, x)
    y = apply(Op.MUL, _c(0.5, dt), apply(Op.LOG1P, apply(Op.TRUEDIV, apply(Op.MUL, _c(2, dt), a),
                                                          apply(Op.SUB, _c(1, dt), a))))
    return copysign(apply(Op.WHERE, apply(Op.GT, a, _c(1, dt)), _c(np.nan, dt), y), x)


@implements(np.cbrt)
def cbrt(x, **kwargs):
    """sign(x) * |x| ** (1/3), one Newton step to round like libm's cbrt (last bits may
    differ)."""
    _no_kwargs("cbrt", kwargs)
    (x,), dt = loop(np.cbrt, x)
    a = apply(Op.ABS, x)
    y = apply(Op.POW, a, _c(1.0 / 3.0, dt))
    step = apply(Op.TRUEDIV, apply(Op.SUB, apply(Op.MUL, apply(Op.MUL, y, y), y), a),
                 apply(Op.MUL, _c(3, dt), apply(Op.MUL, y, y)))
    finite = apply(Op.LOGICAL_AND, apply(Op.ISFINITE, y), apply(Op.GT, y, _c(0, dt)))
    y = apply(Op.WHERE, finite, apply(Op.SUB, y, step), y)
    return copysign(y, x)


@implements(np.conjugate)
def conjugate(x, **kwargs):
    _no_kwargs("conjugate", kwargs)
    t = _real_only(x, "np.conjugate")
    return apply(Op.POS, t) if t.dtype != np.bool_ else Tensor(t.value, t._sources)


def _real_only(x, name) -> Tensor:
    t = lift(x)
    if t.dtype.kind == "c":
        raise api.unsupported(f"{name} of complex values")
    return t


@implements(np.real)
def real(val):
    t = _real_only(val, "np.real")
    return t  # NumPy returns a real array itself


@implements(np.imag)
def imag(val):
    t = _real_only(val, "np.imag")
    return api.full_of(t.shape, 0, t.dtype)


@implements(np.isreal)
def isreal(x):
    return api.full_of(_real_only(x, "np.isreal").shape, True, np.bool_)


@implements(np.iscomplex)
def iscomplex(x):
    return api.full_of(_real_only(x, "np.iscomplex").shape, False, np.bool_)


@implements(np.isrealobj)
@python_result
def isrealobj(x):
    return lift(x).dtype.kind != "c"


@implements(np.iscomplexobj)
@python_result
def iscomplexobj(x):
    return lift(x).dtype.kind == "c"


@implements(np.angle)
def angle(z, deg=False):
    """Of real values: arctan2(0, x), so pi for negatives and -0.0, else 0."""
    t = _real_only(z, "np.angle")
    dt = np.result_type(t.dtype, np.float16) if t.dtype.kind == "f" else np.dtype(np.float64)
    x = cast(t, dt)
    return apply(Op.ARCTAN2, _c(0, dt), x) if not deg else apply(
        Op.MUL, apply(Op.ARCTAN2, _c(0, dt), x), _c(180 / math.pi, dt))


def _infinite(sign):
    def test(x, out=None):
        api._no_out(out, "np.isposinf" if sign > 0 else "np.isneginf")
        t = _real_only(x, "np.isposinf")
        if t.dtype.kind != "f":
            return api.full_of(t.shape, False, np.bool_)
        return apply(Op.EQ, t, _c(sign * np.inf, t.dtype))
    return test


implements(np.isposinf)(_infinite(1))
implements(np.isneginf)(_infinite(-1))


def logical_xor_reduce(a, axis=0, dtype=None, out=None, keepdims=False, initial=_NO,
                       where=True):
    """np.logical_xor.reduce: whether an odd number of elements are true."""
    api._no_out(out, "np.logical_xor.reduce")
    api._defaults("np.logical_xor.reduce", initial=initial)
    if where is not True:
        raise api.unsupported("np.logical_xor.reduce(..., where=...)")
    t = lift(a)
    truth = t if t.dtype == np.bool_ else apply(Op.NE, t, 0)
    count = api.sum(truth, axis, np.int64, keepdims=keepdims)
    result = apply(Op.EQ, apply(Op.MOD, count, 2), 1)
    return result if dtype is None else cast(result, np.dtype(dtype))


# ---- NumPy functions written in Python over ufuncs, transcribed ------------------------


@implements(np.sinc)
def sinc(x):
    t = lift(x)
    y = apply(Op.MUL, math.pi, apply(Op.WHERE, apply(Op.EQ, t, 0), 1.0e-20, t))
    return apply(Op.TRUEDIV, apply(Op.SIN, y), y)


@implements(np.fix)
def fix(x, out=None):
    api._no_out(out, "np.fix")
    t = lift(x)
    return apply(Op.WHERE, apply(Op.GE, t, 0), apply(Op.FLOOR, t), apply(Op.CEIL, t))


@implements(np.nan_to_num)
def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    t = lift(x)
    if t.dtype.kind == "c":
        raise api.unsupported("np.nan_to_num of complex values")
    if t.dtype.kind != "f":
        return Tensor(t.value, t._sources)
    info = np.finfo(t.dtype)
    big = info.max if posinf is None else posinf
    small = info.min if neginf is None else neginf
    dt = t.dtype
    result = apply(Op.WHERE, apply(Op.ISNAN, t), _c(api._static_number(nan, "nan"), dt), t)
    result = apply(Op.WHERE, apply(Op.EQ, t, _c(np.inf, dt)), _c(big, dt), result)
    return apply(Op.WHERE, apply(Op.EQ, t, _c(-np.inf, dt)), _c(small, dt), result)


@implements(np.isclose)
def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    x, y = lift(a), lift(b)
    dt = np.result_type(_operand_dtype(y), 1.0)
    if y.dtype != dt or y.weak:
        y = cast(y, dt)
    bound = apply(Op.ADD, atol, apply(Op.MUL, rtol, apply(Op.ABS, y)))
    close = apply(Op.LE, apply(Op.ABS, apply(Op.SUB, x, y)), bound)
    result = apply(Op.LOGICAL_OR, apply(Op.LOGICAL_AND, close, apply(Op.ISFINITE, y)),
                   apply(Op.EQ, x, y))
    if equal_nan:
        result = apply(Op.LOGICAL_OR, result,
                       apply(Op.LOGICAL_AND, apply(Op.ISNAN, x), apply(Op.ISNAN, y)))
    return result


@implements(np.allclose)
@python_result
def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return cast(api.all(isclose(a, b, rtol, atol, equal_nan)), np.bool_, weak=True)


@implements(np.array_equal)
@python_result
def array_equal(a1, a2, equal_nan=False):
    x, y = lift(a1), lift(a2)
    if x.shape != y.shape:
        return False
    same = apply(Op.EQ, x, y)
    if equal_nan:
        same = apply(Op.LOGICAL_OR, same,
                     apply(Op.LOGICAL_AND, apply(Op.ISNAN, x), apply(Op.ISNAN, y)))
    return cast(api.all(same), np.bool_, weak=True)


@implements(np.ptp)
def ptp(a, axis=None, out=None, keepdims=_NO):
    return apply(Op.SUB, api.max(a, axis, out, keepdims), api.min(a, axis, None, keepdims))


@implements(np.count_nonzero)
def count_nonzero(a, axis=None, *, keepdims=False):
    t = lift(a)
    nonzero = t if t.dtype == np.bool_ else apply(Op.NE, t, 0)
    return api.sum(nonzero, axis=axis, dtype=np.intp, keepdims=keepdims)


@implements(np.average)
def average(a, axis=None, weights=None, returned=False, *, keepdims=_NO):
    t = lift(a)
    keep = False if keepdims is _NO else bool(keepdims)
    if weights is None:
        avg = api.mean(t, axis, keepdims=keep)
        scale = _c(t.size / builtins.max(avg.size, 1), avg.dtype)
    else:
        w = lift(weights)
        kinds = (t.dtype, w.dtype, "f8") if t.dtype.kind in "iub" else (t.dtype, w.dtype)
        dt = np.result_type(*kinds)
        if t.shape != w.shape:
            if axis is None:
                raise TypeError("Axis must be specified when shapes of a and weights differ.")
            if w.ndim != 1 or isinstance(axis, (tuple, list)):
                raise TypeError("1D weights expected when shapes of a and weights differ.")
            ax = normalize_axis(axis, t.ndim)
            if w.shape[0] != t.shape[ax]:
                raise ValueError("Length of weights not compatible with specified axis.")
            w = api.reshape(w, tuple(-1 if i == ax else 1 for i in range(t.ndim)))
            w = api.broadcast_to(w, t.shape)
        scale = api.sum(cast(w, dt), axis, keepdims=keep)
        avg = apply(Op.TRUEDIV, api.sum(apply(Op.MUL, cast(t, dt), cast(w, dt)), axis,
                                        keepdims=keep), scale)
    if returned:
        if scale.shape != avg.shape:
            scale = api.broadcast_to(scale, avg.shape).copy()
        return avg, scale
    return avg


# ---- scans: the CUMSUM/CUMPROD primitives ----------------------------------------------


def _scan(op: Op, name: str, a, axis, dtype, out):
    api._no_out(out, name)
    t = lift(a)
    if axis is None:
        t, axis = api.reshape(t, (-1,)), 0
    elif t.ndim == 0:
        raise np.exceptions.AxisError(axis, 0)
    axis = normalize_axis(axis, t.ndim)
    if dtype is not None:
        t = cast(t, np.dtype(dtype))
    result = apply(op, t, axis=axis)
    if dtype is not None and result.dtype != np.dtype(dtype):
        result = cast(result, np.dtype(dtype))
    return result


@implements(np.cumsum)
def cumsum(a, axis=None, dtype=None, out=None):
    return _scan(Op.CUMSUM, "np.cumsum", a, axis, dtype, out)


@implements(np.cumprod)
def cumprod(a, axis=None, dtype=None, out=None):
    return _scan(Op.CUMPROD, "np.cumprod", a, axis, dtype, out)


@implements(np.cumulative_sum)
def cumulative_sum(x, /, *, axis=None, dtype=None, out=None, include_initial=False):
    return _cumulative(Op.CUMSUM, "np.cumulative_sum", x, axis, dtype, out, include_initial)


@implements(np.cumulative_prod)
def cumulative_prod(x, /, *, axis=None, dtype=None, out=None, include_initial=False):
    return _cumulative(Op.CUMPROD, "np.cumulative_prod", x, axis, dtype, out, include_initial)


def _cumulative(op, name, x, axis, dtype, out, include_initial):
    """NumPy 2's array-API scans: `axis` needed beyond 1-d, 0-d refused, and an optional
    leading identity."""
    t = lift(x)
    if t.ndim == 0:
        raise ValueError("input array must be at least 1-dimensional")
    if axis is None:
        if t.ndim > 1:
            raise ValueError("For arrays which have more than one dimension ``axis`` "
                             "argument is required.")
        axis = 0
    axis = normalize_axis(axis, t.ndim)
    result = _scan(op, name, t, axis, dtype, out)
    if include_initial:
        shape = t.shape[:axis] + (1,) + t.shape[axis + 1:]
        first = api.full_of(shape, 0 if op is Op.CUMSUM else 1, result.dtype)
        result = api.concatenate([first, result], axis=axis)
    return result


cumsum.ops = cumulative_sum.ops = frozenset({Op.CUMSUM})  # for the API table's columns
cumprod.ops = cumulative_prod.ops = frozenset({Op.CUMPROD})


# ---- methods ------------------------------------------------------------------------------
for _function in (cumsum, cumprod, api.var, api.std):
    method(_function.__name__)(_function)


def _conj(x):
    """`x.conj()`: for a real array, NumPy returns the array itself (np.conjugate a copy)."""
    return x if isinstance(x, Tensor) and x.dtype.kind != "c" else conjugate(x)


method("conj")(_conj)
method("conjugate")(_conj)
Tensor.real = property(real, doc="`x.real`: x itself for real dtypes (a view).")
Tensor.imag = property(imag, doc="`x.imag`: zeros for real dtypes.")


@method("round")
def _round_method(self, decimals=0, out=None):
    return api.round(self, decimals, out)


@method("__round__")
def _round_builtin(self, ndigits=None):
    """`round(x)`: a 0-d value becomes a Python int (ties to even, as Python's), with
    `ndigits` a float; arrays round as np.round."""
    if self.ndim or ndigits is not None:
        return api.round(self, 0 if ndigits is None else ndigits)
    rounded = self if self.dtype.kind in "iub" else apply(Op.RINT, self)
    return cast(rounded, np.int64, weak=True)


__all__ = ["logical_xor_reduce", "loop", "python_result", "normalize_axes"]
