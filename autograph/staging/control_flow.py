"""Staged `if`, `while`, `for`, conditional expressions, `and`/`or`/`not` and `assert`.

The operators call these when a condition or an iterable is a tensor. Each traces the
user's branch or loop body functions (from the converted code) into regions of a COND,
WHILE or FOR node; branches.py and loops.py decide what flows through the regions and
check that both sides agree.

- `cond` traces both branches, each with fresh handles on the state tensors, so item
  assignment in one branch cannot leak into the other.
- Loops trace their test and body once (again, if a weak initial value must be widened).
- `and` / `or` on a tensor are conditionals, so the right operand is evaluated only when
  Python would evaluate it (`i < n and x[i] > 0` never reads `x[n]`).
"""

from __future__ import annotations

import numpy as np

from autograph.errors import StagingError
from autograph.ir.ops import Op
from autograph.ir.types import TensorType
from autograph.staging import concrete, context, iterables, numpy_api, pytrees
from autograph.staging.branches import BranchMerge
from autograph.staging.loops import LoopCarry, Retype
from autograph.staging.state import is_tensor_like
from autograph.staging.tensor import (EMPTY, Tensor, apply, cast, lift, merge_sources,
                                      to_value)

_MAX_RETYPES = 4
# Staged `if`s nested deeper than this are taken for a recursion on a traced value.
MAX_COND_DEPTH = 48
_I64 = TensorType((), np.int64)


def _line(origin) -> str:
    return str(origin.lineno) if origin is not None else "?"


def truth(value, what: str):
    """(0-d bool IR value, sources) for Python's truth test of `value`."""
    ctx = context.require()
    if not isinstance(value, Tensor):
        if is_tensor_like(value) and not isinstance(value, np.ndarray):
            return ctx.constant(bool(value)), EMPTY
        value = lift(value)
    if value.size != 1:
        raise context.staging_error(
            f"{what} is an array of shape {value.shape}; its truth value is ambiguous: use "
            f"np.any(...) or np.all(...)")
    if value.ndim:
        value = numpy_api.reshape(value, ())
    if value.dtype != np.bool_:
        value = cast(value, np.bool_, weak=value.weak)
    return value.value, value._sources


def _prepare_state(state, ctx) -> tuple:
    """NumPy arrays in the state become tensors, so item assignment in a staged block is
    staged too (on the array itself it would run once, at trace time)."""
    def convert(leaf):
        if isinstance(leaf, np.ndarray) and leaf.dtype.kind in "biufc":
            return Tensor(ctx.capture(leaf), None, None, ctx)
        return leaf

    leaves, treedef = pytrees.flatten(tuple(state))
    return pytrees.unflatten(treedef, [convert(leaf) for leaf in leaves])


def _fresh(state, ctx) -> tuple:
    """New handles on the state's values for one branch; a write through one outdates the
    views of the array outside (`Tensor._origin`)."""
    leaves, treedef = pytrees.flatten(tuple(state))
    return pytrees.unflatten(treedef, [_stand_in(leaf, ctx) if isinstance(leaf, Tensor)
                                       else leaf for leaf in leaves])


def _stand_in(leaf: Tensor, ctx) -> Tensor:
    handle = Tensor(leaf.value, leaf._sources, leaf._alias, ctx)
    handle._origin = leaf
    return handle


# ---- if -------------------------------------------------------------------------------


def cond(pred, if_true, if_false, state: tuple, names: tuple[str, ...]):
    """A staged `if pred:`; the branches take and return the state tuple."""
    return _cond(pred, if_true, if_false, state, names, "the `if`")


def _cond(pred, if_true, if_false, state, names, where):
    ctx = context.require()
    origin = context.user_origin()
    line = _line(origin)
    pred_value, pred_sources = truth(pred, f"the condition of {where} at line {line}")
    if ctx.cond_depth >= MAX_COND_DEPTH:
        _too_deep(pred, origin)
    state = _prepare_state(state, ctx)
    outs, regions = [], []
    ctx.cond_depth += 1
    try:
        for branch in (if_true, if_false):
            with ctx.region([], what=f"a branch of {where} at line {line}") as region:
                out = branch(*_fresh(state, ctx))
            outs.append(tuple(out))
            regions.append(region.region)
    finally:
        ctx.cond_depth -= 1
    if len(outs[0]) != len(names) or len(outs[1]) != len(names):
        raise StagingError(f"the branches of {where} at line {line} returned "
                           f"{len(outs[0])} and {len(outs[1])} values for {len(names)} state "
                           f"variables", origin)
    merge = BranchMerge(ctx, regions, line, origin, where)
    templates = [merge.merge_var(name, a, b) for name, a, b in zip(names, outs[0], outs[1])]
    return tuple(merge.finish(pred_value, pred_sources, templates))


def _too_deep(pred, origin):
    sources = pred._sources if isinstance(pred, Tensor) else None
    if sources:
        raise concrete.NeedsStaticArgument(
            sources, f"staged `if`s nest more than {MAX_COND_DEPTH} deep, likely a recursion "
                     f"on it (line {_line(origin)})", origin)
    raise StagingError(f"staged `if`s nest more than {MAX_COND_DEPTH} deep: a recursion whose "
                       f"depth depends on a traced value cannot be staged", origin)


def if_exp(pred, if_true, if_false):
    """`if_true() if pred else if_false()` with a tensor `pred`."""
    (value,) = _cond(pred, lambda: (if_true(),), lambda: (if_false(),), (), ("value",),
                     "the conditional expression")
    return value


