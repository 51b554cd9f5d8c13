"""The NumPy API on values whose length is known only at run time (dynamic.py), and the
NumPy functions whose result has such a length: `np.nonzero`, `np.flatnonzero`,
`np.argwhere`, `np.extract`, `np.compress`, `np.unique`, `np.where(condition)`.

Reductions over axis 0 mask the rows past the count (filled with the reduction's identity,
or with a valid element for max/min/argmax/argmin, which also raise NumPy's empty-reduction
errors when the program runs); sorts fill them with the largest value in sort order (NaN
for floats, the dtype's maximum for integers, True for bools), which a stable sort keeps
after every valid value, so the first `count` sorted elements are NumPy's. np.unique is
built from that sort, a flag per first occurrence and COMPRESS.
"""

from __future__ import annotations

import builtins
import math

import numpy as np

from autograph.ir.ops import Op
from autograph.staging import checks, context, numpy_api
from autograph.staging.dynamic import (DynamicArray, arange, compress, elementwise, gather,
                                       i64, refuse, rows, scalar_index, select)
from autograph.staging.numpy_api import implements, normalize_axes, normalize_axis
from autograph.staging.tensor import Tensor, apply, cast, lift

_I64 = np.dtype(np.int64)
_NO = numpy_api._NO
# np function -> implementation taking DynamicArray operands (NumPy's __array_function__).
FUNCTIONS: dict = {}


def on_dynamic(*functions):
    def register(impl):
        for f in functions:
            FUNCTIONS[f] = impl
        return impl
    return register


def _keep(keepdims) -> bool:
    return False if keepdims is _NO else builtins.bool(keepdims)


# ---- reductions ---------------------------------------------------------------------------

_FILL = {Op.SUM: 0, Op.PROD: 1, Op.ANY: False, Op.ALL: True}
_REDUCER = {Op.SUM: numpy_api.sum, Op.PROD: numpy_api.prod, Op.ANY: numpy_api.any,
            Op.ALL: numpy_api.all, Op.MAX: numpy_api.max, Op.MIN: numpy_api.min}
_NAMES = {Op.MAX: "maximum", Op.MIN: "minimum"}


def _first_row(d: DynamicArray) -> Tensor:
    return numpy_api.broadcast_to(d.buffer[0:1], d.buffer.shape)


def _extreme(op: Op, dtype: np.dtype):
    """The fill a max (min) never picks over a valid element: -inf (+inf), the integer
    dtype's least (largest) value, False (True); None for complex values."""
    low = op is Op.MAX
    if dtype.kind == "f":
        return np.asarray(-np.inf if low else np.inf, dtype)[()]
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return np.asarray(info.min if low else info.max, dtype)[()]
    if dtype.kind == "b":
        return np.bool_(not low)
    return None


def _nonempty(d: DynamicArray, message: str) -> None:
    checks.check(apply(Op.GT, d.count, 0), "ValueError", message)


def reduce(op: Op, d: DynamicArray, axis=None, dtype=None, out=None, keepdims=_NO,
           initial=_NO, where=_NO):
    name = f"np.{op.printed_name}"
    numpy_api._no_out(out, name)
    numpy_api._defaults(name, initial=initial, where=where)
    axes = normalize_axes(axis, d.ndim)
    kwargs = {"axis": axes, "keepdims": _keep(keepdims)}
    if dtype is not None:
        kwargs["dtype"] = dtype
    if 0 not in axes:
        return d.map(lambda rows: _REDUCER[op](rows, **kwargs))
    if op in _FILL:
        filled = d.reducible(np.zeros((), d.dtype)[()] if op is Op.SUM
                             else np.asarray(_FILL[op]).astype(d.dtype)[()])
    else:
        if d.capacity == 0 or math.prod(d.shape[1:]) == 0:
            raise ValueError(f"zero-size array to reduction operation {_NAMES[op]} which "
                             f"has no identity")
        _nonempty(d, f"zero-size array to reduction operation {_NAMES[op]} which has no "
                     f"identity")
        fill = _extreme(op, d.dtype)
        filled = d.filled(_first_row(d)) if fill is None else d.reducible(fill)
    return _REDUCER[op](filled, **kwargs)


