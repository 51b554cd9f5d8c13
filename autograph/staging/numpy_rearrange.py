"""NumPy's functions that rearrange elements, composed from indexing, reshape and concatenate.

Why a module of its own: these are composites (no op of their own) whose shapes are all
known at trace time, so each reduces to a *static gather*: `np.roll`, `np.flip`,
`np.tile`, `np.repeat` and `np.diagonal` index the array with a constant integer array
that NumPy itself computes from `np.arange` (`np.roll(np.arange(n), shift)` is the
gather of a roll), which every backend already runs as advanced indexing. `np.array`
of nested lists of traced values is a stack; `np.linspace` with traced bounds is
NumPy's own formula over an ARANGE.
"""

from __future__ import annotations

import builtins

import numpy as np

from autograph.ir.ops import Op
from autograph.staging import creation, numpy_api as api
from autograph.staging.numpy_api import (_NO, implements, method, normalize_axes, normalize_axis,
                                         static_int)
from autograph.staging.tensor import Tensor, apply, cast, lift


def take(t: Tensor, positions, axis: int) -> Tensor:
    """`t` gathered at the static integer `positions` along `axis` (a fresh array)."""
    positions = np.asarray(positions, dtype=np.int64)
    if positions.shape == (t.shape[axis],) and np.array_equal(positions, np.arange(t.shape[axis])):
        return Tensor(t.value, t._sources)
    return t[(slice(None),) * axis + (positions,)]


def _ravel(t: Tensor) -> Tensor:
    return api.reshape(t, (-1,))


@implements(np.roll)
def roll(a, shift, axis=None):
    t = lift(a)
    if axis is None:
        return api.reshape(roll(_ravel(t), shift, 0), t.shape)
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    shifts = shift if isinstance(shift, (tuple, list)) else (shift,)
    pairs = np.broadcast(np.asarray(shifts), np.asarray(axes))
    total = {}
    for s, ax in pairs:
        ax = normalize_axis(int(ax), t.ndim)
        total[ax] = total.get(ax, 0) + static_int(s, "np.roll shift")
    for ax, s in total.items():
        # two slices and a concatenation (two copies, as NumPy's own roll), not a gather
        # through an index array: 2.1x NumPy's time at 10^6 elements as a gather
        n = t.shape[ax]
        s = s % n if n else 0
        head = (slice(None),) * ax
        t = (api.concatenate([t[head + (slice(n - s, None),)], t[head + (slice(0, n - s),)]],
                             axis=ax) if s else take(t, np.arange(n), ax))
    return t


@implements(np.flip)
def flip(m, axis=None):
    t = lift(m)
    axes = normalize_axes(axis, t.ndim)
    if not axes:
        return t
    key = tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(t.ndim))
    return t[key]


@implements(np.fliplr)
def fliplr(m):
    t = lift(m)
    if t.ndim < 2:
        raise ValueError("Input must be >= 2-d.")
    return flip(t, 1)


@implements(np.flipud)
def flipud(m):
    t = lift(m)
    if t.ndim < 1:
        raise ValueError("Input must be >= 1-d.")
    return flip(t, 0)


def _edge(value, t: Tensor, axis: int) -> Tensor:
    v = lift(value)
    if v.ndim == 0:
        shape = t.shape[:axis] + (1,) + t.shape[axis + 1:]
        v = api.broadcast_to(v, shape)
    return v


@implements(np.diff)
def diff(a, n=1, axis=-1, prepend=_NO, append=_NO):
    t = lift(a)
    n = static_int(n, "np.diff n")
    if n == 0:
        return t
    if n < 0:
        raise ValueError("order must be non-negative but got " + repr(n))
    if t.ndim == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    axis = normalize_axis(axis, t.ndim)
    parts = []
    if prepend is not _NO:
        parts.append(_edge(prepend, t, axis))
    parts.append(t)
    if append is not _NO:
        parts.append(_edge(append, t, axis))
    if len(parts) > 1:
        t = api.concatenate(parts, axis=axis)
    op = Op.NE if t.dtype == np.bool_ else Op.SUB
    head = (slice(None),) * axis
    for _ in range(n):
        t = apply(op, t[head + (slice(1, None),)], t[head + (slice(None, -1),)])
    return t


@implements(np.tile)
def tile(A, reps):
    t = lift(A)
    tup = tuple(static_int(r, "np.tile reps") for r in
                (reps if isinstance(reps, (tuple, list)) else (reps,)))
    d = len(tup)
    if t.ndim < d:
        t = api.reshape(t, (1,) * (d - t.ndim) + t.shape)
    tup = (1,) * (t.ndim - d) + tup
    for ax, r in enumerate(tup):
        if r != 1:
            t = take(t, np.tile(np.arange(t.shape[ax]), r), ax)
    return Tensor(t.value, t._sources) if all(r == 1 for r in tup) else t


