"""`x[key]` and `x[key] = v` on tensors: NumPy subscripts → the IR's index attribute.

The IR index (ir/indexing.py) has static ints and slices, new axes, dynamic 0-d integer
operands ("dyn": `x[i]` with a staged loop index) and integer-array operands ("array").
Here a Python subscript is translated into it: `...` expanded, static boolean masks turned
into integer arrays (`np.nonzero` at trace time), NumPy arrays captured.

Results whose length depends on the data are values of run-time length (dynamic.py): a
boolean *tensor* mask of the leading axes (`x[m]`, `x[m, :]`), a slice of the first axis
with a traced bound (`x[:k]`), an index made by np.nonzero / np.flatnonzero. A slice with
traced bounds on another axis is staged when its length is static (`E[:, a : a + w]`: a
gather, with a run-time check that the window lies inside the axis). Assignment through
a mask keeps the array's static shape: `x[mask] = v` is a `np.where` of v, or of the
values scattered back to the mask's true positions (`x[m] = y[m] * 2`).
"""

from __future__ import annotations

import numpy as np

from autograph.ir.ops import Op
from autograph.staging import concrete, context, numpy_api, view_writes
from autograph.staging.tensor import (EMPTY, Tensor, cast, lift, merge_sources, to_value,
                                      track_view)

class _NoDynamic:
    """Until dynamic_indexing.py installs itself (it imports iterables, which imports this
    module, so this module cannot import it): nothing is dynamic."""

    @staticmethod
    def getitem(tensor, key):
        return None

    @staticmethod
    def scatter(tensor, mask, values):
        raise context.staging_error("internal error: dynamic indexing is not installed")


# What handles subscripts of run-time length (`x[m]`, `x[:k]`, `x[m] = values`): the
# dynamic_indexing module, installed by itself when staging is imported.
DYNAMIC = _NoDynamic

_INDEX_ERROR = ("only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) and "
                "integer or boolean arrays are valid indices")


def _is_int(k) -> bool:
    return isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_))


def _expand_masks(key: tuple) -> list:
    out = []
    for k in key:
        if isinstance(k, (bool, np.bool_)):
            raise context.staging_error("a boolean scalar index is not supported")
        if isinstance(k, list) and k and all(isinstance(e, (bool, np.bool_)) for e in k):
            k = np.asarray(k)
        if isinstance(k, np.ndarray) and k.dtype == np.bool_:
            out.extend(np.nonzero(k))
            continue
        if isinstance(k, Tensor) and k.dtype == np.bool_:
            raise context.staging_error(
                "a boolean tensor mask is staged on the leading axes only (x[m], x[m, :]); "
                "its result has a length known only at run time. Move the masked axis "
                "first, or keep the shape static with np.where(mask, x, 0)")
        out.append(k)
    return out


def _consumes(k) -> bool:
    return k is not None and k is not Ellipsis


def translate(tensor: Tensor, key, ctx):
    """(index entries, dynamic operand values, their sources, basic?) for `tensor[key]`."""
    key = list(key) if isinstance(key, tuple) else [key]
    key = _expand_masks(key)
    if sum(k is Ellipsis for k in key) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    at = next((i for i, k in enumerate(key) if k is Ellipsis), None)
    if at is not None:
        fill = tensor.ndim - sum(_consumes(k) for k in key)
        key[at:at + 1] = [slice(None)] * max(fill, 0)
    entries, dynamic = [], []
    sources = EMPTY
    basic = True
    for k in key:
        if k is None:
            entries.append(("newaxis",))
        elif isinstance(k, slice):
            parts = []
            for part in (k.start, k.stop, k.step):
                if isinstance(part, Tensor):
                    concrete.fail(part, "a slice bound",
                                  "slices need static bounds; index with an integer array "
                                  "(x[i + np.arange(3)]) or restructure the loop",
                                  needed="a static slice bound")
                if part is not None and not _is_int(part):
                    raise TypeError("slice indices must be integers or None or have an "
                                    "__index__ method")
                parts.append(None if part is None else int(part))
            entries.append(("slice", *parts))
        elif _is_int(k):
            entries.append(("int", int(k)))
        elif isinstance(k, Tensor):
            if k.dtype.kind not in "iu":
                raise IndexError(_INDEX_ERROR)
            value, s = to_value(k, ctx)
            entries.append(("dyn" if k.ndim == 0 else "array", len(dynamic)))
            dynamic.append(value)
            sources = merge_sources(sources, s)
            basic = basic and k.ndim == 0
        elif isinstance(k, (np.ndarray, list, tuple)):
            array = k if isinstance(k, np.ndarray) else np.asarray(k)
            if array.dtype.kind not in "iu":
                raise IndexError(_INDEX_ERROR)
            if array.ndim == 0:
                entries.append(("int", int(array)))
                continue
            value, s = to_value(array if isinstance(k, np.ndarray) else array, ctx)
            entries.append(("array", len(dynamic)))
            dynamic.append(value)
            sources = merge_sources(sources, s)
            basic = False
        else:
            raise IndexError(_INDEX_ERROR)
    return tuple(entries), dynamic, sources, basic


