"""Golden `to_source` output: one small function per converter, per renderer.

Reviewers read converted code as a diff of tests/golden/to_source/<renderer>/<name>.txt
instead of guessing from a pass/fail. Each function exercises one converter (plus the
minimum around it), so a change to one converter changes one file. Both renderers are
kept: `astor` is the stable layout, `ast.unparse` the fallback for syntax astor cannot
render, and the two must agree on meaning if not on layout.

New or changed output: run `pytest tests/test_converter_golden.py --update-goldens` and
review `git diff tests/golden`.
"""

from __future__ import annotations

import ast

import pytest

import autograph

RENDERERS = ("astor", "unparse")


def if_stmt(x):
    if x > 0:
        x = x * 2
    return x


def if_elif_else(x):
    if x > 0:
        y = 1
    elif x < 0:
        y = -1
    else:
        y = 0
    return y


def while_stmt(n):
    i = 0
    s = 0
    while i < n:
        s += i
        i += 1
    return s


def while_else(n):
    i = 0
    while i < n:
        i += 2
    else:
        i = -i
    return i


def for_range(n):
    s = 0
    for i in range(n):
        s += i
    return s


def for_else(xs):
    for x in xs:
        if x < 0:
            break
    else:
        x = None
    return x


def break_stmt(xs):
    s = 0
    for x in xs:
        if x > 10:
            break
        s += x
    return s


def continue_stmt(xs):
    s = 0
    for x in xs:
        if x < 0:
            continue
        s += x
    return s


def return_in_loop(xs, target):
    for i in range(len(xs)):
        if xs[i] == target:
            return i
    return -1


def ifexp(x):
    return x if x > 0 else -x


def and_or_not(a, b, c):
    return (a and b) or not c


def chained_comparison(a, b, c):
    return a < b <= c


def _golden_helper(v):
    return v + 1


def call(x):
    return _golden_helper(x) * len([x])


def assert_stmt(x):
    assert x > 0, "x must be positive"
    return x


def print_stmt(x):
    print("x is", x)
    return x


def list_append(n):
    out = []
    for i in range(n):
        out.append(i)
    return out


def augassign(x):
    x += 1
    x *= 2
    x //= 3
    return x


def subscript_assignment(xs, i, v):
    xs[i] = v
    xs[i] += 1
    return xs


def nonlocal_stmt(xs):
    total = 0

    def add(v):
        nonlocal total
        total += v

    for x in xs:
        add(x)
    return total


FUNCTIONS = [
    if_stmt, if_elif_else, while_stmt, while_else, for_range, for_else, break_stmt,
    continue_stmt, return_in_loop, ifexp, and_or_not, chained_comparison, call, assert_stmt,
    print_stmt, list_append, augassign, subscript_assignment, nonlocal_stmt,
]


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize("fn", FUNCTIONS, ids=[f.__name__ for f in FUNCTIONS])
def test_to_source_golden(fn, renderer, golden):
    text = autograph.to_source(fn, renderer=renderer)
    ast.parse(text)  # the converted source is valid Python
    assert autograph.to_source(fn, renderer=renderer) == text, "to_source is not deterministic"
    golden.check(f"to_source/{renderer}/{fn.__name__}", text)
