"""Subscripts of a tensor whose result has a run-time length, or a traced slice bound
(indexing.py asks here first, and takes over when the answer is None).

- `x[m]`, `x[m, ...]` with a boolean tensor `m` of x's leading axes: dynamic.select;
- `x[idx]` with an integer index of run-time length (np.flatnonzero), and `x[np.nonzero(m)]`:
  a gather, NumPy's IndexError checked when the program runs;
- `x[a:b]` with a traced bound: a run-time length along the first axis (dynamic.rows);
- `E[:, a : a + w]` with a traced `a` on any axis: a static length w (the structure of
  the two bounds shows it), gathered at `a + arange(w)`; NumPy would return fewer than
  w elements for a window past the end, which a static shape cannot, so that raises
  IndexError when the program runs instead.

`scatter` is the other direction, `x[m] = values`: each true position of the mask takes
the next value (a gather at `cumsum(m) - 1`), the array keeps its static shape.
"""

from __future__ import annotations

import math

import numpy as np

from autograph.ir.ops import Op
import sys

from autograph.staging import checks, indexing, numpy_api
from autograph.staging.dynamic import (DynamicArray, arange, count_of_mask, gather, i64,
                                       refuse, rows, same, select, unify, where_line)
from autograph.staging.tensor import Tensor, apply, cast, lift

def _is_bool_tensor(k) -> bool:
    return isinstance(k, Tensor) and k.dtype == np.bool_ and k.ndim >= 1


def _is_basic(k) -> bool:
    return k is None or k is Ellipsis or isinstance(k, slice) or (
        isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_))) or (
        isinstance(k, Tensor) and k.ndim == 0 and k.dtype.kind in "iu")


def _rest(d: DynamicArray, rest: list) -> DynamicArray:
    if not rest:
        return d
    if not all(_is_basic(k) for k in rest) or any(
            isinstance(k, slice) and any(isinstance(p, Tensor) for p in (k.start, k.stop, k.step))
            for k in rest):
        raise refuse("indexing with arrays or traced slices after a boolean mask")
    return d.same(d.buffer[(slice(None), *rest)])


def getitem(tensor: Tensor, key):
    """The result of `tensor[key]` when it needs this module, else None."""
    keys = list(key) if isinstance(key, tuple) else [key]
    if keys and _is_bool_tensor(keys[0]):
        return _rest(select(tensor, keys[0]), keys[1:])
    if any(isinstance(k, DynamicArray) for k in keys):
        return _gather(tensor, keys)
    for pos, k in enumerate(keys):
        if isinstance(k, slice) and any(isinstance(p, Tensor) for p in (k.start, k.stop, k.step)):
            return _traced_slice(tensor, keys, pos)
    return None


def _gather(tensor: Tensor, keys: list) -> DynamicArray:
    arrays = [k for k in keys if isinstance(k, DynamicArray)]
    if len(arrays) != len(keys) or len(keys) > tensor.ndim or any(
            a.ndim != 1 or a.dtype.kind not in "iu" for a in arrays):
        raise refuse("indexing an array with it", "x[idx] and x[np.nonzero(m)] are staged")
    if len(arrays) == 1:
        return gather(tensor, arrays[0], "x[idx]")
    count, buffers = unify(arrays, "indexing")
    flat = None
    for buffer, n, stride in zip(buffers, tensor.shape, _strides(tensor.shape[:len(keys)])):
        c = i64(buffer)
        inside = apply(Op.LOGICAL_AND, apply(Op.GE, c, -n), apply(Op.LT, c, n))
        valid = DynamicArray(buffer, count).valid()
        checks.check(numpy_api.all(numpy_api.where(valid, inside, True)), "IndexError",
                     f"index out of bounds for axis with size {n}{where_line()}")
        c = numpy_api.where(apply(Op.LT, c, 0), c + n, c) * stride
        flat = c if flat is None else flat + c
    lead = math.prod(tensor.shape[:len(keys)])
    reshaped = numpy_api.reshape(tensor, (lead,) + tensor.shape[len(keys):])
    return gather(reshaped, DynamicArray(flat, count), "x[np.nonzero(m)]")


def _strides(shape) -> list[int]:
    out, stride = [], 1
    for n in reversed(shape):
        out.append(stride)
        stride *= n
    return list(reversed(out))


def _static_offset(start, stop):
    """w when `stop` is `start + w` for a static int w (as `i*s + w` is), else None."""
    if not isinstance(start, Tensor) or not isinstance(stop, Tensor):
        return None
    node = stop.value.producer
    if node is None or node.op is not Op.ADD:
        return None
    for x, c in (node.inputs, node.inputs[::-1]):
        producer = c.producer
        if producer is not None and producer.op is Op.CONSTANT and same(x, start.value):
            w = np.asarray(producer.attrs["value"])
            if w.ndim == 0 and w.dtype.kind in "iu":
                return int(w)
    return None


