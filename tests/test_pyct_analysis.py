"""Tests of pyct.analysis: activity, liveness and definedness on small functions."""

from __future__ import annotations

import ast
import sys
import textwrap

import pytest

from autograph.pyct import anno
from autograph.pyct.analysis import activity, definedness, liveness


def _fn(text: str) -> ast.FunctionDef:
    return ast.parse(textwrap.dedent(text)).body[0]


def _stmt(fn: ast.AST, first_line: str) -> ast.stmt:
    """The statement inside `fn` whose rendered first line is `first_line`."""
    for node in ast.walk(fn):
        if isinstance(node, ast.stmt) and node is not fn:
            if ast.unparse(node).splitlines()[0] == first_line:
                return node
    raise AssertionError(f"no statement {first_line!r}")


def _block(text: str) -> list[ast.stmt]:
    return ast.parse(textwrap.dedent(text)).body


def _scope(text: str) -> tuple[set, set, set]:
    scope = activity.block_scope(_block(text))
    return scope.read, scope.modified, scope.nonlocals


# --- activity ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, read, modified",
    [
        ("x = a + b", {"a", "b"}, {"x"}),
        ("x += y", {"x", "y"}, {"x"}),
        ("a[i] = v", {"a", "i", "v"}, {"a"}),
        ("a.b.c = v", {"a", "v"}, {"a"}),
        ("a[i] += v", {"a", "i", "v"}, {"a"}),
        ("a[i][j].x = f(k)", {"a", "i", "j", "f", "k"}, {"a"}),
        ("f(x).y = 1", {"f", "x"}, set()),
        ("x, (y, *z) = t", {"t"}, {"x", "y", "z"}),
        ("x: int", set(), set()),
        ("x: int = y", {"y"}, {"x"}),
        ("for i, j in pairs:\n    s = s + i", {"pairs", "s", "i"}, {"i", "j", "s"}),
        ("for a[k] in xs:\n    pass", {"a", "k", "xs"}, {"a"}),
        ("with open(p) as fh:\n    data = fh.read()", {"open", "p", "fh"}, {"fh", "data"}),
        ("try:\n    pass\nexcept E as e:\n    log(e)", {"E", "log", "e"}, {"e"}),
        ("import os.path as osp, numpy\nfrom a import b as c, d", set(), {"osp", "numpy", "c", "d"}),
        ("from m import *", set(), set()),
        ("def g():\n    pass\nclass K:\n    pass", set(), {"g", "K"}),
        ("del q", set(), {"q"}),
        ("del a[i]", {"a", "i"}, {"a"}),
        ("if (n := len(a)) > 1:\n    pass", {"len", "a"}, {"n"}),
        ("if c:\n    x = 1\nelse:\n    y = x", {"c", "x"}, {"x", "y"}),
        ("while i < n:\n    i += 1\n    break", {"i", "n"}, {"i"}),
    ],
)
def test_activity_block_scope(text, read, modified):
    got_read, got_modified, nonlocals = _scope(text)
    assert (got_read, got_modified, nonlocals) == (read, modified, set())


def test_activity_global_nonlocal_declarations():
    read, modified, nonlocals = _scope("global g\nnonlocal h\ng = 1\nh += 1")
    assert (read, modified, nonlocals) == ({"h"}, {"g", "h"}, {"g", "h"})


def test_activity_nested_def_free_reads_only():
    text = """
        @deco
        def inner(p, *rest, q=d, **kw) -> R:
            r = p + free + q
            return r + len(rest) + len(kw)
    """
    assert _scope(text) == ({"deco", "d", "R", "free", "len"}, {"inner"}, set())


def test_activity_nested_def_nonlocal_assignment_modifies_enclosing():
    text = """
        def inner():
            nonlocal count
            global total
            count += 1
            total = 0
            local = 2
    """
    assert _scope(text) == ({"count"}, {"inner", "count", "total"}, set())


def test_activity_nested_def_mutating_free_name_is_not_a_modification():
    assert _scope("def g():\n    buf[0] = 1") == ({"buf"}, {"g"}, set())


def test_activity_nonlocal_two_levels_down():
    # `nonlocal x` in inner binds mid's x when mid has one, else the enclosing block's.
    mid_binds = """
        def mid():
            x = 0
            def inner():
                nonlocal x
                x = 1
    """
    mid_does_not = """
        def mid():
            def inner():
                nonlocal x
                x = 1
    """
    assert _scope(mid_binds) == (set(), {"mid"}, set())
    assert _scope(mid_does_not) == (set(), {"mid", "x"}, set())


def test_activity_lambda():
    assert _scope("f = lambda u, w=k: u + w + z") == ({"k", "z"}, {"f"}, set())


