"""Errors point at the user's code.

Two promises from DESIGN.md: syntax the converter cannot handle is rejected up front with a
`ConversionError` naming the user's file and line; and an exception raised by user code
inside converted code keeps its type, with the user's original line (file, number and
text) shown where a person reads the error — the formatted traceback, notes included.

The expected lines are not hard-coded: each is the line of the function's source that
carries a `# <- here` marker, so editing this file cannot silently shift them.

PYTEST_DONT_REWRITE: the user functions below contain `assert`; pytest's rewriting would
change the original's AssertionError message but not the converted one's (compiled from
source), so this module keeps plain asserts and spells out its failure messages.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import re
import traceback

import pytest

import autograph

MARK = "# <- here"
THIS_FILE = os.path.basename(__file__)


def marked_lines(fn) -> set[int]:
    """Absolute line numbers of the lines of `fn`'s source that carry MARK."""
    lines, first = inspect.getsourcelines(fn)
    found = {first + i for i, line in enumerate(lines) if MARK in line}
    assert found, f"{fn.__name__} has no {MARK!r} marker"
    return found


def marked_text(fn) -> str:
    """The user's marked line, without indentation and marker."""
    lines, _ = inspect.getsourcelines(fn)
    (line,) = [line for line in lines if MARK in line]
    return line.split(MARK)[0].strip()


def reported_lines(message: str) -> set[int]:
    """Line numbers of this file that `message` names as `file:line` or `File "...", line N`."""
    name = re.escape(THIS_FILE)
    found = re.findall(rf"{name}:(\d+)", message)
    found += re.findall(rf'{name}", line (\d+)', message)
    return {int(n) for n in found}


# --------------------------------------------------------------------------- unsupported syntax


def uses_yield(n):
    for i in range(n):
        yield i  # <- here


def uses_yield_from(xs):
    total = 0
    yield from xs  # <- here
    return total


async def uses_async_def(x):  # <- here
    return x + 1


async def uses_await(x):  # <- here
    return await x  # <- here


def break_in_try_finally_in_loop(xs):
    out = []
    for x in xs:
        try:  # <- here
            if x < 0:
                break  # <- here
            out.append(x)
        finally:
            out.append(0)
    return out


def return_in_try_finally_in_loop(xs):
    i = 0
    while i < len(xs):
        try:  # <- here
            if xs[i] is None:
                return i  # <- here
        finally:
            i += 1
    return -1


def uses_match(command):
    match command:  # <- here
        case "go":
            return 1
        case _:
            return 0


UNSUPPORTED = [uses_yield, uses_yield_from, uses_async_def, uses_await,
               break_in_try_finally_in_loop, return_in_try_finally_in_loop, uses_match]


@pytest.mark.parametrize("entry", [autograph.to_function, autograph.to_source], ids=["to_function", "to_source"])
@pytest.mark.parametrize("fn", UNSUPPORTED, ids=[f.__name__ for f in UNSUPPORTED])
def test_unsupported_construct_is_rejected_with_file_and_line(fn, entry):
    # Where a construct spans two marked lines (`try` and its `break`, `async def` and its
    # `await`), naming either is right; naming any other line is not.
    with pytest.raises(autograph.ConversionError) as excinfo:
        entry(fn)
    message = str(excinfo.value)
    reported = reported_lines(message)
    assert reported, f"no {THIS_FILE}:LINE in {message!r}"
    assert reported & marked_lines(fn), f"expected line {sorted(marked_lines(fn))}, got {message!r}"
    assert reported <= marked_lines(fn), message


def test_conversion_error_is_an_autograph_error():
    assert issubclass(autograph.ConversionError, autograph.AutographError)
    with pytest.raises(autograph.AutographError):
        autograph.to_function(uses_match)


# Neighbours of the rejected constructs that are supported: the checker must not be broad.


def finally_in_loop_without_jumps(xs):
    log = []
    for x in xs:
        try:
            log.append(x)
        finally:
            log.append(-x)
    return log


def return_in_try_finally_outside_loop(x):
    log = []
    try:
        log.append(x)
        return x + 1, log
    finally:
        log.append("finally")


def break_in_try_except_in_loop(xs):
    out = []
    for x in xs:
        try:
            if x == 0:
                break
            out.append(10 // x)
        except ZeroDivisionError:
            out.append(None)
    return out


def with_outside_loop(xs):
    log = []
    with contextlib.suppress(IndexError):
        log.append(xs[3])
    return log


SUPPORTED_NEIGHBOURS = [
    (finally_in_loop_without_jumps, ([1, 2],)),
    (return_in_try_finally_outside_loop, (4,)),
    (break_in_try_except_in_loop, ([5, 2, 0, 1],)),
    (with_outside_loop, ([1, 2, 3, 4],)),
]


@pytest.mark.parametrize("fn, args", SUPPORTED_NEIGHBOURS, ids=[f.__name__ for f, _ in SUPPORTED_NEIGHBOURS])
def test_supported_neighbour_converts_and_matches(fn, args):
    assert autograph.to_function(fn)(*args) == fn(*args)


# --------------------------------------------------------------------------- user exceptions


def divides_in_loop(total, divisor):
    i = 0
    while i < 3:
        if i == 2:
            total = total // divisor  # <- here
        i += 1
    return total


def key_error_in_branch(d, keys):
    out = []
    for k in keys:
        if k.startswith("x"):
            out.append(d[k])  # <- here
        else:
            out.append(None)
    return out


def raises_explicitly(values):
    for v in values:
        if v < 0:
            raise ValueError(f"negative value {v}")  # <- here
    return values


def _helper_that_fails(d):
    return d["missing"]  # <- here


def error_in_converted_helper(d):
    if d:
        return _helper_that_fails(d)
    return None


def attribute_error_in_boolean(x):
    ok = x is None or x.missing_attribute > 0  # <- here
    return ok


def failing_assert(x):
    for i in range(2):
        assert x > i, "x must exceed the index"  # <- here
    return x


USER_ERRORS = [
    (divides_in_loop, (10, 0), ZeroDivisionError, divides_in_loop),
    (key_error_in_branch, ({"xa": 1}, ["b", "xz"]), KeyError, key_error_in_branch),
    (raises_explicitly, ([1, -2],), ValueError, raises_explicitly),
    (error_in_converted_helper, ({"k": 1},), KeyError, _helper_that_fails),
    (attribute_error_in_boolean, (3,), AttributeError, attribute_error_in_boolean),
    (failing_assert, (1,), AssertionError, failing_assert),
]


@pytest.mark.parametrize(
    "fn, args, error_type, where", USER_ERRORS, ids=[entry[0].__name__ for entry in USER_ERRORS]
)
def test_user_exception_keeps_type_and_shows_user_line(fn, args, error_type, where):
    with pytest.raises(error_type) as original:
        fn(*args)
    converted = autograph.to_function(fn)
    with pytest.raises(Exception) as excinfo:
        converted(*args)
    error = excinfo.value
    assert type(error) is error_type, f"{type(error).__name__}: {error}"
    assert str(error) == str(original.value), "the exception's message changed"
    shown = "".join(traceback.format_exception(error))
    assert marked_text(where) in shown, shown
    assert reported_lines(shown) & marked_lines(where), shown
