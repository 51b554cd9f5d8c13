"""NumPy's array-creation functions called with plain Python arguments while tracing.

`np.zeros((4,), np.float32)` has no tensor argument, so nothing dispatches to us: NumPy
would build the array at trace time and it would enter the graph as a captured input,
passed on every call, stored by `export`, opaque to folding and memory planning. Like
`jax.jit` and `tf.function`, we stage such calls instead, as the graph's own creation ops
(FULL, ARANGE, EYE). `operators/creation.py` routes converted code's calls of the
functions in `FUNCTIONS` here while a trace is active.

`stage(fn, args, kwargs)` is the staged result, or None where the call is left to NumPy
as before (run at trace time; its result captured), so that NumPy keeps its own results
and its own errors:
- an argument holds a tensor: NumPy dispatches to `Tensor.__array_function__`, or asks for
  a concrete value, which may make a scalar argument static (concrete.py) — unchanged;
- anything we do not model exactly: `order='F'`, `like=`, `device=` other than "cpu", a
  non-scalar fill value, a template that is an ndarray subclass, a dtype that is not
  bool/int/float/complex, a negative size, a zero or non-finite `arange` bound, or
  arguments NumPy itself rejects.

Planning (the node to emit) runs NumPy on 0-d or tiny probes, never on the full size, so
the result dtype is NumPy's own: `np.full((2,), 3)` is int64, `np.arange(0.5, 3)` float64,
`np.full((2,), 300, np.uint8)` raises NumPy's OverflowError.

`np.empty` / `np.empty_like` are staged as zeros: their contents are unspecified, and
zeros is the one choice every backend can make cheaply and deterministically.

`*_like` of a NumPy array that is not traced is staged too: only its shape and dtype are
read, which are fixed at trace time just as `np.zeros(W.shape)` reads them, so capturing
the array (or the new array) would pass data in on every call for nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from autograph.ir.ops import Op
from autograph.staging.iterables import StagedIterable
from autograph.staging.tensor import Tensor, apply

_KINDS = "biufc"  # dtypes the creation ops stage; others stay with NumPy
_SCALARS = (bool, int, float, complex, np.generic)


class _Eager(Exception):
    """This call is left to NumPy (internal: never escapes `stage`)."""


def _holds_tensor(value) -> bool:
    if isinstance(value, (Tensor, StagedIterable)):
        return True
    if isinstance(value, (list, tuple)):
        return any(_holds_tensor(v) for v in value)
    return False


# ---- argument checks: each returns the Python value to stage, or raises _Eager --------------


def _size(value) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise _Eager
    if value < 0:
        raise _Eager  # NumPy's "negative dimensions are not allowed"
    return int(value)


def _shape(shape) -> tuple[int, ...]:
    if isinstance(shape, (tuple, list)):
        return tuple(_size(d) for d in shape)
    return (_size(shape),)


def _dtype(dtype) -> np.dtype:
    if isinstance(dtype, (Tensor, StagedIterable)):
        raise _Eager
    dtype = np.dtype(dtype)  # NumPy's own error for a bad dtype comes from the eager call
    if dtype.kind not in _KINDS:
        raise _Eager
    return dtype


def _scalar(value):
    """A fill value or bound: a Python or NumPy number."""
    if not isinstance(value, _SCALARS) or np.asarray(value).dtype.kind not in _KINDS:
        raise _Eager
    return value


def _options(order="C", device=None, like=None, orders=("C",)) -> None:
    if order not in orders or device not in (None, "cpu") or like is not None:
        raise _Eager


def _template(a) -> np.ndarray:
    """The array a `*_like` copies the shape and dtype of (only plain, untraced values)."""
    if isinstance(a, np.ndarray):
        if type(a) is not np.ndarray:
            raise _Eager  # a subclass (np.matrix, a masked array): NumPy keeps its type
        return a
    if isinstance(a, _SCALARS):
        return np.asarray(a)
    if isinstance(a, (list, tuple)):
        array = np.asarray(a)
        if array.dtype.kind not in _KINDS:
            raise _Eager
        return array
    raise _Eager


# ---- plans: NumPy's signature in, (op, attrs) out ---------------------------------------------


def _full(shape, value, dtype) -> tuple[Op, dict]:
    """FULL of `value` converted as NumPy's `np.full` converts it (casting='unsafe')."""
    dtype = _dtype(dtype)
    filled = np.full((), _scalar(value), dtype)  # NumPy's conversion, errors and warnings
    return Op.FULL, {"shape": shape, "dtype": dtype, "value": filled.item()}


def _plan_zeros(shape, dtype=float, order="C", *, device=None, like=None):
    _options(order, device, like)
    return _full(_shape(shape), 0, dtype)


def _plan_ones(shape, dtype=None, order="C", *, device=None, like=None):
    _options(order, device, like)
    return _full(_shape(shape), 1, float if dtype is None else dtype)


def _plan_full(shape, fill_value, dtype=None, order="C", *, device=None, like=None):
    _options(order, device, like)
    value = _scalar(fill_value)
    return _full(_shape(shape), value, np.asarray(value).dtype if dtype is None else dtype)


def _plan_like(value, a, dtype, order, subok, shape, device):
    template = _template(a)
    layouts = ("C", "K", "A") if template.flags.c_contiguous else ("C",)
    _options(order, device, orders=layouts)
    dims = template.shape if shape is None else _shape(shape)
    return _full(dims, value, template.dtype if dtype is None else dtype)


