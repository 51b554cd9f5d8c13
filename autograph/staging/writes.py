"""NumPy's writes into an existing array by keyword or function: `out=` and `np.copyto`.

Both are item assignments of the whole array (`out[...] = result`), after NumPy's checks
on shape (the result must broadcast to the output's shape) and casting (`same_kind` unless
told otherwise). The assignment goes through `Tensor.__setitem__`, so a write into an
argument is written back to the caller and a write into a view is refused, exactly like
`out[...] = ...` written by hand.
"""

from __future__ import annotations

import numpy as np

from autograph.staging import context, numpy_api
from autograph.staging.indexing import setitem
from autograph.staging.numpy_api import implements, unsupported
from autograph.staging.tensor import Tensor, lift


def store(out, result, name: str, casting: str = "same_kind") -> Tensor:
    """`out[...] = result` with a ufunc's checks; returns `out`, as NumPy's ufuncs do."""
    if isinstance(out, tuple):
        if len(out) != 1:
            raise unsupported(f"{name}(..., out=<a tuple of {len(out)} arrays>)")
        out = out[0]
    target = _target(out, f"{name}(..., out=...)")
    result = lift(result)
    full = _broadcast_to(result.shape, target.shape)
    if full != target.shape:
        raise ValueError(f"non-broadcastable output operand with shape {target.shape} doesn't "
                         f"match the broadcast shape {full or result.shape}")
    if not np.can_cast(result.dtype, target.dtype, casting):
        raise TypeError(f"Cannot cast ufunc '{name.removeprefix('np.')}' output from "
                        f"{result.dtype!r} to {target.dtype!r} with casting rule '{casting}'")
    setitem(target, Ellipsis, result)
    return target


@implements(np.copyto)
def copyto(dst, src, casting="same_kind", where=True):
    target = _target(dst, "np.copyto")
    value = lift(src)
    if not _castable(src, value, target.dtype, casting):
        kind = "scalar" if value.ndim == 0 else "array data"
        raise TypeError(f"Cannot cast {kind} from {value.dtype!r} to {target.dtype!r} "
                        f"according to the rule '{casting}'")
    if _broadcast_to(value.shape, target.shape) != target.shape:
        raise ValueError(f"could not broadcast input array from shape {value.shape} into "
                         f"shape {target.shape}")
    if where is not True:
        value = numpy_api.where(where, value, target)
    setitem(target, Ellipsis, value)


def _castable(src, value: Tensor, dtype: np.dtype, casting: str) -> bool:
    if type(src) is bool or (type(src) is int and dtype.kind in "iuf"):
        return True  # NumPy accepts Python bools and ints it can represent (NEP 50)
    return np.can_cast(value.dtype, dtype, casting)


def _target(out, what: str) -> Tensor:
    if isinstance(out, Tensor):
        return out
    if isinstance(out, np.ndarray):
        raise context.staging_error(
            f"{what} writes into an array the function does not take as an argument (a "
            f"global or closure variable): the compiled program would not repeat the write "
            f"on later calls; pass the array as an argument")
    raise TypeError(f"{what}: the output must be an array, not {type(out).__name__}")


def _broadcast_to(shape: tuple, target: tuple) -> tuple | None:
    """The broadcast shape of `shape` and `target` if it is `target`, else what it is
    (None: they do not broadcast at all)."""
    try:
        return np.broadcast_shapes(shape, target)
    except ValueError:
        return None


def _with_out(function, name: str):
    """`function` (a staged NumPy function) taking `out=` as NumPy does."""

    def staged(*args, out=None, **kwargs):
        result = function(*args, **kwargs)
        return result if out is None else store(out, result, name)

    return staged


for _function, _name in ((np.clip, "np.clip"), (np.round, "np.round"),
                         (np.around, "np.around")):
    numpy_api.FUNCTIONS[_function] = _with_out(numpy_api.FUNCTIONS[_function], _name)
