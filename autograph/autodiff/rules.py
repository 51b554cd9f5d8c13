"""One vector-Jacobian-product rule per op, in one table (JAX's per-primitive tables).

`VJP[op](b, eqn, ct)` emits, through `b` (an `Emitter` or an `ir.Builder`), the ops that
compute the cotangent of each input of one primal node from `ct`, the cotangent of its
output; it returns one value per input, None for inputs that get none (integer operands,
inputs `eqn.wanted` says nobody needs). Rules may return a cotangent in the *broadcast*
shape and in the output's dtype: the caller (`reverse.py`) passes every cotangent
through `emitter.fit`, which sums broadcast axes away and casts back to the input's
dtype, so that bookkeeping is written once instead of in every rule.

Ops in `NON_DIFFERENTIABLE` stop gradients: their outputs are integers or bools, or
piecewise constant (floor, sign, floor_divide: derivative zero almost everywhere, as in
JAX), or they create values from attributes alone. Control-flow ops are in neither set:
`reverse.py` and `loops.py` transform their regions. `tests/test_autodiff_rules.py`
checks that every op is in exactly one of the three.

Conventions where the derivative is not unique (all as JAX does):
- maximum/minimum: on a tie each operand gets half the cotangent, so `maximum(x, 0)`
  at exactly 0 has gradient 0.5 (numpy-consistent: the tie is symmetric).
- max/min reductions: the cotangent is shared equally by every element equal to the
  extreme.
- abs: sign(x), so 0 at 0. pow: d/dx is 0 where the exponent is 0; d/dy uses log(1) = 0
  where the base is 0.
- prod: exact with zeros (the product of the other elements, no division by zero).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Callable, Sequence

import numpy as np

from autograph.autodiff.linalg_rules import VJP as LINALG_VJP
from autograph.autodiff.emitter import (Emitter, cast, const, expand, i64, reshape, sum_to,
                                        zeros)
from autograph.ir.graph import Value
from autograph.ir.ops import (COMPARISON, CREATION, NONDETERMINISTIC, PREDICATE, SIDE_EFFECT,
                             Op)
from autograph.ir.types import TensorType

_I64 = np.dtype(np.int64)


@dataclasses.dataclass(frozen=True)
class Eqn:
    """One primal node as its rule sees it: forward values, visible where `b` emits."""

    op: Op
    attrs: dict
    inputs: tuple[Value, ...]
    out: Value
    wanted: tuple[bool, ...]


Rule = Callable[[Emitter, Eqn, Value], Sequence[Value | None]]


# ---- small expression helpers (each emits one op) ----------------------------------

def _add(b, x, y):
    return b.emit(Op.ADD, [x, y])


def _sub(b, x, y):
    return b.emit(Op.SUB, [x, y])


def _mul(b, x, y):
    return b.emit(Op.MUL, [x, y])


def _div(b, x, y):
    return b.emit(Op.TRUEDIV, [x, y])


def _neg(b, x):
    return b.emit(Op.NEG, [x])


def _un(op):
    return lambda b, x: b.emit(op, [x])


def _where(b, c, x, y):
    return b.emit(Op.WHERE, [c, x, y])


def _c(b, value, like: Value):
    """A constant in `like`'s dtype, so it does not promote the expression it joins."""
    return const(b, value, like.type.dtype)


def _only(eqn: Eqn, *makers) -> list[Value | None]:
    """Runs maker i only if input i's cotangent is wanted (a maker may be None)."""
    return [m() if m is not None and w else None for m, w in zip(makers, eqn.wanted)]


# ---- elementwise: unary -------------------------------------------------------------

