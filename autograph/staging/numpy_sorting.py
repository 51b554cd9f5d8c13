"""NumPy's sorting, selecting and order-statistic functions, over the SORT/ARGSORT primitives.

Why a module of its own: `np.sort` and `np.argsort` are primitives (SORT, ARGSORT along
one axis; ARGSORT is stable), and everything else here is a composite of them and of
indexing: `np.partition` is a full sort (a sorted array is one valid partition: NumPy
promises only the k-th element and which side each other element is on), `np.median`,
`np.quantile` and `np.percentile` read the sorted array at positions NumPy's own code
computes, here at trace time because `q` and the shapes are static (NumPy's
`_quantile`, method='linear', transcribed: the same virtual indexes, the same lerp with
its two formulas, NaN slices set to NaN). `np.searchsorted` counts comparisons, an
O(len(a) * len(v)) composite that is exact but meant for small sorted arrays.

Functions that use SORT/ARGSORT carry `.ops` so the API table marks them "no" on cuda.
"""

from __future__ import annotations

import builtins

import numpy as np

from autograph.ir.ops import Op
from autograph.staging import numpy_api as api
from autograph.staging.numpy_rearrange import moveaxis
from autograph.staging.numpy_api import _NO, implements, method, normalize_axes, normalize_axis
from autograph.staging.tensor import Tensor, apply, cast, lift

_KINDS = (None, "quicksort", "mergesort", "heapsort", "stable")
_SORTS = frozenset({Op.SORT, Op.ARGSORT})


def _uses_sort(fn):
    fn.ops = _SORTS  # for the API table's backend columns
    return fn


def _check_kind(name, kind, order, stable=None):
    if order is not None:
        raise api.unsupported(f"{name}(..., order=...)", "structured arrays are not staged")
    if kind not in _KINDS:
        raise ValueError(f"{name}: sort kind must be one of 'quick', 'heap', or 'stable' "
                         f"(got {kind!r})")


def _sortable(t: Tensor, name: str) -> Tensor:
    if t.dtype.kind == "c":
        raise api.unsupported(f"{name} of complex values")
    return cast(t, t.dtype) if t.weak else t


def _along(t: Tensor, axis):
    """(t, axis): raveled for axis=None, the axis normalised."""
    if axis is None:
        return api.reshape(t, (-1,)), 0
    if t.ndim == 0:
        raise np.exceptions.AxisError(axis, 0)
    return t, normalize_axis(axis, t.ndim)


@implements(np.sort)
@_uses_sort
def sort(a, axis=-1, kind=None, order=None, *, stable=None):
    _check_kind("np.sort", kind, order, stable)
    t, axis = _along(_sortable(lift(a), "np.sort"), axis)
    return apply(Op.SORT, t, axis=axis)


@implements(np.argsort)
@_uses_sort
def argsort(a, axis=-1, kind=None, order=None, *, stable=None):
    """Always stable (kind='stable'): for the other kinds NumPy leaves ties unordered."""
    _check_kind("np.argsort", kind, order, stable)
    t, axis = _along(_sortable(lift(a), "np.argsort"), axis)
    return apply(Op.ARGSORT, t, axis=axis)


@method("sort")
def _sort_method(self, axis=-1, kind=None, order=None, *, stable=None):
    raise api.unsupported("ndarray.sort (it sorts in place)", "write `x = np.sort(x)`")


@method("partition")
def _partition_method(self, kth, axis=-1, kind="introselect", order=None):
    raise api.unsupported("ndarray.partition (it partitions in place)",
                          "write `x = np.partition(x, kth)`")


_sort_method.refusal = _partition_method.refusal = True  # not listed as supported


def _kth(kth, n: int):
    for k in np.atleast_1d(np.asarray(kth)):
        if not -n <= int(k) < n:
            raise ValueError(f"kth(={int(k)}) out of bounds ({n})")


@implements(np.partition)
@_uses_sort
def partition(a, kth, axis=-1, kind="introselect", order=None):
    """A full sort: the k-th element is in place, smaller ones before, larger after."""
    _check_kind("np.partition", None, order)
    t, axis = _along(_sortable(lift(a), "np.partition"), axis)
    _kth(kth, t.shape[axis])
    return apply(Op.SORT, t, axis=axis)


@implements(np.argpartition)
@_uses_sort
def argpartition(a, kth, axis=-1, kind="introselect", order=None):
    _check_kind("np.argpartition", None, order)
    t, axis = _along(_sortable(lift(a), "np.argpartition"), axis)
    _kth(kth, t.shape[axis])
    return apply(Op.ARGSORT, t, axis=axis)


@method("argsort")
def _argsort_method(self, axis=-1, kind=None, order=None, *, stable=None):
    return argsort(self, axis, kind, order, stable=stable)


@method("argpartition")
def _argpartition_method(self, kth, axis=-1, kind="introselect", order=None):
    return argpartition(self, kth, axis, kind, order)


_argsort_method.ops = _argpartition_method.ops = _SORTS


# ---- gathers -------------------------------------------------------------------------------


