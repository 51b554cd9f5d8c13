"""Index grids and flat iteration: `meshgrid ix_ indices ravel_multi_index unravel_index`,
`x.flat` and `np.nditer` over one array, as composites.

Why a module of its own: these turn between an array's shape and positions in it. The
grids are reshapes and broadcasts of the inputs (views, where NumPy's are, copies where
`copy=True`); the index conversions are integer arithmetic with the strides NumPy would
use, known at trace time from the static shape, plus a staged CHECK where NumPy raises
on an out-of-bounds index (mode='raise'), so the error comes when the program runs on the
bad value, never silently. `x.flat` and `np.nditer(x)` are the raveled array: iterated
by a `for` loop they stage one loop over the elements (no unrolling), `x.flat[i]` reads
one element, and a slice of `x.flat` is a copy, as NumPy's is.
"""

from __future__ import annotations

import math

import numpy as np

from autograph.ir.ops import Op
from autograph.staging import checks, creation, numpy_api as api
from autograph.staging.iterables import TensorIter
from autograph.staging.numpy_api import implements, static_int, static_shape
from autograph.staging.tensor import Tensor, apply, cast, lift

_INTP = np.dtype(np.intp)


@implements(np.meshgrid)
def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    if indexing not in ("xy", "ij"):
        raise ValueError("Valid values for `indexing` are 'xy' and 'ij'.")
    ndim = len(xi)
    ones = (1,) * ndim
    output = [api.reshape(lift(x), ones[:i] + (-1,) + ones[i + 1:]) for i, x in enumerate(xi)]
    if indexing == "xy" and ndim > 1:
        output[0] = api.reshape(output[0], (1, -1) + ones[2:])
        output[1] = api.reshape(output[1], (-1, 1) + ones[2:])
    if not sparse:
        shape = np.broadcast_shapes(*(o.shape for o in output))
        output = [api.broadcast_to(o, shape) for o in output]
    if copy:
        output = [o.copy() for o in output]
    return tuple(output)


@implements(np.ix_)
def ix_(*args):
    out = []
    nd = len(args)
    for k, new in enumerate(args):
        if not isinstance(new, Tensor):
            new = np.asarray(new)
            if new.size == 0:
                new = new.astype(_INTP)
        if new.dtype == np.bool_:
            if isinstance(new, Tensor):
                raise api.unsupported("np.ix_ of a traced boolean array",
                                      "its positions depend on the data")
            new = new.nonzero()[0]
        t = lift(new)
        if t.ndim != 1:
            raise ValueError("Cross index must be 1 dimensional")
        out.append(api.reshape(t, (1,) * k + (t.size,) + (1,) * (nd - k - 1)))
    return tuple(out)


def _indices_call(dimensions, dtype=int, sparse=False):
    """np.indices of a traced size: the size must be static (NumPy computes the rest)."""
    if isinstance(dimensions, Tensor) or any(isinstance(d, Tensor) for d in dimensions):
        static_shape(dimensions, "np.indices dimensions")
    return None


creation.register(np.indices, _indices_call)


def _integers(values, name: str) -> list[Tensor]:
    out = []
    for v in values:
        t = lift(v)
        if t.dtype.kind not in "iub" or t.dtype == np.bool_:
            raise TypeError("only int indices permitted")
        out.append(cast(t, np.dtype(np.int64)))
    return out


def _strides(dims, order: str) -> list[int]:
    if order not in ("C", "F"):
        raise ValueError("only 'C' or 'F' order is permitted")
    sizes = list(dims) if order == "C" else list(reversed(dims))
    strides = [math.prod(sizes[k + 1:]) for k in range(len(sizes))]
    return strides if order == "C" else list(reversed(strides))


def _all(condition: Tensor) -> Tensor:
    return apply(Op.ALL, condition, axes=tuple(range(condition.ndim)), keepdims=False)


