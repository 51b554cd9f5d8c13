"""NumPy's functions that cut arrays apart or splice them: `split array_split hsplit vsplit
dsplit append insert delete resize rot90`, as composites.

Why a module of its own (beside numpy_rearrange.py, which gathers and stacks): these take
*positions* (split points, insertion and deletion indices, a new size) that NumPy needs as
Python values, so each is decided at trace time and reduces to existing ops, as
jax.numpy does over lax: splits are basic slices (views, as NumPy's are), `rot90` is
flips and a transpose (a view), and `insert`/`delete`/`resize` are one static gather
(`numpy_rearrange.take`) of the array — concatenated with the inserted values for
`insert` — whose positions NumPy itself computes from `np.arange`. A traced position
goes through `static_int` (it may make a scalar argument static, or fail naming it).
"""

from __future__ import annotations

import math

import numpy as np

from autograph.ir.ops import Op
from autograph.staging import numpy_api as api
from autograph.staging.numpy_api import implements, normalize_axis, static_int
from autograph.staging.numpy_rearrange import array as _array, flip, take
from autograph.staging.tensor import Tensor, lift


def _slice_along(t: Tensor, axis: int, start: int, stop: int) -> Tensor:
    return t[(slice(None),) * axis + (slice(start, stop),)]


def _positions(value, what: str):
    """A static int, or a list of static ints, from `indices_or_sections`-like input."""
    if isinstance(value, Tensor):
        if value.ndim == 0:
            return static_int(value, what)
        return [static_int(v, what) for v in value]
    if isinstance(value, (list, tuple, np.ndarray)):
        return [static_int(v, what) for v in np.asarray(value).reshape(-1).tolist()]
    return static_int(value, what)


@implements(np.array_split)
def array_split(ary, indices_or_sections, axis=0):
    t = lift(ary)
    axis = normalize_axis(axis, t.ndim) if t.ndim else static_int(axis, "np.array_split axis")
    total = t.shape[axis]
    where = _positions(indices_or_sections, "np.array_split indices_or_sections")
    if isinstance(where, list):
        points = [0] + where + [total]
    else:
        if where <= 0:
            raise ValueError("number sections must be larger than 0.") from None
        each, extras = divmod(total, where)
        sizes = [0] + extras * [each + 1] + (where - extras) * [each]
        points = np.cumsum(sizes).tolist()
    return [_slice_along(t, axis, points[i], points[i + 1]) for i in range(len(points) - 1)]


@implements(np.split)
def split(ary, indices_or_sections, axis=0):
    t = lift(ary)
    where = _positions(indices_or_sections, "np.split indices_or_sections")
    if not isinstance(where, list):
        total = t.shape[normalize_axis(axis, t.ndim)]
        if where == 0 or total % where:
            raise ValueError("array split does not result in an equal division")
    return array_split(t, where, axis)


@implements(np.hsplit)
def hsplit(ary, indices_or_sections):
    t = lift(ary)
    if t.ndim == 0:
        raise ValueError("hsplit only works on arrays of 1 or more dimensions")
    return split(t, indices_or_sections, 1 if t.ndim > 1 else 0)


@implements(np.vsplit)
def vsplit(ary, indices_or_sections):
    t = lift(ary)
    if t.ndim < 2:
        raise ValueError("vsplit only works on arrays of 2 or more dimensions")
    return split(t, indices_or_sections, 0)


@implements(np.dsplit)
def dsplit(ary, indices_or_sections):
    t = lift(ary)
    if t.ndim < 3:
        raise ValueError("dsplit only works on arrays of 3 or more dimensions")
    return split(t, indices_or_sections, 2)


@implements(np.rot90)
def rot90(m, k=1, axes=(0, 1)):
    t = lift(m)
    axes = tuple(static_int(a, "np.rot90 axes") for a in axes)
    if len(axes) != 2:
        raise ValueError("len(axes) must be 2.")
    if axes[0] == axes[1] or abs(axes[0] - axes[1]) == t.ndim:
        raise ValueError("Axes must be different.")
    if not (-t.ndim <= axes[0] < t.ndim and -t.ndim <= axes[1] < t.ndim):
        raise ValueError(f"Axes={axes} out of range for array of dimension {t.ndim}.")
    k = static_int(k, "np.rot90 k") % 4
    if k == 0:
        return t[(slice(None),) * t.ndim]
    if k == 2:
        return flip(flip(t, axes[0]), axes[1])
    perm = list(range(t.ndim))
    a0, a1 = axes[0] % t.ndim, axes[1] % t.ndim
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return api.transpose(flip(t, axes[1]), perm)
    return flip(api.transpose(t, perm), axes[1])


@implements(np.append)
def append(arr, values, axis=None):
    t, v = lift(arr), lift(values)
    if axis is None:
        t = api.reshape(t, (-1,)) if t.ndim != 1 else t
        v = api.reshape(v, (-1,)) if v.ndim != 1 else v
        axis = 0
    return api.concatenate([t, v], axis=axis)


def _axis_of(t: Tensor, axis, name: str):
    if axis is None:
        return api.reshape(t, (-1,)) if t.ndim != 1 else t, 0
    if t.ndim == 0:
        raise np.exceptions.AxisError(static_int(axis, f"{name} axis"), 0)
    return t, normalize_axis(axis, t.ndim)