def _grid(shape, axis, indices):
    """The advanced index that reads `indices` along `axis` and every other axis in place."""
    key = []
    for d, n in enumerate(shape):
        if d == axis:
            key.append(indices)
        else:
            key.append(np.arange(n).reshape([-1 if e == d else 1 for e in range(len(shape))]))
    return tuple(key)


@implements(np.take_along_axis)
def take_along_axis(arr, indices, axis=-1):
    t, idx = lift(arr), indices
    if axis is None:
        t, axis = api.reshape(t, (-1,)), 0
        if np.ndim(idx) != 1:
            raise ValueError("when axis=None, `indices` must have a single dimension.")
    axis = normalize_axis(axis, t.ndim)
    if np.ndim(idx) != t.ndim:
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    shape = np.broadcast_shapes(tuple(1 if d == axis else n for d, n in enumerate(t.shape)),
                                tuple(1 if d == axis else n for d, n in enumerate(np.shape(idx))))
    shape = tuple(np.shape(idx)[d] if d == axis else shape[d] for d in range(t.ndim))
    if isinstance(idx, Tensor):
        idx = api.broadcast_to(idx, shape) if idx.shape != shape else idx
    else:
        idx = np.broadcast_to(np.asarray(idx), shape)
    return t[_grid(t.shape, axis, idx)]


@implements(np.take)
def take(a, indices, axis=None, out=None, mode="raise"):
    api._no_out(out, "np.take")
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"clipmode not understood: {mode!r}")
    t = lift(a)
    if axis is None:
        t, axis = api.reshape(t, (-1,)), 0
    axis = normalize_axis(axis, t.ndim)
    idx = indices
    n = t.shape[axis]
    if mode != "raise":
        if isinstance(idx, Tensor):
            idx = (apply(Op.MOD, idx, n) if mode == "wrap"
                   else api.clip(idx, 0, builtins.max(n - 1, 0)))
        else:
            idx = np.mod(idx, n) if mode == "wrap" else np.clip(idx, 0, n - 1)
    if not isinstance(idx, Tensor):
        idx = np.asarray(idx, dtype=np.int64)
    return t[(slice(None),) * axis + (idx,)]


method("take")(lambda self, indices, axis=None, out=None, mode="raise":
               take(self, indices, axis, out, mode))


@implements(np.lexsort)
@_uses_sort
def lexsort(keys, axis=-1):
    """Stable argsorts, least significant key (the first) first."""
    ks = list(keys) if isinstance(keys, (list, tuple)) else [lift(keys)[i]
                                                            for i in range(len(keys))]
    ks = [_sortable(lift(k), "np.lexsort") for k in ks]
    if not ks:
        raise TypeError("need sequence of keys with len > 0 in lexsort")
    t0, axis = _along(ks[0], axis)
    perm = apply(Op.ARGSORT, t0, axis=axis)
    for k in ks[1:]:
        k, _ = _along(k, axis)
        perm = take_along_axis(perm, apply(Op.ARGSORT, take_along_axis(k, perm, axis),
                                           axis=axis), axis)
    return perm


# ---- searchsorted ---------------------------------------------------------------------------


def _less(x: Tensor, y: Tensor) -> Tensor:
    """x < y with NaN the largest value (NumPy's sort order)."""
    plain = apply(Op.LT, x, y)
    if x.dtype.kind != "f" and y.dtype.kind != "f":
        return plain
    return apply(Op.LOGICAL_OR, plain, apply(Op.LOGICAL_AND, apply(Op.ISNAN, y),
                                              apply(Op.LOGICAL_NOT, apply(Op.ISNAN, x))))


@implements(np.searchsorted)
def searchsorted(a, v, side="left", sorter=None):
    """Counts the elements of `a` before each `v`: O(len(a) * v.size) comparisons."""
    t, values = lift(a), lift(v)
    if t.ndim != 1:
        raise ValueError("object too deep for desired array")
    if side not in ("left", "right", "l", "r", "L", "R"):
        raise ValueError(f"side must be 'left' or 'right' (got {side!r})")
    if sorter is not None:
        t = take(t, sorter)
    dt = np.result_type(t.dtype, values.dtype if not values.weak else
                        np.asarray(values.dtype.type(0).item()).dtype)
    t = cast(t, dt) if t.dtype != dt else t
    values = cast(values, dt) if values.dtype != dt or values.weak else values
    column = api.reshape(values, values.shape + (1,))
    if side[0] in "lL":
        before = _less(t, column)
    else:
        before = apply(Op.LOGICAL_NOT, _less(column, t))
    return api.sum(before, axis=-1, dtype=np.int64)


method("searchsorted")(lambda self, v, side="left", sorter=None:
                       searchsorted(self, v, side, sorter))


# ---- order statistics ---------------------------------------------------------------------


def _reduced(t: Tensor, axis):
    """t with the reduced axes merged into one last axis; the kept shape; the axes."""
    axes = normalize_axes(axis, t.ndim)
    kept = [d for d in range(t.ndim) if d not in axes]
    moved = api.transpose(t, kept + list(axes))
    kept_shape = tuple(t.shape[d] for d in kept)
    n = int(np.prod([t.shape[d] for d in axes], dtype=np.int64))
    return api.reshape(moved, kept_shape + (n,)), kept_shape, axes