# d out / d x as an expression of the input x and the output y.
_DERIVATIVE: dict[Op, Callable] = {
    Op.ABS: lambda b, x, y: _un(Op.SIGN)(b, x),                          # |x|' = sign x
    Op.EXP: lambda b, x, y: y,                                           # e^x' = e^x
    Op.EXPM1: lambda b, x, y: _add(b, y, _c(b, 1, y)),                   # = y + 1
    Op.LOG: lambda b, x, y: _un(Op.RECIPROCAL)(b, x),                    # 1/x
    Op.LOG1P: lambda b, x, y: _un(Op.RECIPROCAL)(b, _add(b, x, _c(b, 1, y))),
    Op.LOG2: lambda b, x, y: _un(Op.RECIPROCAL)(b, _mul(b, x, _c(b, math.log(2), y))),
    Op.LOG10: lambda b, x, y: _un(Op.RECIPROCAL)(b, _mul(b, x, _c(b, math.log(10), y))),
    Op.SQRT: lambda b, x, y: _div(b, _c(b, 0.5, y), y),                  # 1 / (2 sqrt x)
    Op.SIN: lambda b, x, y: _un(Op.COS)(b, x),
    Op.COS: lambda b, x, y: _neg(b, _un(Op.SIN)(b, x)),
    Op.TAN: lambda b, x, y: _add(b, _c(b, 1, y), _un(Op.SQUARE)(b, y)),  # 1 + tan^2
    Op.ARCSIN: lambda b, x, y: _un(Op.RECIPROCAL)(b, _one_minus_sq_sqrt(b, x, y)),
    Op.ARCCOS: lambda b, x, y: _neg(b, _un(Op.RECIPROCAL)(b, _one_minus_sq_sqrt(b, x, y))),
    Op.ARCTAN: lambda b, x, y: _un(Op.RECIPROCAL)(b, _add(b, _c(b, 1, y), _un(Op.SQUARE)(b, x))),
    Op.SINH: lambda b, x, y: _un(Op.COSH)(b, x),
    Op.COSH: lambda b, x, y: _un(Op.SINH)(b, x),
    Op.TANH: lambda b, x, y: _sub(b, _c(b, 1, y), _un(Op.SQUARE)(b, y)),  # 1 - tanh^2
    Op.SQUARE: lambda b, x, y: _mul(b, x, _c(b, 2, y)),                  # 2x
    Op.RECIPROCAL: lambda b, x, y: _neg(b, _un(Op.SQUARE)(b, y)),        # -1/x^2 = -y^2
}


def _one_minus_sq_sqrt(b, x, y):
    """sqrt(1 - x^2), the denominator of arcsin' and arccos'."""
    return _un(Op.SQRT)(b, _sub(b, _c(b, 1, y), _un(Op.SQUARE)(b, x)))


def _unary(derivative: Callable) -> Rule:
    def rule(b, eqn, ct):
        (x,) = eqn.inputs
        return [_mul(b, ct, derivative(b, x, eqn.out))]

    return rule


def _neg_rule(b, eqn, ct):
    return [_neg(b, ct)]


def _identity_rule(b, eqn, ct):
    """pos, cast between floats, broadcast_to: `fit` does the casting and summing."""
    return [ct] + [None] * (len(eqn.inputs) - 1)


# ---- elementwise: binary ------------------------------------------------------------

def _add_rule(b, eqn, ct):
    return _only(eqn, lambda: ct, lambda: ct)


def _sub_rule(b, eqn, ct):
    return _only(eqn, lambda: ct, lambda: _neg(b, ct))


def _mul_rule(b, eqn, ct):
    x, y = eqn.inputs
    return _only(eqn, lambda: _mul(b, ct, y), lambda: _mul(b, ct, x))


def _truediv_rule(b, eqn, ct):
    x, y = eqn.inputs                                   # d(x/y) = dx/y - dy * (x/y)/y
    return _only(eqn, lambda: _div(b, ct, y),
                 lambda: _neg(b, _div(b, _mul(b, ct, eqn.out), y)))


def _pow_rule(b, eqn, ct):
    x, y = eqn.inputs

    def d_base():                      # y x^(y-1); where y == 0, 0 * x^0 (no 0 * inf)
        safe = _where(b, b.emit(Op.EQ, [y, _c(b, 0, y)]), _c(b, 1, y), y)
        return _mul(b, ct, _mul(b, y, b.emit(Op.POW, [x, _sub(b, safe, _c(b, 1, y))])))

    def d_exponent():                                   # x^y log x, log 1 = 0 where x == 0
        safe = _where(b, b.emit(Op.EQ, [x, _c(b, 0, x)]), _c(b, 1, x), x)
        return _mul(b, _mul(b, ct, eqn.out), _un(Op.LOG)(b, safe))

    return _only(eqn, d_base, d_exponent)


def _extremum_rule(strict: Op) -> Rule:
    """maximum (strict=GT) / minimum (strict=LT): the winner takes ct, a tie splits it."""

    def rule(b, eqn, ct):
        x, y = eqn.inputs
        share = _where(b, b.emit(strict, [x, y]), _c(b, 1, ct),
                       _where(b, b.emit(Op.EQ, [x, y]), _c(b, 0.5, ct), _c(b, 0, ct)))
        return _only(eqn, lambda: _mul(b, ct, share),
                     lambda: _mul(b, ct, _sub(b, _c(b, 1, ct), share)))

    return rule


