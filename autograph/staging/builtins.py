"""Staged overloads of the Python builtins that converted code routes here when an argument
is a tensor (operators/py_builtins.py): `print`, `range`, `len`, `enumerate`, `zip`,
`reversed`, `min`, `max`, `sum`, `abs`, `int`, `float`, `bool`.

Each keeps the builtin's meaning: `print` becomes a PRINT node that runs on every call,
`range(n)` a staged range for a staged loop, `int(t)` a cast to a weak (Python-int-like)
value, `max(a, b)` the element Python's comparison would pick.
"""

from __future__ import annotations

import builtins

import numpy as np

from autograph.ir.ops import Op
from autograph.ir.rules import infer
from autograph.ir.types import TensorType
from autograph.staging import checks, context, iterables, numpy_api, scalar_math
from autograph.staging.control_flow import truth
from autograph.staging.tensor import Tensor, apply, cast, lift


def _print(*args, sep=" ", end="\n", file=None, flush=False):
    if file is not None:
        raise numpy_api.unsupported("print(..., file=...) of a tensor")
    if not isinstance(sep, str) or not isinstance(end, str):
        raise numpy_api.unsupported("print with a traced sep or end")
    ctx = context.require()
    template, inputs = [], []
    for arg in args:
        if isinstance(arg, Tensor):
            template.append(len(inputs))
            inputs.append(arg.value)
        else:
            template.append(str(arg))
    ctx.emit(Op.PRINT, inputs, template=tuple(template), sep=sep, end=end)


def _range_part(value, position: str):
    if isinstance(value, Tensor):
        if value.ndim != 0 or value.dtype.kind not in "iu":
            raise TypeError(f"'{value.dtype}' object cannot be interpreted as an integer "
                            f"(range() {position})")
        return value
    return value.__index__()


def _range(*args):
    if not 1 <= len(args) <= 3:
        raise TypeError(f"range expected at most 3 arguments, got {len(args)}")
    start, stop, step = (0, args[0], 1) if len(args) == 1 else (tuple(args) + (1,))[:3]
    start, stop, step = (_range_part(v, p) for v, p in
                         zip((start, stop, step), ("start", "stop", "step")))
    if isinstance(step, int) and step == 0:
        raise ValueError("range() arg 3 must not be zero")
    return iterables.RangeIter(start, stop, step)


def _len(value):
    if isinstance(value, iterables.StagedIterable):
        return value.length()
    return builtins.len(value)


def _enumerate(iterable, start=0):
    if iterables.is_stageable(iterable):
        return iterables.EnumerateIter(iterables.as_staged(iterable), start)
    return builtins.enumerate(iterable, start)


def _zip(*iterables_, strict=False):
    if iterables_ and all(iterables.is_stageable(i) for i in iterables_):
        return iterables.ZipIter(iterables.as_staged(i) for i in iterables_)
    return builtins.zip(*iterables_, strict=strict)


def _reversed(sequence):
    if iterables.is_stageable(sequence):
        return iterables.ReversedIter(iterables.as_staged(sequence))
    return builtins.reversed(sequence)


def _pick(args, kwargs, op: Op, name: str):
    """`max(a, b, ...)` / `min(...)`: Python keeps the first extreme element."""
    if kwargs:
        raise numpy_api.unsupported(f"{name}(..., {next(iter(kwargs))}=...) with tensors")
    if len(args) == 1:
        (items,) = args
        if isinstance(items, Tensor):
            if items.ndim != 1:
                raise context.staging_error(f"{name}() of a {items.ndim}-d tensor compares "
                                            f"arrays, whose truth value is ambiguous")
            if items.shape[0] == 0:
                raise ValueError(f"{name}() iterable argument is empty")
            reduce = numpy_api.max if name == "max" else numpy_api.min
            return reduce(items)
        args = tuple(items)
    if not args:
        raise ValueError(f"{name}() iterable argument is empty")
    best = args[0]
    for candidate in args[1:]:
        better = apply(op, candidate, best)
        if better.ndim:
            raise context.staging_error(f"{name}() of arrays compares them, whose truth value "
                                        f"is ambiguous; use np.maximum/np.minimum")
        best = numpy_api.where(better, candidate, best)
    return best


def _max(*args, **kwargs):
    return _pick(args, kwargs, Op.GT, "max")


def _min(*args, **kwargs):
    return _pick(args, kwargs, Op.LT, "min")


def _sum(iterable, start=0):
    if not isinstance(iterable, Tensor):
        if hasattr(iterable, "builtin_sum"):  # a value of run-time length (dynamic.py)
            return iterable.builtin_sum(start)
        if isinstance(iterable, iterables.StagedIterable):
            raise numpy_api.unsupported("sum() of a staged iterable")
        return builtins.sum(iterable, start)
    if iterable.ndim == 0:
        raise TypeError("iteration over a 0-d array")
    if iterable.shape[0] == 0:
        return start
    # Python adds element by element from `start`, so the dtype is that of start + x[0].
    total = numpy_api.sum(iterable, axis=0)
    if isinstance(start, Tensor):
        start_type = start.type
    elif isinstance(start, (np.generic, np.ndarray)):
        start_type = TensorType.of_array(start)
    else:
        start_type = TensorType.of_python(start)
    (target,) = infer(Op.ADD, [start_type, TensorType(iterable.shape[1:], iterable.dtype)])
    total = cast(total, target.dtype)
    if isinstance(start, (int, float, complex)) and not isinstance(start, bool) and start == 0:
        return total
    return apply(Op.ADD, start, total)


def _scalar(value, name: str) -> Tensor:
    t = lift(value)
    if t.size != 1:
        raise TypeError(f"only length-1 arrays can be converted to Python scalars ({name}())")
    return numpy_api.reshape(t, ()) if t.ndim else t


def _int(value, *args):
    if args:
        raise numpy_api.unsupported("int(tensor, base)")
    t = _scalar(value, "int")
    if t.dtype.kind == "c":
        raise TypeError("int() argument must not be complex")
    checks.int_of_float(t)  # int(nan) raises ValueError, int(inf) OverflowError
    return cast(t, np.int64, weak=True)


def _float(value):
    t = _scalar(value, "float")
    if t.dtype.kind == "c":
        raise TypeError("float() argument must not be complex")
    return cast(t, np.float64, weak=True)


def _bool(value=False):
    v, sources = truth(value, "the argument of bool()")
    return cast(Tensor(v, sources), np.bool_, weak=True)


def _abs(value):
    return apply(Op.ABS, value)


OVERLOADS = {
    builtins.print: _print, builtins.range: _range, builtins.len: _len,
    builtins.enumerate: _enumerate, builtins.zip: _zip, builtins.reversed: _reversed,
    builtins.min: _min, builtins.max: _max, builtins.sum: _sum, builtins.abs: _abs,
    builtins.int: _int, builtins.float: _float, builtins.bool: _bool,
}


# math.sqrt(t), round(t), ...: scalar_math.py (a module of its own, see its docstring).
OVERLOADS.update(scalar_math.OVERLOADS)


def call_builtin(fn, args, kwargs):
    """`fn(*args, **kwargs)` for a builtin with a tensor argument: its staged overload."""
    overload = OVERLOADS.get(fn)
    if overload is None:
        return fn(*args, **kwargs)
    return overload(*args, **(kwargs or {}))
