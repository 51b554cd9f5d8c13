"""The NumPy functions that work on tensors, each lowered to IR ops.

`FUNCTIONS` maps a NumPy function object to its staged implementation; `dispatch.py`
looks functions up here from `__array_function__`, and Tensor methods call the same
implementations. Each takes NumPy's own signature, so user code reads as NumPy; arguments
we cannot honour (`out=`, `where=`, `order='F'`, ...) raise StagingError rather than being
ignored. Shapes, axes and dtypes must be static: a tensor where NumPy needs a Python value
goes through `concrete.fail` (which may make a scalar argument static).

Dtypes come from the IR's type rules, which ask NumPy itself, so results match NumPy 2.
"""

from __future__ import annotations

import builtins
import math
from typing import Callable

import numpy as np

from autograph.ir.ops import Op
from autograph.staging import concrete, context, view_writes
from autograph.staging.tensor import EMPTY, Tensor, apply, cast, lift, track_view

FUNCTIONS: dict[Callable, Callable] = {}
_NO = np._NoValue

VIEW = "a view of another array (made by reshape/transpose/squeeze/expand_dims)"


def implements(*functions):
    def register(impl):
        for f in functions:
            FUNCTIONS[f] = impl
        return impl

    return register


def unsupported(what: str, why: str = ""):
    return context.staging_error(f"{what} is not supported inside a converted function"
                                 + (f" ({why})" if why else ""))


def _no_out(out, name: str) -> None:
    if out is not None:
        raise unsupported(f"{name}(..., out=...)", "assign the result instead "
                                                   "(`out[...] = ...`)")


def _defaults(name: str, **given) -> None:
    for key, value in given.items():
        if value is not _NO and value is not None:
            raise unsupported(f"{name}(..., {key}=...)")


def static_int(value, what: str) -> int:
    """A Python int from `value`; a tensor here needs a concrete value."""
    if isinstance(value, Tensor):
        concrete.fail(value, what, needed=what)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        try:
            return int(value.__index__())
        except AttributeError:
            raise TypeError(f"{what}: expected an integer, got {type(value).__name__}") from None
    return int(value)


def static_shape(shape, what: str) -> tuple[int, ...]:
    if isinstance(shape, (tuple, list)):
        return tuple(static_int(d, what) for d in shape)
    return (static_int(shape, what),)


def _axis_error(axis, ndim):
    return np.exceptions.AxisError(axis, ndim)


def normalize_axis(axis, ndim: int) -> int:
    axis = static_int(axis, "an axis")
    if not -ndim <= axis < ndim:
        raise _axis_error(axis, ndim)
    return axis % ndim


def normalize_axes(axis, ndim: int) -> tuple[int, ...]:
    """Sorted non-negative axes; None means all."""
    if axis is None:
        return tuple(range(ndim))
    axes = [normalize_axis(a, ndim) for a in (axis if isinstance(axis, (tuple, list)) else (axis,))]
    if len(set(axes)) != len(axes):
        raise ValueError("duplicate value in 'axis'")
    return tuple(sorted(axes))


# ---- reductions ---------------------------------------------------------------------


def _reduce(op: Op, name: str, a, axis, dtype, out, keepdims, initial=_NO, where=_NO):
    _no_out(out, name)
    _defaults(name, initial=initial)
    if where is not _NO and where is not True:
        raise unsupported(f"{name}(..., where=...)")
    t = lift(a)
    if dtype is not None:
        t = cast(t, np.dtype(dtype))
    keepdims = False if keepdims is _NO else bool(keepdims)
    # NumPy reduces a 0-d array over an int axis 0 or -1 (not a tuple) as over no axis
    zero_d = t.ndim == 0 and isinstance(axis, (int, np.integer)) and axis in (0, -1)
    axes = () if zero_d else normalize_axes(axis, t.ndim)
    result = apply(op, t, axes=axes, keepdims=keepdims)
    if dtype is not None and result.dtype != np.dtype(dtype):
        result = cast(result, np.dtype(dtype))
    return result