def logical_and(left, right):
    """`left and right()` for a tensor `left`: `right()` only where `left` is true."""
    if not isinstance(left, Tensor):
        return right() if left else left
    (value,) = _cond(left, lambda: (right(),), lambda: (left,), (), ("value",),
                     "the `and` expression")
    return value


def logical_or(left, right):
    """`left or right()` for a tensor `left`: `right()` only where `left` is false."""
    if not isinstance(left, Tensor):
        return left if left else right()
    (value,) = _cond(left, lambda: (left,), lambda: (right(),), (), ("value",),
                     "the `or` expression")
    return value


def logical_not(value):
    """`not value`: a (weak) bool, as Python's `not` gives a bool."""
    v, sources = truth(value, "the operand of `not`")
    ctx = context.require()
    return cast(Tensor(ctx.emit(Op.LOGICAL_NOT, [v]), sources, None, ctx), np.bool_, weak=True)


# ---- loops ----------------------------------------------------------------------------


def while_loop(test, body, state: tuple, names: tuple[str, ...]):
    """A staged `while test(*state): state = body(*state)`."""
    ctx = context.require()
    origin = context.user_origin()
    line = _line(origin)
    where = f"the staged `while` at line {line}"
    carry = LoopCarry(ctx, _prepare_state(state, ctx), names, line, origin)
    for _ in range(_MAX_RETYPES):
        types, hints = carry.param_types()
        with ctx.region(types, hints, where) as test_region:
            verdict, carry.bound_sources = truth(test(*carry.unpack(test_region.params)),
                                                 f"the test of {where}")
            test_region.results = [verdict]
        try:
            with ctx.region(types, hints, where) as body_region:
                new_state = body(*carry.unpack(body_region.params))
                body_region.results = carry.pack(new_state)
        except Retype:
            continue
        break
    else:
        raise StagingError(f"the types of the state of {where} do not settle", origin)
    outputs = ctx.emit(Op.WHILE, carry.inits(), origin=origin,
                       regions=[test_region.region, body_region.region])
    return carry.outputs(_as_tuple(outputs))


def _as_tuple(outputs):
    return (outputs,) if not isinstance(outputs, tuple) else outputs


def for_loop(iterable, extra_test, body, state: tuple, names: tuple[str, ...]):
    """A staged `for item in iterable: state = body(item, *state)`.

    `extra_test(*state)`, when given (a lowered `break` or `return`), is checked before
    every iteration; such loops become a WHILE over an explicit counter.
    """
    ctx = context.require()
    origin = context.user_origin()
    line = _line(origin)
    where = f"the staged `for` at line {line}"
    staged = iterables.as_staged(iterable)
    carry = LoopCarry(ctx, _prepare_state(state, ctx), names, line, origin)
    carry.bound_sources = staged.sources
    bounds = staged.bounds()
    if extra_test is None:
        if bounds is not None:
            start, stop, step = (_int_value(b, ctx) for b in bounds)
            item_of = iterables.weak_int
        else:
            start, stop, step = (_int_value(b, ctx) for b in (0, staged.length(), 1))
            item_of = staged.item
        for _ in range(_MAX_RETYPES):
            types, hints = carry.param_types()
            try:
                with ctx.region([_I64, *types], ["i", *hints], where) as body_region:
                    index = Tensor(body_region.params[0], carry.bound_sources, None, ctx)
                    new_state = body(item_of(index), *carry.unpack(body_region.params[1:]))
                    body_region.results = carry.pack(new_state)
            except Retype:
                continue
            break
        else:
            raise StagingError(f"the types of the state of {where} do not settle", origin)
        outputs = ctx.emit(Op.FOR, [start, stop, step, *carry.inits()], origin=origin,
                           regions=[body_region.region])
        return carry.outputs(_as_tuple(outputs))
    return _for_with_test(ctx, staged, extra_test, body, carry, where, origin)


def _int_value(x, ctx):
    if isinstance(x, Tensor):
        if x.ndim != 0 or x.dtype.kind not in "iu":
            raise TypeError(f"'{x.dtype}' object cannot be interpreted as an integer")
        return x.value
    return to_value(int(x), ctx)[0]


def _for_with_test(ctx, staged, extra_test, body, carry, where, origin):
    """for + break/return: while k < length and extra_test(*state): ...; k += 1."""
    length = lift(staged.length())
    for _ in range(_MAX_RETYPES):
        types, hints = carry.param_types()
        with ctx.region([_I64, *types], ["k", *hints], where) as test_region:
            k = Tensor(test_region.params[0], carry.bound_sources, None, ctx)
            state = carry.unpack(test_region.params[1:])
            in_range = apply(Op.LT, k, length)
            go_on, go_sources = truth(extra_test(*state), f"the loop test of {where}")
            test_region.results = [ctx.emit(Op.LOGICAL_AND, [in_range.value, go_on])]
        carry.bound_sources = merge_sources(carry.bound_sources, go_sources)
        try:
            with ctx.region([_I64, *types], ["k", *hints], where) as body_region:
                k = Tensor(body_region.params[0], carry.bound_sources, None, ctx)
                new_state = body(staged.item(k), *carry.unpack(body_region.params[1:]))
                results = carry.pack(new_state)
                body_region.results = [apply(Op.ADD, k, np.int64(1)).value, *results]
        except Retype:
            continue
        break
    else:
        raise StagingError(f"the types of the state of {where} do not settle", origin)
    inits = [to_value(np.int64(0), ctx)[0], *carry.inits()]
    outputs = _as_tuple(ctx.emit(Op.WHILE, inits, origin=origin,
                                 regions=[test_region.region, body_region.region]))
    return carry.outputs(outputs[1:])