@implements(np.repeat)
def repeat(a, repeats, axis=None):
    t = lift(a)
    if isinstance(repeats, Tensor):
        raise api.unsupported("np.repeat with traced repeats",
                              "the result's shape would depend on the data")
    counts = np.asarray(repeats)
    if counts.dtype.kind not in "iub":
        raise TypeError("Cannot cast array data from dtype('float64') to dtype('int64') "
                        "according to the rule 'safe'")
    if axis is None:
        t, axis = _ravel(t), 0
    axis = normalize_axis(axis, t.ndim)
    return take(t, np.repeat(np.arange(t.shape[axis]), counts), axis)


def _atleast(arys, ndim):
    out = []
    for a in arys:
        t = lift(a)
        if t.ndim < ndim:
            if ndim == 3 and t.ndim == 2:
                t = api.reshape(t, t.shape + (1,))
            elif ndim == 3 and t.ndim == 1:
                t = api.reshape(t, (1,) + t.shape + (1,))
            else:
                t = api.reshape(t, (1,) * (ndim - t.ndim) + t.shape)
        out.append(t)
    return out[0] if len(out) == 1 else tuple(out)


@implements(np.atleast_1d)
def atleast_1d(*arys):
    return _atleast(arys, 1)


@implements(np.atleast_2d)
def atleast_2d(*arys):
    return _atleast(arys, 2)


@implements(np.atleast_3d)
def atleast_3d(*arys):
    return _atleast(arys, 3)


@implements(np.column_stack)
def column_stack(tup):
    arrays = []
    for a in api._sequence(tup, "np.column_stack"):
        if a.ndim < 2:
            a = api.reshape(a, (-1, 1))
        arrays.append(a)
    return api.concatenate(arrays, axis=1)


@implements(np.dstack)
def dstack(tup):
    arrays = [atleast_3d(a) for a in api._sequence(tup, "np.dstack")]
    return api.concatenate(arrays, axis=2)


