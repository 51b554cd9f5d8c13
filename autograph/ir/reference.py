"""The NumPy meaning of every op: the definition all backends are checked against.

`NUMPY_IMPL[op](*arrays, **attrs)` computes the op's output (a single result; ops with
no outputs return None). The interpreter runs graphs with this table and constant folding
evaluates with it, so what an op *means* is written exactly once. Control-flow ops have no
entry: they run regions, which only an interpreter can do.

Weak (Python-scalar) operands must be passed as Python scalars, not 0-d arrays, for NumPy
to promote them weakly; `interpreter.py` takes care of that.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from autograph.ir import linalg_fft
from autograph.ir.indexing import numpy_key
from autograph.ir.ops import UFUNC, Op


def _constant(value):
    # A copy, so that nobody holding a result can change the graph's constant.
    return np.array(value)


def _cast(x, dtype, weak=False):
    return np.asarray(x).astype(dtype)


def _index(x, *dynamic, index):
    return np.asarray(x)[numpy_key(index, dynamic)]


def _set_index(x, value, *dynamic, index):
    out = np.array(x, copy=True)
    out[numpy_key(index, dynamic)] = value
    return out


# The exceptions a CHECK may raise, by the name its `error` attribute holds.
CHECK_ERRORS = {"AssertionError": AssertionError, "ValueError": ValueError,
                "OverflowError": OverflowError, "IndexError": IndexError}


def _check(condition, error, message=""):
    if not bool(condition):
        raise CHECK_ERRORS[error](message) if message else CHECK_ERRORS[error]()
    return None


def _compress(x, mask):
    """The rows of x where mask holds, first, then zeros: x's shape (see ir/ops.py)."""
    x = np.asarray(x)
    out = np.zeros_like(x)
    picked = x[np.asarray(mask, bool)]
    out[:len(picked)] = picked
    return out


def _print(*values, template=(), sep=" ", end="\n"):
    pieces = [values[p] if isinstance(p, int) and not isinstance(p, bool) else p
              for p in template]
    print(*pieces, sep=sep, end=end)


def _eye(n, m=None, k=0, dtype=None):
    return np.eye(n, m, k, np.float64 if dtype is None else dtype)


def _reduction(fn):
    return lambda x, axes, keepdims=False: fn(x, axis=axes, keepdims=keepdims)


def _arg_reduction(fn):
    return lambda x, axis=None, keepdims=False: fn(x, axis=axis, keepdims=keepdims)


def _random(distribution, shape, dtype, low=0, high=1):
    """A new draw from NumPy's global generator (np.random.seed seeds it)."""
    if distribution == "uniform":
        return np.asarray(np.random.random_sample(shape)).astype(dtype)
    if distribution == "normal":
        return np.asarray(np.random.standard_normal(shape)).astype(dtype)
    return np.asarray(np.random.randint(low, high, shape, dtype=dtype))


def _call(*args, function, name, results, **flags):
    """The user's Numba function called on the values (0-d arrays as NumPy scalars, as
    the compiled program passes them); each result checked against the traced type."""
    from autograph.errors import AutographError
    from autograph.ir.types import TensorType

    args = [a[()] if isinstance(a, np.ndarray) and a.ndim == 0 else a for a in args]
    out = function(*args)
    types = [TensorType.parse(t) for t in results.split()]
    values = list(out) if isinstance(out, tuple) else [out]
    if len(values) != len(types):
        raise AutographError(f"{name} returned {len(values)} value(s); it returned "
                             f"{len(types)} while tracing")
    checked = []
    for value, t in zip(values, types):
        value = np.asarray(value) if t.shape else np.asarray(value, t.dtype)
        if value.shape != t.shape or value.dtype != t.dtype:
            raise AutographError(
                f"{name} returned {value.dtype}{list(value.shape)} where it returned "
                f"{t} while tracing: the shape of its result depends on the values of "
                f"its arguments, which a converted function needs to know while tracing")
        checked.append(np.ascontiguousarray(value) if t.shape else value)
    return tuple(checked) if len(types) > 1 else checked[0]  # flags: the `tuple` attribute


NUMPY_IMPL: dict[Op, Callable] = {
    **UFUNC,
    Op.CONSTANT: _constant,
    Op.CAST: _cast,
    Op.WHERE: np.where,
    Op.SUM: _reduction(np.sum),
    Op.PROD: _reduction(np.prod),
    Op.MAX: _reduction(np.max),
    Op.MIN: _reduction(np.min),
    Op.MEAN: _reduction(np.mean),
    Op.ANY: _reduction(np.any),
    Op.ALL: _reduction(np.all),
    Op.ARGMAX: _arg_reduction(np.argmax),
    Op.ARGMIN: _arg_reduction(np.argmin),
    Op.MATMUL: np.matmul,
    Op.DOT: np.dot,
    Op.RESHAPE: lambda x, shape: np.reshape(x, shape),
    Op.TRANSPOSE: lambda x, perm: np.transpose(x, perm),
    Op.BROADCAST_TO: lambda x, shape: np.broadcast_to(x, shape),
    Op.CONCATENATE: lambda *xs, axis: np.concatenate(xs, axis=axis),
    Op.FULL: lambda shape, value, dtype=None: np.full(shape, value, dtype),
    Op.ARANGE: lambda start, stop, step=1, dtype=None: np.arange(start, stop, step, dtype),
    Op.EYE: _eye,
    Op.INDEX: _index,
    Op.SET_INDEX: _set_index,
    Op.PRINT: _print,
    Op.CHECK: _check,
    Op.CUMSUM: lambda x, axis: np.cumsum(x, axis=axis),
    Op.CUMPROD: lambda x, axis: np.cumprod(x, axis=axis),
    Op.RANDOM: _random,
    Op.SORT: lambda x, axis: np.sort(x, axis=axis),
    Op.COMPRESS: _compress,
    Op.ARGSORT: lambda x, axis: np.argsort(x, axis=axis, kind="stable").astype(np.int64),
    Op.CALL: _call,
    **linalg_fft.NUMPY_IMPL,
}