def _plan_zeros_like(a, dtype=None, order="K", subok=True, shape=None, *, device=None):
    return _plan_like(0, a, dtype, order, subok, shape, device)


def _plan_ones_like(a, dtype=None, order="K", subok=True, shape=None, *, device=None):
    return _plan_like(1, a, dtype, order, subok, shape, device)


def _plan_full_like(a, fill_value, dtype=None, order="K", subok=True, shape=None, *,
                    device=None):
    return _plan_like(_scalar(fill_value), a, dtype, order, subok, shape, device)


def _bound(value):
    value = _scalar(value)
    if isinstance(value, (complex, np.complexfloating)) or not math.isfinite(value):
        raise _Eager
    if isinstance(value, int) and not -2 ** 63 <= value < 2 ** 63:
        raise _Eager  # beyond int64: NumPy's own rules (or errors)
    return value.item() if isinstance(value, np.generic) else value


def _probe(value, one: bool):
    """A value of `value`'s type that makes a one-element range (for dtype discovery)."""
    return type(value)(1 if one else 0)


def _plan_arange(start=None, stop=None, step=None, dtype=None, *, device=None, like=None):
    """ARANGE with NumPy's dtype: found by NumPy itself on a one-element range of the same
    argument types (`np.arange(5)` int64, `np.arange(0.5, 3)` float64)."""
    _options(device=device, like=like)
    if start is None and stop is None:
        raise _Eager
    lone = stop is None  # np.arange(stop)
    if lone:
        start, stop = stop, start
    given = {"stop": _bound(stop)}
    probe = {"stop": _probe(stop, True)}
    if not lone and start is not None:
        given["start"], probe["start"] = _bound(start), _probe(start, False)
    if step is not None:
        given["step"], probe["step"] = _bound(step), _probe(step, True)
        if given["step"] == 0:
            raise _Eager  # NumPy raises ZeroDivisionError
    if dtype is not None and _dtype(dtype).kind in "bc":
        raise _Eager  # NumPy fills those only for tiny ranges; codegen has no fill for them
    kind = np.arange(**probe, dtype=dtype).dtype
    if kind.kind not in "iuf":
        raise _Eager
    return Op.ARANGE, {"start": given.get("start", 0), "stop": given["stop"],
                       "step": given.get("step", 1), "dtype": kind}


def _plan_eye(N, M=None, k=0, dtype=float, order="C", *, device=None, like=None):
    _options(order, device, like)
    n = _size(N)
    m = None if M is None else _size(M)
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)):
        raise _Eager
    return Op.EYE, {"n": n, "m": m, "k": int(k), "dtype": _dtype(dtype)}


def _plan_identity(n, dtype=None, *, like=None):
    return _plan_eye(n, dtype=dtype, like=like)


PLANS: dict[Callable, Callable] = {
    np.zeros: _plan_zeros,
    np.ones: _plan_ones,
    np.empty: _plan_zeros,  # contents unspecified: staged as zeros
    np.full: _plan_full,
    np.zeros_like: _plan_zeros_like,
    np.ones_like: _plan_ones_like,
    np.empty_like: _plan_zeros_like,  # contents unspecified: staged as zeros
    np.full_like: _plan_full_like,
    np.arange: _plan_arange,
    np.eye: _plan_eye,
    np.identity: _plan_identity,
}

FUNCTIONS = set(PLANS)
"""The functions `stage` knows; converted code routes their calls to it (`register` adds)."""

# Calls other staging modules stage (np.random.*, np.array of tensors, np.full with a
# traced fill value): fn -> impl(*args, **kwargs), a result or None to go on as above.
CALLS: dict[Callable, Callable] = {}

# Methods of NumPy random generator objects (`rng.normal`): a predicate and the refusal
# (numpy_random.py installs both), checked by `stage` for calls `routes` lets through.
random_method: Callable | None = None
refuse_random_method: Callable | None = None


def register(fn, impl: Callable) -> None:
    """Routes converted code's calls of `fn` to `impl` while tracing."""
    CALLS[fn] = impl
    FUNCTIONS.add(fn)


def routes(fn) -> bool:
    """Whether converted code's call of `fn` comes to `stage` (fn is hashable)."""
    return fn in FUNCTIONS or (random_method is not None and random_method(fn))


def plan(fn, args: tuple, kwargs: dict) -> tuple[Op, dict] | None:
    """The creation node (op, attrs) for `fn(*args, **kwargs)`, or None to leave it to NumPy."""
    planner = PLANS.get(fn)
    if planner is None or _holds_tensor(args) or _holds_tensor(tuple(kwargs.values())):
        return None
    try:
        return planner(*args, **kwargs)
    except Exception:  # noqa: BLE001 - anything NumPy would reject or we do not model:
        return None    # the eager call gives NumPy's own result or error


def stage(fn, args: tuple, kwargs: dict) -> Tensor | None:
    """`fn(*args, **kwargs)` as a graph node of the current trace, or None (see module)."""
    impl = CALLS.get(fn)
    if impl is not None:
        staged = impl(*args, **kwargs)
        if staged is not None:
            return staged
    elif fn not in PLANS and random_method is not None and random_method(fn):
        refuse_random_method(fn)
    node = plan(fn, args, kwargs)
    if node is None:
        return None
    op, attrs = node
    return apply(op, **attrs)


__all__ = ["CALLS", "FUNCTIONS", "PLANS", "plan", "register", "routes", "stage"]