def getitem(tensor: Tensor, key) -> Tensor:
    ctx = context.require()
    special = DYNAMIC.getitem(tensor, key)
    if special is not None:
        return special
    index, dynamic, sources, basic = translate(tensor, key, ctx)
    value = ctx.emit(Op.INDEX, [tensor.value, *dynamic], index=index)
    alias = None
    if basic and value.type.ndim > 0:  # NumPy returns a view; 0-d results are scalars
        alias = "a view of another array (made by indexing it)"
    result = Tensor(value, merge_sources(tensor._sources, sources), alias, ctx)
    if alias is not None:
        track_view(tensor, result)
        view_writes.mark_index(result, tensor, key)
    return result


def _mask_of(key):
    if isinstance(key, tuple) and len(key) == 1:
        key = key[0]
    if isinstance(key, Tensor) and key.dtype == np.bool_:
        return key
    return None


def _assigned(value, dtype) -> Tensor:
    """The value to store, converted to the array's dtype as NumPy's setitem does.

    A scalar becomes a NumPy scalar (`[()]`), hence a graph constant: a 0-d array would be
    a captured input, passed in on every call."""
    if isinstance(value, (bool, int, float, complex)) and not isinstance(value, np.generic):
        return lift(np.asarray(value, dtype)[()])
    if isinstance(value, np.generic):
        return lift(np.asarray(value).astype(dtype)[()])
    return cast(value, dtype)


def setitem(tensor: Tensor, key, value) -> None:
    ctx = context.require()
    if tensor._base is not None:  # a view: NumPy writes into the array it views
        view_writes.write_through(tensor, key, value)
        return
    tensor._check_writable()
    mask = _mask_of(key)
    if getattr(type(value), "_ag_dynamic", False):
        if mask is None:
            raise context.staging_error(
                "a value whose length is known only at run time can be assigned into an "
                "array only through a boolean mask (`x[m] = values`)")
        result = DYNAMIC.scatter(tensor, mask, value)
        tensor._rebind(result.value, result._sources)
        return
    stored = _assigned(value, tensor.dtype)
    if mask is not None:
        _masked_assign(tensor, mask, stored)
        return
    index, dynamic, sources, _ = translate(tensor, key, ctx)
    new = ctx.emit(Op.SET_INDEX, [tensor.value, stored.value, *dynamic], index=index)
    sources = merge_sources(merge_sources(tensor._sources, stored._sources), sources)
    tensor._rebind(new, sources)


def _masked_assign(tensor: Tensor, mask: Tensor, stored: Tensor) -> None:
    """`x[mask] = v` for a scalar `v`: x = where(mask, v, x) — same result, static shape."""
    if mask.shape != tensor.shape[:mask.ndim]:
        raise IndexError(f"boolean index of shape {mask.shape} does not match the indexed "
                         f"array of shape {tensor.shape}")
    if stored.size != 1:
        result = DYNAMIC.scatter(tensor, mask, stored)
        tensor._rebind(result.value, result._sources)
        return
    stored = numpy_api.reshape(stored, ())
    expanded = numpy_api.reshape(mask, mask.shape + (1,) * (tensor.ndim - mask.ndim))
    result = numpy_api.where(expanded, stored, tensor)
    tensor._rebind(result.value, result._sources)


# Python's indexing protocol, installed here so that tensor.py need not import this module.
Tensor.__getitem__ = getitem
Tensor.__setitem__ = setitem