def mean(d: DynamicArray, axis=None, dtype=None, out=None, keepdims=_NO, *, where=_NO):
    numpy_api._no_out(out, "np.mean")
    numpy_api._defaults("np.mean", where=where)
    axes = normalize_axes(axis, d.ndim)
    if 0 not in axes:
        return d.map(lambda rows: numpy_api.mean(rows, axis=axes, dtype=dtype,
                                                 keepdims=keepdims))
    acc = np.dtype(dtype) if dtype is not None else (
        d.dtype if d.dtype.kind in "fc" else np.dtype(np.float64))
    total = numpy_api.sum(d.reducible(np.zeros((), d.dtype)[()]), axis=axes, dtype=acc,
                          keepdims=_keep(keepdims))
    others = math.prod(d.shape[a] for a in axes if a != 0)
    return total / cast(d.count * others, acc)


def var(d: DynamicArray, axis=None, dtype=None, out=None, ddof=0, keepdims=_NO, *,
        where=_NO, mean_=_NO, correction=_NO, std=False):
    numpy_api._no_out(out, "np.var")
    numpy_api._defaults("np.var", where=where, correction=correction)
    if d.dtype.kind == "c":
        raise refuse("np.var of complex values")
    axes = normalize_axes(axis, d.ndim)
    if 0 not in axes:
        fn = numpy_api.std if std else numpy_api.var
        return d.map(lambda rows: fn(rows, axis=axes, dtype=dtype, ddof=ddof,
                                     keepdims=keepdims))
    m = mean(d, axes, dtype, keepdims=True)
    centred = numpy_api.where(d.rows_mask(), d.rows_data - m, 0)
    total = numpy_api.sum(centred * centred, axis=axes, keepdims=_keep(keepdims))
    others = math.prod(d.shape[a] for a in axes if a != 0)
    n = apply(Op.MAXIMUM, d.count * others - numpy_api.static_int(ddof, "ddof"), 0)
    result = total / cast(n, total.dtype if total.dtype.kind == "f" else np.float64)
    return apply(Op.SQRT, result) if std else result


def arg_reduce(op: Op, d: DynamicArray, axis=None, out=None, *, keepdims=_NO):
    name = "argmax" if op is Op.ARGMAX else "argmin"
    numpy_api._no_out(out, f"np.{name}")
    fn = numpy_api.argmax if op is Op.ARGMAX else numpy_api.argmin
    if axis is not None and normalize_axis(axis, d.ndim) != 0:
        return d.map(lambda rows: fn(rows, axis=axis, keepdims=keepdims))
    if d.capacity == 0:
        raise ValueError(f"attempt to get {name} of an empty sequence")
    _nonempty(d, f"attempt to get {name} of an empty sequence")
    if axis is None:
        flat = numpy_api.reshape(d.buffer, (-1,))
        valid = apply(Op.LT, arange(flat.shape[0]), d.count * math.prod(d.buffer.shape[1:]))
        return fn(numpy_api.where(valid, flat, flat[0]), keepdims=keepdims)
    return fn(d.filled(_first_row(d)), axis=0, keepdims=keepdims)


def count_nonzero(d: DynamicArray, axis=None, *, keepdims=False):
    nonzero = d.map(lambda rows: rows if rows.dtype == np.bool_ else apply(Op.NE, rows, 0))
    return reduce(Op.SUM, nonzero, axis, np.intp, keepdims=keepdims)


for _op, _fns in {Op.SUM: (np.sum,), Op.PROD: (np.prod,), Op.ANY: (np.any,),
                  Op.ALL: (np.all,), Op.MAX: (np.max, np.amax),
                  Op.MIN: (np.min, np.amin)}.items():
    on_dynamic(*_fns)(lambda d, *a, _op=_op, **k: reduce(_op, d, *a, **k))
on_dynamic(np.argmax)(lambda d, *a, **k: arg_reduce(Op.ARGMAX, d, *a, **k))
on_dynamic(np.argmin)(lambda d, *a, **k: arg_reduce(Op.ARGMIN, d, *a, **k))
on_dynamic(np.mean)(mean)
on_dynamic(np.var)(var)
on_dynamic(np.std)(lambda d, *a, **k: var(d, *a, std=True, **k))
on_dynamic(np.count_nonzero)(count_nonzero)


