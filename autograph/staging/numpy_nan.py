"""NumPy's NaN-ignoring reductions and scans (`np.nansum`, `np.nanmax`, ...), composed.

Why a module of its own: each is NumPy's own recipe (`numpy/lib/_nanfunctions_impl.py`)
over existing ops — replace the NaNs with the operation's identity (`_replace_nan`), reduce,
and fix up the slices that were all NaN — so they need no row in any table and run on
every backend that runs their parts. Integer and bool arrays have no NaN: the plain
function is used, as NumPy does.

All-NaN slices give what NumPy gives, without its RuntimeWarning: NaN for nanmax, nanmin,
nanmean, nanvar, nanstd (and 0 / 1 for nansum / nanprod); nanargmax and nanargmin raise
ValueError("All-NaN slice encountered") when the program runs (a staged check).
NaN-ignoring order statistics (np.nanmedian, np.nanquantile, np.nanpercentile) sort each
slice with its NaN last and read it at positions computed from that slice's count.
"""

from __future__ import annotations

import numpy as np

from autograph.ir.ops import Op
from autograph.staging import (checks, numpy_api as api, numpy_math as math_api,
                               numpy_sorting as sorting)
from autograph.staging.numpy_rearrange import moveaxis
from autograph.staging.numpy_api import _NO, implements, normalize_axes
from autograph.staging.tensor import Tensor, apply, cast, lift


def _floating(a) -> Tensor | None:
    t = lift(a)
    return t if t.dtype.kind in "fc" else None


def _replaced(t: Tensor, value) -> Tensor:
    return apply(Op.WHERE, apply(Op.ISNAN, t), _const(value, t.dtype), t)


def _const(value, dtype) -> Tensor:
    return lift(np.dtype(dtype).type(value))


def _keep(keepdims) -> bool:
    return False if keepdims is _NO else bool(keepdims)


@implements(np.nansum)
def nansum(a, axis=None, dtype=None, out=None, keepdims=_NO, initial=_NO, where=_NO):
    t = _floating(a)
    base = a if t is None else _replaced(t, 0)
    return api.sum(base, axis, dtype, out, keepdims, initial, where)


@implements(np.nanprod)
def nanprod(a, axis=None, dtype=None, out=None, keepdims=_NO, initial=_NO, where=_NO):
    t = _floating(a)
    base = a if t is None else _replaced(t, 1)
    return api.prod(base, axis, dtype, out, keepdims, initial, where)


def _extreme(name, plain, fill):
    def reduce(a, axis=None, out=None, keepdims=_NO, initial=_NO, where=_NO):
        t = _floating(a)
        if t is None or t.dtype.kind == "c":
            return plain(a, axis, out, keepdims, initial, where)
        api._no_out(out, f"np.{name}")
        result = plain(_replaced(t, fill), axis, None, keepdims, initial, where)
        all_nan = api.all(apply(Op.ISNAN, t), axis, keepdims=keepdims)
        return apply(Op.WHERE, all_nan, _const(np.nan, result.dtype), result)
    reduce.__name__ = name
    return reduce


nanmax = implements(np.nanmax)(_extreme("nanmax", api.max, -np.inf))
nanmin = implements(np.nanmin)(_extreme("nanmin", api.min, np.inf))


def _arg_extreme(name, plain, fill):
    def reduce(a, axis=None, out=None, *, keepdims=_NO):
        t = _floating(a)
        if t is None or t.dtype.kind == "c":
            return plain(a, axis, out, keepdims=keepdims)
        api._no_out(out, f"np.{name}")
        nan = apply(Op.ISNAN, t)
        checks.check(apply(Op.LOGICAL_NOT, api.any(api.all(nan, axis))), "ValueError",
                      "All-NaN slice encountered")
        return plain(_replaced(t, fill), axis, keepdims=keepdims)
    reduce.__name__ = name
    return reduce


