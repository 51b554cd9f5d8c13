"""Choosing and matching elements: `isin select piecewise` and the integer ufuncs
`gcd lcm`, as composites.

Why a module of its own: each is a fixed, trace-time-sized combination of comparisons and
WHERE — elementwise ops the CPU backend fuses into one loop:

- `isin(e, t)` compares every element with every test element (`e[..., None] == t`) and
  reduces with ANY; the comparison is fused into the reduction, so nothing of size
  `e.size * t.size` is ever allocated.
- `select` is NumPy's own definition read backwards: a WHERE per condition, last first.
- `piecewise` with constant values per piece is the same chain; a *function* per piece
  would see `x[cond]`, whose size depends on the data, and is refused with the
  `np.where(cond, f(x), ...)` spelling.
- `gcd` is Euclid's algorithm on all elements at once, a staged `while` until every
  remainder is zero (an unrolled version, 92 rounds for 64-bit values, made programs
  Numba's SSA pass could not compile); `lcm` is `|a| // gcd * |b|`, NumPy's formula.
"""

from __future__ import annotations

import numpy as np

from autograph.ir.ops import Op
from autograph.staging import control_flow, numpy_api as api
from autograph.staging.numpy_api import implements
from autograph.staging.numpy_math import _no_kwargs, loop
from autograph.staging.tensor import Tensor, apply, cast, lift


@implements(np.isin)
def isin(element, test_elements, assume_unique=False, invert=False, *, kind=None):
    if kind not in (None, "sort", "table"):
        raise ValueError(f"Invalid kind: '{kind}'. Please use None, 'sort' or 'table'.")
    e = lift(element)
    tests = api.reshape(lift(test_elements), (-1,))
    if tests.size == 0:
        found = api.full_of(e.shape, False, np.bool_)
    else:
        equal = apply(Op.EQ, api.reshape(e, e.shape + (1,)), tests)
        found = apply(Op.ANY, equal, axes=(e.ndim,), keepdims=False)
    return apply(Op.LOGICAL_NOT, found) if invert else found


def _operand(t: Tensor):
    """What np.result_type needs to promote `t` as NumPy would: a Python scalar (weak,
    NEP 50) for a weak value, else its dtype."""
    return t.dtype.type(0).item() if t.weak else t.dtype


@implements(np.select)
def select(condlist, choicelist, default=0):
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    if len(condlist) == 0:
        raise ValueError("select with an empty condition list is not possible")
    # NumPy keeps Python scalars weak here (NEP 50), and makes anything else an array
    choices = [lift(c) for c in choicelist]
    fallback = lift(default)
    dtype = np.result_type(*(_operand(c) for c in choices + [fallback]))
    conditions = []
    for i, c in enumerate(condlist):
        c = lift(c)
        if c.dtype != np.bool_:
            raise TypeError(f"invalid entry {i} in condlist: should be boolean ndarray")
        conditions.append(c)
    shape = np.broadcast_shapes(*(t.shape for t in conditions + choices + [fallback]))
    result = api.broadcast_to(cast(fallback, dtype), shape)
    for c, choice in reversed(list(zip(conditions, choices))):
        result = apply(Op.WHERE, c, cast(choice, dtype), result)
    return result


@implements(np.piecewise)
def piecewise(x, condlist, funclist, *args, **kw):
    t = lift(x)
    if isinstance(condlist, Tensor):
        conditions = [condlist] if condlist.ndim < 2 or t.ndim == 0 else list(condlist)
    elif isinstance(condlist, (bool, np.bool_)) or (
            not isinstance(condlist[0], (list, np.ndarray, Tensor)) and t.ndim != 0):
        conditions = [condlist]
    else:
        conditions = list(condlist)
    conditions = [cast(lift(c), np.bool_) for c in conditions]
    n, n2 = len(conditions), len(funclist)
    if n == n2 - 1:
        anyone = conditions[0]
        for c in conditions[1:]:
            anyone = apply(Op.LOGICAL_OR, anyone, c)
        conditions.append(apply(Op.LOGICAL_NOT, anyone))
    elif n != n2:
        raise ValueError(f"with {n} condition(s), either {n} or {n + 1} functions are expected")
    result = api.full_of(t.shape, 0, t.dtype)
    for c, value in zip(conditions, funclist):
        if callable(value):
            raise api.unsupported("np.piecewise with a function in funclist",
                                  "it would see x[cond], whose size depends on the data; "
                                  "write np.where(cond, f(x), ...) instead")
        if c.shape != t.shape:
            raise IndexError(f"boolean index did not match indexed array along axis 0; "
                             f"size of axis is {t.shape[0] if t.shape else 0} but size of "
                             f"corresponding boolean axis is {c.shape[0] if c.shape else 0}")
        result = apply(Op.WHERE, c, cast(lift(value), t.dtype), result)
    return result


def _gcd(a: Tensor, b: Tensor, dtype) -> Tensor:
    """Euclid's algorithm on every element at once: a staged `while` that runs until every
    remainder is zero (at most 92 rounds for 64-bit values, Lamé's bound)."""
    shape = np.broadcast_shapes(a.shape, b.shape)
    a = apply(Op.ABS, api.broadcast_to(a, shape))
    b = apply(Op.ABS, api.broadcast_to(b, shape))
    zero, one = lift(dtype.type(0)), lift(dtype.type(1))

    def test(a, b):
        return apply(Op.ANY, apply(Op.NE, b, zero), axes=tuple(range(len(shape))),
                     keepdims=False)

    def body(a, b):
        nonzero = apply(Op.NE, b, zero)
        rest = apply(Op.MOD, a, apply(Op.WHERE, nonzero, b, one))
        return apply(Op.WHERE, nonzero, b, a), apply(Op.WHERE, nonzero, rest, zero)

    a, b = control_flow.while_loop(test, body, (a, b), ("gcd_a", "gcd_b"))
    return a


@implements(np.gcd)
def gcd(x1, x2, **kwargs):
    _no_kwargs("gcd", kwargs)
    (a, b), dt = loop(np.gcd, x1, x2)
    return _gcd(a, b, dt)


@implements(np.lcm)
def lcm(x1, x2, **kwargs):
    _no_kwargs("lcm", kwargs)
    (a, b), dt = loop(np.lcm, x1, x2)
    g = _gcd(a, b, dt)
    zero, one = lift(dt.type(0)), lift(dt.type(1))
    is_zero = apply(Op.EQ, g, zero)
    quotient = apply(Op.FLOORDIV, apply(Op.ABS, a), apply(Op.WHERE, is_zero, one, g))
    return apply(Op.WHERE, is_zero, zero, apply(Op.MUL, quotient, apply(Op.ABS, b)))


__all__ = ["gcd", "isin", "lcm", "piecewise", "select"]