@pytest.mark.parametrize(
    "text, read, modified",
    [
        ("ys = [x * s for x in xs if x > t]", {"s", "xs", "t"}, {"ys"}),
        ("ys = {k: v for k, v in d.items()}", {"d"}, {"ys"}),
        ("ys = [[y for y in row] for row in m]", {"m"}, {"ys"}),
        ("ys = [y for row in m for y in row]", {"m"}, {"ys"}),
        ("ys = [(last := x) for x in xs]", {"xs"}, {"ys", "last"}),
        ("ys = [[(last := y) for y in r] for r in m]", {"m"}, {"ys", "last"}),
        ("g = (x + k for x in range(n))", {"k", "range", "n"}, {"g"}),
    ],
)
def test_activity_comprehensions(text, read, modified):
    assert _scope(text) == (read, modified, set())


def test_activity_class_body_names_hidden_from_methods():
    text = """
        class K(Base):
            attr = base_val
            other = attr
            def m(self):
                return helper(attr)
    """
    # `attr` read inside the method is not the class's attr: it is a free read.
    assert _scope(text) == ({"Base", "base_val", "helper", "attr"}, {"K"}, set())
    assert _scope("class K:\n    a = 1\n    b = a") == (set(), {"K"}, set())


def test_activity_expr_scope():
    scope = activity.expr_scope(ast.parse("f(a, (b := c), lambda q: q + d)", mode="eval").body)
    assert (scope.read, scope.modified) == ({"f", "a", "c", "d"}, {"b"})


def test_activity_analyze_annotates_compound_statements():
    fn = _fn(
        """
        def f(xs, n):
            total = 0
            for i, x in enumerate(xs):
                if x > n:
                    total += x
                else:
                    skipped = i
            else:
                done = True
            while total > n:
                total -= 1
            def nested():
                inner = 1
            return total
        """
    )
    activity.analyze(fn)
    loop = _stmt(fn, "for i, x in enumerate(xs):")
    assert anno.getanno(loop, anno.ITERATE_SCOPE).read == {"enumerate", "xs"}
    body = anno.getanno(loop, anno.BODY_SCOPE)
    assert (body.read, body.modified) == ({"x", "n", "total", "i"}, {"i", "x", "total", "skipped"})
    assert anno.getanno(loop, anno.ORELSE_SCOPE).modified == {"done"}
    branch = _stmt(fn, "if x > n:")
    assert anno.getanno(branch, anno.COND_SCOPE).read == {"x", "n"}
    assert anno.getanno(branch, anno.BODY_SCOPE).modified == {"total"}
    assert anno.getanno(branch, anno.ORELSE_SCOPE).modified == {"skipped"}
    assert anno.getanno(branch, anno.SCOPE).modified == {"total", "skipped"}
    loop2 = _stmt(fn, "while total > n:")
    assert anno.getanno(loop2, anno.COND_SCOPE).read == {"total", "n"}
    assert anno.getanno(loop2, anno.BODY_SCOPE).modified == {"total"}
    assert anno.getanno(loop2, anno.ORELSE_SCOPE).modified == set()
    assert anno.getanno(_stmt(fn, "total -= 1"), anno.SCOPE).read == {"total"}
    assert not anno.hasanno(_stmt(fn, "inner = 1"), anno.SCOPE)
    assert anno.getanno(_stmt(fn, "def nested():"), anno.SCOPE).modified == {"nested"}
    assert anno.getanno(fn, anno.BODY_SCOPE).modified == {
        "total", "i", "x", "skipped", "done", "nested"
    }


def test_activity_definitely_bound():
    def bound(text):
        return activity.definitely_bound(ast.parse(text).body[0])

    assert bound("x, y = z = f()") == {"x", "y", "z"}
    assert bound("v = (a := 1) + (b and (c := 2)) + (d if (e := 3) else (g := 4))") == {"v", "a", "e"}
    assert bound("v = a < (b := 1) < (c := 2)") == {"v", "b"}
    assert bound("a[i] = 1") == set()
    assert bound("del x") == set()
    assert bound("for x in (it := y):\n    z = 1") == {"it"}
    assert bound("with a() as (p, q), b():\n    r = 1") == {"p", "q"}
    assert bound("import a.b") == {"a"}


# --- liveness ----------------------------------------------------------------------


def _live(fn, first_line):
    stmt = _stmt(fn, first_line)
    return set(anno.getanno(stmt, anno.LIVE_IN)), set(anno.getanno(stmt, anno.LIVE_OUT))


def _liveness(text):
    fn = _fn(text)
    liveness.analyze(fn)
    return fn