nanargmax = implements(np.nanargmax)(_arg_extreme("nanargmax", api.argmax, -np.inf))
nanargmin = implements(np.nanargmin)(_arg_extreme("nanargmin", api.argmin, np.inf))


def _count(t: Tensor, axis, keepdims) -> Tensor:
    return api.sum(apply(Op.LOGICAL_NOT, apply(Op.ISNAN, t)), axis, np.intp, keepdims=keepdims)


@implements(np.nanmean)
def nanmean(a, axis=None, dtype=None, out=None, keepdims=_NO, *, where=_NO):
    t = _floating(a)
    if t is None:
        return api.mean(a, axis, dtype, out, keepdims, where=where)
    api._no_out(out, "np.nanmean")
    total = api.sum(_replaced(t, 0), axis, dtype, None, keepdims, where=where)
    quotient = apply(Op.TRUEDIV, total, _count(t, axis, _keep(keepdims)))
    return cast(quotient, total.dtype) if quotient.dtype != total.dtype else quotient


@implements(np.nanvar)
def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=_NO, *, where=_NO,
           mean=_NO, correction=_NO):
    t = _floating(a)
    if t is None:
        return api.var(a, axis, dtype, out, ddof, keepdims, where=where, mean=mean,
                       correction=correction)
    api._no_out(out, "np.nanvar")
    api._defaults("np.nanvar", where=where, mean=mean, correction=correction)
    if t.dtype.kind == "c":
        raise api.unsupported("np.nanvar of complex values")
    axes = normalize_axes(axis, t.ndim)
    nan = apply(Op.ISNAN, t)
    zeroed = _replaced(t, 0)
    count = _count(t, axes, True)
    total = api.sum(zeroed, axes, dtype, keepdims=True)
    average = apply(Op.TRUEDIV, total, count)
    average = cast(average, total.dtype) if average.dtype != total.dtype else average
    centred = apply(Op.WHERE, nan, _const(0, average.dtype), apply(Op.SUB, t, average))
    squares = api.sum(apply(Op.MUL, centred, centred), axes, dtype, keepdims=_keep(keepdims))
    dof = apply(Op.SUB, _count(t, axes, _keep(keepdims)), api.static_int(ddof, "ddof"))
    result = apply(Op.TRUEDIV, squares, dof)
    result = cast(result, squares.dtype) if result.dtype != squares.dtype else result
    return apply(Op.WHERE, apply(Op.LE, dof, 0), _const(np.nan, result.dtype), result)


@implements(np.nanstd)
def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=_NO, *, where=_NO,
           mean=_NO, correction=_NO):
    return apply(Op.SQRT, nanvar(a, axis, dtype, out, ddof, keepdims, where=where, mean=mean,
                                 correction=correction))


@implements(np.nancumsum)
def nancumsum(a, axis=None, dtype=None, out=None):
    t = _floating(a)
    return math_api.cumsum(a if t is None else _replaced(t, 0), axis, dtype, out)


@implements(np.nancumprod)
def nancumprod(a, axis=None, dtype=None, out=None):
    t = _floating(a)
    return math_api.cumprod(a if t is None else _replaced(t, 1), axis, dtype, out)


nancumsum.ops = frozenset({Op.CUMSUM})
nancumprod.ops = frozenset({Op.CUMPROD})


# ---- order statistics ignoring NaN ----------------------------------------------------------