@implements(np.sum)
def sum(a, axis=None, dtype=None, out=None, keepdims=_NO, initial=_NO, where=_NO):
    return _reduce(Op.SUM, "np.sum", a, axis, dtype, out, keepdims, initial, where)


@implements(np.prod)
def prod(a, axis=None, dtype=None, out=None, keepdims=_NO, initial=_NO, where=_NO):
    return _reduce(Op.PROD, "np.prod", a, axis, dtype, out, keepdims, initial, where)


@implements(np.mean)
def mean(a, axis=None, dtype=None, out=None, keepdims=_NO, *, where=_NO):
    return _reduce(Op.MEAN, "np.mean", a, axis, dtype, out, keepdims, _NO, where)


@implements(np.max, np.amax)
def max(a, axis=None, out=None, keepdims=_NO, initial=_NO, where=_NO):
    return _reduce(Op.MAX, "np.max", a, axis, None, out, keepdims, initial, where)


@implements(np.min, np.amin)
def min(a, axis=None, out=None, keepdims=_NO, initial=_NO, where=_NO):
    return _reduce(Op.MIN, "np.min", a, axis, None, out, keepdims, initial, where)


@implements(np.any)
def any(a, axis=None, out=None, keepdims=_NO, *, where=_NO):
    return _reduce(Op.ANY, "np.any", a, axis, None, out, keepdims, _NO, where)


@implements(np.all)
def all(a, axis=None, out=None, keepdims=_NO, *, where=_NO):
    return _reduce(Op.ALL, "np.all", a, axis, None, out, keepdims, _NO, where)


def _arg_reduce(op: Op, name: str, a, axis, out, keepdims):
    _no_out(out, name)
    t = lift(a)
    axis = None if axis is None else normalize_axis(axis, t.ndim)
    return apply(op, t, axis=axis, keepdims=False if keepdims is _NO else bool(keepdims))


@implements(np.argmax)
def argmax(a, axis=None, out=None, *, keepdims=_NO):
    return _arg_reduce(Op.ARGMAX, "np.argmax", a, axis, out, keepdims)


@implements(np.argmin)
def argmin(a, axis=None, out=None, *, keepdims=_NO):
    return _arg_reduce(Op.ARGMIN, "np.argmin", a, axis, out, keepdims)


@implements(np.var)
def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=_NO, *, where=_NO, mean=_NO,
        correction=_NO):
    _no_out(out, "np.var")
    _defaults("np.var", where=where, mean=mean, correction=correction)
    t = lift(a)
    if t.dtype.kind == "c":
        raise unsupported("np.var of complex values")
    axes = normalize_axes(axis, t.ndim)
    centred = t - _reduce(Op.MEAN, "np.var", t, axes, dtype, None, True)
    count = builtins.max(math.prod(t.shape[i] for i in axes) - static_int(ddof, "ddof"), 0)
    total = _reduce(Op.SUM, "np.var", centred * centred, axes, dtype, None, keepdims)
    return total / count


@implements(np.std)
def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=_NO, *, where=_NO, mean=_NO,
        correction=_NO):
    return apply(Op.SQRT, var(a, axis, dtype, out, ddof, keepdims, where=where, mean=mean,
                              correction=correction))


# ---- elementwise functions that are not ufuncs ----------------------------------------


@implements(np.where)
def where(condition, x=None, y=None):
    if x is None or y is None:
        raise unsupported("np.where(condition) with one argument",
                          "its result shape depends on the data")
    c = lift(condition)
    if c.dtype != np.bool_:
        c = cast(c, np.bool_)
    return apply(Op.WHERE, c, x, y)


@implements(np.clip)
def clip(a, a_min=_NO, a_max=_NO, out=None, *, min=_NO, max=_NO, **kwargs):
    _no_out(out, "np.clip")
    if kwargs:
        raise unsupported(f"np.clip(..., {next(iter(kwargs))}=...)")
    lo = a_min if min is _NO else min
    hi = a_max if max is _NO else max
    result = lift(a)
    if lo is not _NO and lo is not None:
        result = apply(Op.MAXIMUM, result, lo)
    if hi is not _NO and hi is not None:
        result = apply(Op.MINIMUM, result, hi)
    return result