def _arctan2_rule(b, eqn, ct):
    y, x = eqn.inputs                                  # d atan2(y, x) = (x dy - y dx) / r^2
    r2 = _add(b, _un(Op.SQUARE)(b, y), _un(Op.SQUARE)(b, x))
    scaled = _div(b, ct, r2)
    return _only(eqn, lambda: _mul(b, scaled, x), lambda: _neg(b, _mul(b, scaled, y)))


def _hypot_rule(b, eqn, ct):
    x, y = eqn.inputs                                  # d hypot = (x dx + y dy) / hypot
    scaled = _div(b, ct, eqn.out)
    return _only(eqn, lambda: _mul(b, scaled, x), lambda: _mul(b, scaled, y))


def _mod_rule(b, eqn, ct):
    x, y = eqn.inputs                                  # x mod y = x - floor(x/y) y
    return _only(eqn, lambda: ct,
                 lambda: _neg(b, _mul(b, ct, _un(Op.FLOOR)(b, _div(b, x, y)))))


def _where_rule(b, eqn, ct):
    c, _, _ = eqn.inputs
    zero = _c(b, 0, ct)
    return _only(eqn, None, lambda: _where(b, c, ct, zero), lambda: _where(b, c, zero, ct))


# ---- reductions ---------------------------------------------------------------------

def _kept(shape, axes) -> tuple[int, ...]:
    return tuple(1 if a in axes else d for a, d in enumerate(shape))


def _sum_rule(b, eqn, ct):
    x = eqn.inputs[0]
    return [expand(b, ct, x.type.shape, eqn.attrs["axes"], eqn.attrs.get("keepdims", False))]


def _reversed_cumsum(b, y, axis):
    """sum_{j >= i} y[j] along `axis`, as total - cumsum + y (no reversal op needed)."""
    total = b.emit(Op.SUM, [y], axes=(axis,), keepdims=True)
    return _add(b, b.emit(Op.SUB, [total, b.emit(Op.CUMSUM, [y], axis=axis)]), y)


def _cumsum_rule(b, eqn, ct):
    """The VJP of a cumulative sum is the cumulative sum taken from the other end."""
    return [_reversed_cumsum(b, ct, eqn.attrs["axis"])]


def _cumprod_rule(b, eqn, ct):
    """d out[j] / d x[i] = out[j] / x[i] for j >= i: the reversed cumsum of ct * out,
    divided by x. Exact where x has no zeros; at a zero it is inf/nan (JAX's scan-based
    rule is exact there; this one is not)."""
    x = eqn.inputs[0]
    weighted = b.emit(Op.MUL, [ct, eqn.out])
    return [_div(b, _reversed_cumsum(b, weighted, eqn.attrs["axis"]), x)]


def _sort_rule(b, eqn, ct):
    """sort(x) is x gathered at argsort(x) along the axis, so x's cotangent is ct gathered
    at the inverse permutation, argsort(argsort(x)) (ties: each tied element gets the
    cotangent of the position the stable order gave it)."""
    x = eqn.inputs[0]
    axis = eqn.attrs["axis"]
    shape = x.type.shape
    inverse = b.emit(Op.ARGSORT, [b.emit(Op.ARGSORT, [x], axis=axis)], axis=axis)
    arrays = []
    for d, n in enumerate(shape):
        if d == axis:
            arrays.append(inverse)
        else:
            along = np.arange(n, dtype=np.int64).reshape([-1 if e == d else 1
                                                          for e in range(len(shape))])
            arrays.append(b.emit(Op.CONSTANT, [], value=along))
    index = tuple(("array", d) for d in range(len(shape)))
    return [b.emit(Op.INDEX, [ct, *arrays], index=index)]