# ---- shapes, sorts, scans ---------------------------------------------------------------

def ravel(d: DynamicArray, order="C") -> DynamicArray:
    if order not in ("C", "A", "K"):
        raise refuse(f"np.ravel(..., order={order!r})")
    if d.ndim == 1:
        return d
    per_row = math.prod(d.shape[1:])
    if d.is_masked:  # each row's mask element, repeated over the row
        mask = numpy_api.broadcast_to(d.rows_mask(), d.source.shape)
        return DynamicArray.masked(numpy_api.reshape(d.source, (-1,)),
                                   numpy_api.reshape(mask, (-1,)), d.what, d.count * per_row)
    return DynamicArray(numpy_api.reshape(d.buffer, (-1,)), d.count * per_row, d.what)


def largest(dtype: np.dtype):
    """The value a sort puts after every other one (NaN sorts last in NumPy)."""
    if dtype.kind == "f":
        return np.asarray(np.nan, dtype)[()]
    if dtype.kind in "iu":
        return np.iinfo(dtype).max
    if dtype.kind == "b":
        return np.True_
    raise refuse("sorting complex values")


def _padded(d: DynamicArray) -> Tensor:
    """The rows, invalid ones replaced by the largest value: a sort puts the valid rows
    first, in order, whether d is masked (no compaction needed) or not."""
    return d.reducible(np.asarray(largest(d.dtype), d.dtype)[()])


def sort(d: DynamicArray, axis=-1, kind=None, order=None, *, stable=None):
    if order is not None:
        raise refuse("np.sort(..., order=...)")
    if axis is None:
        d, axis = ravel(d), 0
    axis = normalize_axis(axis, d.ndim)
    if axis != 0:
        return d.map(lambda rows: numpy_api.FUNCTIONS[np.sort](rows, axis=axis))
    return DynamicArray(apply(Op.SORT, _padded(d), axis=0), d.count, d.what)


def argsort(d: DynamicArray, axis=-1, kind=None, order=None, *, stable=None):
    if order is not None or axis is None:
        raise refuse("np.argsort(..., axis=None / order=...)")
    axis = normalize_axis(axis, d.ndim)
    if axis != 0:
        return d.same(numpy_api.FUNCTIONS[np.argsort](d.buffer, axis=axis))
    return d.same(apply(Op.ARGSORT, d.filled(np.asarray(largest(d.dtype), d.dtype)[()]),
                        axis=0))


def scan(fn, d: DynamicArray, axis=None, dtype=None, out=None):
    if axis is None:
        d, axis = ravel(d), 0
    return d.same(fn(d.buffer, axis=axis, dtype=dtype, out=out))


on_dynamic(np.ravel)(ravel)
on_dynamic(np.sort)(sort)
on_dynamic(np.argsort)(argsort)
on_dynamic(np.cumsum)(lambda d, *a, **k: scan(numpy_api.FUNCTIONS[np.cumsum], d, *a, **k))
on_dynamic(np.cumprod)(lambda d, *a, **k: scan(numpy_api.FUNCTIONS[np.cumprod], d, *a, **k))
on_dynamic(np.copy)(lambda d, *a, **k: d.map(numpy_api.copy))
on_dynamic(np.shape)(lambda d: d.shape)
on_dynamic(np.ndim)(lambda d: d.ndim)
on_dynamic(np.size)(lambda d, axis=None: d.size if axis is None else d.shape[axis])
on_dynamic(np.astype)(lambda d, dtype, **k: d.map(lambda r: numpy_api.astype(r, dtype)))


def _dot(a, b, out=None):
    if isinstance(a, DynamicArray) and isinstance(b, DynamicArray) and a.ndim == b.ndim == 1:
        return reduce(Op.SUM, elementwise("np.dot", lambda x, y: x * y, [a, b]))
    raise refuse("np.dot", "only two 1-d values are staged")


on_dynamic(np.dot, np.vdot, np.inner)(_dot)


