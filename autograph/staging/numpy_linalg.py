"""`np.linalg.norm`, composed from reductions (NumPy's own case analysis, transcribed).

Why a module of its own: `np.linalg` is a namespace of its own in NumPy and will grow
here (norms now; solvers and decompositions would need ops). Vector norms of every
`ord` and the matrix norms that are reductions ('fro', 1, -1, inf, -inf) are staged;
2, -2 and 'nuc' need singular values, which no op computes, and raise.
"""

from __future__ import annotations

import numpy as np

from autograph.ir.ops import Op
from autograph.staging import numpy_api as api
from autograph.staging.numpy_api import implements, normalize_axis
from autograph.staging.tensor import apply, cast, lift


def _abs(t):
    return apply(Op.ABS, t)


def _vector_norm(x, ord, axis, keepdims):
    if ord == np.inf:
        return api.max(_abs(x), axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return api.min(_abs(x), axis=axis, keepdims=keepdims)
    if ord == 0:
        return api.sum(cast(apply(Op.NE, x, 0), x.dtype), axis=axis, keepdims=keepdims)
    if ord == 1:
        return api.sum(_abs(x), axis=axis, keepdims=keepdims)
    if ord is None or ord == 2:
        return apply(Op.SQRT, api.sum(apply(Op.MUL, x, x), axis=axis, keepdims=keepdims))
    if isinstance(ord, str):
        raise ValueError(f"Invalid norm order '{ord}' for vectors")
    powered = apply(Op.POW, _abs(x), ord)
    return apply(Op.POW, api.sum(powered, axis=axis, keepdims=keepdims), 1.0 / ord)


def _matrix_norm(x, ord, rows, cols, keepdims):
    if ord in (None, "fro", "f"):
        result = apply(Op.SQRT, api.sum(apply(Op.MUL, x, x), axis=(rows, cols)))
    elif ord in (1, -1, np.inf, -np.inf):
        along, across = (rows, cols) if ord in (1, -1) else (cols, rows)
        if across > along:
            across -= 1
        reduce = api.max if ord in (1, np.inf) else api.min
        result = reduce(api.sum(_abs(x), axis=along), axis=across)
    elif ord in (2, -2, "nuc"):
        raise api.unsupported(f"np.linalg.norm(..., ord={ord!r}) of a matrix",
                              "it needs singular values")
    else:
        raise ValueError("Invalid norm order for matrices.")
    if keepdims:
        shape = list(x.shape)
        shape[rows] = shape[cols] = 1
        result = api.reshape(result, tuple(shape))
    return result


@implements(np.linalg.norm)
def norm(x, ord=None, axis=None, keepdims=False):
    t = lift(x)
    if t.dtype.kind == "c":
        raise api.unsupported("np.linalg.norm of complex values")
    if t.dtype.kind != "f":
        t = cast(t, np.float64)
    if axis is None:
        if ord is None or (ord in ("f", "fro") and t.ndim == 2):
            result = apply(Op.SQRT, api.sum(apply(Op.MUL, t, t)))
            return api.reshape(result, (1,) * t.ndim) if keepdims else result
        if t.ndim not in (1, 2):
            raise ValueError("Improper number of dimensions to norm.")
        axis = tuple(range(t.ndim))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    axes = tuple(normalize_axis(a, t.ndim) for a in axes)
    if len(axes) == 1:
        return _vector_norm(t, ord, axes[0], keepdims)
    if len(axes) == 2:
        if axes[0] == axes[1]:
            raise ValueError("Duplicate axes given.")
        return _matrix_norm(t, ord, axes[0], axes[1], keepdims)
    raise ValueError("Improper number of dimensions to norm.")


__all__ = ["norm"]