def test_liveness_straight_line():
    fn = _liveness(
        """
        def f(a, b):
            c = a + 1
            d = c * b
            return d
        """
    )
    assert _live(fn, "c = a + 1") == ({"a", "b"}, {"b", "c"})
    assert _live(fn, "d = c * b") == ({"b", "c"}, {"d"})
    assert _live(fn, "return d") == ({"d"}, set())
    assert anno.getanno(fn, anno.LIVE_IN) == {"a", "b"}


def test_liveness_if_elif_else():
    fn = _liveness(
        """
        def f(x, y, z):
            if x > 0:
                r = y
            elif x < 0:
                r = z
            else:
                r = 0
            return r
        """
    )
    assert _live(fn, "if x > 0:") == ({"x", "y", "z"}, {"r"})
    assert _live(fn, "r = y") == ({"y"}, {"r"})
    assert _live(fn, "if x < 0:") == ({"x", "z"}, {"r"})
    assert _live(fn, "r = 0") == (set(), {"r"})


def test_liveness_while_break_continue_else():
    fn = _liveness(
        """
        def f(n, k):
            i = 0
            total = 0
            while i < n:
                i += 1
                tmp = i * 2
                if i == k:
                    continue
                if i > 100:
                    break
                total += tmp
            else:
                total = -1
            return total
        """
    )
    head = {"i", "k", "n", "total"}
    assert _live(fn, "while i < n:") == (head, {"total"})
    assert _live(fn, "i = 0") == ({"k", "n"}, {"i", "k", "n"})
    assert _live(fn, "total = 0") == ({"i", "k", "n"}, head)
    assert _live(fn, "tmp = i * 2") == (head, head | {"tmp"})
    assert _live(fn, "continue") == (head, head)
    assert _live(fn, "break") == ({"total"}, {"total"})
    assert _live(fn, "if i > 100:") == (head | {"tmp"}, head | {"tmp"})
    assert _live(fn, "total += tmp") == (head | {"tmp"}, head)
    assert _live(fn, "total = -1") == (set(), {"total"})


def test_liveness_for_with_break_and_else():
    fn = _liveness(
        """
        def f(xs, t):
            found = None
            for x in xs:
                if x == t:
                    found = x
                    break
            else:
                found = -1
            return found
        """
    )
    # Every path through the loop rebinds `found`: it is dead after `found = None`.
    assert _live(fn, "found = None") == ({"t", "xs"}, {"t", "xs"})
    assert _live(fn, "for x in xs:") == ({"t", "xs"}, {"found"})
    assert _live(fn, "if x == t:") == ({"t", "x"}, {"t"})
    assert _live(fn, "found = x") == ({"x"}, {"found"})
    assert _live(fn, "break") == ({"found"}, {"found"})


def test_liveness_loop_carried_value():
    fn = _liveness(
        """
        def f(xs):
            acc = 0
            last = 0
            for x in xs:
                acc = acc + x
                last = x
            return acc
        """
    )
    assert _live(fn, "for x in xs:") == ({"acc", "xs"}, {"acc"})
    assert _live(fn, "acc = acc + x") == ({"acc", "x"}, {"acc", "x"})
    assert _live(fn, "last = x") == ({"acc", "x"}, {"acc"})
    assert _live(fn, "last = 0") == ({"acc", "xs"}, {"acc", "xs"})


def test_liveness_return_in_loop():
    fn = _liveness(
        """
        def f(xs, y):
            for x in xs:
                if x:
                    return y
            return 0
        """
    )
    assert _live(fn, "return y") == ({"y"}, set())
    assert _live(fn, "for x in xs:") == ({"xs", "y"}, set())
    assert _live(fn, "return 0") == (set(), set())


def test_liveness_nested_loops_with_continue():
    fn = _liveness(
        """
        def f(n):
            s = 0
            for i in range(n):
                for j in range(i):
                    if j % 2:
                        continue
                    s += j
            return s
        """
    )
    assert _live(fn, "for i in range(n):") == ({"n", "range", "s"}, {"s"})
    assert _live(fn, "for j in range(i):") == ({"i", "range", "s"}, {"range", "s"})
    assert _live(fn, "continue") == ({"range", "s"}, {"range", "s"})
    assert _live(fn, "s += j") == ({"j", "range", "s"}, {"range", "s"})


def test_liveness_walrus_in_while_test():
    fn = _liveness(
        """
        def f(it):
            while (item := next(it)) is not None:
                use(item)
        """
    )
    assert _live(fn, "while (item := next(it)) is not None:") == ({"it", "next", "use"}, set())
    assert _live(fn, "use(item)") == ({"it", "item", "next", "use"}, {"it", "next", "use"})