# ---- functions whose result has a run-time length ------------------------------------------

def _flat(a, name: str, positions: bool = False):
    """(1-d rows, valid mask or None, count) of `a` flattened: a tensor or dynamic value.
    With `positions`, a dynamic value is compacted first (a result that holds positions
    must count them in the compacted order)."""
    if isinstance(a, DynamicArray):
        d = ravel(a)
        if positions:
            return d.buffer, d.valid(), d.count
        return d.rows_data, d.rows_mask(), d.count
    t = lift(a)
    return numpy_api.reshape(t, (-1,)), None, t.size


def _truthy(t: Tensor) -> Tensor:
    return t if t.dtype == np.bool_ else apply(Op.NE, t, 0)


def _and_valid(mask: Tensor, valid) -> Tensor:
    return mask if valid is None else apply(Op.LOGICAL_AND, mask, valid)


def flatnonzero(a) -> DynamicArray:
    flat, valid, _ = _flat(a, "np.flatnonzero", positions=True)
    return compress(arange(flat.shape[0]), _and_valid(_truthy(flat), valid),
                    "np.flatnonzero(...)")


def nonzero(a) -> tuple:
    if isinstance(a, DynamicArray):
        if a.ndim != 1:
            raise refuse("np.nonzero of more than one dimension")
        return (flatnonzero(a),)
    t = lift(a)
    if t.ndim == 0:
        raise ValueError("Calling nonzero on 0d arrays is not allowed. Use "
                         "np.atleast_1d(scalar).nonzero() instead. If the context of this "
                         "error is of the form `arr[nonzero(cond)]`, just use `arr[cond]`.")
    flat = flatnonzero(t)
    flat.what = "np.nonzero(...)"
    coords, stride = [], t.size
    for n in t.shape:
        stride //= builtins.max(n, 1)
        along = apply(Op.FLOORDIV, flat.buffer, builtins.max(stride, 1))
        coords.append(flat.same(apply(Op.MOD, along, builtins.max(n, 1))))
    return tuple(coords)


def argwhere(a) -> DynamicArray:
    coords = nonzero(a)
    if lift(coords[0].buffer).ndim != 1:
        raise refuse("np.argwhere")
    stacked = numpy_api.stack([c.buffer for c in coords], axis=1)
    return DynamicArray(stacked, coords[0].count, "np.argwhere(...)")


def extract(condition, arr) -> DynamicArray:
    if isinstance(condition, DynamicArray) or isinstance(arr, DynamicArray):
        # one form and length for both (elementwise refuses a static operand that would
        # have to match the run-time length)
        condition, arr = elementwise("np.extract", lambda c, x: (c, x), [condition, arr])
    flat, valid, _ = _flat(arr, "np.extract")
    cond, _, _ = _flat(condition, "np.extract")
    if cond.shape != flat.shape:
        raise refuse("np.extract with a condition and an array of different sizes")
    return compress(flat, _and_valid(_truthy(cond), valid), "np.extract(...)")


def compress_(condition, a, axis=None, out=None):
    numpy_api._no_out(out, "np.compress")
    if isinstance(condition, DynamicArray) or isinstance(a, DynamicArray):
        raise refuse("np.compress", "use x[mask] with masks of a static shape")
    cond = _truthy(lift(condition))
    if cond.ndim != 1:
        raise ValueError("condition must be a 1-d array")
    t = lift(a)
    if axis is None:
        t, axis = numpy_api.reshape(t, (-1,)), 0
    if normalize_axis(axis, t.ndim) != 0:
        raise refuse("np.compress along an axis other than the first",
                     "move that axis first with np.moveaxis, or use np.where")
    n, m = t.shape[0], cond.shape[0]
    if m > n:
        checks.check(apply(Op.LOGICAL_NOT, numpy_api.any(cond[n:])), "IndexError",
                     f"np.compress: condition selects an index out of bounds for axis 0 with "
                     f"size {n}")
        cond = cond[:n]
    elif m < n:
        cond = numpy_api.concatenate([cond, numpy_api.full_of((n - m,), False, np.bool_)])
    return compress(t, cond, "np.compress(...)")