@implements(np.ravel_multi_index)
def ravel_multi_index(multi_index, dims, mode="raise", order="C"):
    dims = static_shape(dims, "np.ravel_multi_index dims")
    index = list(multi_index) if not isinstance(multi_index, Tensor) else list(multi_index)
    if len(index) != len(dims):
        raise ValueError(f"parameter multi_index must be a sequence of length {len(dims)}")
    modes = (mode,) * len(dims) if isinstance(mode, str) else tuple(mode)
    if len(modes) != len(dims) or any(m not in ("raise", "wrap", "clip") for m in modes):
        raise ValueError(f"clipmode must be one of 'clip', 'raise', or 'wrap', not {mode!r}")
    total = None
    for i, d, m, stride in zip(_integers(index, "np.ravel_multi_index"), dims, modes,
                               _strides(dims, order)):
        if m == "raise":
            inside = apply(Op.LOGICAL_AND, apply(Op.GE, i, 0), apply(Op.LT, i, d))
            checks.check(_all(inside), "ValueError", "invalid entry in coordinates array")
        elif m == "wrap":
            i = apply(Op.MOD, i, d)
        else:
            i = apply(Op.MINIMUM, apply(Op.MAXIMUM, i, 0), d - 1)
        term = apply(Op.MUL, i, stride)
        total = term if total is None else apply(Op.ADD, total, term)
    return cast(total, _INTP)


@implements(np.unravel_index)
def unravel_index(indices, shape, order="C"):
    dims = static_shape(shape, "np.unravel_index shape")
    (t,) = _integers([indices], "np.unravel_index")
    size = math.prod(dims)
    inside = apply(Op.LOGICAL_AND, apply(Op.GE, t, 0), apply(Op.LT, t, size))
    checks.check(_all(inside), "ValueError",
                 f"index is out of bounds for array with size {size}")
    out = [None] * len(dims)
    for k in (reversed(range(len(dims))) if order == "C" else range(len(dims))):
        out[k] = cast(apply(Op.MOD, t, dims[k]), _INTP) if dims[k] else cast(t, _INTP)
        t = apply(Op.FLOORDIV, t, dims[k]) if dims[k] else t
    if order not in ("C", "F"):
        raise ValueError("only 'C' or 'F' order is permitted")
    return tuple(out)


# ---- x.flat and np.nditer(x): the raveled array, iterated by a staged loop ------------------


class FlatIter(TensorIter):
    """`x.flat`: iterated by a `for` it stages one loop over the elements in C order;
    `flat[i]` is one element, `flat[a:b]` (or an index array) a copy, as NumPy's is."""

    def __init__(self, base: Tensor):
        super().__init__(api.reshape(base, (-1,)))
        self.base = base

    def __len__(self):
        return self.tensor.size

    def __getitem__(self, key):
        found = self.tensor[key]
        return found if found.ndim == 0 else found.copy()

    def __setitem__(self, key, value):
        raise api.unsupported("writing through x.flat",
                              "write `x.reshape(-1)[...]`, or index x itself")

    def copy(self):
        return self.tensor.copy()


Tensor.flat = property(FlatIter, doc="`x.flat`: the elements in C order (see FlatIter).")


class NdIter(FlatIter):
    """`np.nditer(x)` over one array, read-only: the elements in C order."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def close(self):
        pass


def _nditer_call(op, flags=None, op_flags=None, op_dtypes=None, order="K", casting="safe",
                 op_axes=None, itershape=None, buffersize=0):
    if not isinstance(op, Tensor):
        return None
    for key, value, allowed in (("flags", flags, (None, [], ())),
                                ("op_dtypes", op_dtypes, (None,)),
                                ("op_axes", op_axes, (None,)),
                                ("itershape", itershape, (None,))):
        if value not in allowed:
            raise api.unsupported(f"np.nditer(..., {key}=...)",
                                  "one array, read-only, in C order is supported")
    if op_flags not in (None, ["readonly"], ("readonly",)):
        raise api.unsupported("np.nditer(..., op_flags=...)",
                              "only read-only iteration is supported")
    if order not in ("K", "C", "A"):
        raise api.unsupported(f"np.nditer(..., order={order!r})")
    if op.ndim == 0:
        return NdIter(api.reshape(op, (1,)))
    return NdIter(op)


creation.register(np.nditer, _nditer_call)

__all__ = ["FlatIter", "NdIter", "ix_", "meshgrid", "ravel_multi_index", "unravel_index"]
