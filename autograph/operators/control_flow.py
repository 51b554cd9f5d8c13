"""`if`, `while` and `for` as functions: plain Python for Python values, staged for tensors.

The converted code calls these with its branch and loop bodies as local functions that take
the statement's state variables as parameters and return their new values (see
converters/control_flow.py). Here we decide, at run time and per statement, whether the
statement runs as Python or is staged into a region of the graph — the split the design
calls "two worlds".
"""

from __future__ import annotations

import functools

from autograph import staging


def if_stmt(cond, if_true, if_false, state: tuple, names: tuple[str, ...]):
    """`if cond:` with both branches as functions of the state; returns the new state.

    `if_false` is None for an `if` without `else`: that branch keeps the state.
    """
    if staging.is_tensor(cond):
        return staging.cond(cond, if_true, if_false or _keep_state, state, names)
    if cond:
        return if_true(*state)
    return state if if_false is None else if_false(*state)


def _keep_state(*state):
    return state


def while_stmt(test, body, state: tuple, names: tuple[str, ...]):
    """`while test:`; staged as soon as the test (or the state) holds a tensor.

    Iterations run as Python while the test is a Python value; if the test becomes a tensor
    (state turned into tensors in the body), the remaining iterations are staged from there,
    which keeps the loop's meaning.
    """
    while True:
        verdict = test(*state)
        if staging.is_tensor(verdict):
            return staging.while_loop(test, body, state, names)
        if not verdict:
            return state
        state = body(*state)


def for_stmt(iterable, extra_test, body, state: tuple, names: tuple[str, ...]):
    """`for target in iterable:`; `body(item, *state)` returns the new state.

    `extra_test(*state)`, when given, is checked before each iteration: the lowered form of
    `break` and of `return` inside the loop.
    """
    if staging.stages_loop(iterable, state):
        return staging.for_loop(iterable, extra_test, body, state, names)
    if extra_test is None:
        for item in iterable:
            state = body(item, *state)
        return state
    items = iter(iterable)
    for position, item in enumerate(items):
        verdict = extra_test(*state)
        if staging.is_tensor(verdict):
            # A `break`/`return` that now depends on a tensor: the rest of a range is
            # staged as a loop; other iterables are unrolled, each iteration guarded.
            if isinstance(iterable, range):
                return staging.for_loop(iterable[position:], extra_test, body, state, names)
            for item in [item, *items]:
                verdict = extra_test(*state)
                state = staging.cond(verdict, functools.partial(body, item), _keep_state, state, names)
            return state
        if not verdict:
            break
        state = body(item, *state)
    return state


def if_exp(cond, if_true, if_false):
    """`a if cond else b`; only the branch taken is evaluated for Python conditions."""
    if staging.is_tensor(cond):
        return staging.if_exp(cond, if_true, if_false)
    return if_true() if cond else if_false()