@implements(np.round, np.around)
def round(a, decimals=0, out=None):
    _no_out(out, "np.round")
    t = lift(a)
    decimals = static_int(decimals, "decimals")
    if t.dtype.kind in "iub":
        if decimals < 0:
            raise unsupported("np.round of integers with negative decimals")
        return Tensor(t.value, t._sources)
    if decimals == 0:
        return apply(Op.RINT, t)
    scale = 10.0 ** decimals
    return apply(Op.TRUEDIV, apply(Op.RINT, apply(Op.MUL, t, scale)), scale)


@implements(np.astype)
def astype(x, dtype, /, *, copy=True, device=None):
    t = lift(x)
    dtype = np.dtype(dtype)
    if t.dtype == dtype and not t.weak:
        return Tensor(t.value, t._sources) if copy else t
    return cast(t, dtype)


# ---- linear algebra -------------------------------------------------------------------


def matmul(a, b):
    return apply(Op.MATMUL, a, b)


@implements(np.dot)
def dot(a, b, out=None):
    _no_out(out, "np.dot")
    return apply(Op.DOT, a, b)


@implements(np.outer)
def outer(a, b, out=None):
    _no_out(out, "np.outer")
    return apply(Op.MUL, reshape(lift(a), (-1, 1)), reshape(lift(b), (1, -1)))


# ---- shapes ---------------------------------------------------------------------------


@implements(np.shape)
def shape(a):
    return lift(a).shape


@implements(np.ndim)
def ndim(a):
    return lift(a).ndim


@implements(np.size)
def size(a, axis=None):
    t = lift(a)
    return t.size if axis is None else t.shape[normalize_axis(axis, t.ndim)]


@implements(np.reshape)
def reshape(a, /, shape=None, order="C", *, newshape=None, copy=None):
    if shape is None:
        shape = newshape
    if order not in ("C", "A", "K"):
        raise unsupported(f"np.reshape(..., order={order!r})")
    t = lift(a)
    dims = static_shape(shape, "a shape for reshape")
    if dims == t.shape:  # still a view in NumPy (of any layout): later writes show in it
        view = Tensor(t.value, t._sources, VIEW)
        track_view(t, view)
    else:
        view = apply(Op.RESHAPE, t, shape=dims, alias=VIEW)
    # A view only where the array's layout allows (NumPy copies otherwise), which the IR
    # does not know: writes into it are refused.
    view_writes.mark_reshape(view, t)
    return view


@implements(np.ravel)
def ravel(a, order="C"):
    return reshape(a, (-1,), order=order)


@implements(np.copy)
def copy(a, order="K", subok=False):
    t = lift(a)
    return Tensor(t.value, t._sources)


@implements(np.transpose)
def transpose(a, axes=None):
    t = lift(a)
    if axes is None:
        perm = tuple(reversed(range(t.ndim)))
    else:
        perm = tuple(normalize_axis(p, t.ndim) for p in axes)
    if perm == tuple(range(t.ndim)):
        view = Tensor(t.value, t._sources, VIEW)
        track_view(t, view)
    else:
        view = apply(Op.TRANSPOSE, t, perm=perm, alias=VIEW)
    view_writes.mark_transpose(view, t, perm)  # a write into x.T writes into x
    return view


@implements(np.swapaxes)
def swapaxes(a, axis1, axis2):
    t = lift(a)
    perm = list(range(t.ndim))
    i, j = normalize_axis(axis1, t.ndim), normalize_axis(axis2, t.ndim)
    perm[i], perm[j] = perm[j], perm[i]
    return transpose(t, perm)