def _traced_slice(tensor: Tensor, keys: list, pos: int):
    k = keys[pos]
    traced = [p for p in (k.start, k.stop, k.step) if isinstance(p, Tensor)]
    if all(p._sources for p in traced):
        return None  # bounds from Python scalar arguments: retraced with them static
    if k.step not in (None, 1):
        raise refuse("a slice with a traced bound and a step", "only steps of 1 are staged")
    if Ellipsis in keys[:pos] or any(not _is_basic(x) for x in keys if x is not k):
        raise refuse("a slice with a traced bound next to arrays or an ellipsis")
    axis = pos - sum(x is None for x in keys[:pos])
    w = _static_offset(k.start, k.stop)
    if w is not None:
        return _window(tensor, keys, pos, axis, w)
    if axis != 0:
        raise refuse(f"a slice with traced bounds on axis {axis}",
                     "its length varies at run time and only the first axis may; a window "
                     "of static length `x[:, a : a + w]` is staged")
    d = rows(tensor, tensor.shape[0], k.start, k.stop, "x[a:b]")
    return _rest(d, keys[pos + 1:])


def _window(tensor: Tensor, keys: list, pos: int, axis: int, w: int) -> Tensor:
    n = tensor.shape[axis]
    if w <= 0 or n == 0:
        keys = keys[:pos] + [slice(0, 0)] + keys[pos + 1:]
        return tensor[tuple(keys)]
    start = i64(keys[pos].start)
    start = numpy_api.where(apply(Op.LT, start, 0), start + n, start)
    stop = start + w
    inside = apply(Op.LOGICAL_AND, apply(Op.GE, start, 0), apply(Op.LE, stop, n))
    checks.check(inside, "IndexError",
                 f"the window of static length {w} with a traced start runs past the ends of "
                 f"an axis of length {n}; NumPy would return a shorter array, which a "
                 f"compiled function cannot{where_line()}")
    index = apply(Op.MINIMUM, apply(Op.MAXIMUM, arange(w) + start, 0), n - 1)
    keys = keys[:pos] + [index] + keys[pos + 1:]
    return tensor[tuple(keys)]


def scatter(tensor: Tensor, mask: Tensor, values) -> Tensor:
    """`x[mask] = values`: the i-th true position of mask takes values[i] (or the one
    value), NumPy's ValueError when the counts differ; the array's static shape kept."""
    k = mask.ndim
    if mask.shape != tensor.shape[:k]:
        raise IndexError(f"boolean index did not match indexed array along axis 0; size of "
                         f"axis is {tensor.shape[0] if tensor.ndim else 0} but size of "
                         f"corresponding boolean axis is {mask.shape[0]}")
    if not isinstance(values, DynamicArray):
        values = lift(values)
        if values.ndim == 0:
            values = numpy_api.reshape(values, (1,))
        values = DynamicArray(values, i64(values.shape[0]), "values")
    lead = math.prod(tensor.shape[:k])
    flat = numpy_api.reshape(tensor, (lead,) + tensor.shape[k:])
    m = numpy_api.reshape(mask, (lead,))
    count = count_of_mask(mask)
    if values.count.value is not count.value:
        fits = apply(Op.LOGICAL_OR, apply(Op.EQ, values.count, count),
                     apply(Op.EQ, values.count, 1))
        checks.check(fits, "ValueError",
                     f"NumPy boolean array indexing assignment cannot assign the input values "
                     f"to the output values where the mask is true: their numbers differ"
                     f"{where_line()}")
    if values.capacity == 0:
        return tensor
    rank = numpy_api.FUNCTIONS[np.cumsum](cast(m, np.int64)) - 1
    rank = apply(Op.MINIMUM, apply(Op.MAXIMUM, rank, 0), values.capacity - 1)
    if values.count.value is not count.value:
        rank = numpy_api.where(apply(Op.EQ, values.count, 1), 0, rank)
    picked = cast(values.buffer[rank], tensor.dtype)
    keep = numpy_api.reshape(m, (lead,) + (1,) * (flat.ndim - 1))
    result = numpy_api.where(keep, picked, flat)
    if result.shape != flat.shape:
        raise ValueError(f"shape mismatch: value array of shape {values.buffer.shape[1:]} "
                         f"could not be broadcast to indexing result rows of shape "
                         f"{flat.shape[1:]}")
    return numpy_api.reshape(result, tensor.shape).copy()


# indexing.py asks this module about every subscript (installed here: see indexing.DYNAMIC).
indexing.DYNAMIC = sys.modules[__name__]

__all__ = ["getitem", "scatter"]