def _compress_rule(b, eqn, ct):
    """compress(x, mask) moves row i of x to row rank(i) = cumsum(mask)[i] - 1 when
    mask[i] holds, so x's cotangent scatters back: ct[rank(i)] where mask[i], else 0
    (the zero rows past the count are constants: their cotangent is dropped)."""
    x, mask = eqn.inputs
    rank = b.emit(Op.CUMSUM, [cast(b, mask, _I64)], axis=0)
    rank = b.emit(Op.MAXIMUM, [_sub(b, rank, i64(b, 1)), i64(b, 0)])
    index = (("array", 0),) + (("slice", None, None, None),) * (x.type.ndim - 1)
    gathered = b.emit(Op.INDEX, [ct, rank], index=index)
    keep = reshape(b, mask, mask.type.shape + (1,) * (x.type.ndim - 1))
    return [_where(b, keep, gathered, _c(b, 0, ct)), None]


def _mean_rule(b, eqn, ct):
    x = eqn.inputs[0]
    axes = eqn.attrs["axes"]
    count = math.prod(x.type.shape[a] for a in axes)
    spread = expand(b, ct, x.type.shape, axes, eqn.attrs.get("keepdims", False))
    return [_div(b, spread, _c(b, count, ct))]


def _max_min_rule(b, eqn, ct):
    """ct goes to the elements equal to the extreme, shared equally among ties."""
    x = eqn.inputs[0]
    kept = _kept(x.type.shape, eqn.attrs["axes"])
    hit = b.emit(Op.CAST, [b.emit(Op.EQ, [x, reshape(b, eqn.out, kept)])], dtype=ct.type.dtype)
    count = b.emit(Op.SUM, [hit], axes=eqn.attrs["axes"], keepdims=True)
    return [_mul(b, _div(b, reshape(b, ct, kept), count), hit)]


def _prod_rule(b, eqn, ct):
    """ct times the product of the *other* elements, computed without dividing by zero.

    With no zero in a reduced group that is prod/x; with exactly one zero, the zero's
    share is the product of the rest and everyone else's is 0; with two or more, all 0.
    """
    x = eqn.inputs[0]
    axes = eqn.attrs["axes"]
    kept = _kept(x.type.shape, axes)
    is_zero = b.emit(Op.EQ, [x, _c(b, 0, x)])
    nonzero = _where(b, is_zero, _c(b, 1, x), x)
    rest = b.emit(Op.PROD, [nonzero], axes=axes, keepdims=True)   # product of non-zeros
    zeros_in = b.emit(Op.SUM, [b.emit(Op.CAST, [is_zero], dtype=x.type.dtype)],
                      axes=axes, keepdims=True)
    lone_zero = b.emit(Op.LOGICAL_AND, [b.emit(Op.EQ, [zeros_in, _c(b, 1, x)]), is_zero])
    others = _where(b, b.emit(Op.EQ, [zeros_in, _c(b, 0, x)]), _div(b, rest, nonzero),
                    _where(b, lone_zero, rest, _c(b, 0, x)))
    return [_mul(b, reshape(b, ct, kept), others)]


# ---- linear algebra -----------------------------------------------------------------

def _swap_last(b, x):
    n = x.type.ndim
    return b.emit(Op.TRANSPOSE, [x], perm=tuple(range(n - 2)) + (n - 1, n - 2))


def _matmul_rule(b, eqn, ct):
    """With 1-d operands promoted to matrices: dA = dC B^T, dB = A^T dC, then unbroadcast."""
    a, c = eqn.inputs
    ash = (1,) + a.type.shape if a.type.ndim == 1 else a.type.shape
    csh = c.type.shape + (1,) if c.type.ndim == 1 else c.type.shape
    out = eqn.out.type.shape
    batch = out[:len(out) - (a.type.ndim > 1) - (c.type.ndim > 1)]
    ct_m = reshape(b, ct, batch + (ash[-2], csh[-1]))

    def d_a():
        full = b.emit(Op.MATMUL, [ct_m, _swap_last(b, reshape(b, c, csh))])
        return reshape(b, sum_to(b, full, ash), a.type.shape)

    def d_c():
        full = b.emit(Op.MATMUL, [_swap_last(b, reshape(b, a, ash)), ct_m])
        return reshape(b, sum_to(b, full, csh), c.type.shape)

    return _only(eqn, d_a, d_c)


