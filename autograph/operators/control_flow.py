"""`if`, `while` and `for` as functions: plain Python for Python values, staged for tensors.

The converted code calls these with its branch and loop bodies as local functions that take
the statement's state variables as parameters and return their new values (see
converters/control_flow.py). Here we decide, at run time and per statement, whether the
statement runs as Python or is staged into a region of the graph — the split the design
calls "two worlds".
"""

from __future__ import annotations

import contextlib
import functools

from autograph import staging
from autograph.operators import py_builtins, side_effects
from autograph.staging import unrolling


@contextlib.contextmanager
def _staging(decider=None, what: str = "branch or loop"):
    """Marks what propagates out of tracing a staged region: a user's `except` around it
    may not swallow it (side_effects.caught).

    `decider` is what made the statement staged (the condition, the iterable). If it comes
    only from Python int/float arguments (traced as weak scalars) and the region cannot be
    staged (a dict given other keys in each branch, an array changing shape in the loop,
    `None` returned on one path), the api retraces with those arguments static, where the
    statement runs as Python (staging.concrete.NeedsStaticArgument records why)."""
    try:
        yield
    except staging.NeedsStaticArgument as error:
        side_effects.mark_staged(error)
        raise
    except Exception as error:  # noqa: BLE001 - re-raised, or promoted to a static retrace
        # (also a Python exception raised while tracing a body that may never run: a loop
        # of `range(n)` with n == 0 dividing by zero; static, the loop runs as Python does)
        side_effects.mark_staged(error)
        sources = getattr(decider, "_sources", None) or getattr(decider, "sources", None)
        if not sources:
            raise
        origin = staging.context.user_origin()
        line = f" at line {origin.lineno}" if origin is not None else ""
        text = getattr(error, "message", None) or f"{type(error).__name__}: {error}"
        raise staging.NeedsStaticArgument(
            sources, f"the {what}{line} depends on it and cannot be staged "
                     f"({str(text).splitlines()[0]})",
            getattr(error, "origin", None)) from error
    except BaseException as error:
        side_effects.mark_staged(error)
        raise


def if_stmt(cond, if_true, if_false, state: tuple, names: tuple[str, ...]):
    """`if cond:` with both branches as functions of the state; returns the new state.

    `if_false` is None for an `if` without `else`: that branch keeps the state.
    """
    if staging.is_tensor(cond):
        with _staging(cond, "`if`"):
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
            with _staging(verdict, "`while` loop"):
                return staging.while_loop(test, body, state, names)
        if not verdict:
            return state
        state = body(*state)


def for_stmt(iterable, extra_test, body, state: tuple, names: tuple[str, ...]):
    """`for target in iterable:`; `body(item, *state)` returns the new state.

    `extra_test(*state)`, when given, is checked before each iteration: the lowered form of
    `break` and of `return` inside the loop.

    Tensors and staged iterables make a staged loop. While tracing, a `for` over a static
    `range` or `np.ndindex` is staged as well when its state holds tensors, or when its
    first iteration turns the state into tensors (an accumulator starting as `0.0`); it
    stays unrolled when the body cannot be staged (it needs the index as a Python int).
    Unrolled loops have a budget of graph ops (staging/unrolling.py).
    """
    iterable, resumable = side_effects.resumable.unwrap(iterable)
    if staging.is_tensor(iterable):
        if unrolling.static_trip_count(iterable) == 0:
            return state  # no iteration: Python's meaning, types included
        with _staging(iterable, "`for` loop"):
            return staging.for_loop(iterable, extra_test, body, state, names)
    staged = unrolling.stageable_static(iterable)
    if staged is None:
        return _unrolled_for(iterable, None, extra_test, body, state, names,
                             resumable=resumable)
    if unrolling.static_length(iterable) == 0:
        return state
    why = None
    if unrolling.holds_tensor(state):
        if unrolling.holds_mutable(state):  # a failed attempt could not be undone
            with _staging():
                return staging.for_loop(_staged_form(iterable, staged), extra_test, body,
                                        state, names)
        mark = unrolling.Mark(staging.current())
        try:
            return staging.for_loop(_staged_form(iterable, staged), extra_test, body, state,
                                    names)
        except Exception as error:  # noqa: BLE001 - unrolled, the body gives its own result
            mark.roll_back()        # or raises its own error, with a Python index
            why = f"its body could not be staged ({unrolling.reason_of(error)})"
    return _unrolled_for(iterable, staged if why is None else None, extra_test, body, state,
                         names, why)