def _keep(result: Tensor, lead: tuple, t: Tensor, axes, keepdims) -> Tensor:
    if not keepdims:
        return result
    shape = lead + tuple(1 if d in axes else n for d, n in enumerate(t.shape))
    return api.reshape(result, shape)


def _static_q(q, name):
    if isinstance(q, Tensor):
        raise api.unsupported(f"{name} with a traced q", "q must be known when tracing")
    return q


@implements(np.quantile)
@_uses_sort
def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False, *, weights=None, interpolation=None):
    return _quantile("np.quantile", a, _static_q(q, "np.quantile"), type(q) in (int, float),
                     axis, out, method, keepdims, weights, interpolation)


@implements(np.percentile)
@_uses_sort
def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False, *, weights=None, interpolation=None):
    weak = type(q) in (int, float)
    q = np.true_divide(_static_q(q, "np.percentile"), 100)
    return _quantile("np.percentile", a, q, weak, axis, out, method, keepdims, weights,
                     interpolation)


def _quantile(name, a, q, weak_q, axis, out, method, keepdims, weights, interpolation):
    api._no_out(out, name)
    if method != "linear" or interpolation is not None:
        raise api.unsupported(f"{name}(..., method={method!r})", "only 'linear' is staged")
    if weights is not None:
        raise api.unsupported(f"{name}(..., weights=...)")
    t = lift(a)
    if t.dtype.kind == "c":
        raise TypeError("a must be an array of real numbers")
    t = cast(t, t.dtype) if t.weak else t
    q = np.asanyarray(q)
    if q.ndim > 2:
        raise ValueError("q must be a scalar or 1d")
    if not (np.all(q >= 0) and np.all(q <= 1)):
        raise ValueError("Quantiles must be in the range [0, 1]")
    flat, kept, axes = _reduced(t, axis)
    n = flat.shape[-1]
    ordered = apply(Op.SORT, flat, axis=flat.ndim - 1)
    virtual = np.asanyarray((n - 1) * q)
    nans = t.dtype.kind == "f"

    def at(positions):  # ordered at static positions: shape q.shape + kept
        got = ordered[..., np.asarray(positions, dtype=np.int64).ravel()]
        got = moveaxis(got, -1, 0) if len(kept) else got
        return api.reshape(got, virtual.shape + kept)

    if virtual.dtype.kind in "iu":
        result = at(virtual)
    else:
        previous = np.floor(virtual)
        following = previous + 1
        above, below = virtual >= n - 1, virtual < 0
        previous, following = np.where(above, -1, previous), np.where(above, -1, following)
        previous, following = np.where(below, 0, previous), np.where(below, 0, following)
        if nans:
            previous = np.where(np.isnan(virtual), -1, previous)
            following = np.where(np.isnan(virtual), -1, following)
        gamma = np.asanyarray(virtual - previous, dtype=virtual.dtype)
        lo, hi = at(previous.astype(np.int64)), at(following.astype(np.int64))
        if weak_q:
            g = lift(float(gamma))
            step = apply(Op.SUB, hi, lo)
            result = (apply(Op.SUB, hi, apply(Op.MUL, step, apply(Op.SUB, 1, g)))
                      if float(gamma) >= 0.5 else apply(Op.ADD, lo, apply(Op.MUL, step, g)))
        else:
            g = gamma.reshape(virtual.shape + (1,) * len(kept))
            step = apply(Op.SUB, hi, lo)
            low = apply(Op.ADD, lo, apply(Op.MUL, step, g))
            high = cast(apply(Op.SUB, hi, apply(Op.MUL, step, 1 - g)), low.dtype)
            result = apply(Op.WHERE, g >= 0.5, high, low)
    if nans and n > 0:
        last = api.broadcast_to(ordered[..., -1], virtual.shape + kept)
        result = apply(Op.WHERE, apply(Op.ISNAN, last), cast(last, result.dtype), result)
    return _keep(result, virtual.shape, t, axes, keepdims)


@implements(np.median)
@_uses_sort
def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The mean of the middle one or two sorted elements; NaN where a slice has a NaN."""
    api._no_out(out, "np.median")
    t = lift(a)
    t = cast(t, t.dtype) if t.weak else t
    flat, kept, axes = _reduced(t, axis)
    n = flat.shape[-1]
    ordered = apply(Op.SORT, flat, axis=flat.ndim - 1)
    middle = ordered[..., n // 2:n // 2 + 1] if n % 2 else ordered[..., builtins.max(
        n // 2 - 1, 0):n // 2 + 1]
    result = api.mean(middle, axis=-1)
    if t.dtype.kind in "fc" and n > 0:
        last = ordered[..., -1]
        result = apply(Op.WHERE, apply(Op.ISNAN, last), cast(last, result.dtype), result)
    return _keep(result, (), t, axes, keepdims)


__all__ = ["argsort", "median", "quantile", "searchsorted", "sort", "take", "take_along_axis"]