def _dot_rule(b, eqn, ct):
    """np.dot as one 2-d product: A as (P, k); B with its contracted axis moved first,
    as (k, Q); then dA = dC B^T and dB = A^T dC, reshaped and transposed back."""
    a, c = eqn.inputs
    if a.type.ndim == 0 or c.type.ndim == 0:
        return _mul_rule(b, eqn, ct)
    k = a.type.shape[-1]
    p = math.prod(a.type.shape[:-1])
    if c.type.ndim == 1:
        perm, moved = None, (k,)
        c2 = reshape(b, c, (k, 1))
    else:
        n = c.type.ndim
        perm = (n - 2,) + tuple(range(n - 2)) + (n - 1,)
        moved = tuple(c.type.shape[i] for i in perm)
        c2 = reshape(b, b.emit(Op.TRANSPOSE, [c], perm=perm), (k, math.prod(moved[1:])))
    ct2 = reshape(b, ct, (p, c2.type.shape[1]))

    def d_a():
        return reshape(b, b.emit(Op.MATMUL, [ct2, _swap_last(b, c2)]), a.type.shape)

    def d_c():
        a2 = reshape(b, a, (p, k))
        flat = b.emit(Op.MATMUL, [_swap_last(b, a2), ct2])
        if perm is None:
            return reshape(b, flat, c.type.shape)
        inverse = tuple(int(i) for i in np.argsort(perm))
        return b.emit(Op.TRANSPOSE, [reshape(b, flat, moved)], perm=inverse)

    return _only(eqn, d_a, d_c)


# ---- shape --------------------------------------------------------------------------

def _reshape_rule(b, eqn, ct):
    return [reshape(b, ct, eqn.inputs[0].type.shape)]


def _transpose_rule(b, eqn, ct):
    inverse = tuple(int(i) for i in np.argsort(eqn.attrs["perm"]))
    return [b.emit(Op.TRANSPOSE, [ct], perm=inverse)]


def _concatenate_rule(b, eqn, ct):
    """Each input gets its slice of ct along the axis."""
    axis = eqn.attrs["axis"] % ct.type.ndim
    result, start = [], 0
    for x, wanted in zip(eqn.inputs, eqn.wanted):
        stop = start + x.type.shape[axis]
        index = (("slice", None, None, None),) * axis + (("slice", start, stop, 1),)
        result.append(b.emit(Op.INDEX, [ct], index=index) if wanted else None)
        start = stop
    return result


# ---- indexing -----------------------------------------------------------------------

def _has_array(index) -> bool:
    return any(entry[0] == "array" for entry in index)


def _flat_positions(b, shape, index, dynamic) -> Value:
    """For each element of `x[index]`, its flat position in x (i64, the result's shape).

    Indexing an arange with the same index answers the question for every index form at
    once (slices, negative ints, arrays, non-adjacent advanced indices).
    """
    size = math.prod(shape)
    ids = reshape(b, b.emit(Op.ARANGE, [], start=0, stop=size, step=1, dtype=_I64), shape)
    return b.emit(Op.INDEX, [ids, *dynamic], index=index)


def _scatter_add(b, x: TensorType, ct: Value, index, dynamic) -> Value:
    """zeros(x.shape) with ct added at x[index]; a loop, so repeated indices add up."""
    positions = _flat_positions(b, x.shape, index, dynamic)
    m = positions.type.size
    flat_pos = reshape(b, positions, (m,))
    flat_ct = reshape(b, ct, (m,))
    acc_type = TensorType((x.size,), ct.type.dtype)
    body = Emitter.with_params([TensorType((), _I64), acc_type], origin=getattr(b, "origin", None))
    j, acc = body.params
    at = (("dyn", 0),)
    where = body.emit(Op.INDEX, [flat_pos, j], index=at)
    total = _add(body, body.emit(Op.INDEX, [acc, where], index=at),
                 body.emit(Op.INDEX, [flat_ct, j], index=at))
    region = body.finish([body.emit(Op.SET_INDEX, [acc, total, where], index=at)])
    summed = b.emit(Op.FOR, [i64(b, 0), i64(b, m), i64(b, 1), zeros(b, acc_type)],
                    regions=[region])
    return reshape(b, summed, x.shape)


def _index_rule(b, eqn, ct):
    x, dynamic = eqn.inputs[0], eqn.inputs[1:]
    index = eqn.attrs["index"]
    if _has_array(index):
        grad = _scatter_add(b, x.type, ct, index, dynamic)
    else:  # basic indexing reads each element at most once: write ct into zeros
        grad = b.emit(Op.SET_INDEX, [zeros(b, x.type), ct, *dynamic], index=index)
    return [grad] + [None] * len(dynamic)