def _staged_form(iterable, staged):
    return iterable if type(iterable) is range else staged


def _unrolled_for(iterable, staged, extra_test, body, state, names, why=None,
                  resumable=False):
    """The loop run as Python (unrolled while tracing). `staged`, when given, is the
    staged form of a static iterable: if the first iteration turns the state into tensors,
    the whole loop is traced again as a staged loop and the unrolled iteration dropped."""
    if isinstance(iterable, py_builtins.static_range):
        budget, why = None, "it iterates over autograph.static_range"
    else:
        budget = unrolling.UNROLL_BUDGET
        if why is None:
            why = ("its state holds no tensor" if staged is not None
                   else f"it iterates over a Python {type(iterable).__name__}")
    ctx = staging.current()
    origin = staging.context.user_origin() if ctx is not None else None
    length = unrolling.static_length(iterable)
    probe_first = (staged is not None and length is not None and length > 1
                   and not unrolling.holds_mutable(state))
    unrolled = unrolling.Unrolled(origin, budget, length, why)
    items = iter(iterable)
    for position, item in enumerate(items):
        probe = unrolling.Mark(ctx) if probe_first and position == 0 else None
        unrolled.start()
        if extra_test is not None:
            verdict = extra_test(*state)
            if staging.is_tensor(verdict):
                # A `break`/`return` that now depends on a tensor: the rest of a range is
                # staged as a loop; other iterables are unrolled, each iteration guarded.
                if type(iterable) is range:
                    with _staging():
                        return staging.for_loop(iterable[position:], extra_test, body, state,
                                                names)
                if resumable:  # a later loop would resume it where Python's loop stopped
                    raise side_effects.refuse_resumed_iterator(iterable)
                for item in [item, *items]:
                    unrolled.start()
                    verdict = extra_test(*state)
                    with _staging():
                        state = staging.cond(verdict, functools.partial(body, item),
                                             _keep_state, state, names)
                    unrolled.done()
                unrolled.finish()
                return state
            if not verdict:
                break
        if probe is None:
            new_state = body(item, *state)
        else:
            unrolling.begin_probe(ctx)
            try:
                new_state = body(item, *state)
            except BaseException:
                unrolling.replay(ctx, unrolling.end_probe(ctx))
                raise
            prints = unrolling.end_probe(ctx)
            if (unrolling.holds_tensor(new_state)
                    and not unrolling.holds_mutable(new_state)):
                staged_loop = _stage_from_start(iterable, staged, extra_test, body, state,
                                                names, probe)
                if isinstance(staged_loop, tuple):
                    return staged_loop  # the first iteration's Python prints never happened
                unrolled.why = f"its body could not be staged ({staged_loop})"
            unrolling.replay(ctx, prints)
        state = new_state
        unrolled.done()
    unrolled.finish()
    return state


def _stage_from_start(iterable, staged, extra_test, body, state, names, probe):
    """The loop staged from its initial `state` after the first iteration (run from
    `probe`) made tensors: the new state, with the first iteration's ops dropped; or, if
    the body cannot be staged, the reason (a str) and the first iteration kept."""
    after_probe = unrolling.Mark(staging.current())
    try:
        result = staging.for_loop(_staged_form(iterable, staged), extra_test, body, state,
                                  names)
    except Exception as error:  # noqa: BLE001 - the loop stays unrolled; see for_stmt
        after_probe.roll_back()
        return unrolling.reason_of(error)
    del probe.region.nodes[probe.count:after_probe.count]
    return tuple(result)


def if_exp(cond, if_true, if_false):
    """`a if cond else b`; only the branch taken is evaluated for Python conditions."""
    if staging.is_tensor(cond):
        with _staging(cond, "conditional expression"):
            return staging.if_exp(cond, if_true, if_false)
    return if_true() if cond else if_false()