@implements(np.moveaxis)
def moveaxis(a, source, destination):
    t = lift(a)
    src = [normalize_axis(s, t.ndim) for s in (source if isinstance(source, (tuple, list))
                                                else (source,))]
    dst = [normalize_axis(s, t.ndim) for s in (destination if isinstance(destination, (tuple, list))
                                                else (destination,))]
    if len(src) != len(dst):
        raise ValueError("`source` and `destination` arguments must have the same number "
                         "of elements")
    order = [n for n in range(t.ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return api.transpose(t, order)


@implements(np.diagonal)
def diagonal(a, offset=0, axis1=0, axis2=1):
    t = lift(a)
    if t.ndim < 2:
        raise ValueError("diag requires an array of at least two dimensions")
    offset = static_int(offset, "np.diagonal offset")
    i, j = normalize_axis(axis1, t.ndim), normalize_axis(axis2, t.ndim)
    if i == j:
        raise ValueError("axis1 and axis2 cannot be the same")
    rest = [d for d in range(t.ndim) if d not in (i, j)]
    moved = api.transpose(t, rest + [i, j])
    n, m = t.shape[i], t.shape[j]
    rows = np.arange(builtins.max(0, -offset), builtins.min(n, m - offset))
    rows = rows[rows >= 0]
    if rows.size == 0:
        return api.full_of(tuple(t.shape[d] for d in rest) + (0,), 0, t.dtype)
    return moved[(Ellipsis, rows, rows + offset)]


@implements(np.diag)
def diag(v, k=0):
    t = lift(v)
    k = static_int(k, "np.diag k")
    if t.ndim == 2:
        return diagonal(t, k)
    if t.ndim != 1:
        raise ValueError("Input must be 1- or 2-d.")
    n = t.shape[0] + abs(k)
    pad = api.full_of((abs(k),), 0, t.dtype)
    column = api.concatenate([t, pad] if k >= 0 else [pad, t]) if k else t
    mask = np.eye(n, n, k, dtype=bool)
    spread = api.broadcast_to(api.reshape(column, (n, 1)), (n, n))
    return apply(Op.WHERE, mask, spread, api.full_of((), 0, t.dtype))


@implements(np.tril)
def tril(m, k=0):
    t = lift(m)
    mask = np.tri(*t.shape[-2:], k=static_int(k, "np.tril k"), dtype=bool)
    return apply(Op.WHERE, mask, t, api.full_of((1,), 0, t.dtype))


@implements(np.triu)
def triu(m, k=0):
    t = lift(m)
    mask = np.tri(*t.shape[-2:], k=static_int(k, "np.triu k") - 1, dtype=bool)
    return apply(Op.WHERE, mask, api.full_of((1,), 0, t.dtype), t)


@implements(np.trace)
def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    api._no_out(out, "np.trace")
    return api.sum(diagonal(a, offset, axis1, axis2), axis=-1, dtype=dtype)


for _function in (trace, diagonal, repeat):
    method(_function.__name__)(_function)


# ---- np.array of traced values, np.linspace with traced bounds ---------------------------

_DEFAULT = {bool: np.dtype(np.bool_), int: np.dtype(np.int64), float: np.dtype(np.float64),
            complex: np.dtype(np.complex128)}


def holds_tensor(value) -> bool:
    if isinstance(value, Tensor):
        return True
    return isinstance(value, (list, tuple)) and builtins.any(holds_tensor(v) for v in value)


def _leaves(value, out: list) -> None:
    if isinstance(value, (list, tuple)):
        for v in value:
            _leaves(v, out)
    else:
        out.append(value)


def _leaf_dtype(value):
    if isinstance(value, Tensor):
        return _DEFAULT[type(value.dtype.type(0).item())] if value.weak else value.dtype
    if isinstance(value, (bool, int, float, complex)):
        return _DEFAULT[type(value)]
    return np.asarray(value).dtype


def _build(value, dtype) -> Tensor:
    if isinstance(value, (list, tuple)):
        parts = [_build(v, dtype) for v in value]
        if not parts:
            raise api.unsupported("an empty list inside np.array of traced values")
        if len({p.shape for p in parts}) != 1:
            raise ValueError("setting an array element with a sequence. The requested "
                             "array has an inhomogeneous shape")
        return api.stack(parts)
    t = lift(value)
    return t if t.dtype == dtype and not t.weak else cast(t, dtype)


def array(obj, dtype=None, *, copy=True, order="K", subok=False, ndmin=0, like=None):
    """np.array / np.asarray of a tensor, or of nested lists holding tensors: a stack."""
    if order not in ("K", "A", "C", None) or like is not None:
        raise api.unsupported(f"np.array(..., order={order!r})")
    leaves: list = []
    _leaves(obj, leaves)
    dt = np.dtype(dtype) if dtype is not None else np.result_type(*map(_leaf_dtype, leaves))
    result = _build(obj, dt)
    if isinstance(obj, Tensor) and result is obj and copy:
        result = Tensor(result.value, result._sources)
    ndmin = static_int(ndmin, "ndmin")
    if result.ndim < ndmin:
        result = api.reshape(result, (1,) * (ndmin - result.ndim) + result.shape)
    return result


def asarray(a, dtype=None, order=None, *, device=None, copy=None, like=None):
    return array(a, dtype, copy=bool(copy), order=order or "K", like=like)


@implements(np.linspace)
def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *,
             device=None):
    """NumPy's formula: arange(num) * step + start, the last element set to stop."""
    num = static_int(num, "np.linspace num")
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    lo, hi = lift(start), lift(stop)
    dt = np.result_type(lo.dtype if not lo.weak else _leaf_dtype(lo),
                        hi.dtype if not hi.weak else _leaf_dtype(hi), 1.0)
    lo, hi = cast(lo, dt), cast(hi, dt)
    div = (num - 1) if endpoint else num
    delta = apply(Op.SUB, hi, lo)
    shape = np.broadcast_shapes(lo.shape, hi.shape)
    y = api.reshape(apply(Op.ARANGE, start=0, stop=num, step=1, dtype=dt),
                    (-1,) + (1,) * len(shape))
    if div > 0:
        step = apply(Op.TRUEDIV, delta, div)
        scaled = apply(Op.WHERE, apply(Op.EQ, step, 0),
                       apply(Op.MUL, apply(Op.TRUEDIV, y, div), delta), apply(Op.MUL, y, step))
    else:
        step = api.full_of(shape, np.nan, dt) if shape else api.full_of((), np.nan, dt)
        scaled = apply(Op.MUL, y, delta)
    y = apply(Op.ADD, scaled, lo)
    if endpoint and num > 1:
        y = api.concatenate([y[:-1], api.reshape(api.broadcast_to(hi, shape), (1,) + shape)])
    if axis != 0:
        y = moveaxis(y, 0, axis)
    if dtype is not None:
        want = np.dtype(dtype)
        if want.kind in "iu":
            y = apply(Op.FLOOR, y)
        y = cast(y, want)
    return (y, step) if retstep else y


__all__ = ["array", "asarray", "holds_tensor", "take"]


# ---- routed calls: NumPy would not dispatch these to a Tensor -----------------------------


def _array_call(obj, *args, **kwargs):
    return array(obj, *args, **kwargs) if holds_tensor(obj) else None


def _asarray_call(a, *args, **kwargs):
    return asarray(a, *args, **kwargs) if holds_tensor(a) else None


def _full_call(shape, fill_value, *args, **kwargs):
    return api.full(shape, fill_value, *args, **kwargs) if holds_tensor(fill_value) else None


def _full_like_call(a, fill_value, *args, **kwargs):
    if holds_tensor(fill_value) and not holds_tensor(a):
        return api.full_like(a, fill_value, *args, **kwargs)
    return None


for _fn, _impl in ((np.array, _array_call), (np.asarray, _asarray_call),
                   (np.asanyarray, _asarray_call), (np.full, _full_call),
                   (np.full_like, _full_like_call)):
    creation.register(_fn, _impl)