def _set_index_rule(b, eqn, ct):
    """x gets ct with the overwritten region zeroed; value gets the region's ct.

    With index arrays a position may be written more than once and only the last write
    survives (NumPy's order, which every backend keeps), so the region's ct is masked to
    the writes that won: assign each region element its own number, read back which
    number each target ended up holding.
    """
    x, dynamic = eqn.inputs[0], eqn.inputs[2:]
    index = eqn.attrs["index"]

    def d_x():
        return b.emit(Op.SET_INDEX, [ct, _c(b, 0, ct), *dynamic], index=index)

    def d_value():
        region = b.emit(Op.INDEX, [ct, *dynamic], index=index)
        if not _has_array(index):
            return region
        shape = region.type.shape
        ids = reshape(b, b.emit(Op.ARANGE, [], start=0, stop=math.prod(shape), step=1,
                                dtype=_I64), shape)
        unset = b.emit(Op.FULL, [], shape=x.type.shape, dtype=_I64, value=-1)
        owner = b.emit(Op.SET_INDEX, [unset, ids, *dynamic], index=index)
        won = b.emit(Op.EQ, [b.emit(Op.INDEX, [owner, *dynamic], index=index), ids])
        return _where(b, won, region, _c(b, 0, ct))

    return _only(eqn, d_x, d_value, *([None] * len(dynamic)))


def _constant_rule(b, eqn, ct):
    return []


# ---- the table ----------------------------------------------------------------------

def _call_rule(b, eqn, ct):
    """A user's Numba function is opaque: no derivative is known, so a gradient through it
    is an error naming it, never a silent zero."""
    from autograph.errors import AutographError

    raise AutographError(f"autograph.grad cannot differentiate through {eqn.attrs['name']}, "
                         f"a numba function called in a converted function: its derivative "
                         f"is unknown; write it with NumPy, or stop the gradient before it",
                         getattr(b, "origin", None))


VJP: dict[Op, Rule] = {
    **{op: _unary(d) for op, d in _DERIVATIVE.items()},
    Op.NEG: _neg_rule,
    Op.POS: _identity_rule,
    Op.CAST: _identity_rule,          # float -> float only: other casts do not carry ct
    Op.ADD: _add_rule,
    Op.SUB: _sub_rule,
    Op.MUL: _mul_rule,
    Op.TRUEDIV: _truediv_rule,
    Op.POW: _pow_rule,
    Op.MAXIMUM: _extremum_rule(Op.GT),
    Op.MINIMUM: _extremum_rule(Op.LT),
    Op.ARCTAN2: _arctan2_rule,
    Op.HYPOT: _hypot_rule,
    Op.MOD: _mod_rule,
    Op.WHERE: _where_rule,
    Op.SUM: _sum_rule,
    Op.CUMSUM: _cumsum_rule,
    Op.CUMPROD: _cumprod_rule,
    Op.SORT: _sort_rule,
    Op.COMPRESS: _compress_rule,
    Op.MEAN: _mean_rule,
    Op.MAX: _max_min_rule,
    Op.MIN: _max_min_rule,
    Op.PROD: _prod_rule,
    Op.MATMUL: _matmul_rule,
    Op.DOT: _dot_rule,
    Op.RESHAPE: _reshape_rule,
    Op.TRANSPOSE: _transpose_rule,
    Op.BROADCAST_TO: _identity_rule,  # fit sums ct back over the broadcast axes
    Op.CONCATENATE: _concatenate_rule,
    Op.INDEX: _index_rule,
    Op.SET_INDEX: _set_index_rule,
    Op.CONSTANT: _constant_rule,
    **LINALG_VJP,
    Op.CALL: _call_rule,
}

# Gradients stop at these ops (their outputs never carry a cotangent).
NON_DIFFERENTIABLE: frozenset[Op] = (
    COMPARISON | PREDICATE | CREATION | SIDE_EFFECT | NONDETERMINISTIC
    | {Op.ARGMAX, Op.ARGMIN, Op.ARGSORT, Op.ANY, Op.ALL}
    | {Op.FLOOR, Op.CEIL, Op.TRUNC, Op.RINT, Op.SIGN, Op.FLOORDIV}   # piecewise constant
    | {Op.INVERT, Op.BITWISE_AND, Op.BITWISE_OR, Op.BITWISE_XOR,     # integer/bool only
       Op.LEFT_SHIFT, Op.RIGHT_SHIFT}
)
