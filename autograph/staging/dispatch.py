"""NumPy's two override protocols, routed to staged implementations.

`np.tanh(t)` reaches `Tensor.__array_ufunc__` (ufuncs: elementwise math, `np.matmul`, and
`np.add.reduce`-style reductions); `np.sum(t)`, `np.reshape(t, ...)` reach
`Tensor.__array_function__`. Everything NumPy offers that we do not stage raises a
StagingError naming the function — never a silent fallback to NumPy on a symbolic value.
"""

from __future__ import annotations

import sys

import numpy as np

from autograph.ir.ops import UFUNC
from autograph.staging import numpy_api
# Composites in modules beside numpy_api register themselves (`implements`, `method`,
# `creation.register`) when imported.
from autograph.staging import (numpy_fft, numpy_linalg, numpy_math, numpy_nan,  # noqa: F401
                               numpy_products, numpy_random, numpy_rearrange, numpy_sorting,
                               writes)
from autograph.staging import numpy_grids, numpy_select, numpy_split  # noqa: F401
from autograph.staging.tensor import Tensor, apply, cast, lift

# ufunc -> IR op (np.divide is np.true_divide, np.abs is np.absolute: one entry each).
UFUNC_OPS = {ufunc: op for op, ufunc in UFUNC.items()}

_REDUCERS = {
    np.add: numpy_api.sum, np.multiply: numpy_api.prod, np.maximum: numpy_api.max,
    np.minimum: numpy_api.min, np.logical_and: numpy_api.all, np.logical_or: numpy_api.any,
}


# ufunc.accumulate -> the scan it is (same dtypes: small integers widen to int64).
_ACCUMULATORS = {np.add: numpy_math.cumsum, np.multiply: numpy_math.cumprod}
_REDUCERS[np.logical_xor] = numpy_math.logical_xor_reduce


def qualified_name(func) -> str:
    """`np.fft.fft`, `np.cumsum`, `scipy.special.expit`: how the user wrote the function."""
    module = getattr(func, "__module__", None) or ""
    name = getattr(func, "__name__", repr(func))
    special = sys.modules.get("scipy.special")  # its ufuncs say nothing of their module
    if (isinstance(func, np.ufunc) and getattr(np, name, None) is not func
            and special is not None and getattr(special, name, None) is func):
        return f"scipy.special.{name}"
    if (isinstance(func, np.ufunc) or module == "numpy"
            or module.startswith(("numpy._", "numpy.core"))):
        return f"np.{name}"
    if module.startswith("numpy."):
        return f"np.{module[len('numpy.'):]}.{name}"
    return f"{module}.{name}" if module else name


def _unsupported(what: str, why: str = ""):
    return numpy_api.unsupported(what, why)


# name -> "did you mean ...": installed by api_table.py (which reads this module's tables).
suggest = None


def _unknown(name: str):
    """The error for a NumPy function nothing stages, with the nearest staged spelling."""
    return numpy_api.unsupported(name, suggest(name) if suggest is not None else "")


def _numpy_value(result):
    """NumPy functions return NumPy values: a weak (Python-scalar) result becomes strong,
    as `np.maximum(1, 2)` is `np.int64(2)` where `max(1, 2)` is `2`."""
    if isinstance(result, Tensor) and result.weak:
        return cast(result, result.dtype)
    return result


def array_ufunc(ufunc, method: str, inputs, kwargs):
    return _numpy_value(_array_ufunc(ufunc, method, inputs, kwargs))


def _array_ufunc(ufunc, method: str, inputs, kwargs):
    name = qualified_name(ufunc)
    out = kwargs.pop("out", None)
    if out is not None:  # NumPy computes, then writes into `out` and returns it
        return writes.store(out, _array_ufunc(ufunc, method, inputs, kwargs), name)
    if method == "reduce":
        reducer = _REDUCERS.get(ufunc)
        if reducer is None or len(inputs) != 1:
            raise _unsupported(f"{name}.reduce")
        axis = kwargs.pop("axis", 0)
        return reducer(inputs[0], axis, **kwargs)
    if method == "accumulate":
        return _accumulate(ufunc, name, inputs, kwargs)
    if method == "outer":
        if ufunc.nin != 2 or ufunc.signature is not None or len(inputs) != 2:
            raise _unsupported(f"{name}.outer")
        a, b = (lift(x) for x in inputs)
        a = numpy_api.reshape(a, a.shape + (1,) * b.ndim)
        return _array_ufunc(ufunc, "__call__", (a, b), kwargs)
    if method != "__call__":
        raise _unsupported(f"{name}.{method}")
    op = UFUNC_OPS.get(ufunc)
    if op is None and ufunc is not np.matmul:
        composite = numpy_api.FUNCTIONS.get(ufunc)  # np.exp2, np.fmax, ... (numpy_math.py)
        if composite is None:
            raise _unknown(name)
        # composites check their keywords (gufuncs such as np.vecdot take axis=)
        return composite(*inputs, **{k: v for k, v in kwargs.items() if v is not None})
    for key, value in kwargs.items():
        if value is not None and not (key == "casting" and value == "same_kind"):
            raise _unsupported(f"{name}(..., {key}=...)")
    if ufunc is np.matmul:
        return numpy_api.matmul(*inputs)
    return apply(op, *inputs)


def _accumulate(ufunc, name, inputs, kwargs):
    scan = _ACCUMULATORS.get(ufunc)
    if scan is None or len(inputs) != 1:
        raise _unsupported(f"{name}.accumulate")
    axis, dtype = kwargs.pop("axis", 0), kwargs.pop("dtype", None)
    for key, value in kwargs.items():
        if value is not None:
            raise _unsupported(f"{name}.accumulate(..., {key}=...)")
    t = lift(inputs[0])
    if t.ndim == 0:
        raise TypeError("cannot accumulate on a scalar")
    return scan(t, axis, dtype)  # NumPy's accumulate widens small ints as cumsum does


def array_function(func, args, kwargs):
    impl = numpy_api.FUNCTIONS.get(func)
    if impl is None:
        raise _unknown(qualified_name(func))
    result = impl(*args, **kwargs)
    return result if getattr(impl, "python_result", False) else _numpy_value(result)


__all__ = ["array_ufunc", "array_function", "qualified_name", "UFUNC_OPS"]


def _defers(types) -> bool:
    """Whether an operand is a value of run-time length (staging/dynamic.py), whose own
    protocol NumPy must call instead (`np.add(t, x[m])`)."""
    return any(getattr(t, "_ag_dynamic", False) for t in types)


def _tensor_array_ufunc(self, ufunc, method, *inputs, **kwargs):
    if _defers(type(x) for x in inputs):
        return NotImplemented
    return array_ufunc(ufunc, method, inputs, kwargs)


def _tensor_array_function(self, func, types, args, kwargs):
    if _defers(types):
        return NotImplemented
    return array_function(func, args, kwargs)


# NumPy's protocols, installed here so that tensor.py need not import this module.
Tensor.__array_ufunc__ = _tensor_array_ufunc
Tensor.__array_function__ = _tensor_array_function