def _nanquantile(name, a, q, weak_q, axis, out, method, keepdims, weights, interpolation,
                 median=False):
    """Per slice: NumPy's linear quantile of its `count` non-NaN values, which sorting puts
    first; the positions depend on the count, so they are computed when the program runs."""
    t = _floating(a)
    if t is None:
        return sorting._quantile(name, a, q, weak_q, axis, out, method, keepdims, weights,
                                 interpolation)
    api._no_out(out, name)
    if method != "linear" or interpolation is not None or weights is not None:
        raise api.unsupported(f"{name}(..., method={method!r}, weights=...)",
                              "only method='linear' without weights is staged")
    if t.dtype.kind == "c":
        raise TypeError("a must be an array of real numbers")
    q = np.asanyarray(q)
    if q.ndim > 2 or not (np.all(q >= 0) and np.all(q <= 1)):
        raise ValueError("Quantiles must be in the range [0, 1]")
    flat, kept, axes = sorting._reduced(t, axis)
    ordered = apply(Op.SORT, flat, axis=flat.ndim - 1)
    lanes = kept + (1,) * q.ndim          # q's axes go last while computing
    count = api.reshape(_count(flat, -1, False), lanes)
    qs = q.reshape((1,) * len(kept) + q.shape) if q.ndim else q
    gamma_dtype = np.result_type(q.dtype, np.float64) if not weak_q else np.float64
    virtual = apply(Op.MUL, cast(apply(Op.SUB, count, 1), gamma_dtype), qs)
    previous = apply(Op.FLOOR, virtual)
    top = apply(Op.SUB, cast(count, gamma_dtype), 1)
    above = apply(Op.GE, virtual, top)
    previous = apply(Op.WHERE, above, top, previous)
    following = apply(Op.WHERE, above, top, apply(Op.ADD, previous, 1))
    gamma = apply(Op.WHERE, above, apply(Op.ADD, virtual, 1.0),  # NumPy's previous is -1
                  apply(Op.SUB, virtual, previous))
    flat_lanes = ordered.shape[:-1] + (int(q.size) if q.ndim else 1,)

    def at(position):
        index = api.reshape(cast(apply(Op.MAXIMUM, position, 0), np.int64), flat_lanes)
        return api.reshape(sorting.take_along_axis(ordered, index, -1), kept + q.shape)

    if median:
        following = apply(Op.CEIL, virtual)
    lo, hi = at(previous), at(following)
    g = api.reshape(gamma, kept + q.shape)
    if weak_q:
        g = cast(g, t.dtype)
    step = apply(Op.SUB, hi, lo)
    low = apply(Op.ADD, lo, apply(Op.MUL, step, g))
    high = apply(Op.SUB, hi, apply(Op.MUL, step, apply(Op.SUB, 1, g)))
    result = apply(Op.WHERE, apply(Op.GE, g, 0.5), high, low)
    if median:  # NumPy's masked median: the mean of the middle one or two values
        result = apply(Op.TRUEDIV, apply(Op.ADD, lo, hi), 2)
    empty = api.broadcast_to(apply(Op.EQ, count, 0), kept + q.shape)
    result = apply(Op.WHERE, empty, _const(np.nan, result.dtype), result)
    if q.ndim:
        result = moveaxis(result, tuple(range(len(kept), result.ndim)),
                              tuple(range(q.ndim)))
    return sorting._keep(result, q.shape, t, axes, keepdims)


@implements(np.nanquantile)
def nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                keepdims=_NO, *, weights=None, interpolation=None):
    return _nanquantile("np.nanquantile", a, sorting._static_q(q, "np.nanquantile"),
                        type(q) in (int, float), axis, out, method, _keep(keepdims), weights,
                        interpolation)


@implements(np.nanpercentile)
def nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                  keepdims=_NO, *, weights=None, interpolation=None):
    weak = type(q) in (int, float)
    q = np.true_divide(sorting._static_q(q, "np.nanpercentile"), 100)
    return _nanquantile("np.nanpercentile", a, q, weak, axis, out, method, _keep(keepdims),
                        weights, interpolation)


@implements(np.nanmedian)
def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=_NO):
    t = _floating(a)
    if t is None:
        return sorting.median(a, axis, out, overwrite_input, _keep(keepdims))
    return _nanquantile("np.nanmedian", t, 0.5, True, axis, out, "linear", _keep(keepdims),
                        None, None, median=True)


for _fn in (nanquantile, nanpercentile, nanmedian):
    _fn.ops = sorting._SORTS

__all__ = ["nanmax", "nanmean", "nanmin", "nansum"]