@implements(np.expand_dims)
def expand_dims(a, axis):
    t = lift(a)
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    out_ndim = t.ndim + len(axes)
    positions = normalize_axes(axes, out_ndim)
    dims = iter(t.shape)
    shape = tuple(1 if i in positions else next(dims) for i in range(out_ndim))
    return reshape(t, shape)


@implements(np.squeeze)
def squeeze(a, axis=None):
    t = lift(a)
    if axis is None:
        axes = tuple(i for i, d in enumerate(t.shape) if d == 1)
    else:
        axes = normalize_axes(axis, t.ndim)
        if builtins.any(t.shape[i] != 1 for i in axes):
            raise ValueError("cannot select an axis to squeeze out which has size not equal "
                             "to one")
    return reshape(t, tuple(d for i, d in enumerate(t.shape) if i not in axes))


@implements(np.broadcast_to)
def broadcast_to(array, shape, subok=False):
    t = lift(array)
    dims = static_shape(shape, "a shape for broadcast_to")
    return apply(Op.BROADCAST_TO, t, shape=dims, alias="a read-only broadcast view")


def _sequence(arrays, name: str) -> list[Tensor]:
    if isinstance(arrays, Tensor):
        return list(arrays)
    if not isinstance(arrays, (list, tuple)) or not arrays:
        raise ValueError(f"{name} needs a non-empty sequence of arrays")
    return [lift(a) for a in arrays]


@implements(np.concatenate)
def concatenate(arrays, /, axis=0, out=None, *, dtype=None, casting="same_kind"):
    _no_out(out, "np.concatenate")
    tensors = _sequence(arrays, "np.concatenate")
    if axis is None:
        tensors, axis = [reshape(t, (-1,)) for t in tensors], 0
    if tensors[0].ndim == 0:
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    axis = normalize_axis(axis, tensors[0].ndim)
    if dtype is not None:
        tensors = [cast(t, np.dtype(dtype)) for t in tensors]
    if len(tensors) == 1:
        return Tensor(tensors[0].value, tensors[0]._sources)
    return apply(Op.CONCATENATE, *tensors, axis=axis)