def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None,
           *, equal_nan=True, sorted=True):
    if axis is not None:
        raise refuse("np.unique(..., axis=...)")
    shape = None if isinstance(ar, DynamicArray) else lift(ar).shape
    flat, valid, count = _flat(ar, "np.unique", positions=return_index or return_inverse)
    if flat.dtype.kind == "c":
        raise refuse("np.unique of complex values")
    cap = flat.shape[0]
    padded = flat if valid is None else numpy_api.where(
        valid, flat, np.asarray(largest(flat.dtype), flat.dtype)[()])
    if return_index or return_inverse:
        order = apply(Op.ARGSORT, padded, axis=0)
        s = padded[order]
    else:  # values only: a plain sort, cheaper than a stable argsort and a gather
        order, s = None, apply(Op.SORT, padded, axis=0)
    positions = arange(cap)
    if cap == 0:
        first = numpy_api.full_of((0,), False, np.bool_)
    else:
        prev = numpy_api.concatenate([s[:1], s[:-1]])
        new = apply(Op.NE, s, prev)
        if equal_nan and s.dtype.kind == "f":
            both = apply(Op.LOGICAL_AND, apply(Op.ISNAN, s), apply(Op.ISNAN, prev))
            new = apply(Op.LOGICAL_AND, new, apply(Op.LOGICAL_NOT, both))
        first = apply(Op.LOGICAL_OR, apply(Op.EQ, positions, 0), new)
        if valid is not None:
            first = apply(Op.LOGICAL_AND, first, apply(Op.LT, positions, count))
    values = compress(s, first, "np.unique(...)")
    results = [values]
    if return_index:
        results.append(compress(order, first, "np.unique(...)"))
    if return_inverse:
        ids = numpy_api.FUNCTIONS[np.cumsum](cast(first, _I64)) - 1
        inverse = numpy_api.full_of((cap,), 0, _I64)
        if cap:
            inverse[order] = ids
        if shape is not None:
            results.append(numpy_api.reshape(inverse, shape))
        else:
            results.append(DynamicArray(inverse, count, "np.unique(...)"))
    if return_counts:
        starts = compress(positions, first, "np.unique(...)")
        if cap:
            following = numpy_api.concatenate([starts.buffer[1:], starts.buffer[:1]])
            ends = numpy_api.where(apply(Op.LT, positions + 1, starts.count), following, count)
            results.append(starts.same(i64(ends) - starts.buffer))
        else:
            results.append(starts)
    return results[0] if len(results) == 1 else tuple(results)


def _where(condition, x=None, y=None):
    if x is None and y is None:
        return nonzero(condition)
    operands = [condition, x, y]
    if any(isinstance(o, DynamicArray) for o in operands):
        return elementwise("np.where", _STATIC_WHERE, operands)
    return _STATIC_WHERE(condition, x, y)


def _compress_method(self, condition, axis=None, out=None):
    return compress_(condition, self, axis, out)


_STATIC_WHERE = numpy_api.FUNCTIONS[np.where]
for _f, _impl in {np.nonzero: nonzero, np.flatnonzero: flatnonzero, np.argwhere: argwhere,
                  np.extract: extract, np.compress: compress_, np.unique: unique,
                  np.where: _where}.items():
    implements(_f)(_impl)
    on_dynamic(_f)(_impl)
for _impl in (nonzero, flatnonzero, argwhere, extract, compress_, _compress_method):
    _impl.ops = frozenset({Op.COMPRESS})  # docs/numpy_api.md: "no" where COMPRESS is missing
unique.ops = frozenset({Op.COMPRESS, Op.SORT, Op.ARGSORT})
numpy_api.method("nonzero")(nonzero)
numpy_api.method("compress")(_compress_method)


def _elementwise_function(func):
    impl = numpy_api.FUNCTIONS[func]
    name = f"np.{func.__name__}"
    return lambda *args, **kwargs: elementwise(name, lambda *a: impl(*a, **kwargs), list(args))


for _f in (np.clip, np.round, np.around):
    on_dynamic(_f)(_elementwise_function(_f))


__all__ = ["FUNCTIONS", "argwhere", "flatnonzero", "nonzero", "reduce", "unique"]