def test_liveness_try_except_finally():
    fn = _liveness(
        """
        def f(a):
            x = 0
            try:
                x = g(a)
                y = 1
            except ValueError as e:
                log(e, x)
            finally:
                cleanup()
            return x
        """
    )
    # If g raises, the handler reads the old x: x is live after `x = 0`.
    assert _live(fn, "x = 0")[1] == {"a", "cleanup", "g", "log", "ValueError", "x"}
    assert _live(fn, "y = 1") == ({"cleanup", "log", "ValueError", "x"}, {"cleanup", "x"})
    assert _live(fn, "log(e, x)") == ({"cleanup", "e", "log", "x"}, {"cleanup", "x"})
    assert _live(fn, "cleanup()") == ({"cleanup", "x"}, {"x"})
    assert _live(fn, "try:") == ({"a", "cleanup", "g", "log", "ValueError", "x"}, {"x"})


def test_liveness_return_through_finally():
    fn = _liveness(
        """
        def f(a, b):
            try:
                return a
            finally:
                print(b)
        """
    )
    assert _live(fn, "return a") == ({"a", "b", "print"}, {"b", "print"})
    assert _live(fn, "print(b)") == ({"b", "print"}, set())


def test_liveness_break_through_finally():
    fn = _liveness(
        """
        def f(xs):
            r = 0
            for x in xs:
                try:
                    r = x
                    break
                finally:
                    note = r
            return r
        """
    )
    assert _live(fn, "break") == ({"r"}, {"r"})
    assert _live(fn, "note = r") == ({"r"}, {"r"})


def test_liveness_raise():
    fn = _liveness(
        """
        def f(a, b):
            if a:
                raise ValueError(b)
            return a
        """
    )
    assert _live(fn, "raise ValueError(b)") == ({"ValueError", "b"}, set())
    assert _live(fn, "if a:") == ({"ValueError", "a", "b"}, {"a"})


def test_liveness_with():
    fn = _liveness(
        """
        def f(p):
            with open(p) as fh:
                data = fh.read()
            return data
        """
    )
    assert _live(fn, "with open(p) as fh:") == ({"open", "p"}, {"data"})
    assert _live(fn, "data = fh.read()") == ({"fh"}, {"data"})


def test_liveness_nested_def_and_comprehension():
    fn = _liveness(
        """
        def f(a, xs, s):
            k = a * 2
            def g(x):
                return x + k
            ys = [x * s for x in xs]
            return g, ys
        """
    )
    assert _live(fn, "k = a * 2") == ({"a", "s", "xs"}, {"k", "s", "xs"})
    assert _live(fn, "def g(x):") == ({"k", "s", "xs"}, {"g", "s", "xs"})
    assert _live(fn, "ys = [x * s for x in xs]") == ({"g", "s", "xs"}, {"g", "ys"})
    assert not anno.hasanno(_stmt(fn, "return x + k"), anno.LIVE_IN)


def test_liveness_subscript_augmented_and_unpacking():
    fn = _liveness(
        """
        def f(a, i, v, t):
            a[i] = v
            a[i] += 1
            x, (y, z) = t
            del a
            return x + z
        """
    )
    assert _live(fn, "a[i] = v") == ({"a", "i", "t", "v"}, {"a", "i", "t"})
    assert _live(fn, "a[i] += 1") == ({"a", "i", "t"}, {"a", "t"})
    assert _live(fn, "x, (y, z) = t") == ({"a", "t"}, {"a", "x", "z"})
    assert _live(fn, "del a") == ({"a", "x", "z"}, {"x", "z"})


def test_liveness_live_in_of_block():
    body = _block(
        """
        y = x + 1
        if y > 3:
            break
        z = y
        """
    )
    assert liveness.live_in_of_block(body, frozenset({"z", "w"})) == {"x", "w", "z"}
    assert anno.getanno(body[2], anno.LIVE_IN) == {"y", "w"}


@pytest.mark.skipif(sys.version_info < (3, 10), reason="match needs Python 3.10")
def test_liveness_match():
    fn = _liveness(
        """
        def f(p, d):
            match p:
                case [a, b] if a > lim:
                    r = b
                case Point(x=0):
                    r = d
            return r
        """
    )
    assert _live(fn, "match p:") == ({"Point", "d", "lim", "p", "r"}, {"r"})


# --- definedness ---------------------------------------------------------------------


def _defined(fn, first_line):
    return set(anno.getanno(_stmt(fn, first_line), anno.DEFINED_IN))


def _definedness(text):
    fn = _fn(text)
    definedness.analyze(fn)
    return fn