@implements(np.stack)
def stack(arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    _no_out(out, "np.stack")
    tensors = _sequence(arrays, "np.stack")
    if len({t.shape for t in tensors}) != 1:
        raise ValueError("all input arrays must have the same shape")
    axis = normalize_axis(axis, tensors[0].ndim + 1)
    return concatenate([expand_dims(t, axis) for t in tensors], axis=axis, dtype=dtype)


@implements(np.hstack)
def hstack(tup, *, dtype=None, casting="same_kind"):
    tensors = [t if t.ndim else reshape(t, (1,)) for t in _sequence(tup, "np.hstack")]
    return concatenate(tensors, axis=0 if tensors[0].ndim == 1 else 1, dtype=dtype)


@implements(np.vstack)
def vstack(tup, *, dtype=None, casting="same_kind"):
    tensors = [t if t.ndim >= 2 else reshape(t, (1, -1) if t.ndim else (1, 1))
               for t in _sequence(tup, "np.vstack")]
    return concatenate(tensors, axis=0, dtype=dtype)


# ---- creation -------------------------------------------------------------------------


def _fill_value(value):
    return value.item() if isinstance(value, np.generic) else value


def full_of(shape, value, dtype) -> Tensor:
    """A new array of `shape` filled with `value` (a Python scalar or a tensor)."""
    dtype = np.dtype(dtype)
    if isinstance(value, Tensor):
        filled = apply(Op.BROADCAST_TO, cast(value, dtype), shape=tuple(shape))
        return Tensor(filled.value, filled._sources)
    result = apply(Op.FULL, shape=tuple(shape), dtype=dtype, value=_fill_value(value))
    result._sources = EMPTY
    return result


def _like(a, dtype, shape, value):
    t = lift(a)
    dims = t.shape if shape is None else static_shape(shape, "a shape")
    return full_of(dims, value, t.dtype if dtype is None else dtype)


@implements(np.zeros_like)
def zeros_like(a, dtype=None, order="K", subok=True, shape=None, *, device=None):
    return _like(a, dtype, shape, 0)


@implements(np.ones_like)
def ones_like(a, dtype=None, order="K", subok=True, shape=None, *, device=None):
    return _like(a, dtype, shape, 1)


@implements(np.empty_like)
def empty_like(a, dtype=None, order="K", subok=True, shape=None, *, device=None):
    return _like(a, dtype, shape, 0)


@implements(np.full_like)
def full_like(a, fill_value, dtype=None, order="K", subok=True, shape=None, *, device=None):
    return _like(a, dtype, shape, fill_value)


# With `like=tensor`, NumPy hands these to us too.

@implements(np.zeros)
def zeros(shape, dtype=float, order="C", **kw):
    return full_of(static_shape(shape, "a shape for np.zeros"), 0, dtype)


@implements(np.ones)
def ones(shape, dtype=None, order="C", **kw):
    return full_of(static_shape(shape, "a shape for np.ones"), 1, dtype or float)


@implements(np.empty)
def empty(shape, dtype=float, order="C", **kw):
    return full_of(static_shape(shape, "a shape for np.empty"), 0, dtype)


@implements(np.full)
def full(shape, fill_value, dtype=None, order="C", **kw):
    dims = static_shape(shape, "a shape for np.full")
    if dtype is None:
        dtype = (fill_value.dtype if isinstance(fill_value, Tensor)
                 else np.asarray(fill_value).dtype)
    return full_of(dims, fill_value, dtype)


def _static_number(value, what):
    if isinstance(value, Tensor):
        concrete.fail(value, what, needed=what)
    return _fill_value(value)


@implements(np.arange)
def arange(start, stop=None, step=None, dtype=None, **kw):
    start = _static_number(start, "np.arange bounds")
    if stop is None:
        start, stop = 0, start
    stop = _static_number(stop, "np.arange bounds")
    step = 1 if step is None else _static_number(step, "np.arange step")
    return apply(Op.ARANGE, start=start, stop=stop, step=step,
                 dtype=None if dtype is None else np.dtype(dtype))


@implements(np.eye)
def eye(N, M=None, k=0, dtype=float, order="C", **kw):
    return apply(Op.EYE, n=static_int(N, "np.eye size"),
                 m=None if M is None else static_int(M, "np.eye size"),
                 k=static_int(k, "np.eye k"), dtype=np.dtype(dtype))


# ---- ndarray methods ----------------------------------------------------------------------
# Installed on Tensor here, next to the functions they call, so that adding a method is one
# line in one place and `x.sum(...)` cannot drift from `np.sum(x, ...)`.

def method(name: str) -> Callable[[Callable], Callable]:
    """Installs the decorated function as Tensor's method `name`."""
    def install(fn: Callable) -> Callable:
        setattr(Tensor, name, fn)
        return fn
    return install


# Methods whose positional parameters are the function's after the array.
for _function in (sum, prod, mean, max, min, any, all, argmax, argmin, clip, dot):
    method(_function.__name__)(_function)
Tensor.T = property(transpose, doc="`x.T`: the reversed axes, a view.")


@method("astype")
def _astype_method(self, dtype, order="K", casting="unsafe", subok=True, copy=True):
    return astype(self, dtype, copy=copy)


@method("reshape")
def _reshape_method(self, *shape, order="C"):
    if len(shape) == 1 and not isinstance(shape[0], (int, Tensor)):
        shape = shape[0]
    return reshape(self, shape, order=order)


@method("transpose")
def _transpose_method(self, *axes):
    if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
        axes = axes[0]
    return transpose(self, axes or None)


@method("swapaxes")
def _swapaxes_method(self, axis1, axis2):
    return swapaxes(self, axis1, axis2)


@method("squeeze")
def _squeeze_method(self, axis=None):
    return squeeze(self, axis)


@method("flatten")
def _flatten_method(self, order="C"):
    return reshape(self, (-1,), order=order).copy()


@method("ravel")
def _ravel_method(self, order="C"):
    return reshape(self, (-1,), order=order)