def known_value(t: Tensor) -> np.ndarray | None:
    """The value of a tensor made by a CONSTANT or FULL node (known while tracing), else None."""
    node = t.value.producer
    if node is None:
        return None
    if node.op is Op.CONSTANT:
        return np.asarray(node.attrs["value"], t.dtype)
    if node.op is Op.FULL:
        return np.full(t.shape, node.attrs["value"], t.dtype)
    return None


def _static_index(obj, n: int, name: str) -> np.ndarray:
    """`obj` (int, sequence of ints, slice or bool mask) as NumPy reads it, as int64."""
    if isinstance(obj, slice):
        return np.arange(*obj.indices(n), dtype=np.int64)
    if isinstance(obj, Tensor) and known_value(obj) is not None:
        obj = known_value(obj)  # np.ones(3, bool) in the function: staged, but constant
    if isinstance(obj, Tensor):
        if obj.ndim:
            return np.array([static_int(v, f"{name} obj") for v in obj], dtype=np.int64)
        return np.asarray(static_int(obj, f"{name} obj"), dtype=np.int64)
    index = np.asarray(obj)
    if index.dtype == np.bool_:
        return index
    if index.size == 0:
        return index.astype(np.int64)
    if index.dtype.kind not in "iu":
        raise IndexError("arrays used as indices must be of integer (or boolean) type")
    return index.astype(np.int64)


@implements(np.delete)
def delete(arr, obj, axis=None):
    t, axis = _axis_of(lift(arr), axis, "np.delete")
    n = t.shape[axis]
    index = _static_index(obj, n, "np.delete")
    keep = np.ones(n, dtype=bool)
    if index.dtype == np.bool_:
        if index.shape != (n,):
            raise ValueError(f"boolean array argument obj to delete must be one dimensional "
                             f"and match the axis length of {n}")
        keep = ~index
    else:
        bad = index[(index < -n) | (index >= n)]
        if bad.size:
            raise IndexError(f"index {int(bad[0])} is out of bounds for axis {axis} with "
                             f"size {n}")
        keep[index] = False
    positions = np.flatnonzero(keep)
    if positions.size == n:
        return Tensor(t.value, t._sources)
    return take(t, positions, axis)


@implements(np.insert)
def insert(arr, obj, values, axis=None):
    t, axis = _axis_of(lift(arr), axis, "np.insert")
    n = t.shape[axis]
    index = _static_index(obj, n + 1, "np.insert")
    if index.dtype == np.bool_:
        raise api.unsupported("np.insert with a boolean obj", "pass integer positions")
    vals = _array(values, dtype=t.dtype, ndmin=t.ndim) if not isinstance(values, Tensor) \
        else _array(values, dtype=t.dtype, ndmin=t.ndim, copy=False)
    if index.size == 1:
        at = int(index.reshape(-1)[0])
        if not -n <= at <= n:
            raise IndexError(f"index {at} is out of bounds for axis {axis} with size {n}")
        at = at + n if at < 0 else at
        if index.ndim == 0:
            vals = api.transpose(vals, _move_first(vals.ndim, axis)) if vals.ndim > 1 else vals
        count = vals.shape[axis]
        positions = np.concatenate([np.arange(at), n + np.arange(count), np.arange(at, n)])
    else:
        bad = index[(index < -n) | (index > n)]
        if bad.size:
            raise IndexError(f"index {int(bad[0])} is out of bounds for axis {axis} with "
                             f"size {n}")
        index = np.where(index < 0, index + n, index)
        count = index.size
        order = np.argsort(index, kind="mergesort")
        index[order] += np.arange(count)
        old = np.ones(n + count, dtype=bool)
        old[index] = False
        positions = np.empty(n + count, dtype=np.int64)
        positions[old] = np.arange(n)
        positions[index] = n + np.arange(count)
    shape = t.shape[:axis] + (count,) + t.shape[axis + 1:]
    try:
        np.broadcast_shapes(vals.shape, shape)
        if vals.ndim > len(shape):
            raise ValueError
    except ValueError:
        raise ValueError(f"could not broadcast input array from shape {vals.shape} into "
                         f"shape {shape}") from None
    vals = api.broadcast_to(vals, shape)
    return take(api.concatenate([t, vals], axis=axis), positions, axis)


def _move_first(ndim: int, axis: int) -> list[int]:
    """The permutation of np.moveaxis(v, 0, axis)."""
    order = list(range(1, ndim))
    order.insert(axis, 0)
    return order


@implements(np.resize)
def resize(a, new_shape):
    t = api.reshape(lift(a), (-1,))
    shape = api.static_shape(new_shape, "np.resize new_shape")
    if any(d < 0 for d in shape):
        raise ValueError("all elements of `new_shape` must be non-negative")
    size = math.prod(shape)
    if t.size == 0 or size == 0:
        return api.full_of(shape, 0, t.dtype)
    return api.reshape(take(t, np.arange(size) % t.size, 0), shape)


__all__ = ["append", "array_split", "delete", "insert", "resize", "rot90", "split"]