def test_definedness_params():
    fn = _definedness(
        """
        def f(a, /, b, *args, c, d=1, **kw):
            return a
        """
    )
    assert _defined(fn, "return a") == {"a", "b", "args", "c", "d", "kw"}
    assert anno.getanno(fn, anno.DEFINED_IN) == {"a", "b", "args", "c", "d", "kw"}


def test_definedness_if_both_branches():
    fn = _definedness(
        """
        def f(c):
            if c:
                x = 1
                y = 1
            else:
                x = 2
            return x
        """
    )
    assert _defined(fn, "y = 1") == {"c", "x"}
    assert _defined(fn, "x = 2") == {"c"}
    assert _defined(fn, "return x") == {"c", "x"}


def test_definedness_branch_that_returns_does_not_count():
    fn = _definedness(
        """
        def f(c):
            if c:
                return 0
            else:
                y = 1
            return y
        """
    )
    assert _defined(fn, "return y") == {"c", "y"}


def test_definedness_while_body_adds_nothing_after():
    fn = _definedness(
        """
        def f(n):
            i = 0
            while i < n:
                j = i
                i += 1
                k = j
            return i
        """
    )
    assert _defined(fn, "j = i") == {"n", "i"}
    assert _defined(fn, "k = j") == {"n", "i", "j"}
    assert _defined(fn, "return i") == {"n", "i"}


def test_definedness_for_target_break_and_else():
    fn = _definedness(
        """
        def f(xs):
            for x in xs:
                if x:
                    y = x
                    break
            else:
                y = None
            for z in xs:
                w = z
            return y
        """
    )
    assert _defined(fn, "y = x") == {"xs", "x"}
    assert _defined(fn, "y = None") == {"xs"}
    assert _defined(fn, "w = z") == {"xs", "y", "z"}
    assert _defined(fn, "return y") == {"xs", "y"}


def test_definedness_continue():
    fn = _definedness(
        """
        def f(xs):
            for x in xs:
                if x:
                    continue
                w = x
            return 0
        """
    )
    assert _defined(fn, "w = x") == {"xs", "x"}
    assert _defined(fn, "continue") == {"xs", "x"}
    assert _defined(fn, "return 0") == {"xs"}


def test_definedness_del_in_loop_reaches_next_iteration():
    fn = _definedness(
        """
        def f(n):
            x = 0
            while n:
                y = x
                del x
            return n
        """
    )
    assert _defined(fn, "y = x") == {"n"}
    assert _defined(fn, "return n") == {"n"}


def test_definedness_try():
    fn = _definedness(
        """
        def f(a):
            try:
                b = g(a)
            except Exception as e:
                c = e
            else:
                h = b
            finally:
                d = 1
            return a
        """
    )
    assert _defined(fn, "b = g(a)") == {"a"}
    assert _defined(fn, "c = e") == {"a", "e"}
    assert _defined(fn, "h = b") == {"a", "b"}
    assert _defined(fn, "d = 1") == {"a"}
    assert _defined(fn, "return a") == {"a", "d"}


def test_definedness_with_walrus_and_nested_def():
    fn = _definedness(
        """
        def f(p):
            with open(p) as fh:
                data = fh.read()
            if (m := len(data)) > 0:
                r = m
            def g():
                inner = 1
            return g
        """
    )
    assert _defined(fn, "data = fh.read()") == {"p", "fh"}
    assert _defined(fn, "r = m") == {"p", "fh", "data", "m"}
    assert _defined(fn, "def g():") == {"p", "fh", "data", "m"}
    assert _defined(fn, "return g") == {"p", "fh", "data", "m", "g"}
    assert not anno.hasanno(_stmt(fn, "inner = 1"), anno.DEFINED_IN)


def test_definedness_dead_code_and_del():
    fn = _definedness(
        """
        def f(a):
            x = 1
            del x
            while a:
                return a
                dead = 1
            return 0
        """
    )
    assert _defined(fn, "dead = 1") == {"a"}
    assert _defined(fn, "return 0") == {"a"}


@pytest.mark.skipif(sys.version_info < (3, 10), reason="match needs Python 3.10")
def test_definedness_match():
    with_wildcard = _definedness(
        """
        def f(p):
            match p:
                case [a, b]:
                    r = a
                case _:
                    r = 0
            return r
        """
    )
    assert _defined(with_wildcard, "r = a") == {"p", "a", "b"}
    assert _defined(with_wildcard, "return r") == {"p", "r"}
    without = _definedness(
        """
        def f(p):
            match p:
                case [a, b]:
                    r = a
            return p
        """
    )
    assert _defined(without, "return p") == {"p"}
