"""Small plain-Python functions, one construct (or one tricky combination) each.

Why a corpus: a converted function called with Python values must behave exactly like the
original — same values and types, same exception types, same prints, same mutation of its
arguments. The only reliable oracle is the original function itself, so each function here
is registered with a few argument tuples and the tests compare `to_function(f)(*args)`
with `f(*args)`.

Rules for adding a function:
- register it with `@cases(...)` (or `register(fn, ...)` for closures, lambdas, bound
  methods); each input is a tuple of positional arguments or an `Args` with keywords;
- choose inputs that take every path (each branch, zero/one/many loop iterations, the
  break and the no-break path, the raising path);
- results must be deterministic and independent of call order (no hidden counters), since
  the original and the converted function are called on separate copies of the inputs;
- keep `break`/`return` out of `try/finally` and `with` bodies inside loops: those are
  rejected by design (see tests/test_converter_errors.py).
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Any, Callable

import numpy as np


@dataclasses.dataclass(eq=False)
class Args:
    """Positional and keyword arguments of one call."""

    args: tuple = ()
    kwargs: dict = dataclasses.field(default_factory=dict)

    def __repr__(self) -> str:
        parts = [repr(a) for a in self.args]
        parts += [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"({', '.join(parts)})"


@dataclasses.dataclass(eq=False)
class Case:
    """A corpus function with the calls to make on it."""

    name: str
    fn: Callable
    inputs: list[Args]


CASES: list[Case] = []


def register(fn: Callable, *inputs: Any, name: str | None = None) -> Callable:
    """Adds `fn` to CASES; each input is an `Args` or a tuple of positional arguments."""
    name = name or fn.__name__
    if any(case.name == name for case in CASES):
        raise ValueError(f"duplicate corpus name {name!r}")
    if not inputs:
        raise ValueError(f"corpus function {name!r} has no inputs")
    calls = [i if isinstance(i, Args) else Args(tuple(i)) for i in inputs]
    CASES.append(Case(name, fn, calls))
    return fn


def cases(*inputs: Any) -> Callable[[Callable], Callable]:
    """Decorator form of `register`."""
    return lambda fn: register(fn, *inputs)


# --------------------------------------------------------------------------- helpers
# Module-level helpers, classes and globals that corpus functions call or read. They are
# not registered themselves: the converter has to reach them through converted calls.

SCALE = 3
OFFSETS = (1, 10, 100)
_LAST_SEEN = None


def helper_double(v):
    return 2 * v


def helper_clip(v, lo=0, hi=10):
    if v < lo:
        return lo
    if v > hi:
        return hi
    return v


def helper_logged(log, tag, value):
    """Appends to `log` so a test sees whether (and in which order) it was called."""
    log.append(tag)
    return value


def helper_kwonly(a, *, scale=1, shift=0):
    return a * scale + shift


def helper_varargs(*args, **kwargs):
    return sum(args) + sum(kwargs.values())


def helper_print(v):
    print("helper sees", v)
    return v + 1


def factorial(n):
    if n <= 1:
        return 1
    return n * factorial(n - 1)


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def is_even(n):
    if n == 0:
        return True
    return is_odd(n - 1)


def is_odd(n):
    if n == 0:
        return False
    return is_even(n - 1)


class Box:
    """A plain object with an attribute, for `x is not None and x.attr > 0`."""

    def __init__(self, attr):
        self.attr = attr

    def __eq__(self, other):
        return type(other) is Box and other.attr == self.attr

    def __repr__(self):
        return f"Box({self.attr!r})"


class Accumulator:
    def __init__(self, start=0):
        self.total = start
        self.count = 0

    def add(self, v):
        self.total += v
        self.count += 1
        return self

    def mean(self):
        if self.count == 0:
            return None
        return self.total / self.count


class Scaler:
    def __init__(self, factor):
        self.factor = factor

    def apply(self, xs):
        out = []
        for x in xs:
            out.append(x * self.factor)
        return out


class CorpusError(Exception):
    """A user-defined exception type that must propagate unchanged."""


@contextlib.contextmanager
def logging_context(log, name):
    log.append("enter " + name)
    try:
        yield len(log)
    finally:
        log.append("exit " + name)


# --------------------------------------------------------------------------- if / elif / else


@cases((5,), (-3,), (0,))
def if_else(x):
    if x > 0:
        y = x * 2
    else:
        y = -x
    return y


@cases((5,), (-3,), (0,))
def if_without_else(x):
    y = 1
    if x > 0:
        y = x + 1
    return y


@cases((-5,), (0,), (3,), (50,), (500,))
def if_elif_else(x):
    if x < 0:
        kind = "negative"
    elif x == 0:
        kind = "zero"
    elif x < 10:
        kind = "small"
    elif x < 100:
        kind = "medium"
    else:
        kind = "large"
    return kind


@cases((1, 1), (1, -1), (-1, 1), (-1, -1), (0, 0))
def if_nested(a, b):
    if a > 0:
        if b > 0:
            q = 1
        else:
            q = 4
    else:
        if b > 0:
            q = 2
        elif b == 0:
            q = 0
        else:
            q = 3
    return q


@cases((4,), (-4,))
def if_branch_local_not_used_after(x):
    if x > 0:
        tmp = x * 10
        y = tmp + 1
    else:
        other = x - 10
        y = other * 2
    return y


@cases((4,), (-4,))
def if_branch_local_read_after(x):
    # Reading `y` after the `if` raises UnboundLocalError when the branch is not taken.
    if x > 0:
        y = x
    return y


@cases(([1, 2, 3],), ([],), ([-1, 5],))
def if_modifies_list_in_branch(xs):
    if len(xs) > 1:
        xs.append(xs[0] + xs[-1])
    else:
        xs.append(0)
    return len(xs)


# --------------------------------------------------------------------------- while


@cases((0,), (1,), (10,))
def while_sum(n):
    i = 0
    total = 0
    while i < n:
        total += i
        i += 1
    return total


@cases((27,), (1,), (6,))
def while_collatz(n):
    steps = 0
    while n != 1:
        if n % 2 == 0:
            n //= 2
        else:
            n = 3 * n + 1
        steps += 1
    return steps


@cases((10,), (100,), (0,))
def while_break(limit):
    i = 0
    while True:
        if i * i > limit:
            break
        i += 1
    return i


@cases((10,), (0,), (7,))
def while_continue(n):
    i = 0
    odds = []
    while i < n:
        i += 1
        if i % 2 == 0:
            continue
        odds.append(i)
    return odds


@cases((5, 30), (5, 3), (0, 1))
def while_else(n, stop):
    i = 0
    log = []
    while i < n:
        if i == stop:
            log.append("break")
            break
        i += 1
    else:
        log.append("else")
    return i, log


@cases((3, 4), (0, 2), (2, 0))
def while_nested(rows, cols):
    cells = []
    r = 0
    while r < rows:
        c = 0
        while c < cols:
            if c > r:
                break
            cells.append((r, c))
            c += 1
        r += 1
    return cells


@cases((5,), (100,), (0,))
def while_else_return(n):
    i = 0
    while i < n:
        if i * i > 50:
            break
        i += 1
    else:
        return -1
    return i


# --------------------------------------------------------------------------- for


@cases((0,), (1,), (7,))
def for_range(n):
    total = 0
    for i in range(n):
        total += i * i
    return total


@cases((2, 20, 3), (10, 0, -2), (5, 5, 1))
def for_range_step(start, stop, step):
    seen = []
    for i in range(start, stop, step):
        seen.append(i)
    return seen


@cases(([3, 1, 4, 1, 5],), ([],), ([2.5, -1.0],))
def for_list(xs):
    best = None
    for x in xs:
        if best is None or x > best:
            best = x
    return best


@cases(((1, 2, 3),), ((),), ((7,),))
def for_tuple(t):
    prod = 1
    for v in t:
        prod *= v
    return prod


@cases(({"a": 1, "b": 2},), ({},), ({"x": -5, "y": 5, "z": 0},))
def for_dict_items(d):
    keys = []
    total = 0
    for k, v in d.items():
        keys.append(k)
        total += v
    return keys, total


@cases((["a", "b", "c"],), ([],))
def for_enumerate(names):
    out = {}
    for i, name in enumerate(names, start=1):
        out[name] = i
    return out


@cases(([1, 2, 3], [10, 20, 30]), ([1, 2], [5]), ([], [1]))
def for_zip(xs, ys):
    acc = []
    for x, y in zip(xs, ys):
        acc.append(x * y)
    return acc


@cases(([1, 2, 3],), ([],), ("abc",))
def for_reversed(xs):
    out = []
    for x in reversed(xs):
        out.append(x)
    return out


@cases(("hello world",), ("",), ("aeiou",))
def for_string(s):
    vowels = 0
    for ch in s:
        if ch in "aeiou":
            vowels += 1
    return vowels


@cases(([1, 3, 5],), ([1, 4, 5],), ([],))
def for_else(xs):
    for x in xs:
        if x % 2 == 0:
            found = x
            break
    else:
        found = None
    return found


@cases(([1, -2, 3, -4],), ([],), ([-1, -1],))
def for_continue(xs):
    total = 0
    for x in xs:
        if x < 0:
            continue
        total += x
    return total


@cases(([5, 8, 13],), ([1, 2],), ([],))
def for_break(xs):
    count = 0
    for x in xs:
        if x > 7:
            break
        count += 1
    return count


@cases((3,), (0,), (4,))
def for_nested(n):
    pairs = []
    for i in range(n):
        for j in range(i):
            if (i + j) % 3 == 0:
                continue
            pairs.append((i, j))
    return pairs


@cases(([[1, 2], [3, 4]],), ([[1], [], [2, 3, 4]],), ([],))
def for_nested_break_inner(rows):
    firsts = []
    for row in rows:
        for v in row:
            firsts.append(v)
            break
        else:
            firsts.append(None)
    return firsts


@cases(([(1, "a"), (2, "b")],), ([],))
def for_tuple_target(pairs):
    nums = 0
    letters = ""
    for num, letter in pairs:
        nums += num
        letters += letter
    return nums, letters


@cases(([(1, (2, 3)), (4, (5, 6))],), ([(0, (0, 0))],))
def for_nested_tuple_target(items):
    out = []
    for a, (b, c) in items:
        out.append(a + b * c)
    return out


@cases((5,), (1,))
def for_loop_var_used_after(n):
    for i in range(n):
        pass
    return i * 10


@cases((0,), (2,))
def for_loop_var_unbound_after_empty_loop(n):
    for i in range(n):
        pass
    return i


@cases(([1, 2, 3],), ([],))
def for_list_append_pop(xs):
    stack = []
    for x in xs:
        stack.append(x)
        stack.append(x * 2)
        stack.pop()
    while stack:
        xs.append(stack.pop())
    return xs


@cases(([3, 1, 2],), ([],))
def for_over_list_mutated_inside(xs):
    # Iterating over a copy while mutating the original: the mutation must happen in place.
    for x in list(xs):
        if x > 1:
            xs.remove(x)
    return xs


# --------------------------------------------------------------------------- return anywhere


@cases((5,), (-5,), (0,))
def return_in_both_branches(x):
    if x >= 0:
        return "non-negative"
    else:
        return "negative"


@cases((None,), (3,), (-1,))
def return_early_no_value(x):
    if x is None:
        return
    if x < 0:
        return None
    return x * 2


@cases(([1, 2, 3, 4], 3), ([1, 2], 9), ([], 0))
def return_inside_for(xs, target):
    for i, x in enumerate(xs):
        if x == target:
            return i
    return -1


@cases((10,), (0,), (1000,))
def return_inside_while(limit):
    n = 1
    while True:
        n *= 3
        if n > limit:
            return n


@cases(([[1, 2], [3, 4]], 4), ([[1, 2], [3, 4]], 5), ([], 1))
def return_inside_nested_loops(grid, target):
    for r, row in enumerate(grid):
        for c, v in enumerate(row):
            if v == target:
                return r, c
    return None


@cases((5,), (-2,))
def return_in_loop_with_code_after(n):
    out = []
    for i in range(n):
        out.append(i)
        if i == 2:
            out.append("stop")
            return out
        out.append(-i)
    out.append("end")
    return out


@cases((3,), (0,))
def return_bare_inside_loop(n):
    log = []
    for i in range(n):
        log.append(i)
        if i == 1:
            print("early", log)
            return
    print("done", log)


# --------------------------------------------------------------------------- expressions


@cases((5,), (-5,), (0,))
def ifexp(x):
    sign = 1 if x > 0 else (-1 if x < 0 else 0)
    return sign, ("pos" if sign > 0 else "nonpos")


@cases((None,), (Box(3),), (Box(-1),), (Box(0),))
def and_guards_attribute(x):
    # `x.attr` must not be evaluated when x is None.
    return x is not None and x.attr > 0


@cases((True, True), (True, False), (False, True), (False, False))
def and_or_short_circuit_log(a, b):
    log = []
    first = helper_logged(log, "a", a) and helper_logged(log, "b", b)
    second = helper_logged(log, "c", a) or helper_logged(log, "d", b)
    third = not helper_logged(log, "e", b)
    return first, second, third, log


@cases((0, "default"), (5, "default"), ("", None), ([], [1]))
def or_returns_operand(x, default):
    # `and`/`or` return an operand, not a bool.
    return (x or default), (x and default)


@cases((1, 2, 3), (1, 3, 2), (3, 2, 1), (2, 2, 2))
def chained_comparison(a, b, c):
    return a < b < c, a <= b <= c, a == b == c, a < b > c


@cases((5,), (0,), (11,))
def chained_comparison_single_evaluation(x):
    # Each operand is evaluated at most once, and not at all after a false link.
    log = []
    inside = helper_logged(log, "lo", 0) < helper_logged(log, "x", x) <= helper_logged(log, "hi", 10)
    return inside, log


@cases((2, [1, 2, 3]), (5, [1, 2, 3]), ("b", "abc"), ("k", {"k": 1}))
def membership(v, container):
    return v in container, v not in container


@cases((None,), (0,), ([],))
def identity_tests(x):
    same = x is None
    other = x is not None
    singleton = [x] is [x]
    return same, other, singleton


# --------------------------------------------------------------------------- calls


@cases((3,), (-20,), (12,))
def call_module_helper(x):
    return helper_clip(helper_double(x), hi=20)


@cases((2, 3), (0, 5))
def call_closure(factor, x):
    def scale(v):
        return v * factor

    return scale(x) + scale(1)


def make_adder(k):
    def add(v):
        total = v
        for _ in range(k):
            total += 1
        return total

    return add


register(make_adder(3), (4,), (-4,), name="closure_as_subject")


@cases((0,), (1,), (6,))
def call_recursive_factorial(n):
    return factorial(n)


@cases((0,), (1,), (10,))
def call_recursive_fib(n):
    return fib(n)


@cases((0,), (7,), (10,))
def call_mutual_recursion(n):
    return is_even(n), is_odd(n)


@cases(([3, -1, 2],), ([],))
def call_lambda(xs):
    square = lambda v: v * v  # noqa: E731
    return [square(x) for x in xs], sorted(xs, key=lambda v: -v)


lambda_subject = lambda a, b=2: a * b if a > 0 else b  # noqa: E731
register(lambda_subject, (3,), (-3,), (3, 5), name="lambda_as_subject")


@cases(([1, 2, 3],), ([],))
def call_method_on_user_object(xs):
    acc = Accumulator(10)
    for x in xs:
        acc.add(x)
    return acc.total, acc.count, acc.mean()


register(Scaler(3).apply, ([1, 2],), ([],), name="bound_method_as_subject")


@cases(([3, -1, 2, 7],), ([5],))
def call_builtins(xs):
    return (
        len(xs),
        min(xs),
        max(xs),
        abs(xs[0]),
        sum(xs),
        sorted(xs),
        list(range(len(xs))),
        list(enumerate(xs)),
        list(zip(xs, xs[1:])),
        isinstance(xs[0], int),
        isinstance(xs, (tuple, dict)),
    )


@cases((4.0,), (2,), (0.25,))
def call_numpy_on_python_values(x):
    root = np.sqrt(x)
    values = np.array([x, 2 * x, 3 * x])
    return root, np.sum([1, 2, 3]), np.maximum(x, 1.0), values.tolist(), float(np.mean(values))


@cases((2,), (-1,))
def call_kwonly_and_varargs(x):
    a = helper_kwonly(x, scale=3)
    b = helper_kwonly(x, shift=-1, scale=2)
    c = helper_varargs(x, 1, 2, extra=10)
    args = (x, x)
    kwargs = {"k": x}
    d = helper_varargs(*args, **kwargs)
    return a, b, c, d


@cases((1,), (5,))
def call_prints_in_helper(x):
    y = helper_print(x)
    return helper_print(y)


# --------------------------------------------------------------------------- assert, print


@cases((5,), (0,), (-1,))
def assert_stmt(x):
    assert x >= 0, "x must be non-negative"
    assert x < 100
    return x + 1


@cases((3,), (0,))
def print_in_loop(n):
    for i in range(n):
        print("step", i, sep="=", end=";")
    print()
    print("total", n * (n - 1) // 2)
    return n


@cases(([1, 2],), ([],))
def print_values_of_many_types(xs):
    print(xs, len(xs), 1.5, None, "s", (1, "t"), {"k": xs})
    return None


# --------------------------------------------------------------------------- assignment forms


@cases(([1, 2, 3], 2), ([5], 0))
def augassign_forms(xs, i):
    n = 7
    n += 3
    n *= 2
    n //= 3
    n -= 1
    f = 1.5
    f *= 2
    xs[0] += 10
    xs[0] *= 2
    xs[i] //= 2
    s = "ab"
    s += "c"
    t = (1,)
    t += (2,)
    return n, f, xs, s, t, i


@cases(([1, 2],), ([],))
def augassign_list_aliases(xs):
    # `+=` on a list extends in place: the caller's list must change too.
    alias = xs
    alias += [99]
    alias *= 2
    return alias is xs, xs


@cases((0,), (3,))
def augassign_attribute(n):
    acc = Accumulator()
    for i in range(n):
        acc.total += i
        acc.count += 1
    acc.total *= 2
    acc.total //= 3
    return acc.total, acc.count


@cases(({"a": 1},), ({},))
def augassign_subscript_dict(d):
    for k in ["a", "b", "a"]:
        if k in d:
            d[k] += 1
        else:
            d[k] = 1
    return d


@cases(([0, 0, 0], 1, 5), ([1, 2], -1, 3), ([1], 4, 0))
def subscript_assignment(xs, i, v):
    xs[i] = v
    xs[0:1] = [v, v]
    return xs


@cases(([1, 2, 3, 4],), ([1, 2],), ([1],))
def tuple_and_starred_unpacking(xs):
    a, b = xs[0], xs[-1]
    a, b = b, a
    first, *rest = xs
    head, *middle, last = xs
    (p, q), r = (1, 2), 3
    return a, b, first, rest, head, middle, last, p + q + r


@cases(([1, 2, 3],), ([4],))
def starred_call_and_literals(xs):
    merged = [*xs, *xs]
    d = {**{"a": 1}, "b": len(xs)}
    return merged, d, max(*xs, 0)


@cases(({"a": 1, "b": 2}, "a"), ({"a": 1}, "z"), ([1, 2, 3], 0))
def del_statement(container, key):
    tmp = 5
    del tmp
    del container[key]
    return container


@cases((2,), (5,))
def del_then_reassign(n):
    v = n
    del v
    v = n * 2
    return v


# --------------------------------------------------------------------------- scopes


@cases((2,), (-1,))
def global_read(x):
    return x * SCALE + OFFSETS[1]


@cases((2,), (0,))
def global_declared_read(x):
    global SCALE
    return SCALE * x


@cases((4,), (7,))
def global_write(x):
    global _LAST_SEEN
    _LAST_SEEN = x * 2
    return _LAST_SEEN + 1


@cases(([1, 2, 3],), ([],))
def nonlocal_write_in_nested(xs):
    total = 0
    calls = 0

    def add(v):
        nonlocal total, calls
        total += v
        calls += 1

    for x in xs:
        add(x)
    return total, calls


@cases((3,), (0,))
def nonlocal_read_in_nested(n):
    base = n * 10

    def get():
        nonlocal base
        return base + 1

    return get()


@cases(Args((1,)), Args((1, 2, 3, 4), {"scale": 3}), Args((0,), {"scale": 2, "tag": "t", "other": 1}))
def signature_all_kinds(a, b=2, *args, scale=1, **kwargs):
    total = (a + b + sum(args)) * scale
    keys = sorted(kwargs)
    return total, keys


@cases(Args((1,)), Args((5,), {"b": 0}), Args((), {"a": 2, "b": 3}))
def default_args(a, b=10, c=None):
    if c is None:
        c = []
    c.append(a + b)
    return c


@cases(Args((3,), {"factor": 2}), Args((3,), {"factor": 0}), Args((), {"x": 1}))
def keyword_only_args(x=0, *, factor=5, verbose=False):
    if verbose:
        print("x", x)
    return x * factor


# --------------------------------------------------------------------------- exceptions, with


@cases(({"a": 1}, "a"), ({"a": 1}, "b"))
def try_except_inside(d, key):
    try:
        v = d[key]
    except KeyError:
        v = -1
    return v


@cases((4, 2), (4, 0))
def try_except_else_finally(a, b):
    log = []
    try:
        q = a // b
    except ZeroDivisionError as e:
        log.append(type(e).__name__)
        q = None
    else:
        log.append("ok")
    finally:
        log.append("finally")
    return q, log


@cases(([1, 0, 2],), ([],))
def try_except_in_loop(xs):
    out = []
    for x in xs:
        try:
            out.append(10 // x)
        except ZeroDivisionError:
            out.append(None)
    return out


@cases((1, 0), (5, 2))
def raises_zero_division(a, b):
    for i in range(3):
        a += i
    return a // b


@cases(({"x": 1}, "x"), ({"x": 1}, "y"))
def raises_key_error(d, key):
    if len(d) > 0:
        return d[key]
    return None


@cases(([1, 2], 1), ([1, 2], 5))
def raises_index_error_after_mutation(xs, i):
    xs.append(0)
    return xs[i]


@cases((3,), (-3,), (0,))
def raises_user_exception(x):
    while x != 0:
        if x < 0:
            raise CorpusError("negative")
        x -= 1
    if x == 0:
        raise ValueError("reached zero")


@cases(([1, 2, 3],), ([],))
def with_contextlib(xs):
    log = []
    with logging_context(log, "outer") as depth:
        log.append(depth)
        with contextlib.suppress(IndexError):
            log.append(xs[5])
        total = sum(xs)
    log.append(total)
    return log


@cases((3,), (0,))
def with_in_loop(n):
    log = []
    for i in range(n):
        with logging_context(log, str(i)):
            log.append(i * i)
    return log


# --------------------------------------------------------------------------- comprehensions


@cases(([1, 2, 3, 4],), ([],))
def comprehensions(xs):
    squares = [x * x for x in xs if x % 2 == 0]
    table = {x: x + 1 for x in xs}
    distinct = {x % 2 for x in xs}
    pairs = [(a, b) for a in xs for b in xs if a < b]
    return squares, table, distinct, pairs


@cases(([1, 2, 3],), ([],), ([-1, 5],))
def generator_expressions(xs):
    total = sum(x * x for x in xs)
    positive = all(x > 0 for x in xs)
    anyodd = any(x % 2 for x in xs)
    return total, positive, anyodd, tuple(str(x) for x in xs)


@cases((3, [1, 2]), (0, [5]))
def comprehension_reads_locals_and_closure(k, xs):
    offset = k + 1

    def shifted(v):
        return v + offset

    return [shifted(x) * k for x in xs if x != k]


# --------------------------------------------------------------------------- mixtures


@cases(([4, -1, 0, 7, 3],), ([],), ([-5, -2],))
def mixture_filter_and_stats(xs):
    pos = []
    neg = 0
    for x in xs:
        if x > 0:
            pos.append(x)
        elif x < 0:
            neg += 1
        else:
            continue
    mean = sum(pos) / len(pos) if pos else None
    return pos, neg, mean


@cases(("hello world hello",), ("",), ("a b c a",))
def mixture_word_count(text):
    counts = {}
    for word in text.split():
        counts[word] = counts.get(word, 0) + 1
    best = None
    for word, n in counts.items():
        if best is None or n > counts[best]:
            best = word
    return counts, best


@cases((20,), (2,), (1,))
def mixture_primes(limit):
    primes = []
    n = 2
    while n <= limit:
        for p in primes:
            if p * p > n:
                primes.append(n)
                break
            if n % p == 0:
                break
        else:
            primes.append(n)
        n += 1
    return primes


@cases(([1, 3, 5, 7, 9], 7), ([1, 3, 5, 7, 9], 4), ([], 1))
def mixture_binary_search(xs, target):
    lo, hi = 0, len(xs) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        if xs[mid] == target:
            return mid
        elif xs[mid] < target:
            lo = mid + 1
        else:
            hi = mid - 1
    return -(lo + 1)


@cases(([5, 2, 9, 1],), ([],), ([1, 1],))
def mixture_bubble_sort_in_place(xs):
    n = len(xs)
    swaps = 0
    for i in range(n):
        swapped = False
        for j in range(n - 1 - i):
            if xs[j] > xs[j + 1]:
                xs[j], xs[j + 1] = xs[j + 1], xs[j]
                swaps += 1
                swapped = True
        if not swapped:
            break
    return swaps


@cases((1.0,), (2.0,), (0.0,))
def mixture_float_newton(a):
    if a == 0.0:
        return 0.0
    x = a
    for _ in range(50):
        nxt = 0.5 * (x + a / x)
        if abs(nxt - x) < 1e-12:
            break
        x = nxt
    return x


@cases(([1, 2, 3], 2), ([], 2), ([1, 2, 3], 1))
def mixture_chunks_and_prints(xs, size):
    chunks = []
    i = 0
    while i < len(xs):
        chunk = xs[i:i + size]
        print("chunk", chunk)
        chunks.append(chunk)
        i += size
    return chunks


@cases((3, 4), (0, 0), (2, -1))
def mixture_nested_while_for_return(a, b):
    i = 0
    while i < 5:
        for j in range(3):
            if i * j == a + b:
                return i, j
            if j > i:
                continue
        i += 1
    else:
        return None


@cases(("madam",), ("abca",), ("",))
def mixture_palindrome(s):
    i, j = 0, len(s) - 1
    while i < j:
        if s[i] != s[j]:
            return False
        i += 1
        j -= 1
    return True


@cases(([None, 1, "a", 2.5, [1], (2,), {"k": 3}],), ([],))
def mixture_type_dispatch(items):
    kinds = []
    for item in items:
        if item is None:
            kinds.append("none")
        elif isinstance(item, bool):
            kinds.append("bool")
        elif isinstance(item, (int, float)):
            kinds.append("number")
        elif isinstance(item, str):
            kinds.append("str")
        elif isinstance(item, dict):
            kinds.append("dict:" + ",".join(item))
        else:
            kinds.append(type(item).__name__)
    return kinds


@cases((5,), (0,), (12,))
def mixture_fizzbuzz(n):
    out = []
    for i in range(1, n + 1):
        word = ""
        if i % 3 == 0:
            word += "Fizz"
        if i % 5 == 0:
            word += "Buzz"
        out.append(word or i)
    return out


@cases(([[1, 2], [3, 4]],), ([[1]],), ([],))
def mixture_matrix_transpose(m):
    if not m:
        return []
    rows, cols = len(m), len(m[0])
    t = [[0] * rows for _ in range(cols)]
    for i in range(rows):
        for j in range(cols):
            t[j][i] = m[i][j]
    return t
